"""Accounts in the Django admin (the administrator's tool): staff, their roles, hall and department.

Changes are written to the audit log like every other state change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onewindow.accounts.models import Role, User
from onewindow.core import audit

_AUDITED = ["username", "full_name", "phone", "hall", "department", "is_active", "is_staff"]


class _ScopeMixin(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        groups = data.get("groups")
        is_reviewer = groups is not None and any(g.name == Role.REVIEWER for g in groups)
        if is_reviewer and not data.get("department"):
            self.add_error("department", _("A back-office reviewer must belong to a department."))
        return data


class StaffChangeForm(_ScopeMixin, UserChangeForm):
    pass


class StaffCreationForm(_ScopeMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "hall", "department")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ("username", "full_name", "hall", "department", "roles", "is_active")
    list_filter = ("groups", "hall", "department", "is_active")
    search_fields = ("username", "full_name", "phone")
    list_select_related = ("hall", "department")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Staff member"), {"fields": ("full_name", "phone", "hall", "department")}),
        (_("Roles"), {"fields": ("groups", "is_active", "is_staff")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "hall",
                    "department",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Roles"))
    def roles(self, obj: User) -> str:
        labels = dict(Role.choices)
        return "、".join(str(labels.get(g.name, g.name)) for g in obj.groups.all())

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        before = None
        if change:
            before = audit.snapshot(User.objects.get(pk=obj.pk), _AUDITED)
        super().save_model(request, obj, form, change)
        request._ow_user_before = before  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj = form.instance
        old_roles = sorted(obj.groups.values_list("name", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_ow_user_before", None)
        after = audit.snapshot(obj, _AUDITED)
        after["roles"] = sorted(obj.groups.values_list("name", flat=True))
        if before is not None:
            before["roles"] = old_roles
        if before != after:
            audit.record(
                action=f"accounts.user.{'updated' if change else 'created'}",
                actor=request.user,
                obj=obj,
                before=before,
                after=after,
            )
