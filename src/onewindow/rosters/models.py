"""值班: the hall's duty shifts — seven-day service (七天工作制: which windows and staff serve on
weekends and holidays, and when) and leaders on duty (一把手坐班). Planned by hall managers
through `rosters.services`, shown on the public /duty/ page and the hall display."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ShiftKind(models.TextChoices):
    WEEKEND = "weekend", _("Weekend and holiday service (七天工作制)")
    LEADER = "leader", _("Leader on duty (一把手坐班)")


class DutyShift(models.Model):
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("Date"))
    kind = models.CharField(_("Kind"), max_length=10, choices=ShiftKind.choices)
    starts = models.TimeField(_("From"))
    ends = models.TimeField(_("Until"))
    windows = models.ManyToManyField(
        "halls.Window", verbose_name=_("Windows open"), blank=True, related_name="+"
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("Staff on duty"), blank=True, related_name="+"
    )
    leader_name = models.CharField(_("Leader"), max_length=50, blank=True)
    leader_title = models.CharField(_("Title"), max_length=100, blank=True)
    note = models.CharField(_("Note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Duty shift")
        verbose_name_plural = _("Duty shifts")
        ordering = ["hall", "date", "starts", "id"]
        indexes = [models.Index(fields=["hall", "date"], name="rosters_shift_hall_date")]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="rosters_shift_hours"),
            models.CheckConstraint(
                condition=~Q(kind="leader") | ~Q(leader_name=""),
                name="rosters_leader_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"

    @property
    def kind_label(self) -> str:
        return str(ShiftKind(self.kind).label)

    @property
    def hours(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"
