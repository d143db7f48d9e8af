"""Read helpers: the helper's workbench with lights, and the hall manager's statistics."""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from onewindow.assist.models import (
    OPEN_STATUSES,
    AssistMode,
    AssistRequest,
    RequestStatus,
)
from onewindow.core.calendar import UnknownCalendarYear, shared_calendar

LIST_LIMIT = 200


@dataclass(frozen=True)
class Row:
    request: AssistRequest
    light: str  # green / yellow / red / done
    days_left: int | None

    @property
    def light_text(self) -> str:
        if self.light == "done":
            return "—"
        if self.light == "red":
            return gettext("Overdue")
        if self.days_left is None:
            return "—"
        return gettext("%(n)s working day(s) left") % {"n": self.days_left}


def light_of(
    request: AssistRequest, today: datetime.date, calendar: Any = None
) -> tuple[str, int | None]:
    """Green, yellow (ONEWINDOW_CASE_YELLOW_SHARE of the days used) or red (overdue)."""
    if request.status not in OPEN_STATUSES:
        return "done", None
    if today > request.due_on:
        return "red", 0
    calendar = calendar or shared_calendar()
    try:
        start = timezone.localdate(request.created_at)
        total = max(calendar.working_days_between(start, request.due_on), 1)
        left = calendar.working_days_between(today, request.due_on)
    except UnknownCalendarYear:
        return "green", None
    used = total - left
    if used >= total * settings.ONEWINDOW_CASE_YELLOW_SHARE:
        return "yellow", left
    return "green", left


def rows(requests: Any, today: datetime.date | None = None) -> list[Row]:
    today = today or timezone.localdate()
    calendar = shared_calendar()  # read once for the whole list
    result = []
    for request in requests:
        light, left = light_of(request, today, calendar)
        result.append(Row(request=request, light=light, days_left=left))
    return result


def workbench(helper: Any, *, show_closed: bool = False) -> list[Row]:
    """The helper's requests: open ones by expected completion (or the latest closed ones)."""
    qs = AssistRequest.objects.filter(helper=helper).select_related("item")
    if show_closed:
        qs = qs.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-id")
    else:
        qs = qs.filter(status__in=OPEN_STATUSES).order_by("due_on", "created_at", "id")
    return rows(qs[:LIST_LIMIT])


def hall_requests(hall_id: int | None, *, status: str = "") -> list[Row]:
    qs = AssistRequest.objects.filter(hall_id=hall_id).select_related("item", "helper")
    qs = qs.filter(status=status) if status else qs.filter(status__in=OPEN_STATUSES)
    return rows(qs.order_by("due_on", "created_at", "id")[:LIST_LIMIT])


def statistics(
    hall_id: int | None, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> dict[str, Any]:
    """Counts by item, mode and status; completion on time; average working days to complete."""
    qs = AssistRequest.objects.filter(hall_id=hall_id)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    by_item = list(qs.values("item__name").annotate(n=Count("id")).order_by("-n", "item__name"))
    modes = dict(qs.values_list("mode").annotate(n=Count("id")).order_by())
    statuses = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    completed = list(
        qs.filter(status=RequestStatus.COMPLETED).values_list("created_at", "closed_at", "due_on")
    )
    calendar = shared_calendar()
    on_time = 0
    total_days = 0
    for created_at, closed_at, due_on in completed:
        closed_day = timezone.localdate(closed_at)
        if closed_day <= due_on:
            on_time += 1
        with contextlib.suppress(UnknownCalendarYear):
            total_days += calendar.working_days_between(timezone.localdate(created_at), closed_day)
    done = len(completed)
    return {
        "total": sum(statuses.values()),
        "by_item": by_item,
        "by_mode": [(str(m.label), modes.get(m.value, 0)) for m in AssistMode],
        "by_status": [(str(s.label), statuses.get(s.value, 0)) for s in RequestStatus],
        "completed": done,
        "on_time": on_time,
        "on_time_rate": round(100 * on_time / done, 1) if done else None,
        "average_days": round(total_days / done, 1) if done else None,
    }
