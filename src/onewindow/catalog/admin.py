"""The catalog in the Django admin: a fallback for administrators.

The hall manager's own pages (catalog/views/manage.py) are the main way to edit the catalog.
Edits made here still write an audit event with before/after and, for guide content, a new
item version, so the history stays complete whichever screen was used.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from onewindow.catalog import services
from onewindow.catalog.models import (
    Answer,
    CatalogRevision,
    Delegation,
    DelegationAgreement,
    Department,
    ItemVersion,
    Material,
    ReviewPoint,
    Scenario,
    ServiceItem,
    Synonym,
)
from onewindow.core import audit


def _item_of(obj: models.Model) -> ServiceItem | None:
    if isinstance(obj, ServiceItem):
        return obj
    if isinstance(obj, Material):
        return obj.scenario.item
    item_id = getattr(obj, "item_id", None)
    return ServiceItem.objects.filter(pk=item_id).first() if item_id else None


class AuditedAdmin(admin.ModelAdmin):
    """Writes `catalog.<noun>.created/updated/deleted` with before/after for admin edits."""

    audit_noun = ""

    def _action(self, verb: str) -> str:
        return f"catalog.{self.audit_noun or self.model._meta.model_name}.{verb}"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk:
            current = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = audit.snapshot(current) if current is not None else None
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj)
        if before != after:
            audit.record(
                action=self._action("updated" if change else "created"),
                actor=request.user,
                obj=obj,
                before=before,
                after=after,
                note="admin",
            )
        self._new_version(request, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        item = _item_of(obj) if not isinstance(obj, ServiceItem) else None
        audit.record(
            action=self._action("deleted"),
            actor=request.user,
            obj=obj,
            before=audit.snapshot(obj),
            note="admin",
        )
        super().delete_model(request, obj)
        if item is not None:
            services.record_item_version(item=item, actor=request.user, note="admin")
        services.bump_revision()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def _new_version(self, request: HttpRequest, obj: Any) -> None:
        item = _item_of(obj)
        if item is not None:
            services.record_item_version(item=item, actor=request.user, note="admin")
        else:
            services.bump_revision()


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "window_location", "phone", "sort_order", "is_active"]
    list_editable = ["sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name", "short_name", "codes"]


@admin.register(ServiceItem)
class ServiceItemAdmin(AuditedAdmin):
    audit_noun = "item"
    list_display = [
        "name",
        "implementation_code",
        "department",
        "item_type",
        "status",
        "version",
        "updated_at",
    ]
    list_filter = ["status", "item_type", "audience", "one_window", "department"]
    search_fields = ["name", "implementation_code", "basic_code", "aliases"]
    list_select_related = ["department"]
    readonly_fields = ["version", "created_at", "updated_at"]
    autocomplete_fields = ["department"]
    list_per_page = 50


@admin.register(Scenario)
class ScenarioAdmin(AuditedAdmin):
    list_display = ["name", "code", "item", "promised_limit_days", "sort_order"]
    search_fields = ["name", "code", "item__name", "item__implementation_code"]
    list_select_related = ["item"]
    raw_id_fields = ["item"]


@admin.register(Material)
class MaterialAdmin(AuditedAdmin):
    list_display = ["name", "code", "scenario", "required", "trust_level", "may_defer"]
    list_filter = ["required", "trust_level", "source", "medium", "may_defer"]
    search_fields = ["name", "code", "scenario__item__name"]
    list_select_related = ["scenario"]
    raw_id_fields = ["scenario"]


@admin.register(ReviewPoint)
class ReviewPointAdmin(AuditedAdmin):
    list_display = ["code", "__str__", "item", "material"]
    search_fields = ["code", "text", "item__name"]
    list_select_related = ["item", "material"]
    raw_id_fields = ["item", "material"]


@admin.register(Answer)
class AnswerAdmin(AuditedAdmin):
    list_display = ["code", "question", "item", "reviewed_at"]
    search_fields = ["code", "question", "answer", "item__name"]
    list_select_related = ["item"]
    raw_id_fields = ["item"]


@admin.register(DelegationAgreement)
class DelegationAgreementAdmin(AuditedAdmin):
    audit_noun = "agreement"
    list_display = ["number", "title", "department", "signed_on", "valid_from", "valid_until"]
    list_filter = ["department"]
    search_fields = ["number", "title", "department__name"]
    list_select_related = ["department"]
    date_hierarchy = "signed_on"


@admin.register(Delegation)
class DelegationAdmin(AuditedAdmin):
    list_display = ["item", "power", "agreement", "granted_at"]
    list_filter = ["power", "item__department"]
    search_fields = ["item__name", "item__implementation_code", "agreement__number"]
    list_select_related = ["item", "agreement"]
    raw_id_fields = ["item", "agreement"]


@admin.register(Synonym)
class SynonymAdmin(AuditedAdmin):
    list_display = ["term", "canonical", "note", "updated_at"]
    search_fields = ["term", "canonical", "note"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ItemVersion)
class ItemVersionAdmin(_ReadOnlyAdmin):
    list_display = ["item", "number", "created_at", "created_by", "note"]
    search_fields = ["item__name", "item__implementation_code"]
    list_select_related = ["item", "created_by"]


@admin.register(CatalogRevision)
class CatalogRevisionAdmin(_ReadOnlyAdmin):
    list_display = ["revision", "updated_at"]
