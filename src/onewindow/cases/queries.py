"""Read helpers for case lists: the back office's work queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch

from onewindow.cases import clock
from onewindow.cases.models import Case, CasePause, CaseStatus
from onewindow.core.calendar import UnknownCalendarYear, WorkingCalendar

BACK_OFFICE_STATUSES = (
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.CORRECTION,
    CaseStatus.SPECIAL,
)
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class QueueRow:
    case: Case
    state: clock.ClockState | None

    @property
    def light(self) -> str:
        return self.state.light if self.state else "unknown"


def review_queue(
    *,
    department_id: int,
    today: datetime.date,
    reviewer: Any = None,
    limit: int = QUEUE_LIMIT,
) -> list[QueueRow]:
    """A department's open back-office cases, the most urgent first (paused ones last).

    Four queries whatever the length: the cases, their pauses, and the calendar's two.
    """
    cases = (
        Case.objects.filter(department_id=department_id, status__in=BACK_OFFICE_STATUSES)
        .select_related("item", "reviewer")
        .prefetch_related(
            Prefetch("pauses", queryset=CasePause.objects.order_by("started_on", "id"))
        )
        .order_by(F("due_on").asc(nulls_last=True), "accepted_at", "id")
    )
    if reviewer is not None:
        cases = cases.filter(reviewer=reviewer)
    calendar = WorkingCalendar()
    rows = []
    for case in cases[:limit]:
        state = case_clock(case, today, pauses=case.pauses.all(), calendar=calendar)
        rows.append(QueueRow(case=case, state=state))
    return rows


@dataclass(frozen=True)
class MaterialLine:
    material: Any  # CaseMaterial
    points: list[str]


def materials_with_points(case: Case) -> tuple[list[MaterialLine], list[str]]:
    """The case's materials, each with its review points from the pinned item version, and
    the item-wide review points."""
    snapshot = case.item_version.snapshot
    by_material: dict[str, list[str]] = {}
    general: list[str] = []
    for point in snapshot.get("review_points", []):
        key = point.get("material") or ""
        if not key:
            general.append(point.get("text", ""))
        elif key.split("/", 1)[0] == case.scenario_code:
            by_material.setdefault(key.split("/", 1)[-1], []).append(point.get("text", ""))
    lines = [
        MaterialLine(material=m, points=by_material.get(m.code, [])) for m in case.materials.all()
    ]
    return lines, general


def as_clock_pauses(rows: Any) -> list[clock.Pause]:
    """`CasePause` rows (in time order) as the clock's pauses."""
    return [
        clock.Pause(kind=p.kind, started_on=p.started_on, ended_on=p.ended_on, restart=p.restart)
        for p in rows
    ]


def case_clock(
    case: Case,
    today: datetime.date,
    *,
    pauses: Any = None,
    calendar: WorkingCalendar | None = None,
) -> clock.ClockState | None:
    """The case's clock as of `today`; None before acceptance, once final, or when the
    calendar cannot say (an unknown year). `pauses`: the case's pause rows if already loaded."""
    if not case.accepted_on or case.is_final:
        return None
    if pauses is None:
        pauses = CasePause.objects.filter(case=case).order_by("started_on", "id")
    try:
        return clock.clock_state(
            started_on=case.accepted_on,
            limit_days=case.promised_limit_days,
            pauses=as_clock_pauses(pauses),
            today=today,
            calendar=calendar,
        )
    except (UnknownCalendarYear, ValueError):
        return None
