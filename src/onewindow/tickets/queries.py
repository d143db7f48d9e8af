"""Read helpers for the queue: the waiting line, people ahead, wait estimates, counts."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from onewindow.halls.models import Hall
from onewindow.tickets import estimates
from onewindow.tickets.models import Appointment, AppointmentSlot, Queue, Ticket, TicketStatus


def sql_code(value: str) -> str:
    """A fixed code (a ticket status, say) written into SQL as a quoted literal.

    On PostgreSQL statements are prepared per connection (settings: server-side binding); a
    status passed as a parameter hides which partial index (`status = 'waiting'`) applies, so
    the hot queries name their statuses in the text and their prepared plans use those indexes.
    """
    if not value.replace("_", "").isalnum():
        raise ValueError(f"not a code: {value!r}")
    return f"'{value}'"


WAITING_SQL = sql_code(TicketStatus.WAITING)


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


def line_tiers(
    *,
    queue_ids: list[int],
    day: datetime.date,
    at_time: datetime.time,
    window: Any = None,
) -> list[QuerySet[Ticket]]:
    """The waiting line of `waiting_line` as two slices, to be read in `in_calling_order`.

    1. those who go first: appointments whose slot has started (`_due` 0), then priority
    groups; 2. everybody, by arrival. The line is the slices one after the other, skipping
    tickets already seen. The first slice is small (two partial indexes) and the second is read
    through the line's index in arrival order, stopping after a few rows: finding the head of
    the line costs the same whether 5 or 5,000 people wait (`waiting_line` sorts them all).
    With `window`, tickets reserved for another window are left out.
    """
    base = Ticket.objects.filter(day=day, status=TicketStatus.WAITING, queue_id__in=queue_ids)
    if window is not None:
        base = base.filter(Q(reserved_window__isnull=True) | Q(reserved_window=window))
    due = Q(appointment__isnull=False, appointment__slot__starts_at__lte=at_time)
    first = base.filter(due | ~Q(priority="")).annotate(
        _due=Case(When(due, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    return [first, base]


def head_of_line(
    *,
    queue_ids: list[int],
    day: datetime.date,
    at_time: datetime.time,
    n: int,
    window: Any = None,
) -> list[Ticket]:
    """The first `n` tickets of the waiting line in calling order (queue order aside)."""
    seen: set[int] = set()
    head: list[Ticket] = []
    for tier in line_tiers(queue_ids=queue_ids, day=day, at_time=at_time, window=window):
        if len(head) >= n:
            break
        rows = in_calling_order(tier, queue_ids).select_related("queue")[: n + len(seen)]
        for ticket in rows:
            if ticket.pk not in seen and len(head) < n:
                seen.add(ticket.pk)
                head.append(ticket)
    return head


def in_calling_order(tickets: QuerySet[Ticket], queue_ids: list[int]) -> QuerySet[Ticket]:
    """Arrival order (appointments due first in the first slice); ties in arrival time go to
    the earlier of the window's queues, then the id."""
    first = ["_due"] if "_due" in tickets.query.annotations else []
    if len(queue_ids) <= 1:
        return tickets.order_by(*first, "queued_at", "id")  # read from the line's index
    rank = Case(
        *[When(queue_id=qid, then=Value(i)) for i, qid in enumerate(queue_ids)],
        default=Value(len(queue_ids)),
        output_field=IntegerField(),
    )
    return tickets.annotate(_qrank=rank).order_by(*first, "queued_at", "_qrank", "id")


def _local_now(now: datetime.datetime | None = None) -> datetime.datetime:
    return timezone.localtime(now or timezone.now())


