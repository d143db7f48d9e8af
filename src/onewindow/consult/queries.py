"""Read helpers: the unanswered-questions queue with its lights, and the statistics."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext

from onewindow.consult.models import Channel, Consultation, OnlineQuestion, Outcome
from onewindow.core.calendar import WorkingCalendar, shared_calendar

QUEUE_LIMIT = 200


def _yellow_share() -> float:
    return float(getattr(settings, "ONEWINDOW_CASE_YELLOW_SHARE", 0.8))


@dataclass(frozen=True)
class QuestionRow:
    question: OnlineQuestion
    used_days: int  # working days since the question was asked
    limit: int

    @property
    def light(self) -> str:
        if self.used_days > self.limit:
            return "red"
        if self.limit <= 0 or self.used_days / self.limit >= _yellow_share():
            return "yellow"
        return "green"

    @property
    def light_text(self) -> str:
        if self.light == "red":
            return gettext("%(n)s working day(s) overdue") % {"n": self.used_days - self.limit}
        return gettext("%(n)s working day(s) left") % {"n": self.limit - self.used_days}


def question_light(
    question: OnlineQuestion, today: datetime.date, calendar: WorkingCalendar | None = None
) -> QuestionRow:
    calendar = calendar or shared_calendar()
    asked = timezone.localtime(question.asked_at).date()
    limit = calendar.working_days_between(asked, question.due_on)
    return QuestionRow(
        question=question, used_days=calendar.working_days_between(asked, today), limit=limit
    )


def unanswered_queue(
    *, hall_id: int | None, today: datetime.date, limit: int = QUEUE_LIMIT
) -> list[QuestionRow]:
    """The hall's unanswered online questions, the earliest due first (one query plus the
    calendar's)."""
    questions = list(
        OnlineQuestion.objects.unanswered()
        .filter(hall_id=hall_id)
        .select_related("item")
        .order_by("due_on", "asked_at", "id")[:limit]
    )
    calendar = shared_calendar()
    return [question_light(q, today, calendar) for q in questions]


# --- statistics ----------------------------------------------------------------------------------


@dataclass
class Tally:
    label: str
    count: int
    key: str = ""


@dataclass
class Statistics:
    start: datetime.date
    end: datetime.date
    total: int = 0
    by_channel: list[Tally] = field(default_factory=list)
    by_outcome: list[Tally] = field(default_factory=list)
    by_item: list[Tally] = field(default_factory=list)
    by_department: list[Tally] = field(default_factory=list)
    average_minutes: float | None = None
    questions: int = 0
    answered: int = 0
    answered_on_time: int = 0
    unanswered_overdue: int = 0
    average_answer_days: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        """Answered within the limit, as a share of the answered questions (percent)."""
        if not self.answered:
            return None
        return round(100 * self.answered_on_time / self.answered, 1)


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """The moments that begin `start` and follow `end`, local days."""
    tz = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return low, high


def statistics(
    *,
    hall_id: int | None,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    top: int = 20,
) -> Statistics:
    """Consultations started and online questions asked from `start` to `end` (local days,
    both included) in a hall (all halls for None). Questions answered on time are those
    answered no later than their due day."""
    today = today or timezone.localdate()
    low, high = day_bounds(start, end)
    consultations = Consultation.objects.filter(started_at__gte=low, started_at__lt=high)
    questions = OnlineQuestion.objects.filter(asked_at__gte=low, asked_at__lt=high)
    if hall_id is not None:
        consultations = consultations.filter(hall_id=hall_id)
        questions = questions.filter(hall_id=hall_id)
    stats = Statistics(start=start, end=end)

    channel_counts = dict(
        consultations.order_by()
        .values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    stats.by_channel = [
        Tally(str(c.label), channel_counts.get(c.value, 0), c.value) for c in Channel
    ]
    stats.total = sum(channel_counts.values())
    outcome_counts = dict(
        consultations.order_by()
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    stats.by_outcome = [
        Tally(str(o.label), outcome_counts.get(o.value, 0), o.value) for o in Outcome
    ]
    stats.by_item = [
        Tally(name or gettext("No item (general question)"), n, str(item_id or ""))
        for item_id, name, n in consultations.order_by()
        .values_list("item_id", "item__name")
        .annotate(n=Count("id"))
        .order_by("-n", "item__name")
        .values_list("item_id", "item__name", "n")[:top]
    ]
    # The department a consultation concerned: the one it was passed to, else the item's.
    departments: dict[str, int] = {}
    for passed, of_item, n in (
        consultations.order_by()
        .values_list("department__name", "item__department__name")
        .annotate(n=Count("id"))
        .values_list("department__name", "item__department__name", "n")
    ):
        name = passed or of_item or gettext("No department")
        departments[name] = departments.get(name, 0) + n
    stats.by_department = [
        Tally(name, n) for name, n in sorted(departments.items(), key=lambda kv: (-kv[1], kv[0]))
    ][:top]
    average = consultations.filter(ended_at__isnull=False).aggregate(
        d=Avg(F("ended_at") - F("started_at"))
    )["d"]
    if average is not None:
        stats.average_minutes = round(_seconds(average) / 60, 1)

    calendar = shared_calendar()
    answer_days: list[int] = []
    for asked_at, due_on, answered_at in questions.values_list("asked_at", "due_on", "answered_at"):
        stats.questions += 1
        if answered_at is None:
            if today > due_on:
                stats.unanswered_overdue += 1
            continue
        stats.answered += 1
        answered_day = timezone.localtime(answered_at).date()
        if answered_day <= due_on:
            stats.answered_on_time += 1
        answer_days.append(
            calendar.working_days_between(timezone.localtime(asked_at).date(), answered_day)
        )
    if answer_days:
        stats.average_answer_days = round(sum(answer_days) / len(answer_days), 1)
    return stats


def _seconds(value: Any) -> float:
    """An average of durations: a timedelta (PostgreSQL), or microseconds (SQLite)."""
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000


def today_consultations(*, hall_id: int | None, day: datetime.date, staff: Any = None) -> Any:
    low, high = day_bounds(day, day)
    rows = Consultation.objects.filter(hall_id=hall_id, started_at__gte=low, started_at__lt=high)
    if staff is not None:
        rows = rows.filter(Q(staff=staff))
    return rows.select_related("item", "staff", "department", "answer", "ticket").order_by(
        "-started_at", "-id"
    )
