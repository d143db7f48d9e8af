"""Planning duty shifts: one transaction each, validated, with an audit record.

A weekend/holiday service shift may only be planned on a rest day of the working-day calendar
(that is what seven-day service means), so the displays need not ask the calendar again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.core import audit
from onewindow.core.calendar import UnknownCalendarYear, shared_calendar
from onewindow.halls.models import Hall, Window
from onewindow.rosters.models import DutyShift, ShiftKind

EARLIEST = datetime.time(6, 0)
LATEST = datetime.time(22, 0)


class RosterError(Exception):
    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


@dataclass(frozen=True)
class ShiftData:
    date: datetime.date
    kind: str
    starts: datetime.time
    ends: datetime.time
    windows: list[Window] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    leader_name: str = ""
    leader_title: str = ""
    note: str = ""


def _check(hall: Hall, data: ShiftData, today: datetime.date) -> None:
    if data.date < today:
        raise RosterError(_("A date in the past cannot be planned."), code="past", field="date")
    if data.kind not in ShiftKind.values:
        raise RosterError(_("Choose the kind of duty."), code="kind", field="kind")
    if not (EARLIEST <= data.starts < data.ends <= LATEST):
        raise RosterError(
            _("The hours must run forwards between %(a)s and %(b)s.")
            % {"a": EARLIEST.strftime("%H:%M"), "b": LATEST.strftime("%H:%M")},
            code="hours",
            field="ends",
        )
    if any(w.hall_id != hall.pk for w in data.windows):
        raise RosterError(_("Choose windows of this hall."), code="window_hall", field="windows")
    if any(u.hall_id != hall.pk or not u.is_active for u in data.staff):
        raise RosterError(_("Choose staff of this hall."), code="staff_hall", field="staff")
    if data.kind == ShiftKind.LEADER:
        if not data.leader_name.strip():
            raise RosterError(_("Enter the leader's name."), code="leader", field="leader_name")
        if not data.leader_title.strip():
            raise RosterError(_("Enter the leader's title."), code="title", field="leader_title")
        return
    try:
        workday = shared_calendar().is_workday(data.date)
    except UnknownCalendarYear as error:
        raise RosterError(error.message, code="calendar", field="date") from error
    if workday:
        raise RosterError(
            _("%(day)s is a working day: weekend service is planned on rest days only.")
            % {"day": data.date.isoformat()},
            code="workday",
            field="date",
        )
    if not data.windows:
        raise RosterError(_("Choose the windows that are open."), code="windows", field="windows")
    if not data.staff:
        raise RosterError(_("Choose the staff on duty."), code="staff", field="staff")


def _fill(shift: DutyShift, data: ShiftData) -> None:
    shift.date = data.date
    shift.kind = data.kind
    shift.starts = data.starts
    shift.ends = data.ends
    leader = data.kind == ShiftKind.LEADER
    shift.leader_name = data.leader_name.strip() if leader else ""
    shift.leader_title = data.leader_title.strip() if leader else ""
    shift.note = data.note.strip()


def _snapshot(shift: DutyShift) -> dict[str, Any]:
    return {
        **audit.snapshot(shift),
        "windows": sorted(w.pk for w in shift.windows.all()),
        "staff": sorted(u.pk for u in shift.staff.all()),
    }


def plan_shift(
    *, hall: Hall, data: ShiftData, actor: Any, today: datetime.date | None = None
) -> DutyShift:
    _check(hall, data, today or timezone.localdate())
    with transaction.atomic():
        Hall.objects.select_for_update().filter(pk=hall.pk).first()  # one planner at a time
        shift = DutyShift(hall=hall)
        _fill(shift, data)
        shift.save()
        is_weekend = data.kind == ShiftKind.WEEKEND
        shift.windows.set(data.windows if is_weekend else [])
        shift.staff.set(data.staff if is_weekend else [])
        audit.record(action="rosters.shift.planned", actor=actor, obj=shift, after=_snapshot(shift))
    return shift


def change_shift(
    *, shift: DutyShift, data: ShiftData, actor: Any, today: datetime.date | None = None
) -> DutyShift:
    today = today or timezone.localdate()
    with transaction.atomic():
        shift = DutyShift.objects.select_for_update().select_related("hall").get(pk=shift.pk)
        if shift.date < today:
            raise RosterError(_("A past shift cannot be changed."), code="past", field="date")
        _check(shift.hall, data, today)
        before = _snapshot(shift)
        _fill(shift, data)
        shift.save()
        is_weekend = data.kind == ShiftKind.WEEKEND
        shift.windows.set(data.windows if is_weekend else [])
        shift.staff.set(data.staff if is_weekend else [])
        audit.record(
            action="rosters.shift.changed",
            actor=actor,
            obj=shift,
            before=before,
            after=_snapshot(shift),
        )
    return shift


def remove_shift(*, shift: DutyShift, actor: Any, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    with transaction.atomic():
        shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
        if shift.date < today:
            raise RosterError(_("A past shift cannot be removed."), code="past", field="date")
        before = _snapshot(shift)
        audit.record(action="rosters.shift.removed", actor=actor, obj=shift, before=before)
        shift.delete()