def people_ahead(ticket: Ticket, *, now: datetime.datetime | None = None) -> int:
    """Waiting tickets that `call_next` would call before this one, in the same queue.

    An approximation: it looks at the ticket's own queue only. Windows that serve several
    queues, tickets reserved for a window and out-of-order calls can change the real position.
    A ticket that is not waiting has nobody ahead.

    One query: every kiosk ticket and status page asks, so it is written out in SQL with the
    same order as `waiting_line` (appointment due, priority group, queued_at, id), compared as
    a row value. A plain ticket (no priority group, no appointment) is last in its class, so
    its count is "everybody waiting" less the few plain ones that came after it: both read
    from the waiting index, without visiting the whole line.
    """
    if ticket.status != TicketStatus.WAITING:
        return 0
    ops = connection.ops
    at_time = ops.adapt_timefield_value(_local_now(now).time())
    qn = ops.quote_name
    t = qn(Ticket._meta.db_table)
    a = qn(Appointment._meta.db_table)
    s = qn(AppointmentSlot._meta.db_table)
    due = "CASE WHEN s.starts_at IS NOT NULL AND s.starts_at <= %s THEN 0 ELSE 1 END"
    prio = "CASE WHEN t.priority = '' THEN 1 ELSE 0 END"
    line = [ticket.queue_id, ops.adapt_datefield_value(ticket.day)]
    if not ticket.priority and not ticket.appointment_id:
        sql = (
            f"SELECT (SELECT COUNT(*) FROM {t} WHERE queue_id = %s AND day = %s "
            f"AND status = {WAITING_SQL} AND id <> %s) - "
            f"(SELECT COUNT(*) FROM {t} t LEFT JOIN {a} a ON a.id = t.appointment_id "
            f"LEFT JOIN {s} s ON s.id = a.slot_id "
            f"WHERE t.queue_id = %s AND t.day = %s AND t.status = {WAITING_SQL} "
            "AND t.priority = '' "
            "AND (t.queued_at, t.id) > (%s, %s) "
            "AND (s.starts_at IS NULL OR s.starts_at > %s))"
        )
        params = [
            *line,
            ticket.pk,
            *line,
            ops.adapt_datetimefield_value(ticket.queued_at),
            ticket.pk,
            at_time,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            (count,) = cursor.fetchone()
        return max(int(count or 0), 0)
    sql = (
        f"SELECT COUNT(*) FROM {t} t "
        f"LEFT JOIN {a} a ON a.id = t.appointment_id "
        f"LEFT JOIN {s} s ON s.id = a.slot_id "
        f"WHERE t.queue_id = %s AND t.day = %s AND t.status = {WAITING_SQL} AND t.id <> %s "
        f"AND ({due}, {prio}, t.queued_at, t.id) < "
        f"(SELECT {due}, {prio}, t.queued_at, t.id FROM {t} t "
        f"LEFT JOIN {a} a ON a.id = t.appointment_id "
        f"LEFT JOIN {s} s ON s.id = a.slot_id WHERE t.id = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                ticket.queue_id,
                ops.adapt_datefield_value(ticket.day),
                ticket.pk,
                at_time,
                at_time,
                ticket.pk,
            ],
        )
        (count,) = cursor.fetchone()
    return int(count or 0)


def estimate_wait_minutes(
    ticket: Ticket, *, now: datetime.datetime | None = None, ahead: int | None = None
) -> int:
    """People ahead × recent service time of the queue ÷ open windows serving it.

    Pass `ahead` when it is known already. The queue's pace is read through a short cache
    (`estimates.queue_pace`).
    """
    if ahead is None:
        ahead = people_ahead(ticket, now=now)
    if ahead == 0:
        return 0
    service_minutes, windows = estimates.queue_pace(ticket.queue, day=ticket.day)
    return estimates.estimate_minutes(
        people_ahead=ahead, service_minutes=service_minutes, windows=windows
    )


def waiting_counts(hall: Hall, *, day: datetime.date | None = None) -> dict[int, int]:
    """Queue id → tickets waiting today, for every queue of the hall (one query)."""
    day = day or timezone.localdate()
    rows = Queue.objects.filter(hall=hall).annotate(
        waiting=Count("tickets", filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING))
    )
    return {queue_id: n for queue_id, n in rows.values_list("id", "waiting")}
