"""Wait estimates: queue length × recent service time ÷ windows open for the queue."""

from __future__ import annotations

import datetime
import math

from onewindow.core.localcache import LocalCache
from onewindow.halls.models import Window, WindowState
from onewindow.tickets.models import Queue, Ticket, TicketStatus

# How many of the latest finished tickets make "recent" service time.
SAMPLE = 20
# How long a queue's pace (service time, open windows) is reused for estimates, in seconds.
PACE_SECONDS = 10.0

_pace: LocalCache[tuple[float, int]] = LocalCache(seconds=PACE_SECONDS, max_entries=1000)


def recent_service_minutes(queue: Queue, *, day: datetime.date, sample: int = SAMPLE) -> float:
    """Mean start→finish minutes of the queue's last `sample` finished tickets of the day.

    Falls back to the queue's typical service time until it has served anybody that day.
    """
    rows = list(
        Ticket.objects.filter(
            queue=queue,
            day=day,
            status=TicketStatus.DONE,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .order_by("-finished_at", "-id")
        .values_list("started_at", "finished_at")[:sample]
    )
    if not rows:
        return float(queue.default_service_minutes)
    total = sum((finished - started).total_seconds() for started, finished in rows)
    return max(total / len(rows) / 60, 0.0)


def open_windows(queue: Queue) -> int:
    """Open windows that serve the queue as one of their own (not overflow) queues; at least 1."""
    n = (
        Window.objects.filter(
            state=WindowState.OPEN,
            is_active=True,
            queue_links__queue=queue,
            queue_links__overflow_only=False,
        )
        .distinct()
        .count()
    )
    return max(n, 1)


def estimate_minutes(*, people_ahead: int, service_minutes: float, windows: int) -> int:
    """Whole minutes, rounded up; 0 when nobody is ahead."""
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * service_minutes / max(windows, 1))


def queue_pace(queue: Queue, *, day: datetime.date) -> tuple[float, int]:
    """(recent service minutes, open windows) of the queue, reused for `PACE_SECONDS`.

    Every issued ticket shows an estimate; the pace behind it changes slowly, so each server
    process reads it at most once per queue every few seconds instead of twice per ticket.
    """
    return _pace.get_or_set(
        (queue.pk, day),
        lambda: (recent_service_minutes(queue, day=day), open_windows(queue)),
    )


def forget_pace() -> None:
    """Drop the cached paces (tests; a changed window set-up shows at once)."""
    _pace.clear()
