"""Django admin for the calendar and the audit log.

Calendar changes made here go through `core.services`, so they are audited like those made on
the calendar page. The audit log is read-only here as everywhere.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext

from onewindow.core.models import AuditEvent, CalendarDay, CalendarYear
from onewindow.core.services import (
    FIRST_ENTERABLE_YEAR,
    LAST_ENTERABLE_YEAR,
    add_calendar_year,
    clear_calendar_day,
    set_calendar_day,
)


class CalendarDayAdminForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name"]

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day is not None and not CalendarYear.objects.filter(year=day.year).exists():
            raise forms.ValidationError(
                gettext(
                    "The calendar for %(year)s has not been entered yet. Add the year first, "
                    "then set its days."
                )
                % {"year": day.year}
            )
        return day


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayAdminForm
    list_display = ["date", "is_workday", "name", "source", "updated_at"]
    list_filter = ["source", "is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Changing the date would move an entry; clear it and set the other date instead.
        if obj is not None:
            return ["date", *self.readonly_fields]
        return self.readonly_fields

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only an administrator's entry can be removed; library rows come back with the library.
        if obj is not None and obj.source != CalendarDay.Source.MANUAL:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        row = set_calendar_day(
            day=obj.date, is_workday=obj.is_workday, name=obj.name, actor=request.user
        )
        obj.pk, obj.source, obj.updated_at = row.pk, row.source, row.updated_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        clear_calendar_day(day=obj.date, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for row in queryset.filter(source=CalendarDay.Source.MANUAL):
            clear_calendar_day(day=row.date, actor=request.user)


class CalendarYearAdminForm(forms.ModelForm):
    year = forms.IntegerField(min_value=FIRST_ENTERABLE_YEAR, max_value=LAST_ENTERABLE_YEAR)

    class Meta:
        model = CalendarYear
        fields = ["year", "note"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearAdminForm
    list_display = ["year", "source", "note", "created_at"]
    list_filter = ["source"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        row = add_calendar_year(year=obj.year, actor=request.user, note=obj.note)
        obj.pk, obj.source, obj.created_at = row.pk, row.source, row.created_at


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_name", "object_repr"]
    list_filter = ["action"]
    search_fields = ["action", "actor_name", "object_repr", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
