"""Queue actions (取号叫号): issuing, calling, serving, transferring, appointments.

Every function is keyword-only and runs in one transaction. It locks the rows it contends on
(the queue's daily counter when issuing, the window and the ticket when calling), records a
`TicketEvent` for every step and an audit event for exceptional actions, and raises
`QueueError` with a message for the citizen or clerk when the action cannot be done; on a
refusal nothing is written.

Decisions worth knowing:
- Calling order (`call_next`): over the window's own queues together (links not marked
  overflow), appointments whose slot has started come first, then priority groups, then
  arrival (`queued_at`); the window's configured queue order breaks ties, then the ticket id.
  Overflow queues are looked at only when the own queues have nobody the window may call.
- A reactivated no-show goes back into line at its original place (`queued_at` is kept), as
  does a transferred ticket in its new queue: the citizen is not sent to the back.
- A parked ticket leaves the window free; `resume` brings it back to serving at the window the
  resuming clerk is signed in to, if that window has nobody in front of it.
- Appointments: a check-in before the end of the slot gives a ticket linked to the appointment
  (called first once the slot has started); a late arrival gets a normal ticket without the
  appointment's precedence. Appointment tickets do not count against the daily quota.
"""

from __future__ import annotations

import datetime
import functools
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.core import audit
from onewindow.core.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)
from onewindow.halls.models import Hall, Window, WindowState
from onewindow.tickets import queries, sms
from onewindow.tickets.models import (
    OPEN_STATUSES,
    Appointment,
    AppointmentSlot,
    Channel,
    DailyCounter,
    Priority,
    Queue,
    Ticket,
    TicketEvent,
    TicketStatus,
    WindowQueue,
)

DEFAULT_ANNOUNCEMENT = "请{number}号到{window}号窗口办理"
# Booking codes: no 0/O, 1/I/L, so they can be read out and typed without confusion.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

ACTIVE = (TicketStatus.CALLED, TicketStatus.SERVING)
# Windows with several queues look at this many tickets at the head of each queue's line.
HEADS_PER_QUEUE = 16


class QueueError(Exception):
    """An action the queue cannot do; `str(e)` is the message to show (Chinese via gettext)."""

    def __init__(self, message: Any, *, code: str = "invalid", field: str | None = None) -> None:
        self.message = str(message)
        self.code = code
        self.field = field
        super().__init__(self.message)


class Outcome(models.TextChoices):
    HANDLED = "handled", gettext_lazy("Handled")
    PARTLY = "partly", gettext_lazy("Partly handled")
    NOT_HANDLED = "not_handled", gettext_lazy("Could not be handled")
    REDIRECTED = "redirected", gettext_lazy("Referred elsewhere")


# --- helpers -------------------------------------------------------------------------------


def _local(now: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(now)


def _as_time(value: datetime.time | str) -> datetime.time:
    # A Queue created in this process still holds its string default ("08:30").
    if isinstance(value, str):
        return datetime.time.fromisoformat(value)
    return value


def _time(value: datetime.time | str) -> str:
    return _as_time(value).strftime("%H:%M")


def announcement(hall: Hall, *, code: str, window: Window) -> str:
    """The sentence the hall display speaks for a call."""
    try:
        return hall.announcement_template.format(number=code, window=window.number)
    except (KeyError, IndexError, ValueError):
        return DEFAULT_ANNOUNCEMENT.format(number=code, window=window.number)


def _event(
    ticket: Ticket,
    action: str,
    *,
    at: datetime.datetime,
    actor: Any = None,
    window: Window | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    along: tuple[str, list[Any]] | None = None,
) -> TicketEvent:
    """Record a step of the ticket (a plain INSERT: every queue action writes one).

    `along`: an UPDATE (sql, params) to run in the same statement on PostgreSQL (a data-
    modifying WITH), before the INSERT elsewhere: the step and its record in one round trip.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = TicketEvent(
        ticket=ticket,
        action=action,
        at=at,
        actor=actor,
        window=window,
        reason=reason[:200],
        data=data or {},
    )
    sql, params = _insert_sql(event)
    with connection.cursor() as cursor:
        if along is not None and connection.vendor == "postgresql":
            sql, params = f"WITH step AS ({along[0]}) {sql}", [*along[1], *params]
        elif along is not None:
            cursor.execute(*along)
        cursor.execute(sql + " RETURNING id", params)
        (event.pk,) = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _insert_sql(obj: models.Model) -> tuple[str, list[Any]]:
    """INSERT of a model instance's concrete columns (the primary key left to the database)."""
    conn = connections[DEFAULT_DB_ALIAS]
    sql, fields = _insert_template(conn.alias, type(obj))
    return sql, [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields]


@functools.cache
def _insert_template(alias: str, model: type[models.Model]) -> tuple[str, list[Any]]:
    qn = connections[alias].ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})", fields


def _check_actor_hall(actor: Any, hall_id: int) -> None:
    if actor is None or getattr(actor, "hall_id", None) != hall_id:
        raise QueueError(_("You can only handle tickets of your own hall."), code="other_hall")


def _lock_ticket(ticket: Ticket) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue")
        .filter(pk=ticket.pk)
        .first()
    )
    if locked is None:
        raise QueueError(_("This ticket no longer exists."), code="not_found")
    return locked


def _lock_window(window: Window) -> Window:
    return Window.objects.select_for_update(of=("self",)).select_related("hall").get(pk=window.pk)


