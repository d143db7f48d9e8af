"""Numbers never repeat and no ticket is called twice, under real concurrent transactions.

PostgreSQL tests run 32+ threads, each with its own database connection, released by a
barrier so their transactions overlap. The SQLite variant needs a file database (threads
cannot share the in-memory test database), so it is skipped on the default test settings.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from onewindow.tickets import services
from onewindow.tickets.models import DailyCounter, Ticket, TicketEvent, TicketStatus
from onewindow.tickets.services import Outcome, QueueError
from onewindow.tickets.tests.factories import at, make_setup, make_window

THREADS = 32


def run_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in n threads released together; re-raise the first error."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def postgres(transactional_db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def issue_many(setup: Any, per_thread: int) -> Callable[[int], list[int]]:
    def work(_i: int) -> list[int]:
        return [
            services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(10)).number
            for _ in range(per_thread)
        ]

    return work


def assert_numbered(setup: Any, results: list[list[int]], total: int) -> None:
    numbers = [n for chunk in results for n in chunk]
    assert sorted(numbers) == list(range(1, total + 1))
    stored = list(Ticket.objects.filter(queue=setup.a).values_list("number", flat=True))
    assert sorted(stored) == list(range(1, total + 1))
    assert len({c for c in Ticket.objects.values_list("code", flat=True)}) == total
    assert DailyCounter.objects.get(queue=setup.a).last_number == total


@pytest.mark.postgres
def test_concurrent_issue_gives_every_number_once(postgres: None) -> None:
    setup = make_setup(windows=0)
    per_thread = 4
    results = run_threads(THREADS, issue_many(setup, per_thread))
    assert_numbered(setup, results, THREADS * per_thread)


@pytest.mark.postgres
def test_concurrent_double_tap_gives_one_ticket(postgres: None) -> None:
    setup = make_setup(windows=0)

    def work(_i: int) -> int:
        ticket = services.issue_ticket(
            hall=setup.hall, queue=setup.a, idempotency_key="kiosk-7-tap-1", now=at(10)
        )
        return ticket.pk

    ids = run_threads(8, work)
    assert len(set(ids)) == 1
    assert Ticket.objects.count() == 1
    assert DailyCounter.objects.get(queue=setup.a).last_number == 1
    assert TicketEvent.objects.filter(action=TicketEvent.Action.ISSUED).count() == 1


@pytest.mark.postgres
def test_concurrent_first_ticket_of_the_day_creates_one_counter(postgres: None) -> None:
    setup = make_setup(windows=0)
    results = run_threads(THREADS, issue_many(setup, 1))
    assert_numbered(setup, results, THREADS)
    assert DailyCounter.objects.filter(queue=setup.a).count() == 1


def check_calling(*, windows: int, per_window: int, tickets: int) -> None:
    """`windows` windows with `per_window` threads each drain a pool of tickets."""
    setup = make_setup(windows=0)
    desks = [
        make_window(setup.hall, n, [setup.a, setup.queues["B"]]) for n in range(1, windows + 1)
    ]
    pool = [
        services.issue_ticket(
            hall=setup.hall, queue=setup.queues["AB"[i % 2]], now=at(9, i % 60)
        ).pk
        for i in range(tickets)
    ]

    def work(i: int) -> list[int]:
        window = desks[i % len(desks)]
        clerk = window.clerk
        called: list[int] = []
        while True:
            try:
                ticket = services.call_next(window=window, actor=clerk, now=at(10, 30))
            except QueueError as exc:
                # Another thread of this window holds a ticket: try again once it is done.
                assert exc.code == "window_busy"
                continue
            if ticket is None:
                return called
            called.append(ticket.pk)
            services.start_service(ticket=ticket, actor=clerk, now=at(10, 31))
            services.finish_service(
                ticket=ticket, actor=clerk, outcome=Outcome.HANDLED, now=at(10, 32)
            )

    results = run_threads(len(desks) * per_window, work)
    called = [pk for chunk in results for pk in chunk]
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert sorted(called) == sorted(pool), "a ticket was lost"
    per_ticket = Counter(
        TicketEvent.objects.filter(action=TicketEvent.Action.CALLED).values_list(
            "ticket_id", flat=True
        )
    )
    assert set(per_ticket.values()) == {1}
    assert set(Ticket.objects.values_list("status", flat=True)) == {TicketStatus.DONE}
    # Each window's events alternate called → started → finished: never two at once.
    for window in desks:
        actions = list(
            TicketEvent.objects.filter(window=window)
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["called", "started", "finished"] * (len(actions) // 3)


@pytest.mark.postgres
def test_concurrent_windows_never_call_a_ticket_twice(postgres: None) -> None:
    check_calling(windows=8, per_window=THREADS // 8, tickets=96)


@pytest.fixture
def file_sqlite(transactional_db: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant")
    if connection.is_in_memory_db():
        pytest.skip(
            "threads need a file-based SQLite test database "
            "(DATABASES['default']['TEST']['NAME']); the in-memory one cannot be shared"
        )


def test_sqlite_concurrent_issue(file_sqlite: None) -> None:
    setup = make_setup(windows=0)
    results = run_threads(6, issue_many(setup, 3))
    assert_numbered(setup, results, 18)


def test_sqlite_concurrent_calling(file_sqlite: None) -> None:
    check_calling(windows=3, per_window=2, tickets=12)


@pytest.mark.postgres
def test_a_window_with_several_queues_skips_the_ticket_another_window_is_calling(
    postgres: None,
) -> None:
    setup = make_setup(windows=0)
    window = make_window(setup.hall, 1, [setup.a, setup.queues["B"]])
    head = services.issue_ticket(hall=setup.hall, queue=setup.queues["B"], now=at(9, 0))
    second = services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, 1))
    third = services.issue_ticket(hall=setup.hall, queue=setup.queues["B"], now=at(9, 2))
    locked, release = threading.Event(), threading.Event()

    def other_window() -> None:  # holds the head of the line as a call in progress would
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=head.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=other_window)
    holder.start()
    try:
        assert locked.wait(30)
        called = services.call_next(window=window, actor=window.clerk, now=at(10))
        assert called.pk == second.pk
    finally:
        release.set()
        holder.join(30)
    # Once the head has been served elsewhere, the next call takes the third.
    Ticket.objects.filter(pk=head.pk).update(status=TicketStatus.DONE)
    services.start_service(ticket=called, actor=window.clerk, now=at(10, 1))
    services.finish_service(
        ticket=called, actor=window.clerk, outcome=Outcome.HANDLED, now=at(10, 2)
    )
    assert services.call_next(window=window, actor=window.clerk, now=at(10, 3)).pk == third.pk
