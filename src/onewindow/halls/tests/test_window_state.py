"""Window state services: sign in/out, open, pause, close — one clerk per window."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.core.models import AuditEvent
from onewindow.halls import services
from onewindow.halls.models import Window, WindowState
from onewindow.tickets.models import Queue, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 5, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def window(hall: Any) -> Window:
    return Window.objects.create(hall=hall, number=3, kind="natural")


@pytest.fixture
def window_4(hall: Any) -> Window:
    return Window.objects.create(hall=hall, number=4, kind="natural")


@pytest.fixture
def other_clerk(make_user: Any) -> Any:
    return make_user(Role.CLERK, full_name="李四")


def _ticket_at(window: Window, status: str, code: str = "A001") -> Ticket:
    queue, _ = Queue.objects.get_or_create(
        hall=window.hall, prefix="A", defaults={"name": "自然人业务", "kind": "natural"}
    )
    now = timezone.now()
    return Ticket.objects.create(
        hall=window.hall,
        issued_queue=queue,
        queue=queue,
        day=now.date(),
        number=int(code[1:]),
        code=code,
        status=status,
        issued_at=now,
        queued_at=now,
        window=window,
    )


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_sign_in_takes_the_window_closed_until_opened(window, clerk):
    result = services.sign_in(window=window, clerk=clerk, now=NOW)
    window.refresh_from_db()
    assert result.pk == window.pk
    assert window.clerk == clerk
    assert window.state == WindowState.CLOSED
    assert window.state_changed_at == NOW
    event = AuditEvent.objects.get(action="halls.window.signed_in")
    assert event.actor == clerk
    assert event.before["clerk"] is None and event.after["clerk"] == clerk.pk


def test_sign_in_twice_at_the_same_window_changes_nothing(window, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    services.sign_in(window=window, clerk=clerk, now=NOW + datetime.timedelta(hours=1))
    window.refresh_from_db()
    assert window.state_changed_at == NOW
    assert _actions() == ["halls.window.signed_in"]


def test_a_window_takes_one_clerk_and_the_error_names_who(window, clerk, other_clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    with pytest.raises(services.WindowError) as caught:
        services.sign_in(window=window, clerk=other_clerk, now=NOW)
    assert caught.value.code == "window_taken"
    assert clerk.display_name in str(caught.value)
    window.refresh_from_db()
    assert window.clerk == clerk
    assert _actions() == ["halls.window.signed_in"]


def test_signing_in_elsewhere_signs_out_of_the_first_window(window, window_4, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    services.open_window(window=window, actor=clerk, now=NOW)
    later = NOW + datetime.timedelta(minutes=5)
    services.sign_in(window=window_4, clerk=clerk, now=later)
    window.refresh_from_db()
    window_4.refresh_from_db()
    assert window.clerk is None and window.state == WindowState.CLOSED
    assert window.state_changed_at == later
    assert window_4.clerk == clerk
    assert _actions()[-2:] == ["halls.window.signed_out", "halls.window.signed_in"]


def test_moving_is_refused_while_a_citizen_is_at_the_first_window(window, window_4, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    _ticket_at(window, "serving")
    with pytest.raises(services.WindowError) as caught:
        services.sign_in(window=window_4, clerk=clerk, now=NOW)
    assert caught.value.code == "ticket_at_window"
    assert "A001" in str(caught.value)
    window.refresh_from_db()
    window_4.refresh_from_db()
    assert window.clerk == clerk and window_4.clerk is None


def test_sign_in_refuses_a_window_of_another_hall(other_hall, clerk):
    foreign = Window.objects.create(hall=other_hall, number=1, kind="natural")
    with pytest.raises(services.WindowError) as caught:
        services.sign_in(window=foreign, clerk=clerk)
    assert caught.value.code == "other_hall"
    foreign.refresh_from_db()
    assert foreign.clerk is None


def test_sign_in_refuses_a_window_out_of_use(window, clerk):
    Window.objects.filter(pk=window.pk).update(is_active=False)
    with pytest.raises(services.WindowError) as caught:
        services.sign_in(window=window, clerk=clerk)
    assert caught.value.code == "inactive"


def test_sign_out(window, clerk, other_clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    services.open_window(window=window, actor=clerk, now=NOW)
    with pytest.raises(services.WindowError):
        services.sign_out(window=window, clerk=other_clerk)
    services.sign_out(window=window, clerk=clerk, now=NOW + datetime.timedelta(hours=8))
    window.refresh_from_db()
    assert window.clerk is None and window.state == WindowState.CLOSED
    event = AuditEvent.objects.get(action="halls.window.signed_out")
    assert event.before["state"] == "open" and event.after["state"] == "closed"


def test_sign_out_is_refused_while_a_ticket_is_called(window, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    _ticket_at(window, "called")
    with pytest.raises(services.WindowError):
        services.sign_out(window=window, clerk=clerk)
    window.refresh_from_db()
    assert window.clerk == clerk


def test_open_needs_the_signed_in_clerk(window, clerk, other_clerk):
    with pytest.raises(services.WindowError) as caught:
        services.open_window(window=window, actor=clerk)
    assert caught.value.code == "no_clerk"
    services.sign_in(window=window, clerk=clerk, now=NOW)
    with pytest.raises(services.WindowError) as caught:
        services.open_window(window=window, actor=other_clerk)
    assert caught.value.code == "not_your_window"
    opened = services.open_window(window=window, actor=clerk, now=NOW)
    assert opened.state == WindowState.OPEN
    window.refresh_from_db()
    assert window.state == WindowState.OPEN and window.state_changed_at == NOW
    assert AuditEvent.objects.filter(action="halls.window.opened").count() == 1


def test_pause_needs_a_reason_and_an_open_window(window, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    with pytest.raises(services.WindowError) as caught:
        services.pause_window(window=window, actor=clerk, reason="临时离开")
    assert caught.value.code == "closed"
    services.open_window(window=window, actor=clerk, now=NOW)
    with pytest.raises(services.WindowError) as caught:
        services.pause_window(window=window, actor=clerk, reason="   ")
    assert caught.value.code == "reason_required" and caught.value.field == "reason"
    with pytest.raises(services.WindowError) as caught:
        services.pause_window(window=window, actor=clerk, reason="长" * 101)
    assert caught.value.code == "reason_too_long"
    services.pause_window(window=window, actor=clerk, reason=" 系统故障 ", now=NOW)
    window.refresh_from_db()
    assert window.state == WindowState.PAUSED and window.pause_reason == "系统故障"
    event = AuditEvent.objects.get(action="halls.window.paused")
    assert event.after["pause_reason"] == "系统故障"


def test_opening_again_clears_the_pause_reason(window, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    services.open_window(window=window, actor=clerk, now=NOW)
    services.pause_window(window=window, actor=clerk, reason="临时离开", now=NOW)
    services.open_window(window=window, actor=clerk, now=NOW)
    window.refresh_from_db()
    assert window.state == WindowState.OPEN and window.pause_reason == ""


def test_close_is_refused_while_a_citizen_is_at_the_window(window, clerk):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    services.open_window(window=window, actor=clerk, now=NOW)
    ticket = _ticket_at(window, "serving")
    with pytest.raises(services.WindowError) as caught:
        services.close_window(window=window, actor=clerk)
    assert "A001" in str(caught.value)
    window.refresh_from_db()
    assert window.state == WindowState.OPEN
    Ticket.objects.filter(pk=ticket.pk).update(status="done")
    services.close_window(window=window, actor=clerk, now=NOW)
    window.refresh_from_db()
    assert window.state == WindowState.CLOSED and window.clerk == clerk
    assert AuditEvent.objects.filter(action="halls.window.closed").count() == 1


def test_two_clerks_racing_for_one_window_one_wins(window, clerk, other_clerk):
    results = []
    for who in (clerk, other_clerk):
        try:
            services.sign_in(window=window, clerk=who, now=NOW)
            results.append(who)
        except services.WindowError:
            pass
    assert results == [clerk]
    assert Window.objects.filter(clerk__isnull=False).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_clerks_racing_for_one_window_on_postgresql(hall, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    window = Window.objects.create(hall=hall, number=9, kind="natural")
    spare = Window.objects.create(hall=hall, number=10, kind="natural")
    clerks = [make_user(Role.CLERK) for _ in range(16)]
    # One racer is signed in elsewhere: if they win, they leave that window in the same step.
    services.sign_in(window=spare, clerk=clerks[0])
    barrier = threading.Barrier(len(clerks))
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(who: Any) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            try:
                services.sign_in(window=window, clerk=who)
                result = "won"
            except services.WindowError as error:
                result = error.code
            with lock:
                outcomes.append(result)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=race, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1
    assert outcomes.count("window_taken") == len(clerks) - 1
    window.refresh_from_db()
    winner = window.clerk
    assert winner in clerks
    assert Window.objects.filter(clerk=winner).count() == 1
    assert (
        AuditEvent.objects.filter(action="halls.window.signed_in", object_id=str(window.pk)).count()
        == 1
    )


def test_a_manager_releases_a_window_left_signed_in(window, clerk, other_clerk, hall_manager):
    services.sign_in(window=window, clerk=clerk, now=NOW)
    services.open_window(window=window, actor=clerk, now=NOW)
    ticket = _ticket_at(window, "called")
    with pytest.raises(services.WindowError):
        services.release_window(window=window, actor=hall_manager)
    Ticket.objects.filter(pk=ticket.pk).update(status="no_show")
    services.release_window(window=window, actor=hall_manager, now=NOW)
    window.refresh_from_db()
    assert window.clerk is None and window.state == WindowState.CLOSED
    event = AuditEvent.objects.get(action="halls.window.released")
    assert event.actor == hall_manager and event.note == clerk.display_name
    services.sign_in(window=window, clerk=other_clerk, now=NOW)
    window.refresh_from_db()
    assert window.clerk == other_clerk