def _require(ticket: Ticket, *statuses: str, to: str) -> None:
    if ticket.status not in statuses or not ticket.can_become(to):
        raise QueueError(
            _("Ticket %(code)s is already %(status)s; this cannot be done now.")
            % {"code": ticket.code, "status": ticket.get_status_display()},
            code="status",
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise QueueError(_("Please give a reason."), code="reason_required", field="reason")
    return reason


def _check_window_clerk(window: Window, actor: Any) -> None:
    """The window must be open with this clerk signed in."""
    _check_actor_hall(actor, window.hall_id)
    if window.clerk_id != actor.pk:
        raise QueueError(
            _("You are not signed in at window %(n)s.") % {"n": window.number},
            code="not_signed_in",
        )
    if window.state != WindowState.OPEN or not window.is_active:
        raise QueueError(_("Window %(n)s is not open.") % {"n": window.number}, code="closed")


def _check_window_free(window: Window) -> None:
    busy = Ticket.objects.filter(window=window, status__in=ACTIVE).values_list("code", flat=True)
    code = busy.first()
    if code:
        raise QueueError(
            _("Finish or park ticket %(code)s before calling the next one.") % {"code": code},
            code="window_busy",
        )


def _check_at_ticket_window(ticket: Ticket, actor: Any) -> Window:
    """Actions on a called or served ticket are for the clerk at its window."""
    _check_actor_hall(actor, ticket.hall_id)
    window = (
        Window.objects.select_related("hall").get(pk=ticket.window_id) if ticket.window_id else None
    )
    if window is None or window.clerk_id != actor.pk:
        raise QueueError(
            _("Only the clerk at the ticket's window can do this."), code="not_your_ticket"
        )
    return window


def _today_check(ticket: Ticket, now: datetime.datetime) -> None:
    if ticket.day != _local(now).date():
        raise QueueError(_("This ticket is not from today."), code="not_today")


def _notify_after_commit(queue_id: int, now: datetime.datetime, hall: Hall | None = None) -> None:
    transaction.on_commit(lambda: notify_upcoming(queue_id=queue_id, now=now, hall=hall))


# --- issuing -------------------------------------------------------------------------------


def _by_key(hall: Hall, key: str) -> Ticket | None:
    if not key:
        return None
    return Ticket.objects.filter(hall=hall, idempotency_key=key).first()


def _clean_person(phone: str, id_number: str) -> tuple[str, str]:
    phone = normalize_mobile(phone) if phone else ""
    if phone:
        try:
            validate_mobile(phone)
        except ValidationError as exc:
            raise QueueError(exc.messages[0], code="phone", field="phone") from None
    id_number = normalize_id_number(id_number) if id_number else ""
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            raise QueueError(exc.messages[0], code="id_number", field="id_number") from None
    return phone, id_number


def _check_queue(hall: Hall, queue: Queue, local: datetime.datetime) -> None:
    if queue.hall_id != hall.pk:
        raise QueueError(_("This category is not served in this hall."), code="other_hall")
    if not queue.is_active or not hall.is_active:
        raise QueueError(
            _("%(queue)s is not issuing tickets.") % {"queue": queue.name}, code="inactive"
        )
    if not (_as_time(queue.issue_from) <= local.time() < _as_time(queue.issue_until)):
        raise QueueError(
            _("Tickets for %(queue)s are issued from %(start)s to %(end)s.")
            % {
                "queue": queue.name,
                "start": _time(queue.issue_from),
                "end": _time(queue.issue_until),
            },
            code="closed",
        )


def _next_number(queue: Queue, day: datetime.date) -> int:
    """Increment the queue's counter for the day and return the new number (one statement).

    The UPDATE takes the row lock that serialises numbering; the caller's transaction holds it
    until commit, and a rollback gives the number back. The row is created on first use.
    """
    table = connection.ops.quote_name(DailyCounter._meta.db_table)
    sql = (
        f"UPDATE {table} SET last_number = last_number + 1 "
        "WHERE queue_id = %s AND day = %s RETURNING last_number"
    )
    params = [queue.pk, connection.ops.adapt_datefield_value(day)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            DailyCounter.objects.bulk_create(
                [DailyCounter(queue=queue, day=day)], ignore_conflicts=True
            )
            cursor.execute(sql, params)
            row = cursor.fetchone()
    return int(row[0])


def _issue_in_one_statement(
    ticket: Ticket,
    *,
    quota: int | None,
    matter_ids: list[int],
    event: TicketEvent,
) -> bool:
    """PostgreSQL: number, insert the ticket, its matters and its event in one statement.

    Run outside a transaction, the statement is its own transaction: the counter row is locked
    only while the server executes and commits it, never while a Python thread waits for its
    turn, so a busy kiosk fleet cannot pile up behind one slow request. Fills `ticket.pk`,
    `number` and `code`; False when the quota is used up. A unique violation (a double tap, an
    ID number at two kiosks) raises IntegrityError and changes nothing.
    """
    conn = connections[DEFAULT_DB_ALIAS]
    sql, ticket_fields, event_fields = _issue_sql(conn.alias, quota is not None, bool(matter_ids))
    params: list[Any] = [ticket.queue_id, conn.ops.adapt_datefield_value(ticket.day)]
    if quota is not None:
        params.append(quota)
    params.append(ticket.queue.prefix)
    params += [f.get_db_prep_save(getattr(ticket, f.attname), conn) for f in ticket_fields]
    params += [f.get_db_prep_save(getattr(event, f.attname), conn) for f in event_fields]
    if matter_ids:
        params.append(matter_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    ticket.pk, ticket.number, ticket.code = row
    ticket._state.adding = False
    ticket._state.db = connection.alias
    event.ticket = ticket
    return True


@functools.cache
def _issue_sql(alias: str, quota: bool, matters: bool) -> tuple[str, list[Any], list[Any]]:
    """`_issue_in_one_statement`'s SQL, with the ticket's and the event's fields whose values
    follow its first parameters (queue, day, [quota], prefix) in order; [matter ids] last."""
    qn = connections[alias].ops.quote_name
    counter = qn(DailyCounter._meta.db_table)
    quota_sql = " AND last_number < %s" if quota else ""
    columns = [qn(Ticket._meta.get_field(name).column) for name in ("number", "code")]
    values = [
        "c.last_number",
        "%s || CASE WHEN c.last_number < 1000 THEN lpad(c.last_number::text, 3, '0') "
        "ELSE c.last_number::text END",
    ]
    ticket_fields = [
        f
        for f in Ticket._meta.concrete_fields
        if not f.primary_key and f.attname not in ("number", "code")
    ]
    columns += [qn(f.column) for f in ticket_fields]
    values += ["%s"] * len(ticket_fields)
    event_columns, event_values = [qn(TicketEvent._meta.get_field("ticket").column)], ["t.id"]
    event_fields = [
        f
        for f in TicketEvent._meta.concrete_fields
        if not f.primary_key and f.attname != "ticket_id"
    ]
    event_columns += [qn(f.column) for f in event_fields]
    event_values += ["%s"] * len(event_fields)
    sql = (
        f"WITH c AS (UPDATE {counter} SET last_number = last_number + 1 "
        f"WHERE queue_id = %s AND day = %s{quota_sql} RETURNING last_number), "
        f"t AS (INSERT INTO {qn(Ticket._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM c RETURNING id, number, code), "
        f"e AS (INSERT INTO {qn(TicketEvent._meta.db_table)} ({', '.join(event_columns)}) "
        f"SELECT {', '.join(event_values)} FROM t)"
    )
    if matters:
        through = Ticket.matters.through._meta
        ticket_col = qn(through.get_field("ticket").column)
        item_col = qn(through.get_field("serviceitem").column)
        sql += (
            f", m AS (INSERT INTO {qn(through.db_table)} ({ticket_col}, {item_col}) "
            "SELECT t.id, x FROM t, unnest(%s::bigint[]) AS x)"
        )
    return sql + " SELECT id, number, code FROM t", ticket_fields, event_fields


def _issue_postgresql(
    *,
    hall: Hall,
    queue: Queue,
    day: datetime.date,
    now: datetime.datetime,
    channel: str,
    actor: Any,
    phone: str,
    id_number: str,
    priority: str,
    matters: Iterable[Any],
    idempotency_key: str,
    appointment: Appointment | None,
    quota: int | None,
    event_data: dict[str, Any] | None,
) -> Ticket:
    """`_issue_locked` on PostgreSQL, through `_issue_in_one_statement`."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    ticket = Ticket(
        hall=hall,
        issued_queue=queue,
        queue=queue,
        day=day,
        number=0,
        code="",
        status=TicketStatus.WAITING,
        channel=channel,
        priority=priority,
        phone=phone,
        id_number=id_number,
        appointment=appointment,
        idempotency_key=idempotency_key,
        issued_at=now,
        queued_at=now,
    )
    event = TicketEvent(
        action=TicketEvent.Action.ISSUED,
        at=now,
        actor=actor,
        window=None,
        reason="",
        data={"channel": channel, "priority": priority, **(event_data or {})},
    )
    matter_ids = [getattr(m, "pk", m) for m in matters if m]
    if _issue_in_one_statement(ticket, quota=quota, matter_ids=matter_ids, event=event):
        return ticket
    # No counter row yet (the day's first ticket), or the quota is used up.
    DailyCounter.objects.bulk_create([DailyCounter(queue=queue, day=day)], ignore_conflicts=True)
    if _issue_in_one_statement(ticket, quota=quota, matter_ids=matter_ids, event=event):
        return ticket
    raise QueueError(
        _("Today's tickets for %(queue)s have all been issued.") % {"queue": queue.name},
        code="quota",
    )


def _issue_locked(
    *,
    hall: Hall,
    queue: Queue,
    now: datetime.datetime,
    channel: str,
    actor: Any,
    phone: str,
    id_number: str,
    priority: str,
    matters: Iterable[Any],
    idempotency_key: str,
    appointment: Appointment | None,
    enforce_quota: bool,
    event_data: dict[str, Any] | None = None,
) -> Ticket:
    """Take the next number; call inside a transaction."""
    day = _local(now).date()
    if id_number:
        holding = (
            Ticket.objects.filter(
                queue=queue, day=day, id_number=id_number, status__in=list(OPEN_STATUSES)
            )
            .values_list("code", flat=True)
            .first()
        )
        if holding:
            raise _id_taken(holding)
    if connection.vendor == "postgresql":
        return _issue_postgresql(
            hall=hall,
            queue=queue,
            day=day,
            now=now,
            channel=channel,
            actor=actor,
            phone=phone,
            id_number=id_number,
            priority=priority,
            matters=matters,
            idempotency_key=idempotency_key,
            appointment=appointment,
            quota=queue.daily_quota if enforce_quota else None,
            event_data=event_data,
        )
    # The counter row is locked from here to the commit: keep this stretch short. A concurrent
    # double tap is caught by the unique key constraint (the caller answers with its ticket).
    number = _next_number(queue, day)
    if enforce_quota and queue.daily_quota is not None and number > queue.daily_quota:
        raise QueueError(
            _("Today's tickets for %(queue)s have all been issued.") % {"queue": queue.name},
            code="quota",
        )
    ticket = Ticket.objects.create(
        hall=hall,
        issued_queue=queue,
        queue=queue,
        day=day,
        number=number,
        code=f"{queue.prefix}{number:03d}",
        status=TicketStatus.WAITING,
        channel=channel,
        priority=priority,
        phone=phone,
        id_number=id_number,
        appointment=appointment,
        idempotency_key=idempotency_key,
        issued_at=now,
        queued_at=now,
    )
    matters = [m for m in matters if m]
    if matters:
        ticket.matters.set(matters)
    _event(
        ticket,
        TicketEvent.Action.ISSUED,
        at=now,
        actor=actor,
        data={"channel": channel, "priority": priority, **(event_data or {})},
    )
    return ticket


def _id_taken(code: str = "") -> QueueError:
    if code:
        message = _("This ID number already holds ticket %(code)s in this queue.") % {"code": code}
    else:
        message = _("This ID number already holds a ticket in this queue.")
    return QueueError(message, code="id_taken", field="id_number")


def issue_ticket(
    *,
    hall: Hall,
    queue: Queue,
    channel: str = Channel.KIOSK,
    actor: Any = None,
    phone: str = "",
    id_number: str = "",
    priority: str = "",
    matters: Iterable[Any] = (),
    idempotency_key: str = "",
    now: datetime.datetime | None = None,
) -> Ticket:
    """Give the next number of the queue (A001, A002 … per day)."""
    ticket, _created = take_number(
        hall=hall,
        queue=queue,
        channel=channel,
        actor=actor,
        phone=phone,
        id_number=id_number,
        priority=priority,
        matters=matters,
        idempotency_key=idempotency_key,
        now=now,
    )
    return ticket


def take_number(
    *,
    hall: Hall,
    queue: Queue,
    channel: str = Channel.KIOSK,
    actor: Any = None,
    phone: str = "",
    id_number: str = "",
    priority: str = "",
    matters: Iterable[Any] = (),
    idempotency_key: str = "",
    now: datetime.datetime | None = None,
) -> tuple[Ticket, bool]:
    """`issue_ticket`, also telling whether the ticket is new (False: the key's earlier ticket)."""
    now = now or timezone.now()
    idempotency_key = (idempotency_key or "").strip()[:64]
    # A repeated key (a double tap, a retry) is rare: it is not looked up first but found when
    # the unique key refuses the new ticket, or when a check refuses the repeat.
    try:
        return _take_number(
            hall=hall,
            queue=queue,
            channel=channel,
            actor=actor,
            phone=phone,
            id_number=id_number,
            priority=priority,
            matters=matters,
            idempotency_key=idempotency_key,
            now=now,
        )
    except QueueError:
        existing = _by_key(hall, idempotency_key)
        if existing is not None:
            return existing, False
        raise


def _take_number(
    *,
    hall: Hall,
    queue: Queue,
    channel: str,
    actor: Any,
    phone: str,
    id_number: str,
    priority: str,
    matters: Iterable[Any],
    idempotency_key: str,
    now: datetime.datetime,
) -> tuple[Ticket, bool]:
    if actor is not None:
        _check_actor_hall(actor, hall.pk)
    if channel not in Channel.values:
        raise QueueError(_("Unknown channel."), code="channel", field="channel")
    if priority not in Priority.values:
        raise QueueError(_("Unknown priority group."), code="priority", field="priority")
    _check_queue(hall, queue, _local(now))
    phone, id_number = _clean_person(phone, id_number)
    matters = list(matters)
    issue = functools.partial(
        _issue_locked,
        hall=hall,
        queue=queue,
        now=now,
        channel=channel,
        actor=actor,
        phone=phone,
        id_number=id_number,
        priority=priority,
        matters=matters,
        idempotency_key=idempotency_key,
        appointment=None,
        enforce_quota=True,
    )
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # One statement that is its own transaction (see _issue_in_one_statement).
            return issue(), True
        with transaction.atomic():
            return issue(), True
    except IntegrityError:
        # The constraints are the backstop for races the checks above did not see: a double
        # tap (the same key) or one ID number at two kiosks at once.
        existing = _by_key(hall, idempotency_key)
        if existing is not None:
            return existing, False
        if id_number:
            raise _id_taken() from None
        raise


def book_appointment(
    *, slot: AppointmentSlot, phone: str, item: Any = None, now: datetime.datetime | None = None
) -> Appointment:
    """Book a place in a slot; the booking code is shown to the citizen."""
    now = now or timezone.now()
    phone, _unused = _clean_person(phone, "")
    if not phone:
        raise QueueError(_("Please enter a mobile number."), code="phone", field="phone")
    local = _local(now)
    with transaction.atomic():
        slot = (
            AppointmentSlot.objects.select_for_update(of=("self",))
            .select_related("queue")
            .get(pk=slot.pk)
        )
        if not slot.queue.is_active:
            raise QueueError(
                _("%(queue)s does not take appointments now.") % {"queue": slot.queue.name},
                code="inactive",
            )
        if slot.day < local.date() or (slot.day == local.date() and local.time() >= slot.ends_at):
            raise QueueError(_("This time slot has passed."), code="past", field="slot")
        if slot.booked >= slot.capacity:
            raise QueueError(
                _("This time slot is fully booked. Please choose another."),
                code="full",
                field="slot",
            )
        slot.booked += 1
        slot.save(update_fields=["booked"])
        for _attempt in range(5):
            code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
            try:
                with transaction.atomic():
                    appointment = Appointment.objects.create(
                        slot=slot, code=code, phone=phone, item=item
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 31**8 codes
            raise QueueError(_("Please try again."), code="code_clash")
        audit.record(
            action="tickets.appointment.booked",
            obj=appointment,
            after={"slot": slot.pk, "code": appointment.code},
        )
    return appointment


def check_in_appointment(
    *, hall: Hall, code: str, idempotency_key: str = "", now: datetime.datetime | None = None
) -> Ticket:
    """Turn today's booking into a ticket (called first within its slot; see module doc)."""
    now = now or timezone.now()
    idempotency_key = (idempotency_key or "").strip()[:64]
    existing = _by_key(hall, idempotency_key)
    if existing is not None:
        return existing
    code = (code or "").strip().upper().replace(" ", "")
    local = _local(now)
    not_found = QueueError(
        _("No booking with this code in this hall. Please check the code."),
        code="not_found",
        field="code",
    )
    if not code:
        raise not_found
    try:
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("slot__queue")
                .filter(code=code)
                .first()
            )
            if appointment is None or appointment.slot.queue.hall_id != hall.pk:
                raise not_found
            existing = _by_key(hall, idempotency_key)
            if existing is not None:
                return existing
            slot = appointment.slot
            if slot.day != local.date():
                raise QueueError(
                    _("This booking is for %(day)s.")
                    % {"day": formats.date_format(slot.day, "Y-m-d")},
                    code="other_day",
                    field="code",
                )
            if appointment.status == Appointment.Status.CHECKED_IN:
                ticket_code = (
                    Ticket.objects.filter(appointment=appointment)
                    .values_list("code", flat=True)
                    .first()
                )
                raise QueueError(
                    _("This booking has already been checked in (ticket %(code)s).")
                    % {"code": ticket_code or "-"},
                    code="checked_in",
                    field="code",
                )
            if appointment.status != Appointment.Status.BOOKED:
                raise QueueError(
                    _("This booking is %(status)s.") % {"status": appointment.get_status_display()},
                    code="status",
                    field="code",
                )
            _check_queue(hall, slot.queue, local)
            late = local.time() > slot.ends_at
            ticket = _issue_locked(
                hall=hall,
                queue=slot.queue,
                now=now,
                channel=Channel.APPOINTMENT,
                actor=None,
                phone=appointment.phone,
                id_number="",
                priority="",
                matters=[appointment.item_id] if appointment.item_id else [],
                idempotency_key=idempotency_key,
                appointment=None if late else appointment,
                enforce_quota=False,
                event_data={"appointment": appointment.code, "late": late},
            )
            appointment.status = Appointment.Status.CHECKED_IN
            appointment.checked_in_at = now
            appointment.save(update_fields=["status", "checked_in_at"])
            return ticket
    except IntegrityError:
        existing = _by_key(hall, idempotency_key)
        if existing is not None:
            return existing
        raise


# --- calling -------------------------------------------------------------------------------


def _lock_window_for_call(
    window: Window, actor: Any, day: datetime.date
) -> list[tuple[int, bool, bool]]:
    """Lock the window's row, refresh its state into `window`, check that it may call, and
    return its active queues in calling order: (queue id, overflow only, somebody waiting in it
    goes first, i.e. a priority group or an appointment).

    Two queries: the lock with the window's clerk and state; then, in a new snapshot (which
    sees a call committed by whoever held the lock before), the queues together with the
    ticket standing at the window.
    """
    ops = connection.ops
    qn = ops.quote_name
    t = qn(Ticket._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    active = ", ".join(queries.sql_code(status) for status in ACTIVE)
    busy_sql = f"SELECT code FROM {t} WHERE window_id = %s AND status IN ({active}) LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT clerk_id, state, is_active FROM {qn(Window._meta.db_table)} "
            f"WHERE id = %s{lock}",
            [window.pk],
        )
        row = cursor.fetchone()
        if row is None:
            raise QueueError(_("No such window."), code="not_found")
        window.clerk_id, window.state, window.is_active = row
        cursor.execute(
            "SELECT l.queue_id, l.overflow_only, "
            f"EXISTS (SELECT 1 FROM {t} f WHERE f.queue_id = l.queue_id AND f.day = %s "
            f"AND f.status = {queries.WAITING_SQL} "
            "AND (f.priority <> '' OR f.appointment_id IS NOT NULL)), "
            f"({busy_sql}) "
            f"FROM {qn(WindowQueue._meta.db_table)} l "
            f"JOIN {qn(Queue._meta.db_table)} q ON q.id = l.queue_id "
            "WHERE l.window_id = %s AND q.is_active "
            f"ORDER BY l.overflow_only, l.{qn('order')}, l.id",
            [
                ops.adapt_datefield_value(day),
                window.pk,
                window.pk,
            ],
        )
        rows = cursor.fetchall()
        if rows:
            busy = rows[0][3]
        else:  # no queue to call from; still say why the window could not call anyway
            cursor.execute(busy_sql, [window.pk])
            busy = (cursor.fetchone() or [None])[0]
    _check_window_clerk(window, actor)
    if busy:
        raise QueueError(
            _("Finish or park ticket %(code)s before calling the next one.") % {"code": busy},
            code="window_busy",
        )
    return [(queue_id, bool(overflow), bool(first)) for queue_id, overflow, first, _b in rows]


def _next_candidate(
    window: Window,
    group: list[int],
    day: datetime.date,
    at_time: datetime.time,
    *,
    anybody_first: bool = True,
) -> Ticket | None:
    """The head of the window's line, locked for this transaction (see `call_next`).

    The order of `queries.line_tiers` in two short SQL reads: first those who go first
    (appointments whose slot has started, then priority groups; few, through two partial
    indexes), then everybody by arrival through the line's index. Written in SQL because every
    call runs it; `test_people_ahead_matches_the_calling_order` holds it to the same order as
    `people_ahead` and `head_of_line`.
    """
    conn = connections[DEFAULT_DB_ALIAS]
    first, everybody, columns = _candidate_sql(conn.alias, len(group))
    day_value = conn.ops.adapt_datefield_value(day)
    where_params: list[Any] = [day_value, *group, window.pk]
    rank_params = list(group) if len(group) > 1 else []
    ticket_fields, queue_fields = _TICKET_FIELDS, _QUEUE_FIELDS
    reads = [(everybody, [*where_params, *rank_params])]
    if anybody_first:  # else nobody in these queues is in a priority group or has a booking
        at = conn.ops.adapt_timefield_value(at_time)
        reads.insert(0, (first, [*where_params, at, at, *rank_params]))
    with conn.cursor() as cursor:
        for sql, params in reads:
            if sql is everybody and len(group) > 1 and conn.vendor == "postgresql":
                ticket = _head_of_several_lines(cursor, window, group, day_value, columns)
                if ticket is not None:
                    return ticket
            cursor.execute(sql, params)
            row = cursor.fetchone()
            if row is not None:
                return _ticket_from_row(row, ticket_fields, queue_fields)
    return None


_TICKET_FIELDS = list(Ticket._meta.concrete_fields)
_QUEUE_FIELDS = list(Queue._meta.concrete_fields)


@functools.cache
def _candidate_sql(alias: str, queues: int) -> tuple[str, str, str]:
    """`_next_candidate`'s two reads for a window with this many queues, and their columns.

    Parameters: day, the queue ids, the window id, (first read only: the time twice), and for
    several queues the queue ids again (ties in arrival go to the earlier queue).
    """
    conn = connections[alias]
    qn = conn.ops.quote_name
    t = qn(Ticket._meta.db_table)
    a = qn(Appointment._meta.db_table)
    sl = qn(AppointmentSlot._meta.db_table)
    marks = ", ".join(["%s"] * queues)
    where = (
        f"t.day = %s AND t.status = {queries.WAITING_SQL} AND t.queue_id IN ({marks}) "
        "AND (t.reserved_window_id IS NULL OR t.reserved_window_id = %s)"
    )
    rank = ""
    if queues > 1:  # ties in arrival time go to the earlier of the window's queues
        rank = "CASE " + " ".join(f"WHEN t.queue_id = %s THEN {i}" for i in range(queues))
        rank += f" ELSE {queues} END, "
    # Two windows calling at once each take a different ticket instead of queueing (SQLite
    # serialises writers by BEGIN IMMEDIATE).
    skip = conn.features.has_select_for_update_skip_locked
    lock = " FOR UPDATE OF t SKIP LOCKED" if skip else ""
    due = "(s.starts_at IS NOT NULL AND s.starts_at <= %s)"
    # The whole ticket and its queue come back with the pick (no second read).
    columns = ", ".join(
        [f"t.{qn(f.column)}" for f in _TICKET_FIELDS] + [f"q.{qn(f.column)}" for f in _QUEUE_FIELDS]
    )
    join_queue = f"JOIN {qn(Queue._meta.db_table)} q ON q.id = t.queue_id"
    first = (
        f"SELECT {columns} FROM {t} t {join_queue} LEFT JOIN {a} a ON a.id = t.appointment_id "
        f"LEFT JOIN {sl} s ON s.id = a.slot_id "
        f"WHERE {where} AND (t.appointment_id IS NOT NULL OR t.priority <> '') "
        f"AND ({due} OR t.priority <> '') "
        f"ORDER BY CASE WHEN {due} THEN 0 ELSE 1 END, t.queued_at, {rank}t.id LIMIT 1{lock}"
    )
    everybody = (
        f"SELECT {columns} FROM {t} t {join_queue} WHERE {where} "
        f"ORDER BY t.queued_at, {rank}t.id LIMIT 1{lock}"
    )
    return first, everybody, columns


def _head_of_several_lines(
    cursor: Any, window: Window, group: list[int], day: Any, columns: str
) -> Ticket | None:
    """PostgreSQL, a window with several queues: the earliest waiting ticket, locked.

    The first few of each queue's line are read off its index in calling order; then they are
    locked one by one by primary key, skipping those another window is calling. A single
    ordered read over several queues would sort the whole line whenever the planner misjudges
    today's rows. None if every candidate was taken (the caller then reads the whole line).
    """
    qn = connection.ops.quote_name
    t = qn(Ticket._meta.db_table)
    cursor.execute(
        "SELECT h.id FROM unnest(%s::bigint[]) WITH ORDINALITY AS g(qid, rk) CROSS JOIN LATERAL "
        f"(SELECT x.id, x.queued_at FROM {t} x WHERE x.day = %s "
        f"AND x.status = {queries.WAITING_SQL} AND x.queue_id = g.qid "
        "AND (x.reserved_window_id IS NULL OR x.reserved_window_id = %s) "
        f"ORDER BY x.queued_at, x.id LIMIT {HEADS_PER_QUEUE}) h "
        "ORDER BY h.queued_at, g.rk, h.id",
        [list(group), day, window.pk],
    )
    ticket_fields, queue_fields = _TICKET_FIELDS, _QUEUE_FIELDS
    lock = (
        f"SELECT {columns} FROM {t} t JOIN {qn(Queue._meta.db_table)} q ON q.id = t.queue_id "
        "WHERE t.id = %s FOR UPDATE OF t SKIP LOCKED"
    )
    for (ticket_id,) in cursor.fetchall():
        # No status in the WHERE: by primary key only. The row comes back as it is now that
        # it is locked (READ COMMITTED), so a ticket called meanwhile shows it here.
        cursor.execute(lock, [ticket_id])
        row = cursor.fetchone()
        if row is None:
            continue  # another window is calling it
        ticket = _ticket_from_row(row, ticket_fields, queue_fields)
        if ticket.status == TicketStatus.WAITING and ticket.reserved_window_id in (
            None,
            window.pk,
        ):
            return ticket
    return None


def _ticket_from_row(row: Any, ticket_fields: list[Any], queue_fields: list[Any]) -> Ticket:
    """A Ticket with its Queue from a raw row of their concrete columns (values converted as
    the ORM would: time zones, JSON, booleans on SQLite)."""
    conn = connections[DEFAULT_DB_ALIAS]
    converted = list(row)
    for i, field, steps in _row_converters(conn.alias, (*ticket_fields, *queue_fields)):
        value = converted[i]
        for step in steps:
            value = step(value, field, conn)
        converted[i] = value
    n = len(ticket_fields)
    ticket = Ticket.from_db(conn.alias, _attnames(tuple(ticket_fields)), converted[:n])
    ticket.queue = Queue.from_db(conn.alias, _attnames(tuple(queue_fields)), converted[n:])
    return ticket


@functools.cache
def _attnames(fields: tuple[Any, ...]) -> list[str]:
    return [f.attname for f in fields]


@functools.cache
def _row_converters(alias: str, fields: tuple[Any, ...]) -> list[tuple[int, Any, list[Any]]]:
    """The ORM's value converters of each column that has any (per database connection)."""
    conn = connections[alias]
    out = []
    for i, field in enumerate(fields):
        steps = conn.ops.get_db_converters(field.get_col(field.model._meta.db_table))
        steps = [*steps, *field.get_db_converters(conn)]
        if steps:
            out.append((i, field, steps))
    return out


def _mark_called(
    ticket: Ticket, *, window: Window, actor: Any, now: datetime.datetime
) -> tuple[str, list[Any]]:
    """Set the called fields on `ticket`; returns the UPDATE (sql, params) that stores them.

    The ticket's row is locked by the caller; the UPDATE runs with the call's event (`_event`).
    """
    ticket.status = TicketStatus.CALLED
    ticket.window = window
    ticket.clerk = actor
    ticket.call_count = 1
    ticket.first_called_at = ticket.first_called_at or now
    ticket.called_at = now
    conn = connections[DEFAULT_DB_ALIAS]
    sql, fields = _update_template(
        conn.alias,
        Ticket,
        ("status", "window", "clerk", "call_count", "first_called_at", "called_at"),
    )
    params = [f.get_db_prep_save(getattr(ticket, f.attname), conn) for f in fields]
    return sql, [*params, ticket.pk]


@functools.cache
def _update_template(
    alias: str, model: type[models.Model], names: tuple[str, ...]
) -> tuple[str, list[Any]]:
    """UPDATE of these fields of one row (parameters: the values, then the primary key)."""
    qn = connections[alias].ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    return f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE id = %s", fields


def call_next(*, window: Window, actor: Any, now: datetime.datetime | None = None) -> Ticket | None:
    """Call the next ticket for this window; None when nobody is waiting for it.

    Interpretation of "appointments due first, then priority groups, then arrival order, over
    the window's queues in their configured order": the window's own queues form one line in
    which appointments whose slot has started (slot start <= now, local time) come first, then
    priority groups, then the earliest `queued_at`; the configured queue order breaks ties, then
    the id. Queues linked as overflow are looked at, in their order, only when that line has
    nobody. A ticket reserved for another window (a transfer) is skipped.
    """
    now = now or timezone.now()
    local = _local(now)
    with transaction.atomic():
        links = _lock_window_for_call(window, actor, local.date())
        ticket = None
        for overflow in (False, True):
            group = [link for link in links if link[1] == overflow]
            if group:
                ticket = _next_candidate(
                    window,
                    [queue_id for queue_id, _o, _f in group],
                    local.date(),
                    local.time(),
                    anybody_first=any(first for _q, _o, first in group),
                )
            if ticket is not None:
                break
        if ticket is None:
            return None
        called = _mark_called(ticket, window=window, actor=actor, now=now)
        _event(
            ticket,
            TicketEvent.Action.CALLED,
            at=now,
            actor=actor,
            window=window,
            data={"announcement": announcement(window.hall, code=ticket.code, window=window)},
            along=called,
        )
        _notify_after_commit(ticket.queue_id, now, window.hall)
    return ticket


def call_ticket(
    *,
    window: Window,
    ticket: Ticket,
    actor: Any,
    reason: str,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Call a particular waiting ticket out of order; the reason is recorded."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        window = _lock_window(window)
        _check_window_clerk(window, actor)
        _check_window_free(window)
        ticket = _lock_ticket(ticket)
        if ticket.hall_id != window.hall_id:
            raise QueueError(_("This ticket belongs to another hall."), code="other_hall")
        _require(ticket, TicketStatus.WAITING, to=TicketStatus.CALLED)
        _today_check(ticket, now)
        before = audit.snapshot(ticket, ["status", "window", "clerk"])
        called = _mark_called(ticket, window=window, actor=actor, now=now)
        _event(
            ticket,
            TicketEvent.Action.CALLED_OUT_OF_ORDER,
            at=now,
            actor=actor,
            window=window,
            reason=reason,
            data={"announcement": announcement(window.hall, code=ticket.code, window=window)},
            along=called,
        )
        audit.record(
            action="tickets.ticket.called_out_of_order",
            actor=actor,
            obj=ticket,
            before=before,
            after=audit.snapshot(ticket, ["status", "window", "clerk"]),
            note=reason,
        )
        _notify_after_commit(ticket.queue_id, now)
    return ticket


def recall(*, ticket: Ticket, actor: Any, now: datetime.datetime | None = None) -> Ticket:
    """Announce a called ticket again."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        window = _check_at_ticket_window(ticket, actor)
        _require(ticket, TicketStatus.CALLED, to=TicketStatus.CALLED)
        ticket.call_count += 1
        ticket.called_at = now
        ticket.save(update_fields=["call_count", "called_at"])
        _event(
            ticket,
            TicketEvent.Action.RECALLED,
            at=now,
            actor=actor,
            window=window,
            data={
                "announcement": announcement(ticket.hall, code=ticket.code, window=window),
                "call": ticket.call_count,
            },
        )
    return ticket


def mark_no_show(*, ticket: Ticket, actor: Any, now: datetime.datetime | None = None) -> Ticket:
    """The citizen did not come after the hall's number of calls."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        window = _check_at_ticket_window(ticket, actor)
        _require(ticket, TicketStatus.CALLED, to=TicketStatus.NO_SHOW)
        needed = ticket.hall.no_show_after_calls
        if ticket.call_count < needed:
            raise QueueError(
                _(
                    "Ticket %(code)s has been called %(count)s times; it can be marked as a "
                    "no-show after %(needed)s calls."
                )
                % {"code": ticket.code, "count": ticket.call_count, "needed": needed},
                code="too_few_calls",
            )
        ticket.status = TicketStatus.NO_SHOW
        ticket.save(update_fields=["status"])
        _event(ticket, TicketEvent.Action.NO_SHOW, at=now, actor=actor, window=window)
        audit.record(
            action="tickets.ticket.no_show",
            actor=actor,
            obj=ticket,
            before={"status": TicketStatus.CALLED},
            after={"status": ticket.status, "calls": ticket.call_count},
        )
    return ticket


def reactivate(*, ticket: Ticket, actor: Any, now: datetime.datetime | None = None) -> Ticket:
    """A no-show who turns up goes back into line at the original place (queued_at kept)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            ticket = _lock_ticket(ticket)
            _check_actor_hall(actor, ticket.hall_id)
            _require(ticket, TicketStatus.NO_SHOW, to=TicketStatus.WAITING)
            _today_check(ticket, now)
            last_window = ticket.window_id
            ticket.status = TicketStatus.WAITING
            ticket.window = None
            ticket.clerk = None
            ticket.save(update_fields=["status", "window", "clerk"])
            _event(
                ticket,
                TicketEvent.Action.REACTIVATED,
                at=now,
                actor=actor,
                data={"last_window": last_window},
            )
            audit.record(
                action="tickets.ticket.reactivated",
                actor=actor,
                obj=ticket,
                before={"status": TicketStatus.NO_SHOW},
                after={"status": ticket.status},
            )
    except IntegrityError:
        raise _id_taken() from None
    return ticket


def start_service(
    *,
    ticket: Ticket,
    actor: Any,
    priority_verified: bool | None = None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """The citizen has come to the window."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        window = _check_at_ticket_window(ticket, actor)
        _require(ticket, TicketStatus.CALLED, to=TicketStatus.SERVING)
        ticket.status = TicketStatus.SERVING
        ticket.started_at = now
        fields = ["status", "started_at"]
        if priority_verified is not None:
            ticket.priority_verified = priority_verified
            fields.append("priority_verified")
        ticket.save(update_fields=fields)
        _event(
            ticket,
            TicketEvent.Action.STARTED,
            at=now,
            actor=actor,
            window=window,
            data={} if priority_verified is None else {"priority_verified": priority_verified},
        )
    return ticket


def finish_service(
    *,
    ticket: Ticket,
    actor: Any,
    outcome: str,
    matters: Iterable[Any] = (),
    now: datetime.datetime | None = None,
) -> Ticket:
    """Service ends; `matters`, when given, replaces the ticket's matters with those handled."""
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise QueueError(_("Choose an outcome."), code="outcome", field="outcome")
    matters = [m for m in matters if m]
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        window = _check_at_ticket_window(ticket, actor)
        _require(ticket, TicketStatus.SERVING, to=TicketStatus.DONE)
        ticket.status = TicketStatus.DONE
        ticket.finished_at = now
        ticket.outcome = outcome
        ticket.save(update_fields=["status", "finished_at", "outcome"])
        if matters:
            ticket.matters.set(matters)
        _event(
            ticket,
            TicketEvent.Action.FINISHED,
            at=now,
            actor=actor,
            window=window,
            data={
                "outcome": outcome,
                "matters": sorted(getattr(m, "pk", m) for m in matters),
            },
        )
        _notify_after_commit(ticket.queue_id, now, window.hall)
    return ticket


def transfer(
    *,
    ticket: Ticket,
    actor: Any,
    reason: str,
    to_queue: Queue | None = None,
    to_window: Window | None = None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Send a called, served or parked ticket to another queue and/or a particular window.

    The ticket waits again with its original place (`queued_at`); with `to_window` only that
    window may call it.
    """
    now = now or timezone.now()
    reason = _require_reason(reason)
    if to_queue is None and to_window is None:
        raise QueueError(_("Choose a queue or a window."), code="no_target", field="to_queue")
    try:
        with transaction.atomic():
            ticket = _lock_ticket(ticket)
            _check_actor_hall(actor, ticket.hall_id)
            _require(
                ticket,
                TicketStatus.CALLED,
                TicketStatus.SERVING,
                TicketStatus.PARKED,
                to=TicketStatus.WAITING,
            )
            _today_check(ticket, now)
            target = to_queue or ticket.queue
            if target.hall_id != ticket.hall_id or not target.is_active:
                raise QueueError(
                    _("Choose an active queue of this hall."), code="other_hall", field="to_queue"
                )
            if to_window is not None:
                if to_window.hall_id != ticket.hall_id or not to_window.is_active:
                    raise QueueError(
                        _("Choose a window of this hall."), code="other_hall", field="to_window"
                    )
                if not WindowQueue.objects.filter(window=to_window, queue=target).exists():
                    raise QueueError(
                        _("Window %(n)s does not serve %(queue)s.")
                        % {"n": to_window.number, "queue": target.name},
                        code="window_queue",
                        field="to_window",
                    )
            elif target.pk == ticket.queue_id:
                raise QueueError(
                    _("The ticket is already in this queue."), code="same", field="to_queue"
                )
            before = audit.snapshot(ticket, ["status", "queue", "window", "reserved_window"])
            from_window = ticket.window_id
            ticket.status = TicketStatus.WAITING
            ticket.queue = target
            ticket.reserved_window = to_window
            ticket.window = None
            ticket.clerk = None
            ticket.save(update_fields=["status", "queue", "reserved_window", "window", "clerk"])
            after = audit.snapshot(ticket, ["status", "queue", "window", "reserved_window"])
            _event(
                ticket,
                TicketEvent.Action.TRANSFERRED,
                at=now,
                actor=actor,
                window=Window.objects.filter(pk=from_window).first() if from_window else None,
                reason=reason,
                data={
                    "from_queue": before["queue"],
                    "to_queue": target.pk,
                    "from_window": from_window,
                    "to_window": to_window.pk if to_window else None,
                },
            )
            audit.record(
                action="tickets.ticket.transferred",
                actor=actor,
                obj=ticket,
                before=before,
                after=after,
                note=reason,
            )
    except IntegrityError:
        raise _id_taken() from None
    return ticket


def park(
    *, ticket: Ticket, actor: Any, reason: str, now: datetime.datetime | None = None
) -> Ticket:
    """Set a ticket aside (the citizen fetches a document); the window is free meanwhile."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    with transaction.atomic():
        ticket = _lock_ticket(ticket)
        window = _check_at_ticket_window(ticket, actor)
        _require(ticket, TicketStatus.CALLED, TicketStatus.SERVING, to=TicketStatus.PARKED)
        before = {"status": ticket.status, "window": window.pk}
        ticket.status = TicketStatus.PARKED
        ticket.window = None
        ticket.save(update_fields=["status", "window"])
        _event(
            ticket,
            TicketEvent.Action.PARKED,
            at=now,
            actor=actor,
            window=window,
            reason=reason,
            data={"parked_window": window.pk, "from_status": before["status"]},
        )
        audit.record(
            action="tickets.ticket.parked",
            actor=actor,
            obj=ticket,
            before=before,
            after={"status": ticket.status, "window": None},
            note=reason,
        )
    return ticket


def resume(*, ticket: Ticket, actor: Any, now: datetime.datetime | None = None) -> Ticket:
    """Serve a parked ticket again, at the window the clerk is signed in to (if it is free)."""
    now = now or timezone.now()
    with transaction.atomic():
        window = Window.objects.select_for_update().filter(clerk=actor).first()
        if window is None:
            raise QueueError(_("Sign in at a window first."), code="not_signed_in")
        _check_actor_hall(actor, window.hall_id)
        if window.state == WindowState.CLOSED:
            raise QueueError(_("Window %(n)s is not open.") % {"n": window.number}, code="closed")
        _check_window_free(window)
        ticket = _lock_ticket(ticket)
        _check_actor_hall(actor, ticket.hall_id)
        _require(ticket, TicketStatus.PARKED, to=TicketStatus.SERVING)
        ticket.status = TicketStatus.SERVING
        ticket.window = window
        ticket.clerk = actor
        ticket.started_at = ticket.started_at or now
        ticket.save(update_fields=["status", "window", "clerk", "started_at"])
        _event(ticket, TicketEvent.Action.RESUMED, at=now, actor=actor, window=window)
    return ticket


# --- notifications -------------------------------------------------------------------------


def notify_upcoming(
    *, queue_id: int, now: datetime.datetime | None = None, hall: Hall | None = None
) -> list[Ticket]:
    """SMS the ticket that now has exactly `hall.notify_when_ahead` people ahead.

    One indexed EXISTS when nobody waiting left a phone number, else the head of the line is
    read (`queries.head_of_line`); a ticket is notified once (`notified_at`). Runs after the
    commit of a call or finish; a ticket that jumps past the position between two runs is
    not notified (rare; documented limitation).
    """
    now = now or timezone.now()
    local = _local(now)
    if hall is None:
        queue = Queue.objects.select_related("hall").filter(pk=queue_id).first()
        if queue is None:
            return []
        hall = queue.hall
    ahead = hall.notify_when_ahead
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:  # after every call and finish: kept to one plain read
        cursor.execute(
            f"SELECT 1 FROM {qn(Ticket._meta.db_table)} WHERE queue_id = %s AND day = %s "
            f"AND status = {queries.WAITING_SQL} AND notified_at IS NULL AND phone <> '' LIMIT 1",
            [queue_id, connection.ops.adapt_datefield_value(local.date())],
        )
        if cursor.fetchone() is None:
            return []  # nobody left a number: no need to read the line
    head = queries.head_of_line(
        queue_ids=[queue_id], day=local.date(), at_time=local.time(), n=ahead + 1
    )
    if len(head) <= ahead:
        return []
    row = head[ahead]
    if not row.phone or row.notified_at is not None:
        return []
    notified: list[Ticket] = []
    with transaction.atomic():
        if not Ticket.objects.filter(pk=row.pk, notified_at__isnull=True).update(notified_at=now):
            return []
        ticket = Ticket.objects.get(pk=row.pk)
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "Your number %(code)s has %(n)s people ahead. Please come to the hall and wait "
                "for your call."
            ) % {"code": ticket.code, "n": ahead}
        _event(ticket, TicketEvent.Action.NOTIFIED, at=now, data={"ahead": ahead})
        transaction.on_commit(lambda: sms.send_sms(phone=ticket.phone, message=message))
        notified.append(ticket)
    return notified
