"""People ahead, waiting counts and the wait estimate, with a replayed day."""

from __future__ import annotations

import datetime
import heapq
import json
import random
from typing import Any

import pytest

from onewindow.halls.models import WindowState
from onewindow.tickets import estimates, queries, services
from onewindow.tickets.models import Ticket, TicketStatus
from onewindow.tickets.services import Outcome
from onewindow.tickets.tests.factories import at, make_setup, make_window

pytestmark = pytest.mark.django_db


def test_estimate_minutes_formula() -> None:
    assert estimates.estimate_minutes(people_ahead=0, service_minutes=8, windows=2) == 0
    assert estimates.estimate_minutes(people_ahead=3, service_minutes=8, windows=2) == 12
    assert estimates.estimate_minutes(people_ahead=1, service_minutes=5, windows=2) == 3
    assert estimates.estimate_minutes(people_ahead=4, service_minutes=5, windows=0) == 20


def test_recent_service_time_uses_todays_finished_tickets() -> None:
    setup = make_setup(windows=1)
    day = datetime.date(2026, 12, 2)
    assert estimates.recent_service_minutes(setup.a, day=day) == 8.0
    clerk = setup.clerk(0)
    for i, minutes in enumerate([4, 6]):
        services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, i))
        ticket = services.call_next(window=setup.windows[0], actor=clerk, now=at(10, 20 * i))
        services.start_service(ticket=ticket, actor=clerk, now=at(10, 20 * i))
        services.finish_service(
            ticket=ticket, actor=clerk, outcome=Outcome.HANDLED, now=at(10, 20 * i + minutes)
        )
    assert estimates.recent_service_minutes(setup.a, day=day) == 5.0
    assert estimates.recent_service_minutes(setup.a, day=day, sample=1) == 6.0
    assert estimates.recent_service_minutes(setup.a, day=day + datetime.timedelta(days=1)) == 8.0


def test_open_windows_counts_own_queue_links_of_open_windows() -> None:
    setup = make_setup(windows=2)
    assert estimates.open_windows(setup.a) == 2
    make_window(setup.hall, 5, [setup.queues["C"]], overflow=[setup.a])
    make_window(setup.hall, 6, [setup.a], state=WindowState.CLOSED)
    assert estimates.open_windows(setup.a) == 2
    assert estimates.open_windows(setup.queues["F"]) == 1  # never less than one


def test_people_ahead_follows_calling_order(django_assert_max_num_queries: Any) -> None:
    setup = make_setup(windows=1)
    t1 = services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, 0))
    t2 = services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, 1))
    t3 = services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, 2), priority="pregnant")
    other = services.issue_ticket(hall=setup.hall, queue=setup.queues["B"], now=at(9, 0))
    with django_assert_max_num_queries(2):
        ahead = queries.people_ahead(t2, now=at(10))
    assert ahead == 2
    assert queries.people_ahead(t3, now=at(10)) == 0
    assert queries.people_ahead(t1, now=at(10)) == 1
    assert queries.people_ahead(other, now=at(10)) == 0
    called = services.call_next(window=setup.windows[0], actor=setup.clerk(0), now=at(10))
    assert called.pk == t3.pk
    assert queries.people_ahead(Ticket.objects.get(pk=t2.pk), now=at(10)) == 1
    assert queries.people_ahead(Ticket.objects.get(pk=t3.pk), now=at(10)) == 0


def test_estimate_wait_minutes() -> None:
    setup = make_setup(windows=2)
    for i in range(5):
        last = services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, i))
    # 4 ahead × 8 minutes (default) ÷ 2 open windows
    assert queries.estimate_wait_minutes(last, now=at(10)) == 16
    first = Ticket.objects.get(code="A001")
    assert queries.estimate_wait_minutes(first, now=at(10)) == 0


def test_waiting_counts_in_one_query(django_assert_num_queries: Any) -> None:
    setup = make_setup(windows=1)
    for i in range(3):
        services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, i))
    services.issue_ticket(hall=setup.hall, queue=setup.queues["C"], now=at(9))
    services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(9, day=1))  # yesterday
    services.call_next(window=setup.windows[0], actor=setup.clerk(0), now=at(10))
    with django_assert_num_queries(1):
        counts = queries.waiting_counts(setup.hall, day=datetime.date(2026, 12, 2))
    assert counts[setup.a.pk] == 2
    assert counts[setup.queues["C"].pk] == 1
    assert counts[setup.queues["B"].pk] == 0
    assert set(counts) == {q.pk for q in setup.queues.values()}


