from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onewindow.core import audit
from onewindow.halls.models import Hall, Window, Zone


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "phone", "is_active")
    search_fields = ("name", "code")

    def save_model(self, request: HttpRequest, obj: Hall, form: Any, change: bool) -> None:
        before = audit.snapshot(Hall.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            action=f"halls.hall.{'updated' if change else 'created'}",
            actor=request.user,
            obj=obj,
            before=before,
            after=audit.snapshot(obj),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # halls are deactivated, never deleted (staff and history point at them)


class _ReadMostlyAdmin(admin.ModelAdmin):
    """Set-up happens on the hall manager's pages (with audit events); the admin only looks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Zone)
class ZoneAdmin(_ReadMostlyAdmin):
    list_display = ("name", "hall", "floor", "sort_order")
    list_filter = ("hall",)
    search_fields = ("name",)


@admin.register(Window)
class WindowAdmin(_ReadMostlyAdmin):
    list_display = ("number", "name", "hall", "kind", "zone", "department", "state", "clerk")
    list_filter = ("hall", "kind", "state", "is_active")
    search_fields = ("name", "clerk__full_name", "clerk__username")
    list_select_related = ("hall", "zone", "department", "clerk")
