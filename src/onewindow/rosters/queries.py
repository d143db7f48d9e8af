"""Reading rosters: the public two-week page, the planning page and the hall display."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from onewindow.accounts.models import User
from onewindow.core.calendar import UnknownCalendarYear, shared_calendar
from onewindow.halls.models import Window
from onewindow.rosters.models import DutyShift, ShiftKind


@dataclass
class Day:
    date: datetime.date
    is_workday: bool | None  # None: the calendar does not know the year
    leaders: list[DutyShift] = field(default_factory=list)
    services: list[DutyShift] = field(default_factory=list)

    @property
    def shifts(self) -> list[DutyShift]:
        return self.leaders + self.services


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def days(hall_id: int, first: datetime.date, last: datetime.date) -> list[Day]:
    """Each day from `first` to `last` with its shifts (three queries) and whether it is a
    working day."""
    shifts = (
        DutyShift.objects.filter(hall_id=hall_id, date__gte=first, date__lte=last)
        .prefetch_related(
            Prefetch("windows", queryset=Window.objects.order_by("number")),
            Prefetch("staff", queryset=User.objects.order_by("full_name", "username")),
        )
        .order_by("date", "starts", "id")
    )
    calendar = shared_calendar()
    result: dict[datetime.date, Day] = {}
    day = first
    while day <= last:
        try:
            workday: bool | None = calendar.is_workday(day)
        except UnknownCalendarYear:
            workday = None
        result[day] = Day(date=day, is_workday=workday)
        day += datetime.timedelta(days=1)
    for shift in shifts:
        target = result[shift.date]
        (target.leaders if shift.kind == ShiftKind.LEADER else target.services).append(shift)
    return list(result.values())


def display_duty(hall_id: int, today: datetime.date) -> dict[str, Any]:
    """Today's leaders on duty and weekend service for the hall display, in one query.

    Weekend service is only planned on rest days (see services), so its presence says today
    is one. No phone or ID number: names, titles, windows and hours only.
    """
    rows = (
        DutyShift.objects.filter(hall_id=hall_id, date=today)
        .order_by("starts", "id", "windows__number", "staff__full_name")
        .values(
            "id",
            "kind",
            "starts",
            "ends",
            "leader_name",
            "leader_title",
            "windows__number",
            "windows__name",
            "staff__full_name",
            "staff__username",
        )
    )
    shifts: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = shifts.setdefault(
            row["id"],
            {
                "kind": row["kind"],
                "hours": f"{row['starts']:%H:%M}–{row['ends']:%H:%M}",
                "leader_name": row["leader_name"],
                "leader_title": row["leader_title"],
                "windows": [],
                "staff": [],
            },
        )
        if row["windows__number"] is not None and row["windows__number"] not in entry["windows"]:
            entry["windows"].append(row["windows__number"])
        name = row["staff__full_name"] or row["staff__username"]
        if name and name not in entry["staff"]:
            entry["staff"].append(name)
    leaders = [
        {"name": s["leader_name"], "title": s["leader_title"], "hours": s["hours"]}
        for s in shifts.values()
        if s["kind"] == ShiftKind.LEADER
    ]
    service = [
        {"hours": s["hours"], "windows": sorted(s["windows"]), "staff": s["staff"]}
        for s in shifts.values()
        if s["kind"] == ShiftKind.WEEKEND
    ]
    return {"leaders": leaders, "weekend_service": service}
