"""Under real concurrency (PostgreSQL): complaint numbers never repeat, and one hotline ticket
number makes one complaint however many retries race each other."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from onewindow.complaints import services
from onewindow.complaints.models import Complaint
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall
from onewindow.tickets.tests.test_concurrency import run_threads

THREADS = 12


@pytest.fixture
def hall_pg(transactional_db: Any) -> Hall:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    sync_calendar_from_library()
    return Hall.objects.create(code="demo", name="示范区政务服务中心")


def _register(hall: Hall, hotline_number: str = "") -> tuple[Complaint, bool]:
    return services.register_or_find(
        hall=hall,
        channel="hotline" if hotline_number else "window",
        complainant=services.Complainant(name="王五", phone="13900139000"),
        content="12345转来：社保卡补办不成",
        hotline_number=hotline_number,
        actor=None,
    )


def test_numbers_never_repeat(hall_pg: Hall) -> None:
    results = run_threads(THREADS, lambda _i: [_register(hall_pg)[0].number for _n in range(3)])
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == len(set(numbers)) == THREADS * 3
    assert Complaint.objects.count() == THREADS * 3


def test_racing_hotline_retries_make_one_complaint(hall_pg: Hall) -> None:
    results = run_threads(THREADS, lambda _i: _register(hall_pg, "12345-RACE-1"))
    assert Complaint.objects.count() == 1
    assert len({c.pk for c, _created in results}) == 1
    assert sum(created for _c, created in results) == 1
