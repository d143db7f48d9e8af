"""Racing submits of one booking form give one booking; a slot is never overbooked (PostgreSQL)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onewindow.tickets import booking
from onewindow.tickets.models import Appointment, AppointmentSlot
from onewindow.tickets.services import QueueError
from onewindow.tickets.tests.factories import at, make_hall, make_queues
from onewindow.tickets.tests.test_concurrency import THREADS, postgres, run_threads

__all__ = ["postgres"]  # the fixture, imported for use here


def _slot(capacity: int) -> AppointmentSlot:
    queue = make_queues(make_hall())["A"]
    return AppointmentSlot.objects.create(
        queue=queue,
        day=datetime.date(2026, 12, 3),
        starts_at=datetime.time(9),
        ends_at=datetime.time(9, 30),
        capacity=capacity,
    )


@pytest.mark.postgres
def test_racing_submits_of_one_phone_give_one_booking(postgres: None) -> None:
    slot = _slot(capacity=THREADS)

    def work(_i: int) -> int:
        return booking.book_once(slot=slot, phone="13812345678", now=at(10))[0].pk

    results = run_threads(THREADS, work)
    assert len(set(results)) == 1
    assert Appointment.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1


@pytest.mark.postgres
def test_racing_bookings_never_overbook(postgres: None) -> None:
    slot = _slot(capacity=5)

    def work(i: int) -> Any:
        try:
            return booking.book_once(slot=slot, phone=f"139{i:08d}", now=at(10))[0].pk
        except QueueError as error:
            return error.code

    results = run_threads(THREADS, work)
    assert sum(1 for r in results if isinstance(r, int)) == 5
    assert results.count("full") == THREADS - 5
    slot.refresh_from_db()
    assert slot.booked == 5 == Appointment.objects.filter(slot=slot).count()
