"""Read helpers: the complaint list with lights, and the statistics."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, When
from django.utils.translation import gettext

from onewindow.cases import clock
from onewindow.complaints import services
from onewindow.complaints.models import (
    Complaint,
    ComplaintCause,
    ComplaintChannel,
    ComplaintStatus,
    Satisfaction,
)
from onewindow.core.calendar import shared_calendar

LIST_LIMIT = 200
FILTERS = ("all", "mine", "department", "overdue", "escalated")


def visible_to(user: Any) -> QuerySet[Complaint]:
    """The complaints `user` may see (see `services.in_scope`)."""
    qs = Complaint.objects.all()
    if user.is_superuser:
        return qs
    if user.department_id is not None:
        qs = qs.filter(department_id=user.department_id)
        return qs.filter(hall_id=user.hall_id) if user.hall_id is not None else qs
    return qs.filter(hall_id=user.hall_id) if user.hall_id is not None else qs.none()


@dataclass(frozen=True)
class Row:
    complaint: Complaint
    state: clock.ClockState | None
    identity: bool  # whether this user sees the complainant in full

    @property
    def light(self) -> str:
        return self.state.light if self.state else "none"

    @property
    def light_text(self) -> str:
        if self.state is None:
            return "—"
        if self.state.light == clock.Light.RED:
            return gettext("%(n)s working day(s) overdue") % {"n": -self.state.remaining_days}
        return gettext("%(n)s working day(s) left") % {"n": self.state.remaining_days}

    @property
    def status_label(self) -> str:
        return str(ComplaintStatus(self.complaint.status).label)


def complaint_list(
    *, user: Any, which: str, today: datetime.date, limit: int = LIST_LIMIT
) -> list[Row]:
    """The complaints of `which` filter: escalated ones first for the hall manager, then open
    ones by due date, then the rest, newest first. A fixed number of queries."""
    qs = visible_to(user)
    calendar = shared_calendar()
    if which == "mine":
        qs = qs.filter(handler=user)
    elif which == "department":
        qs = qs.filter(department_id=user.department_id) if user.department_id else qs.none()
    elif which == "overdue":
        qs = qs.open().filter(due_on__lt=services.last_working_day(today, calendar))
    elif which == "escalated":
        qs = qs.open().filter(escalated_at__isnull=False)
    qs = qs.annotate(
        escalated_first=Case(
            When(Q(escalated_at__isnull=False, status__in=list(services.OPEN_STATUSES)), then=0),
            default=1,
            output_field=IntegerField(),
        ),
        open_first=Case(
            When(status__in=list(services.OPEN_STATUSES), then=0),
            default=1,
            output_field=IntegerField(),
        ),
    ).order_by("escalated_first", "open_first", "due_on", "-registered_at", "-id")
    complaints = list(qs.select_related("department", "handler", "item")[:limit])
    is_manager = user.has_role("hall_manager")
    return [
        Row(
            complaint=c,
            state=services.complaint_clock(c, today, calendar=calendar),
            identity=(c.handler_id == user.pk) or (is_manager and c.hall_id == user.hall_id),
        )
        for c in complaints
    ]


# --- statistics ---------------------------------------------------------------------------------


@dataclass
class Statistics:
    total: int = 0
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_cause: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    replied: int = 0
    replied_on_time: int = 0
    rated: int = 0
    by_satisfaction: list[tuple[str, int]] = field(default_factory=list)
    escalated: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.replied_on_time / self.replied if self.replied else None

    by_satisfaction_keys: list[tuple[str, int]] = field(default_factory=list)

    @property
    def on_time_percent(self) -> float | None:
        rate = self.on_time_rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def satisfied_percent(self) -> float | None:
        rate = self.satisfied_rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def satisfied_rate(self) -> float | None:
        """满意率: satisfied and basically satisfied, of those who rated."""
        if not self.rated:
            return None
        counts = dict(self.by_satisfaction_keys)
        return (counts.get(Satisfaction.SATISFIED, 0) + counts.get(Satisfaction.BASICALLY, 0)) / (
            self.rated
        )


def statistics(
    *,
    hall_id: int | None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Statistics:
    """Counts of a hall's complaints registered between `start` and `end` (local days,
    inclusive; either may be open). Five queries."""
    qs = Complaint.objects.all()
    if hall_id is not None:
        qs = qs.filter(hall_id=hall_id)
    if start is not None:
        qs = qs.filter(registered_at__date__gte=start)
    if end is not None:
        qs = qs.filter(registered_at__date__lte=end)
    qs = qs.order_by()

    def grouped(column: str) -> dict[Any, int]:
        return {
            row[column]: row["n"] for row in qs.values(column).annotate(n=Count("pk")).order_by()
        }

    channels = grouped("channel")
    causes = grouped("cause")
    statuses = grouped("status")
    departments = {
        (row["department__name"] or ""): row["n"]
        for row in qs.values("department__name").annotate(n=Count("pk")).order_by()
    }
    totals = qs.aggregate(
        total=Count("pk"),
        replied=Count("pk", filter=Q(replied_at__isnull=False)),
        on_time=Count("pk", filter=Q(replied_on_time=True)),
        satisfied=Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        basically=Count("pk", filter=Q(satisfaction=Satisfaction.BASICALLY)),
        dissatisfied=Count("pk", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
    )
    satisfaction_keys = [
        (Satisfaction.SATISFIED.value, totals["satisfied"]),
        (Satisfaction.BASICALLY.value, totals["basically"]),
        (Satisfaction.DISSATISFIED.value, totals["dissatisfied"]),
    ]
    return Statistics(
        total=totals["total"],
        by_channel=[(str(c.label), channels.get(c.value, 0)) for c in ComplaintChannel],
        by_department=sorted(
            ((name or gettext("Not assigned yet"), n) for name, n in departments.items()),
            key=lambda pair: (-pair[1], pair[0]),
        ),
        by_cause=[(str(c.label), causes.get(c.value, 0)) for c in ComplaintCause],
        by_status=[(str(s.label), statuses.get(s.value, 0)) for s in ComplaintStatus],
        replied=totals["replied"],
        replied_on_time=totals["on_time"],
        rated=totals["satisfied"] + totals["basically"] + totals["dissatisfied"],
        by_satisfaction=[(str(Satisfaction(k).label), n) for k, n in satisfaction_keys],
        by_satisfaction_keys=satisfaction_keys,
        escalated=totals["escalated"],
    )
