"""Wait estimates: queue length × recent service time ÷ windows open for the queue."""

from __future__ import annotations

import datetime
import math

from onewindow.halls.models import Window, WindowState
from onewindow.tickets.models import Queue, Ticket, TicketStatus

# How many of the latest finished tickets make "recent" service time.
SAMPLE = 20


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
