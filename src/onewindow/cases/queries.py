"""Read helpers for case lists: the back office's work queue."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext

from onewindow.cases import clock
from onewindow.cases.models import (
    FINAL_STATUSES,
    INTAKE_STATUSES,
    Case,
    CasePause,
    CaseStatus,
    HandOver,
    HandOverCase,
    case_day,
)
from onewindow.core.calendar import UnknownCalendarYear, WorkingCalendar, shared_calendar

BACK_OFFICE_STATUSES = (
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.CORRECTION,
    CaseStatus.SPECIAL,
)
QUEUE_LIMIT = 200
DELIVERY_DAYS = 10  # 行政许可法 Art. 44: the result reaches the applicant within 10 working days


@dataclass(frozen=True)
class QueueRow:
    case: Case
    state: clock.ClockState | None

    @property
    def light(self) -> str:
        return self.state.light if self.state else "unknown"

    @property
    def status_label(self) -> str:
        # Not `case.get_status_display`: Django rebuilds the whole table of translated choices
        # on every call of that (0.1 ms, a fifth of a row's rendering).
        return str(CaseStatus(self.case.status).label)

    @property
    def light_text(self) -> str:
        """What the light says ("3 working day(s) left"), built here rather than with a
        {% blocktranslate %} per row, which cost a third of the page's rendering."""
        if self.state is None:
            return "—"
        if self.state.light == clock.Light.PAUSED:
            return gettext("Paused")
        if self.state.light == clock.Light.RED:
            return gettext("%(n)s working day(s) overdue") % {"n": -self.state.remaining_days}
        return gettext("%(n)s working day(s) left") % {"n": self.state.remaining_days}

    @property
    def url(self) -> str:
        return _review_url_prefix() + self.case.number + "/"

    @property
    def hand_over(self) -> HandOver | None:
        """The sheet the paper dossier travels on (loaded with the row), if any."""
        line = getattr(self.case, "hand_over_line", None)
        return line.hand_over if line is not None else None


@functools.cache
def _review_url_prefix() -> str:
    return reverse("cases:review-case", args=["0"])[: -len("0/")]


def review_queue(
    *,
    department_id: int,
    today: datetime.date,
    reviewer: Any = None,
    limit: int = QUEUE_LIMIT,
) -> list[QueueRow]:
    """A department's open back-office cases, the most urgent first (paused ones last).

    Four queries whatever the length: the cases, their pauses, and the calendar's two. The
    page's cases are picked in a subquery from the narrow rows: a large department has
    thousands of open cases, and sorting them joined with their items and reviewers took
    longer than the rest of the page.
    """
    urgency = (F("due_on").asc(nulls_last=True), "accepted_at", "id")
    open_cases = Case.objects.filter(department_id=department_id, status__in=BACK_OFFICE_STATUSES)
    if reviewer is not None:
        open_cases = open_cases.filter(reviewer=reviewer)
    cases = list(
        Case.objects.filter(pk__in=open_cases.order_by(*urgency).values("pk")[:limit])
        .select_related("item", "reviewer", "hand_over_line__hand_over")
        .order_by(*urgency)
    )
    pauses = clock_pauses([case.pk for case in cases])
    calendar = shared_calendar()
    return [
        QueueRow(
            case=case,
            state=case_clock(case, today, pauses=pauses.get(case.pk, []), calendar=calendar),
        )
        for case in cases
    ]


def clock_pauses(case_ids: list[int]) -> dict[int, list[clock.Pause]]:
    """The pauses of these cases in time order, as the clock's pauses (one query, no models)."""
    pauses: dict[int, list[clock.Pause]] = {}
    rows = (
        CasePause.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "started_on", "id")
        .values_list("case_id", "kind", "started_on", "ended_on", "restart")
    )
    for case_id, kind, started_on, ended_on, restart in rows:
        pauses.setdefault(case_id, []).append(
            clock.Pause(kind=kind, started_on=started_on, ended_on=ended_on, restart=restart)
        )
    return pauses


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
            yellow_share=settings.ONEWINDOW_CASE_YELLOW_SHARE,
            calendar=calendar,
        )
    except (UnknownCalendarYear, ValueError):
        return None


