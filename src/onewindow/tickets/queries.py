"""Read helpers for the queue: the waiting line, people ahead, wait estimates, counts."""

from __future__ import annotations

import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from onewindow.halls.models import Hall
from onewindow.tickets import estimates
from onewindow.tickets.models import Queue, Ticket, TicketStatus


def waiting_line(
    *, queue_ids: list[int], day: datetime.date, at_time: datetime.time
) -> QuerySet[Ticket]:
    """Today's waiting tickets of these queues in calling order (without queue preference).

    Annotates `_due` (0: an appointment whose slot has started), `_prio` (0: a priority group).
    Order: appointments due, then priority groups, then `queued_at`, then id. `call_next` adds
    the window's queue order as the last tie-breaker before id.
    """
    return (
        Ticket.objects.filter(day=day, status=TicketStatus.WAITING, queue_id__in=queue_ids)
        .annotate(
            _due=Case(
                When(appointment__slot__starts_at__lte=at_time, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            _prio=Case(
                When(priority="", then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("_due", "_prio", "queued_at", "id")
    )


def _local_now(now: datetime.datetime | None = None) -> datetime.datetime:
    return timezone.localtime(now or timezone.now())


def people_ahead(ticket: Ticket, *, now: datetime.datetime | None = None) -> int:
    """Waiting tickets that `call_next` would call before this one, in the same queue.

    An approximation: it looks at the ticket's own queue only. Windows that serve several
    queues, tickets reserved for a window and out-of-order calls can change the real position.
    A ticket that is not waiting has nobody ahead.
    """
    if ticket.status != TicketStatus.WAITING:
        return 0
    local = _local_now(now)
    line = waiting_line(queue_ids=[ticket.queue_id], day=ticket.day, at_time=local.time())
    own = line.filter(pk=ticket.pk).values("_due", "_prio").first()
    if own is None:
        return 0
    due, prio = own["_due"], own["_prio"]
    before = (
        Q(_due__lt=due)
        | Q(_due=due, _prio__lt=prio)
        | Q(_due=due, _prio=prio, queued_at__lt=ticket.queued_at)
        | Q(_due=due, _prio=prio, queued_at=ticket.queued_at, id__lt=ticket.pk)
    )
    return line.filter(before).count()


def estimate_wait_minutes(ticket: Ticket, *, now: datetime.datetime | None = None) -> int:
    """People ahead × recent service time of the queue ÷ open windows serving it."""
    ahead = people_ahead(ticket, now=now)
    if ahead == 0:
        return 0
    queue = ticket.queue
    return estimates.estimate_minutes(
        people_ahead=ahead,
        service_minutes=estimates.recent_service_minutes(queue, day=ticket.day),
        windows=estimates.open_windows(queue),
    )


def waiting_counts(hall: Hall, *, day: datetime.date | None = None) -> dict[int, int]:
    """Queue id → tickets waiting today, for every queue of the hall (one query)."""
    day = day or timezone.localdate()
    rows = Queue.objects.filter(hall=hall).annotate(
        waiting=Count("tickets", filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING))
    )
    return {queue_id: n for queue_id, n in rows.values_list("id", "waiting")}
