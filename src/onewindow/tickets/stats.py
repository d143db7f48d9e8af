"""Live hall status (大厅实时状态): plain-data read functions over Ticket and TicketEvent rows.

`hall_status(hall, now=...)` runs a fixed number of queries (pinned by a test) and returns
dataclasses the status page renders. Definitions, all for the hall's local day of `now`:

- issued: tickets of the day (every channel, whatever their status now).
- served: tickets whose status is done. No-shows: tickets whose status is no-show now (a
  reactivated no-show is counted where it ends up, not as a no-show).
- wait: issue → first call (`first_called_at - issued_at`) of every ticket called today.
  p90 uses the nearest-rank method: the ⌈0.9·n⌉-th smallest wait.
- service time: start → finish of done tickets (`finished_at - started_at`; a parked spell in
  between counts, as the ticket row keeps its first start).
- longest current wait of a queue: now − `queued_at` of its oldest waiting ticket (`queued_at`
  is the issue time, kept on transfer and reactivation).
- window service time so far: now − `started_at` of the ticket being served there.
- utilisation of a window: serving time at that window today ÷ time since the window's first
  call today. Open time from audit events is hard to reconstruct (sign-ins, pauses, closes), so
  the first call stands in for "opened". Serving time comes from the events: a spell starts with
  `started` or `resumed` at the window and ends with the ticket's next `finished`, `parked` or
  `transferred`; a spell still running counts up to `now`. None before the first call.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext

from onewindow.halls.models import Hall, Window
from onewindow.tickets.models import Queue, Ticket, TicketEvent, TicketStatus

CALL_ACTIONS = (TicketEvent.Action.CALLED, TicketEvent.Action.CALLED_OUT_OF_ORDER)
SPELL_START = (TicketEvent.Action.STARTED, TicketEvent.Action.RESUMED)
SPELL_END = (
    TicketEvent.Action.FINISHED,
    TicketEvent.Action.PARKED,
    TicketEvent.Action.TRANSFERRED,
)


@dataclass(frozen=True)
class WindowStatus:
    id: int
    number: int
    label: str
    state: str
    state_display: str
    pause_reason: str
    clerk: str
    current_code: str | None
    current_status: str | None
    current_status_display: str
    service_seconds: int | None  # the ticket being served: seconds since its start
    first_call_at: datetime.datetime | None
    serving_seconds: int  # today, all tickets
    utilisation: float | None  # 0..1; None before the first call

    @property
    def service_display(self) -> str:
        return duration(self.service_seconds)

    @property
    def serving_display(self) -> str:
        return duration(self.serving_seconds)

    @property
    def utilisation_display(self) -> str:
        return percent(self.utilisation)


@dataclass(frozen=True)
class QueueStatus:
    id: int
    prefix: str
    name: str
    waiting: int
    longest_wait_seconds: int | None

    @property
    def longest_wait_display(self) -> str:
        return duration(self.longest_wait_seconds)


@dataclass(frozen=True)
class DayFigures:
    issued: int
    served: int
    no_shows: int
    called: int
    average_wait_seconds: float | None
    p90_wait_seconds: int | None
    average_service_seconds: float | None

    @property
    def average_wait_display(self) -> str:
        return duration(self.average_wait_seconds)

    @property
    def p90_wait_display(self) -> str:
        return duration(self.p90_wait_seconds)

    @property
    def average_service_display(self) -> str:
        return duration(self.average_service_seconds)


@dataclass(frozen=True)
class HallStatus:
    hall: Hall
    now: datetime.datetime
    day: datetime.date
    windows: list[WindowStatus] = field(default_factory=list)
    queues: list[QueueStatus] = field(default_factory=list)
    figures: DayFigures | None = None


def duration(seconds: float | None) -> str:
    """Seconds as "12分05秒" / "1小时02分" (via the catalog); "—" for None."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    return gettext("%(m)s min %(s)02d s") % {"m": minutes, "s": secs}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _seconds(delta: datetime.timedelta) -> int:
    return max(int(delta.total_seconds()), 0)