def delivery_clock(
    case: Case, today: datetime.date, *, calendar: WorkingCalendar | None = None
) -> clock.ClockState | None:
    """The delivery step's clock: 10 working days from the decision (行政许可法 Art. 44)."""
    if case.decided_at is None or case.is_final:
        return None
    try:
        return clock.clock_state(
            started_on=case_day(case.decided_at),
            limit_days=DELIVERY_DAYS,
            pauses=[],
            today=today,
            yellow_share=settings.ONEWINDOW_CASE_YELLOW_SHARE,
            calendar=calendar,
        )
    except (UnknownCalendarYear, ValueError):
        return None


# --- material transfer (材料流转) ----------------------------------------------------------------

HAND_OVER_LIMIT = 300
SHEET_LIMIT = 100


@dataclass(frozen=True)
class PaperGroup:
    """One department's accepted cases whose paper dossier has not travelled yet."""

    department: Any
    cases: list[Case]  # each annotated with `paper_documents`

    @property
    def documents(self) -> int:
        return sum(c.paper_documents for c in self.cases)


def paper_to_hand_over(*, hall_id: int | None, limit: int = HAND_OVER_LIMIT) -> list[PaperGroup]:
    """The hall's accepted cases with paper documents not yet on a hand-over sheet, by department.

    One query: what `services.hand_over_paper` would accept, oldest acceptance first.
    """
    cases = (
        Case.objects.filter(hall_id=hall_id, hand_over_line__isnull=True)
        .exclude(status__in=[*INTAKE_STATUSES, *FINAL_STATUSES])
        .annotate(paper_documents=Count("materials", filter=Q(materials__paper=True)))
        .filter(paper_documents__gt=0)
        .select_related("item", "department")
        .order_by("department__name", "department_id", "accepted_at", "id")[:limit]
    )
    groups: list[PaperGroup] = []
    for case in cases:
        if not groups or groups[-1].department.pk != case.department_id:
            groups.append(PaperGroup(department=case.department, cases=[]))
        groups[-1].cases.append(case)
    return groups


def hand_over_sheets(**filters: Any) -> Any:
    """Hand-over sheets with their case and document counts (one query)."""
    return (
        HandOver.objects.filter(**filters)
        .select_related("hall", "department", "created_by", "confirmed_by")
        .annotate(case_count=Count("lines"), document_count=Sum("lines__documents"))
    )


@dataclass(frozen=True)
class MaterialTransfer:
    """How the materials reached the back office: electronic ones with the acceptance, paper ones
    on a hand-over sheet the department confirms."""

    accepted_at: datetime.datetime | None
    accepted_by: Any
    paper_documents: int
    line: HandOverCase | None

    @property
    def paper_received(self) -> bool:
        return self.line is not None and self.line.hand_over.confirmed_at is not None


def material_transfer(case: Case, *, events: list[Any], materials: list[Any]) -> MaterialTransfer:
    """From the case's loaded events and materials, plus one query for its hand-over line."""
    accepted = next((e for e in events if e.action == "case.accepted"), None)
    line = (
        HandOverCase.objects.select_related("hand_over__created_by", "hand_over__confirmed_by")
        .filter(case=case)
        .first()
    )
    return MaterialTransfer(
        accepted_at=accepted.at if accepted else case.accepted_at,
        accepted_by=accepted.actor if accepted else None,
        paper_documents=sum(1 for m in materials if m.paper),
        line=line,
    )


# --- scenarios and uploaded files ----------------------------------------------------------------


def scenario_options(item: Any) -> list[dict[str, Any]]:
    """An item's scenarios as the applicant chooses between them (at the window and online):
    code, name, what it covers and its conditions, and the materials it asks for (one query
    for the scenarios, one for their materials)."""
    scenarios = item.scenarios.order_by("sort_order", "id").prefetch_related("materials")
    return [
        {
            "code": s.code,
            "name": s.name,
            "description": s.description,
            "conditions": s.conditions,
            "materials": [m.name for m in s.materials.all()],
        }
        for s in scenarios
    ]


def with_files(case: Case, lines: list[Any]) -> list[Any]:
    """Give each line's material its uploaded files as `file_list` (one query)."""
    from onewindow.cases.models import CaseFile

    by_material: dict[int | None, list[Any]] = {}
    for case_file in CaseFile.objects.filter(case=case).order_by("uploaded_at", "id"):
        by_material.setdefault(case_file.material_id, []).append(case_file)
    for line in lines:
        line.material.file_list = by_material.get(line.material.pk, [])
    return lines
