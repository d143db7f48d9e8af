"""Read side of ratings: the lights of open rectifications and the results figures.

Results count each rated service or case once, by its latest rating (a re-rating after a
rectification replaces the first), and leave out ratings excluded by an upheld appeal (they stay
listed for supervisors, apart).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from onewindow.evaluations.models import (
    BAD_LEVELS,
    Evaluation,
    Level,
    RatingChannel,
    Rectification,
    RectificationStatus,
)

GOOD = Q(level__gte=Level.BASICALLY_SATISFIED)
BAD = Q(level__in=[int(v) for v in BAD_LEVELS])


def light(due: datetime.date | None, today: datetime.date) -> str:
    """red: overdue; yellow: due today; green: later."""
    if due is None:
        return "done"
    if today > due:
        return "red"
    return "yellow" if today == due else "green"


@dataclass
class RectificationRow:
    rectification: Rectification
    due: datetime.date | None
    light: str


def rectification_rows(hall_id: int, today: datetime.date, *, open_only: bool = True) -> list:
    """The hall's rectifications, most urgent first, each with its stage's due date and light."""
    qs = Rectification.objects.filter(evaluation__hall_id=hall_id).select_related(
        "evaluation__window", "evaluation__clerk", "evaluation__item", "evaluation__department"
    )
    if open_only:  # (a rating excluded by an appeal needs no more work)
        qs = qs.exclude(status=RectificationStatus.REPORTED).filter(evaluation__excluded=False)
    rows = []
    for r in qs:
        due = {
            RectificationStatus.VERIFYING: r.verify_due,
            RectificationStatus.RECTIFYING: r.rectify_due,
        }.get(r.status)
        rows.append(RectificationRow(r, due, light(due, today)))
    order = {"red": 0, "yellow": 1, "green": 2, "done": 3}
    rows.sort(
        key=lambda row: (order[row.light], row.due or datetime.date.max, row.rectification.pk)
    )
    return rows


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = end + datetime.timedelta(days=1)
    until = datetime.datetime.combine(after, datetime.time.min, tzinfo=tz)
    return since, until


def counted(hall_id: int, start: datetime.date, end: datetime.date) -> QuerySet[Evaluation]:
    """The ratings that count in a period (local dates, both included)."""
    since, until = _bounds(start, end)
    rerated = Evaluation.objects.filter(attempt=2).filter(
        Q(ticket__isnull=False, ticket_id=OuterRef("ticket_id"))
        | Q(case__isnull=False, case_id=OuterRef("case_id"))
    )
    return (
        Evaluation.objects.filter(hall_id=hall_id, excluded=False, rated_at__gte=since)
        .filter(rated_at__lt=until)
        .annotate(superseded=Exists(rerated))
        .filter(Q(attempt=2) | Q(superseded=False))
    )


@dataclass
class Line:
    key: Any
    label: str
    n: int
    good: int
    bad: int
    score: float

    @property
    def good_rate(self) -> float:
        return round(100 * self.good / self.n, 1) if self.n else 0.0


@dataclass
class Results:
    start: datetime.date
    end: datetime.date
    total: Line
    levels: list[tuple[str, int]] = field(default_factory=list)
    by: dict[str, list[Line]] = field(default_factory=dict)
    named_bad: int = 0
    named_bad_verified: int = 0
    reported: int = 0
    reported_on_time: int = 0
    open_lights: dict[str, int] = field(default_factory=dict)
    excluded: list[Evaluation] = field(default_factory=list)
    trend: list[Line] = field(default_factory=list)
    demo: int = 0

    @property
    def callback_rate(self) -> float | None:
        """实名差评回访率: bad ratings with a number that were verified with the rater."""
        if not self.named_bad:
            return None
        return round(100 * self.named_bad_verified / self.named_bad, 1)

    @property
    def on_time_rate(self) -> float | None:
        if not self.reported:
            return None
        return round(100 * self.reported_on_time / self.reported, 1)


def _aggregate(qs: QuerySet[Evaluation], key: str, label: str | None) -> list[Line]:
    fields = [key] + ([label] if label else [])
    rows = (
        qs.values(*fields)
        .annotate(n=Count("id"), good=Count("id", filter=GOOD), bad=Count("id", filter=BAD))
        .annotate(score=Avg("level"))
        .order_by(key)
    )
    return [
        Line(
            key=r[key],
            label=str(r[label]) if label and r[label] is not None else "",
            n=r["n"],
            good=r["good"],
            bad=r["bad"],
            score=round(float(r["score"] or 0), 2),
        )
        for r in rows
    ]


def results(hall_id: int, start: datetime.date, end: datetime.date) -> Results:
    qs = counted(hall_id, start, end)
    total = qs.aggregate(n=Count("id"), good=Count("id", filter=GOOD), bad=Count("id", filter=BAD))
    score = qs.aggregate(score=Avg("level"))["score"]
    out = Results(
        start=start,
        end=end,
        total=Line(None, "", total["n"], total["good"], total["bad"], round(float(score or 0), 2)),
    )
    out.demo = qs.filter(demo=True).count()
    per_level = dict(qs.values_list("level").annotate(n=Count("id")).order_by())
    out.levels = [(label, per_level.get(value, 0)) for value, label in Level.choices]
    out.by = {
        "window": _aggregate(qs.filter(window__isnull=False), "window_id", "window__number"),
        "clerk": _aggregate(qs.filter(clerk__isnull=False), "clerk_id", "clerk__full_name"),
        "department": _aggregate(
            qs.filter(department__isnull=False), "department_id", "department__name"
        ),
        "item": _aggregate(qs.filter(item__isnull=False), "item_id", "item__name"),
        "channel": _aggregate(qs, "channel", None),
    }
    labels = dict(RatingChannel.choices)
    for line in out.by["channel"]:
        line.label = str(labels.get(line.key, line.key))
    # The bad-rating loop, over the first ratings of the period (a re-rating opens nothing).
    first_bad = counted_first_bad(hall_id, start, end)
    named = first_bad.exclude(rater_phone="")
    out.named_bad = named.count()
    out.named_bad_verified = named.filter(rectification__verified_at__isnull=False).count()
    reported = Rectification.objects.filter(
        evaluation__in=first_bad, status=RectificationStatus.REPORTED
    )
    out.reported = reported.count()
    out.reported_on_time = reported.filter(reported_at__date__lte=F("rectify_due")).count()
    today = timezone.localdate()
    lights: dict[str, int] = {"red": 0, "yellow": 0, "green": 0}
    for row in rectification_rows(hall_id, today):
        lights[row.light] = lights.get(row.light, 0) + 1
    out.open_lights = lights
    out.excluded = list(
        Evaluation.objects.filter(hall_id=hall_id, excluded=True)
        .select_related("window", "clerk")
        .order_by("-rated_at")[:50]
    )
    days = (
        qs.annotate(day=F("rated_at__date"))
        .values("day")
        .annotate(n=Count("id"), good=Count("id", filter=GOOD), bad=Count("id", filter=BAD))
        .annotate(score=Avg("level"))
        .order_by("day")
    )
    out.trend = [
        Line(d["day"], d["day"].isoformat(), d["n"], d["good"], d["bad"], round(d["score"], 2))
        for d in days
    ]
    return out


def counted_first_bad(hall_id: int, start: datetime.date, end: datetime.date) -> QuerySet:
    """The period's bad first ratings (each opened a rectification), not excluded."""
    since, until = _bounds(start, end)
    return Evaluation.objects.filter(
        BAD, hall_id=hall_id, attempt=1, excluded=False, rated_at__gte=since, rated_at__lt=until
    )
