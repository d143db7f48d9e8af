"""Appointment slots and bookings (预约): generating slots, booking once, cancelling.

`book_appointment` and `check_in_appointment` live in `tickets.services`; this module adds the
hall manager's slot generation and the citizen's one-booking-per-submit and cancellation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core import audit, calendar
from onewindow.core.validators import normalize_mobile
from onewindow.tickets.models import Appointment, AppointmentSlot, Queue
from onewindow.tickets.services import QueueError, book_appointment

MAX_DAYS = 92


@dataclass
class GeneratedSlots:
    created: int = 0
    existing: int = 0
    days: list[datetime.date] = field(default_factory=list)
    skipped_days: list[datetime.date] = field(default_factory=list)


def slot_times(
    periods: list[tuple[datetime.time, datetime.time]], minutes: int
) -> list[tuple[datetime.time, datetime.time]]:
    """Slots of `minutes` filling each period (start, end); a remainder shorter than a slot is
    dropped. 09:00–11:30 by 30 minutes gives 09:00, 09:30 … 11:00 (the last ends at 11:30)."""
    step = datetime.timedelta(minutes=minutes)
    base = datetime.date(2000, 1, 1)
    times: list[tuple[datetime.time, datetime.time]] = []
    for start, end in sorted(periods):
        at = datetime.datetime.combine(base, start)
        stop = datetime.datetime.combine(base, end)
        while at + step <= stop:
            times.append((at.time(), (at + step).time()))
            at += step
    return times


def generate_slots(
    *,
    queue: Queue,
    date_from: datetime.date,
    date_to: datetime.date,
    periods: list[tuple[datetime.time, datetime.time]],
    minutes: int,
    capacity: int,
    actor: Any,
) -> GeneratedSlots:
    """Create the queue's slots on every working day of the range; existing slots are kept.

    Raises `calendar.UnknownCalendarYear` when the range reaches a year the working-day calendar
    does not know (nothing is created), `QueueError` for a bad range or no slot times.
    """
    if date_to < date_from:
        raise QueueError(_("The last day must not be before the first."), field="date_to")
    if (date_to - date_from).days >= MAX_DAYS:
        raise QueueError(
            _("Generate at most %(n)s days at a time.") % {"n": MAX_DAYS}, field="date_to"
        )
    times = slot_times(periods, minutes)
    if not times:
        raise QueueError(_("These periods are shorter than one slot."), field="periods")
    result = GeneratedSlots()
    working = calendar.shared_calendar()
    day = date_from
    while day <= date_to:
        (result.days if working.is_workday(day) else result.skipped_days).append(day)
        day += datetime.timedelta(days=1)
    with transaction.atomic():
        taken = set(
            AppointmentSlot.objects.filter(queue=queue, day__in=result.days).values_list(
                "day", "starts_at"
            )
        )
        new = [
            AppointmentSlot(queue=queue, day=d, starts_at=s, ends_at=e, capacity=capacity)
            for d in result.days
            for s, e in times
            if (d, s) not in taken
        ]
        AppointmentSlot.objects.bulk_create(new)
        result.created = len(new)
        result.existing = len(result.days) * len(times) - len(new)
        audit.record(
            action="tickets.slots.generated",
            actor=actor,
            obj=queue,
            after={
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "times": [f"{s:%H:%M}-{e:%H:%M}" for s, e in times],
                "capacity": capacity,
                "created": result.created,
                "existing": result.existing,
                "skipped_days": [d.isoformat() for d in result.skipped_days],
            },
        )
    return result


def book_once(
    *,
    slot: AppointmentSlot,
    phone: str,
    item: Any = None,
    now: datetime.datetime | None = None,
) -> tuple[Appointment, bool]:
    """Book, unless this phone already holds a booking in this slot: (appointment, created).

    The slot row is locked first, so two submits of the same form racing each other give one
    booking: the second waits for the first and then finds it.
    """
    normalized = normalize_mobile(phone or "")
    with transaction.atomic():
        AppointmentSlot.objects.select_for_update().filter(pk=slot.pk).first()
        existing = Appointment.objects.filter(
            slot=slot, phone=normalized, status=Appointment.Status.BOOKED
        ).first()
        if existing is not None and normalized:
            return existing, False
        return book_appointment(slot=slot, phone=phone, item=item, now=now), True


def cancel_appointment(
    *, appointment: Appointment, now: datetime.datetime | None = None
) -> Appointment:
    """The citizen cancels a booking before its slot ends; the place is freed."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        slot = AppointmentSlot.objects.select_for_update().get(pk=appointment.slot_id)
        if appointment.status != Appointment.Status.BOOKED:
            raise QueueError(
                _("This booking is %(status)s and cannot be cancelled.")
                % {"status": appointment.get_status_display()},
                code="status",
            )
        if slot.day < local.date() or (slot.day == local.date() and local.time() >= slot.ends_at):
            raise QueueError(_("This time slot has passed."), code="past")
        appointment.status = Appointment.Status.CANCELLED
        appointment.save(update_fields=["status"])
        slot.booked = max(slot.booked - 1, 0)
        slot.save(update_fields=["booked"])
        audit.record(
            action="tickets.appointment.cancelled",
            obj=appointment,
            before={"status": Appointment.Status.BOOKED, "slot_booked": slot.booked + 1},
            after={"status": appointment.status, "slot_booked": slot.booked},
        )
    return appointment
