"""What the hot paths cost: the case lock, case numbering under concurrency, the work queue's pick.

`bench/cases.py` measures the speed; these tests keep the savings from quietly coming undone.
"""

from __future__ import annotations

import datetime
import threading
import traceback
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from onewindow.cases import queries, services
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake import MONDAY, at, start
from onewindow.cases.tests.test_review import accepted_case
from onewindow.core.services import sync_calendar_from_library

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


def test_the_lock_reuses_the_item_department_and_hall_already_loaded(
    setup: Setup, hall: Any, clerk: Any
):
    case = start(setup, hall, clerk)
    loaded = Case.objects.select_related("item__department", "department", "hall").get(pk=case.pk)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        locked = services._lock(loaded)
        names = (locked.item.department.name, locked.department.name, locked.hall.name)
    assert len(captured) == 1  # the case row alone: nothing joined, nothing loaded afterwards
    assert "JOIN" not in captured[0]["sql"].upper()
    assert names == (setup.item.department.name, case.department.name, hall.name)


def test_the_lock_joins_what_was_not_loaded(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    bare = Case.objects.get(pk=case.pk)  # nothing related loaded
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        locked = services._lock(bare)
        names = (locked.item.department.name, locked.department.name, locked.hall.name)
    assert len(captured) == 1
    assert names == (setup.item.department.name, case.department.name, hall.name)


def test_the_lock_reads_the_case_row_afresh(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    Case.objects.filter(pk=case.pk).update(visits=5)
    with transaction.atomic():
        assert services._lock(case).visits == 5


def test_the_work_queue_shows_the_most_urgent_within_its_limit(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any
):
    days = [datetime.date(2026, 3, d) for d in (4, 2, 3)]
    cases = [accepted_case(setup, hall, clerk, day=day) for day in days]
    rows = queries.review_queue(
        department_id=reviewer.department_id, today=datetime.date(2026, 3, 5), limit=2
    )
    assert [r.case.number for r in rows] == [cases[1].number, cases[2].number]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_consecutive_numbers(setup: Setup, hall: Any, clerk: Any):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    # An earlier transactional test may have flushed the calendar the migrations seeded.
    sync_calendar_from_library()
    clerks = 8
    barrier = threading.Barrier(clerks)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            case = services.start_intake(
                hall=hall,
                item=setup.item,
                scenario_code=setup.scenario_code,
                applicant=person(),
                actor=clerk,
                now=at(MONDAY),
            )
            numbers.append(case.number)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [], "".join(traceback.format_exception(errors[0]))
    assert sorted(numbers) == [f"20260302{n:05d}" for n in range(1, clerks + 1)]


def test_nothing_listens_to_the_saves_the_services_write_directly():
    """`services._update` and `services._event` write cases, materials and events without the
    ORM's save(), so no model signals are sent for them: nothing may rely on those signals."""
    from django.db.models import signals

    from onewindow.cases.models import CaseEvent, CaseMaterial

    for model in (Case, CaseMaterial, CaseEvent):
        for signal in (signals.pre_save, signals.post_save):
            assert not signal.has_listeners(model), (model, signal)