def test_replayed_day_estimate_error(capsys: Any) -> None:
    """Replays a morning with 3 windows and reports the estimates' mean absolute error."""
    rng = random.Random(20261202)
    setup = make_setup(windows=3)
    windows = setup.windows
    start = at(9)
    events: list[tuple[datetime.datetime, int, str, int]] = []  # (time, order, kind, index)
    t = start
    for _i in range(60):
        t += datetime.timedelta(minutes=rng.uniform(0.5, 3.5))
        heapq.heappush(events, (t, 1, "arrive", 0))
    for i in range(len(windows)):
        heapq.heappush(events, (start, 0, "free", i))
    estimate_at_issue: dict[int, int] = {}
    current: dict[int, Ticket | None] = {i: None for i in range(len(windows))}
    idle: set[int] = set()
    while events:
        now, _order, kind, index = heapq.heappop(events)
        if kind == "arrive":
            ticket = services.issue_ticket(hall=setup.hall, queue=setup.a, now=now)
            estimate_at_issue[ticket.pk] = queries.estimate_wait_minutes(ticket, now=now)
            for i in sorted(idle):
                heapq.heappush(events, (now, 0, "free", i))
            idle.clear()
            continue
        clerk = setup.clerk(index)
        if current[index] is not None:
            services.finish_service(
                ticket=current[index], actor=clerk, outcome=Outcome.HANDLED, now=now
            )
            current[index] = None
        ticket = services.call_next(window=windows[index], actor=clerk, now=now)
        if ticket is None:
            idle.add(index)
            continue
        current[index] = services.start_service(ticket=ticket, actor=clerk, now=now)
        service = datetime.timedelta(minutes=rng.uniform(4, 12))
        heapq.heappush(events, (now + service, 0, "free", index))
    tickets = list(Ticket.objects.filter(queue=setup.a))
    assert len(tickets) == 60
    assert {t.status for t in tickets} == {TicketStatus.DONE}
    errors = [
        abs((t.first_called_at - t.issued_at).total_seconds() / 60 - estimate_at_issue[t.pk])
        for t in tickets
    ]
    mean_wait = sum((t.first_called_at - t.issued_at).total_seconds() / 60 for t in tickets) / 60
    mae = sum(errors) / len(errors)
    print(
        json.dumps({"tickets": 60, "mean_wait_min": round(mean_wait, 1), "mae_min": round(mae, 1)})
    )
    # The estimate must beat a know-nothing guess of the day's mean wait for everyone.
    naive = sum(
        abs((t.first_called_at - t.issued_at).total_seconds() / 60 - mean_wait) for t in tickets
    ) / len(tickets)
    assert mae < naive
    assert mae < 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_people_ahead_matches_the_calling_order(seed: int) -> None:
    """Plain, priority and appointment tickets (due and not yet due), mixed at random: every
    waiting ticket's `people_ahead` is its place in the order the window calls them."""
    from onewindow.tickets.models import AppointmentSlot

    rng = random.Random(seed)
    setup = make_setup(windows=1)
    day = at(8).date()
    slots = {
        due: AppointmentSlot.objects.create(
            queue=setup.a,
            day=day,
            starts_at=datetime.time(9 if due else 15, 0),
            ends_at=datetime.time(11 if due else 16, 0),
            capacity=50,
        )
        for due in (True, False)
    }
    for i in range(30):
        when = at(9, i)
        kind = rng.choice(["plain", "plain", "plain", "priority", "due", "later"])
        if kind in ("due", "later"):
            appointment = services.book_appointment(
                slot=slots[kind == "due"], phone="13800138000", now=at(8)
            )
            services.check_in_appointment(hall=setup.hall, code=appointment.code, now=when)
        else:
            services.issue_ticket(
                hall=setup.hall,
                queue=setup.a,
                now=when,
                priority="elderly" if kind == "priority" else "",
            )
    now = at(10)
    waiting = list(Ticket.objects.filter(status=TicketStatus.WAITING))
    expected = {t.pk: 0 for t in waiting}
    order = []
    while True:
        called = services.call_next(window=setup.windows[0], actor=setup.clerk(0), now=now)
        if called is None:
            break
        order.append(called.pk)
        services.start_service(ticket=called, actor=setup.clerk(0), now=now)
        services.finish_service(ticket=called, actor=setup.clerk(0), outcome="handled", now=now)
    assert sorted(order) == sorted(expected)
    # Recreate the line and ask before any call.
    Ticket.objects.filter(pk__in=order).update(status=TicketStatus.WAITING, window=None, clerk=None)
    for place, pk in enumerate(order):
        assert queries.people_ahead(Ticket.objects.get(pk=pk), now=now) == place, place
    # The workstation's list and the SMS reminder read the line the same way.
    head = queries.head_of_line(
        queue_ids=[setup.a.pk], day=day, at_time=now.astimezone(at(8).tzinfo).time(), n=len(order)
    )
    assert [t.pk for t in head] == order