def p90(values: list[int]) -> int | None:
    """Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def day_figures(hall: Hall, *, day: datetime.date) -> DayFigures:
    """Today's counts and times from the day's ticket rows (one query)."""
    rows = Ticket.objects.filter(hall=hall, day=day).values_list(
        "status", "issued_at", "first_called_at", "started_at", "finished_at"
    )
    issued = served = no_shows = 0
    waits: list[int] = []
    services: list[int] = []
    for status, issued_at, first_called_at, started_at, finished_at in rows:
        issued += 1
        if status == TicketStatus.NO_SHOW:
            no_shows += 1
        if first_called_at is not None:
            waits.append(_seconds(first_called_at - issued_at))
        if status == TicketStatus.DONE:
            served += 1
            if started_at is not None and finished_at is not None:
                services.append(_seconds(finished_at - started_at))
    return DayFigures(
        issued=issued,
        served=served,
        no_shows=no_shows,
        called=len(waits),
        average_wait_seconds=_mean(waits),
        p90_wait_seconds=p90(waits),
        average_service_seconds=_mean(services),
    )


def window_serving(
    hall: Hall, *, day: datetime.date, now: datetime.datetime
) -> tuple[dict[int, int], dict[int, datetime.datetime]]:
    """Window id → serving seconds today, and window id → first call today (one query)."""
    events = (
        TicketEvent.objects.filter(
            ticket__hall=hall,
            ticket__day=day,
            action__in=[*CALL_ACTIONS, *SPELL_START, *SPELL_END],
        )
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "action", "at", "window_id")
    )
    serving: dict[int, int] = {}
    first_call: dict[int, datetime.datetime] = {}
    open_spell: dict[int, tuple[int, datetime.datetime]] = {}  # ticket → (window, since)

    def close(ticket_id: int, at: datetime.datetime) -> None:
        spell = open_spell.pop(ticket_id, None)
        if spell is not None:
            window_id, since = spell
            serving[window_id] = serving.get(window_id, 0) + _seconds(at - since)

    for ticket_id, action, at, window_id in events:
        if action in CALL_ACTIONS and window_id is not None:
            if window_id not in first_call or at < first_call[window_id]:
                first_call[window_id] = at
        elif action in SPELL_START:
            close(ticket_id, at)
            if window_id is not None:
                open_spell[ticket_id] = (window_id, at)
        elif action in SPELL_END:
            close(ticket_id, at)
    for ticket_id in list(open_spell):
        close(ticket_id, now)
    return serving, first_call


def hall_status(hall: Hall, *, now: datetime.datetime | None = None) -> HallStatus:
    """Everything the live status page shows, in five queries."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    windows = list(
        Window.objects.filter(hall=hall, is_active=True).select_related("clerk").order_by("number")
    )
    current = {
        t.window_id: t
        for t in Ticket.objects.filter(
            hall=hall, window__isnull=False, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
        ).only("id", "code", "status", "window_id", "started_at")
    }
    serving, first_call = window_serving(hall, day=day, now=now)
    window_rows = []
    for window in windows:
        ticket = current.get(window.pk)
        started = ticket is not None and ticket.status == TicketStatus.SERVING
        first = first_call.get(window.pk)
        served_seconds = serving.get(window.pk, 0)
        open_seconds = _seconds(now - first) if first else 0
        window_rows.append(
            WindowStatus(
                id=window.pk,
                number=window.number,
                label=window.label,
                state=window.state,
                state_display=window.get_state_display(),
                pause_reason=window.pause_reason,
                clerk=window.clerk.display_name if window.clerk else "",
                current_code=ticket.code if ticket else None,
                current_status=ticket.status if ticket else None,
                current_status_display=ticket.get_status_display() if ticket else "",
                service_seconds=(
                    _seconds(now - ticket.started_at)
                    if started and ticket and ticket.started_at
                    else None
                ),
                first_call_at=first,
                serving_seconds=served_seconds,
                utilisation=(min(served_seconds / open_seconds, 1.0) if open_seconds else None),
            )
        )
    queues = Queue.objects.filter(hall=hall, is_active=True).annotate(
        waiting=Count("tickets", filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING)),
        oldest=Min(
            "tickets__queued_at",
            filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING),
        ),
    )
    queue_rows = [
        QueueStatus(
            id=q.pk,
            prefix=q.prefix,
            name=q.name,
            waiting=q.waiting,
            longest_wait_seconds=_seconds(now - q.oldest) if q.oldest else None,
        )
        for q in queues
    ]
    return HallStatus(
        hall=hall,
        now=now,
        day=day,
        windows=window_rows,
        queues=queue_rows,
        figures=day_figures(hall, day=day),
    )
