"""Calling and serving: order, recall, no-show, out of order, transfer, park, scoping, SMS."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onewindow.core.models import AuditEvent
from onewindow.halls.models import WindowState
from onewindow.tickets import services, sms
from onewindow.tickets.models import (
    Appointment,
    AppointmentSlot,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from onewindow.tickets.services import Outcome, QueueError
from onewindow.tickets.tests.factories import ID_1, at, make_clerk, make_setup, make_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> Any:
    return make_setup(windows=2)


def issue(setup: Any, prefix: str = "A", minute: int = 0, **kw: Any) -> Ticket:
    return services.issue_ticket(
        hall=setup.hall, queue=setup.queues[prefix], now=at(9, minute), **kw
    )


def call(setup: Any, index: int = 0, minute: int = 30) -> Ticket | None:
    return services.call_next(
        window=setup.windows[index], actor=setup.clerk(index), now=at(10, minute)
    )


def snapshot() -> tuple[Any, ...]:
    return (
        list(Ticket.objects.order_by("id").values_list("status", "window_id", "call_count")),
        TicketEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(code: str, func: Any, **kwargs: Any) -> QueueError:
    before = snapshot()
    with pytest.raises(QueueError) as exc:
        func(**kwargs)
    assert exc.value.code == code, str(exc.value)
    assert snapshot() == before
    return exc.value


# --- call next --------------------------------------------------------------------------------


def test_call_next_calls_the_earliest_and_announces(setup: Any) -> None:
    first = issue(setup, minute=0)
    issue(setup, minute=1)
    ticket = call(setup)
    assert ticket is not None and ticket.pk == first.pk
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.window == setup.windows[0]
    assert ticket.clerk == setup.clerk(0)
    assert ticket.call_count == 1
    assert ticket.first_called_at == ticket.called_at == at(10, 30)
    event = ticket.events.get(action=TicketEvent.Action.CALLED)
    assert event.data["announcement"] == "请A001号到1号窗口办理"
    assert event.window == setup.windows[0]
    assert event.actor == setup.clerk(0)


def test_call_next_returns_none_when_nobody_waits(setup: Any) -> None:
    assert call(setup) is None
    issue(setup, "C")  # a queue this window does not serve
    assert call(setup) is None


def test_two_windows_take_different_tickets(setup: Any) -> None:
    issue(setup, minute=0)
    issue(setup, minute=1)
    one, two = call(setup, 0), call(setup, 1)
    assert one is not None and two is not None
    assert {one.code, two.code} == {"A001", "A002"}


def test_window_must_finish_before_calling_again(setup: Any) -> None:
    issue(setup, minute=0)
    issue(setup, minute=1)
    ticket = call(setup)
    error = refused(
        "window_busy",
        services.call_next,
        window=setup.windows[0],
        actor=setup.clerk(0),
        now=at(10, 31),
    )
    assert ticket is not None and ticket.code in str(error)


def test_call_next_needs_an_open_window_and_its_clerk(setup: Any) -> None:
    issue(setup)
    window = setup.windows[0]
    refused("not_signed_in", services.call_next, window=window, actor=setup.clerk(1))
    window.state = WindowState.PAUSED
    window.pause_reason = "会议"
    window.save()
    refused("closed", services.call_next, window=window, actor=setup.clerk(0))
    other = make_setup(windows=1)
    refused("other_hall", services.call_next, window=window, actor=other.clerk(0))


def test_priority_before_arrival(setup: Any) -> None:
    issue(setup, minute=0)
    elderly = issue(setup, minute=5, priority="elderly")
    assert call(setup).pk == elderly.pk


def test_due_appointment_before_priority_and_not_before_its_slot(setup: Any) -> None:
    slot = AppointmentSlot.objects.create(
        queue=setup.a,
        day=datetime.date(2026, 12, 2),
        starts_at=datetime.time(10, 30),
        ends_at=datetime.time(11, 0),
        capacity=5,
    )
    walk_in = issue(setup, minute=0)
    elderly = issue(setup, minute=1, priority="elderly")
    booking = services.book_appointment(slot=slot, phone="13812345678", now=at(8))
    booked = services.check_in_appointment(hall=setup.hall, code=booking.code, now=at(10, 10))
    assert booked.appointment == Appointment.objects.get(pk=booking.pk)
    # 10:20: the slot has not started, so the appointment waits like everyone else.
    early = services.call_next(window=setup.windows[0], actor=setup.clerk(0), now=at(10, 20))
    assert early.pk == elderly.pk
    # 10:30: due now, first in line before the walk-in who came earlier.
    due = services.call_next(window=setup.windows[1], actor=setup.clerk(1), now=at(10, 30))
    assert due.pk == booked.pk
    assert Ticket.objects.get(pk=walk_in.pk).status == TicketStatus.WAITING


def test_arrival_across_queues_and_queue_order_breaks_ties(setup: Any) -> None:
    b = issue(setup, "B", minute=0)
    a = issue(setup, "A", minute=1)
    assert call(setup, 0).pk == b.pk  # earlier arrival, though B comes after A for the window
    tie_b = issue(setup, "B", minute=2)
    tie_a = issue(setup, "A", minute=2)
    # window 2 serves A then B: at equal arrival A goes first
    second = call(setup, 1)
    assert second.pk == a.pk
    services.start_service(ticket=second, actor=setup.clerk(1), now=at(10, 31))
    services.finish_service(
        ticket=second, actor=setup.clerk(1), outcome=Outcome.HANDLED, now=at(10, 32)
    )
    assert call(setup, 1, minute=33).pk == tie_a.pk
    assert Ticket.objects.get(pk=tie_b.pk).status == TicketStatus.WAITING


def test_overflow_queue_only_when_own_queues_are_empty(setup: Any) -> None:
    window = make_window(setup.hall, 9, [setup.queues["C"]], overflow=[setup.a])
    clerk = window.clerk
    a = issue(setup, "A", minute=0)
    c = issue(setup, "C", minute=5)
    assert services.call_next(window=window, actor=clerk, now=at(10)).pk == c.pk
    services.start_service(ticket=c, actor=clerk, now=at(10, 1))
    services.finish_service(ticket=c, actor=clerk, outcome=Outcome.HANDLED, now=at(10, 2))
    assert services.call_next(window=window, actor=clerk, now=at(10, 3)).pk == a.pk


def test_reserved_ticket_is_only_called_by_its_window(setup: Any) -> None:
    ticket = issue(setup, minute=0)
    later = issue(setup, minute=1)
    called = call(setup, 0)
    services.transfer(
        ticket=called,
        actor=setup.clerk(0),
        reason="需要到2号窗口补录",
        to_window=setup.windows[1],
        now=at(10, 31),
    )
    assert call(setup, 0, minute=32).pk == later.pk
    assert call(setup, 1, minute=33).pk == ticket.pk


def test_yesterdays_tickets_are_not_called(setup: Any) -> None:
    services.issue_ticket(hall=setup.hall, queue=setup.a, now=at(16, day=1))
    assert call(setup) is None


# --- recall, no-show, reactivate ----------------------------------------------------------


def test_recall_then_no_show_after_n_calls(setup: Any) -> None:
    issue(setup)
    ticket = call(setup)
    clerk = setup.clerk(0)
    error = refused("too_few_calls", services.mark_no_show, ticket=ticket, actor=clerk)
    assert "3" in str(error)
    services.recall(ticket=ticket, actor=clerk, now=at(10, 31))
    ticket = services.recall(ticket=ticket, actor=clerk, now=at(10, 32))
    assert ticket.call_count == 3
    assert ticket.called_at == at(10, 32)
    assert ticket.first_called_at == at(10, 30)
    recalls = ticket.events.filter(action=TicketEvent.Action.RECALLED)
    assert [e.data["announcement"] for e in recalls] == ["请A001号到1号窗口办理"] * 2
    ticket = services.mark_no_show(ticket=ticket, actor=clerk, now=at(10, 33))
    assert ticket.status == TicketStatus.NO_SHOW
    assert AuditEvent.objects.filter(action="tickets.ticket.no_show").count() == 1
    # The window is free again.
    issue(setup, minute=2)
    assert call(setup, minute=34) is not None


def test_no_show_threshold_is_a_hall_setting(setup: Any) -> None:
    setup.hall.no_show_after_calls = 1
    setup.hall.save()
    issue(setup)
    ticket = call(setup)
    assert services.mark_no_show(ticket=ticket, actor=setup.clerk(0)).status == "no_show"


def test_recall_refusals(setup: Any) -> None:
    waiting = issue(setup, minute=0)
    refused("not_your_ticket", services.recall, ticket=waiting, actor=setup.clerk(0))
    issue(setup, minute=1)
    ticket = call(setup, 0)
    refused("not_your_ticket", services.recall, ticket=ticket, actor=setup.clerk(1))
    services.start_service(ticket=ticket, actor=setup.clerk(0))
    refused("status", services.recall, ticket=ticket, actor=setup.clerk(0))
    other = make_setup(windows=1)
    refused("other_hall", services.recall, ticket=ticket, actor=other.clerk(0))


def test_reactivate_returns_to_the_original_place(setup: Any) -> None:
    setup.hall.no_show_after_calls = 1
    setup.hall.save()
    first = issue(setup, minute=0)
    issue(setup, minute=5)
    ticket = call(setup)
    services.mark_no_show(ticket=ticket, actor=setup.clerk(0), now=at(10, 31))
    refused(
        "status", services.reactivate, ticket=Ticket.objects.get(code="A002"), actor=setup.clerk(0)
    )
    ticket = services.reactivate(ticket=ticket, actor=setup.clerk(1), now=at(10, 40))
    assert ticket.status == TicketStatus.WAITING
    assert ticket.window is None
    assert ticket.queued_at == first.queued_at
    assert AuditEvent.objects.filter(action="tickets.ticket.reactivated").count() == 1
    again = call(setup, 1, minute=41)
    assert again.pk == first.pk
    assert again.first_called_at == at(10, 30)


def test_reactivate_refused_from_another_hall_or_another_day(setup: Any) -> None:
    setup.hall.no_show_after_calls = 1
    setup.hall.save()
    issue(setup)
    ticket = services.mark_no_show(ticket=call(setup), actor=setup.clerk(0))
    other = make_setup(windows=1)
    refused("other_hall", services.reactivate, ticket=ticket, actor=other.clerk(0))
    refused(
        "not_today",
        services.reactivate,
        ticket=ticket,
        actor=setup.clerk(0),
        now=at(9, day=3),
    )


# --- out of order, start, finish -------------------------------------------------------------


def test_call_ticket_out_of_order_needs_a_reason(setup: Any) -> None:
    issue(setup, minute=0)
    later = issue(setup, "C", minute=5)
    window, clerk = setup.windows[0], setup.clerk(0)
    refused(
        "reason_required",
        services.call_ticket,
        window=window,
        ticket=later,
        actor=clerk,
        reason="  ",
    )
    ticket = services.call_ticket(
        window=window, ticket=later, actor=clerk, reason="材料已补齐", now=at(10)
    )
    assert ticket.status == TicketStatus.CALLED
    assert ticket.window == window
    event = ticket.events.get(action=TicketEvent.Action.CALLED_OUT_OF_ORDER)
    assert event.reason == "材料已补齐"
    assert event.data["announcement"] == "请C001号到1号窗口办理"
    audit = AuditEvent.objects.get(action="tickets.ticket.called_out_of_order")
    assert audit.note == "材料已补齐"
    # Not twice, and not while the window is busy.
    refused(
        "window_busy", services.call_ticket, window=window, ticket=later, actor=clerk, reason="x"
    )
    refused(
        "status",
        services.call_ticket,
        window=setup.windows[1],
        ticket=later,
        actor=setup.clerk(1),
        reason="x",
    )


def test_call_ticket_of_another_hall_refused(setup: Any) -> None:
    other = make_setup(windows=1)
    theirs = services.issue_ticket(hall=other.hall, queue=other.a, now=at(9))
    refused(
        "other_hall",
        services.call_ticket,
        window=setup.windows[0],
        ticket=theirs,
        actor=setup.clerk(0),
        reason="x",
    )


def test_start_and_finish(setup: Any) -> None:
    issue(setup, priority="elderly")
    ticket = call(setup)
    clerk = setup.clerk(0)
    refused("status", services.finish_service, ticket=ticket, actor=clerk, outcome=Outcome.HANDLED)
    ticket = services.start_service(
        ticket=ticket, actor=clerk, priority_verified=True, now=at(10, 32)
    )
    assert ticket.status == TicketStatus.SERVING
    assert ticket.started_at == at(10, 32)
    assert ticket.priority_verified is True
    refused("outcome", services.finish_service, ticket=ticket, actor=clerk, outcome="great")
    refused(
        "not_your_ticket",
        services.finish_service,
        ticket=ticket,
        actor=setup.clerk(1),
        outcome=Outcome.HANDLED,
    )
    ticket = services.finish_service(
        ticket=ticket, actor=clerk, outcome=Outcome.PARTLY, now=at(10, 40)
    )
    assert ticket.status == TicketStatus.DONE
    assert ticket.finished_at == at(10, 40)
    assert ticket.outcome == "partly"
    assert ticket.window == setup.windows[0]
    refused("status", services.start_service, ticket=ticket, actor=clerk)


# --- transfer -------------------------------------------------------------------------------


def test_transfer_keeps_issue_time_and_place(setup: Any) -> None:
    a = issue(setup, "A", minute=0)
    issue(setup, "B", minute=10)
    ticket = call(setup)
    assert ticket.pk == a.pk
    services.start_service(ticket=ticket, actor=setup.clerk(0), now=at(10, 31))
    moved = services.transfer(
        ticket=ticket,
        actor=setup.clerk(0),
        reason="属法人事项",
        to_queue=setup.queues["B"],
        now=at(10, 35),
    )
    assert moved.status == TicketStatus.WAITING
    assert moved.queue == setup.queues["B"]
    assert moved.issued_queue == setup.a
    assert moved.code == "A001"
    assert moved.queued_at == at(9, 0)
    assert moved.window is None and moved.clerk is None
    event = moved.events.get(action=TicketEvent.Action.TRANSFERRED)
    assert event.data == {
        "from_queue": setup.a.pk,
        "to_queue": setup.queues["B"].pk,
        "from_window": setup.windows[0].pk,
        "to_window": None,
    }
    assert AuditEvent.objects.get(action="tickets.ticket.transferred").note == "属法人事项"
    # Ahead of B001, who came later.
    window = make_window(setup.hall, 7, [setup.queues["B"]])
    assert services.call_next(window=window, actor=window.clerk, now=at(10, 36)).pk == a.pk


def test_transfer_refusals(setup: Any) -> None:
    issue(setup, minute=0)
    waiting = issue(setup, minute=1)
    ticket = call(setup)
    assert ticket.code == "A001"
    clerk = setup.clerk(0)
    other = make_setup(windows=1)
    c_window = make_window(setup.hall, 8, [setup.queues["C"]])
    cases = [
        ("reason_required", {"ticket": ticket, "reason": "", "to_queue": setup.queues["B"]}),
        ("no_target", {"ticket": ticket, "reason": "x"}),
        ("same", {"ticket": ticket, "reason": "x", "to_queue": setup.a}),
        ("other_hall", {"ticket": ticket, "reason": "x", "to_queue": other.a}),
        ("other_hall", {"ticket": ticket, "reason": "x", "to_window": other.windows[0]}),
        ("window_queue", {"ticket": ticket, "reason": "x", "to_window": c_window}),
        ("status", {"ticket": waiting, "reason": "x", "to_queue": setup.queues["B"]}),
    ]
    for code, kwargs in cases:
        refused(code, services.transfer, actor=clerk, now=at(10, 40), **kwargs)
    refused(
        "other_hall",
        services.transfer,
        ticket=ticket,
        actor=other.clerk(0),
        reason="x",
        to_queue=setup.queues["B"],
        now=at(10, 40),
    )


def test_transfer_into_a_queue_where_the_id_holds_a_ticket(setup: Any) -> None:
    issue(setup, "A", id_number=ID_1)
    issue(setup, "B", minute=1, id_number=ID_1)
    ticket = call(setup)
    assert ticket.queue == setup.a
    refused(
        "id_taken",
        services.transfer,
        ticket=ticket,
        actor=setup.clerk(0),
        reason="x",
        to_queue=setup.queues["B"],
        now=at(10, 40),
    )


# --- park and resume ------------------------------------------------------------------------


def test_park_frees_the_window_and_resume_brings_it_back(setup: Any) -> None:
    first = issue(setup, minute=0)
    second = issue(setup, minute=1)
    clerk = setup.clerk(0)
    ticket = services.start_service(ticket=call(setup), actor=clerk, now=at(10, 31))
    refused("reason_required", services.park, ticket=ticket, actor=clerk, reason="")
    parked = services.park(ticket=ticket, actor=clerk, reason="回家取户口本", now=at(10, 35))
    assert parked.status == TicketStatus.PARKED
    assert parked.window is None
    event = parked.events.get(action=TicketEvent.Action.PARKED)
    assert event.data["parked_window"] == setup.windows[0].pk
    assert AuditEvent.objects.filter(action="tickets.ticket.parked").count() == 1
    # The window serves the next citizen meanwhile; resuming waits until it is free.
    nxt = call(setup, minute=36)
    assert nxt.pk == second.pk
    refused("window_busy", services.resume, ticket=parked, actor=clerk)
    services.start_service(ticket=nxt, actor=clerk, now=at(10, 37))
    services.finish_service(ticket=nxt, actor=clerk, outcome=Outcome.HANDLED, now=at(10, 40))
    resumed = services.resume(ticket=parked, actor=clerk, now=at(10, 50))
    assert resumed.pk == first.pk
    assert resumed.status == TicketStatus.SERVING
    assert resumed.window == setup.windows[0]
    assert resumed.started_at == at(10, 31)
    refused("status", services.resume, ticket=resumed, actor=setup.clerk(1))


def test_resume_at_another_window_and_refusals(setup: Any) -> None:
    issue(setup)
    ticket = services.park(ticket=call(setup), actor=setup.clerk(0), reason="复印")
    loose = make_clerk(setup.hall)
    refused("not_signed_in", services.resume, ticket=ticket, actor=loose)
    other = make_setup(windows=1)
    refused("other_hall", services.resume, ticket=ticket, actor=other.clerk(0))
    resumed = services.resume(ticket=ticket, actor=setup.clerk(1), now=at(11))
    assert resumed.window == setup.windows[1]
    assert resumed.started_at == at(11)  # parked before service had started


def test_parked_ticket_can_be_transferred(setup: Any) -> None:
    issue(setup)
    ticket = services.park(ticket=call(setup), actor=setup.clerk(0), reason="复印")
    moved = services.transfer(
        ticket=ticket,
        actor=setup.clerk(1),
        reason="转法人",
        to_queue=setup.queues["B"],
        now=at(11),
    )
    assert moved.status == TicketStatus.WAITING


# --- SMS ------------------------------------------------------------------------------------


@pytest.fixture
def memory_sms(settings: Any) -> Any:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_sms_when_n_people_ahead(
    setup: Any, memory_sms: Any, django_capture_on_commit_callbacks: Any
) -> None:
    setup.hall.notify_when_ahead = 2
    setup.hall.save()
    issue(setup, minute=0)
    issue(setup, minute=1)
    issue(setup, minute=2)
    fourth = issue(setup, minute=3, phone="13812345678")
    issue(setup, minute=4, phone="13812345679")
    with django_capture_on_commit_callbacks(execute=True):
        call(setup, 0)
    assert len(memory_sms) == 1
    assert memory_sms[0].phone == "13812345678"
    assert "A004" in memory_sms[0].text and "2" in memory_sms[0].text
    fourth.refresh_from_db()
    assert fourth.notified_at == at(10, 30)
    assert fourth.events.filter(action=TicketEvent.Action.NOTIFIED).count() == 1
    # Nobody is notified twice; the fifth has no one at position 2 with a phone yet.
    with django_capture_on_commit_callbacks(execute=True):
        call(setup, 1, minute=31)
    assert [m.phone for m in memory_sms] == ["13812345678", "13812345679"]


def test_log_backend_masks_the_number(caplog: Any) -> None:
    with caplog.at_level("INFO", logger="onewindow.sms"):
        assert sms.send_sms(phone="13812345678", message="您好")
    assert "13812345678" not in caplog.text
    assert "您好" in caplog.text


def test_failing_backend_does_not_raise(settings: Any, caplog: Any) -> None:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.BaseBackend"
    with caplog.at_level("ERROR", logger="onewindow.sms"):
        assert sms.send_sms(phone="13812345678", message="x") is False
