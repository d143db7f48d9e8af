"""Live hall status: a replayed day with fixed times, every figure checked exactly; access."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from onewindow.accounts.models import Role, User
from onewindow.halls.models import Hall, Window, WindowState
from onewindow.tickets import stats
from onewindow.tickets.models import Queue, Ticket, TicketEvent, TicketStatus
from onewindow.tickets.tests.factories import at, make_queues, make_window

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.tickets.tests.booking_urls")]

NOW = at(11)  # 2 December 2026, 11:00
A = TicketEvent.Action


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def ticket(
    hall: Hall, queue: Queue, number: int, issued: datetime.datetime, **fields: Any
) -> Ticket:
    return Ticket.objects.create(
        hall=hall,
        issued_queue=queue,
        queue=fields.pop("queue_now", queue),
        day=issued.date(),
        number=number,
        code=f"{queue.prefix}{number:03d}",
        issued_at=issued,
        queued_at=issued,
        **fields,
    )


def event(t: Ticket, action: str, when: datetime.datetime, window: Window | None = None) -> None:
    TicketEvent.objects.create(ticket=t, action=action, at=when, window=window)


@pytest.fixture
def day(hall: Hall) -> dict[str, Any]:
    """A morning at a hall with two windows; written as rows, as the services would write them.

    Window 1 (open): A001 9:00→called 9:10, served 9:12–9:20 (done)
                     A002 9:05→called 9:21 (3 calls), no-show
                     A003 9:15→called 9:40, served 9:42–9:50, parked 9:50, resumed 10:20 at
                     window 1, finished 10:30 (done)
                     A005 10:30→called 10:40, serving since 10:45 (8 min 20 s... see NOW)
    Window 2 (paused): B001 9:30→called out of order 10:00, served 10:05–10:35, transferred to A
                     (waiting again in A, queued_at 9:30)
    Waiting:         A004 10:00, A006 10:50; B002 10:10
    Yesterday:       an A ticket done (must not count).
    """
    q = make_queues(hall)
    w1 = make_window(hall, 1, [q["A"]])
    w2 = make_window(hall, 2, [q["B"], q["A"]], state=WindowState.OPEN)
    w3 = make_window(hall, 3, [q["A"]], state=WindowState.CLOSED)
    Window.objects.filter(pk=w2.pk).update(state=WindowState.PAUSED, pause_reason="午休")

    a1 = ticket(
        hall,
        q["A"],
        1,
        at(9),
        status=TicketStatus.DONE,
        window=w1,
        first_called_at=at(9, 10),
        started_at=at(9, 12),
        finished_at=at(9, 20),
    )
    for action, when in [
        (A.ISSUED, at(9)),
        (A.CALLED, at(9, 10)),
        (A.STARTED, at(9, 12)),
        (A.FINISHED, at(9, 20)),
    ]:
        event(a1, action, when, None if action == A.ISSUED else w1)
    a2 = ticket(
        hall,
        q["A"],
        2,
        at(9, 5),
        status=TicketStatus.NO_SHOW,
        window=w1,
        first_called_at=at(9, 21),
        call_count=3,
    )
    for action, when in [
        (A.CALLED, at(9, 21)),
        (A.RECALLED, at(9, 23)),
        (A.RECALLED, at(9, 25)),
        (A.NO_SHOW, at(9, 27)),
    ]:
        event(a2, action, when, w1)
    a3 = ticket(
        hall,
        q["A"],
        3,
        at(9, 15),
        status=TicketStatus.DONE,
        window=w1,
        first_called_at=at(9, 40),
        started_at=at(9, 42),
        finished_at=at(10, 30),
    )
    for action, when in [
        (A.CALLED, at(9, 40)),
        (A.STARTED, at(9, 42)),
        (A.PARKED, at(9, 50)),
        (A.RESUMED, at(10, 20)),
        (A.FINISHED, at(10, 30)),
    ]:
        event(a3, action, when, w1)
    a5 = ticket(
        hall,
        q["A"],
        5,
        at(10, 30),
        status=TicketStatus.SERVING,
        window=w1,
        clerk=w1.clerk,
        first_called_at=at(10, 40),
        started_at=at(10, 45),
    )
    event(a5, A.CALLED, at(10, 40), w1)
    event(a5, A.STARTED, at(10, 45), w1)
    b1 = ticket(
        hall,
        q["B"],
        1,
        at(9, 30),
        status=TicketStatus.WAITING,
        queue_now=q["A"],
        first_called_at=at(10),
    )
    for action, when in [
        (A.CALLED_OUT_OF_ORDER, at(10)),
        (A.STARTED, at(10, 5)),
        (A.TRANSFERRED, at(10, 35)),
    ]:
        event(b1, action, when, w2)
    ticket(hall, q["A"], 4, at(10), status=TicketStatus.WAITING)
    ticket(hall, q["A"], 6, at(10, 50), status=TicketStatus.WAITING)
    ticket(hall, q["B"], 2, at(10, 10), status=TicketStatus.WAITING)
    old = ticket(
        hall,
        q["A"],
        1,
        at(9, day=1),
        status=TicketStatus.DONE,
        window=w1,
        first_called_at=at(9, 50, day=1),
        started_at=at(10, day=1),
        finished_at=at(12, day=1),
    )
    event(old, A.CALLED, at(9, 50, day=1), w1)
    event(old, A.STARTED, at(10, day=1), w1)
    event(old, A.FINISHED, at(12, day=1), w1)
    return {"queues": q, "windows": [w1, w2, w3]}


def test_replayed_day_gives_every_figure_exactly(hall: Hall, day: dict[str, Any]) -> None:
    status = stats.hall_status(hall, now=NOW)
    f = status.figures
    assert f is not None
    # Today: A001–A006 (6) and B001, B002 (2); yesterday's ticket does not count.
    assert f.issued == 8
    assert f.served == 2  # A001, A003
    assert f.no_shows == 1  # A002
    # Waits (issue → first call): A001 10 min, A002 16, A003 25, A005 10, B001 30.
    assert f.called == 5
    assert f.average_wait_seconds == (10 + 16 + 25 + 10 + 30) * 60 / 5  # 18.2 min
    assert f.p90_wait_seconds == 30 * 60  # ⌈0.9·5⌉ = 5th smallest
    # Service (start → finish) of done tickets: A001 8 min, A003 48 min (parked spell counts).
    assert f.average_service_seconds == (8 + 48) * 60 / 2

    w1, w2, w3 = status.windows
    assert (w1.number, w1.state, w1.current_code, w1.current_status) == (
        1,
        "open",
        "A005",
        "serving",
    )
    assert w1.clerk == day["windows"][0].clerk.display_name
    assert w1.service_seconds == 15 * 60  # 10:45 → 11:00
    # Serving at window 1: 9:12–9:20 (8) + 9:42–9:50 (8) + 10:20–10:30 (10) + 10:45–11:00 (15).
    assert w1.serving_seconds == 41 * 60
    assert w1.first_call_at == at(9, 10)
    assert w1.utilisation == pytest.approx(41 / 110)  # since 9:10
    assert (w2.state, w2.pause_reason, w2.current_code) == ("paused", "午休", None)
    assert w2.service_seconds is None
    assert w2.serving_seconds == 30 * 60  # B001 10:05–10:35
    assert w2.utilisation == pytest.approx(30 / 60)  # since 10:00
    assert (w3.state, w3.clerk, w3.serving_seconds, w3.utilisation) == ("closed", "", 0, None)

    by_prefix = {q.prefix: q for q in status.queues}
    assert list(by_prefix) == ["A", "B", "C", "D", "E", "F"]
    # A: A004 (10:00), A006 (10:50) and B001 transferred in (in line since 9:30).
    assert by_prefix["A"].waiting == 3
    assert by_prefix["A"].longest_wait_seconds == 90 * 60
    assert by_prefix["B"].waiting == 1
    assert by_prefix["B"].longest_wait_seconds == 50 * 60
    assert (by_prefix["C"].waiting, by_prefix["C"].longest_wait_seconds) == (0, None)


def test_status_query_count_is_fixed(
    hall: Hall, day: dict[str, Any], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):
        stats.hall_status(hall, now=NOW)


def test_empty_day_has_no_averages(hall: Hall) -> None:
    make_queues(hall)
    f = stats.day_figures(hall, day=NOW.date())
    assert (f.issued, f.served, f.no_shows, f.called) == (0, 0, 0, 0)
    assert (f.average_wait_seconds, f.p90_wait_seconds, f.average_service_seconds) == (
        None,
        None,
        None,
    )
    assert f.average_wait_display == "—"


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([5], 5), (list(range(1, 11)), 9), (list(range(1, 12)), 10), ([3, 1, 2], 3)],
)
def test_p90_nearest_rank(values: list[int], expected: int | None) -> None:
    assert stats.p90(values) == expected


def test_duration_display() -> None:
    assert stats.duration(None) == "—"
    assert stats.duration(1092) in ("18 min 12 s", "18分12秒")
    assert stats.duration(3725) in ("1 h 02 min", "1小时02分")


URL = "/manage/status/"

ALLOWED = {Role.HALL_MANAGER, Role.SUPERVISOR}


def test_access(any_persona: User | None, client_for: Callable[..., Client]) -> None:
    response = client_for(any_persona).get(URL)
    if any_persona is None:
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif any_persona.role_codes() & ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_page_shows_own_hall_figures_and_polls(
    hall: Hall, day: dict[str, Any], hall_manager: User, client_for: Callable[..., Client]
) -> None:
    assert reverse("hallstatus:status") == URL
    response = client_for(hall_manager).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 10s"' in html
    assert 'http-equiv="refresh" content="10"' in html
    assert 'data-figure="issued">8<' in html
    assert 'data-figure="served">2<' in html
    assert 'data-figure="no_shows">1<' in html
    assert "A005" in html
    assert "午休" in html
    assert "37%" in html  # window 1 utilisation 41/110
    # The htmx poll gets the body only.
    partial = client_for(hall_manager).get(URL, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "<html" not in body and 'data-figure="issued">8<' in body


def test_other_halls_tickets_are_not_shown(
    hall: Hall,
    other_hall: Hall,
    day: dict[str, Any],
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    manager = make_user(Role.HALL_MANAGER, hall=other_hall)
    html = client_for(manager).get(URL).content.decode()
    assert other_hall.name in html
    assert 'data-figure="issued">0<' in html
    assert "A005" not in html


def test_staff_without_hall_get_an_explanation(
    make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    manager = make_user(Role.SUPERVISOR, hall=None)
    response = client_for(manager).get(URL)
    assert response.status_code == 403
