"""Audit log and working-day calendar."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly(_("The audit log is append-only; events cannot be changed."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(_("The audit log is append-only; events cannot be deleted."))

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        from django.contrib.contenttypes.models import ContentType

        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """One immutable record of a state change: who did what to which object, from what to what."""

    action = models.CharField(_("Action code"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("Actor name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("Object"), max_length=300, blank=True)
    before = models.JSONField(_("Before"), null=True, blank=True)
    after = models.JSONField(_("After"), null=True, blank=True)
    note = models.TextField(_("Note"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit event")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly(_("The audit log is append-only; events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(_("The audit log is append-only; events cannot be deleted."))

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field that differs."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class CalendarYear(models.Model):
    """A year the working-day calendar knows. Dates in other years raise UnknownCalendarYear."""

    class Source(models.TextChoices):
        LIBRARY = "library", _("Holiday library")
        MANUAL = "manual", _("Entered by an administrator")

    year = models.PositiveSmallIntegerField(_("Year"), unique=True)
    source = models.CharField(_("Source"), max_length=10, choices=Source.choices)
    note = models.CharField(_("Note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Calendar year")
        verbose_name_plural = _("Calendar year")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Mon–Fri rule: a weekday holiday or a working weekend (调休)."""

    class Source(models.TextChoices):
        LIBRARY = "library", _("Holiday library")
        MANUAL = "manual", _("Entered by an administrator")

    date = models.DateField(_("Date"), unique=True)
    is_workday = models.BooleanField(_("Working day"))
    name = models.CharField(_("Name"), max_length=50, blank=True)
    source = models.CharField(_("Source"), max_length=10, choices=Source.choices)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Calendar day")
        verbose_name_plural = _("Calendar day")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("Working day") if self.is_workday else _("Rest day")
        return f"{self.date} {kind} {self.name}"
