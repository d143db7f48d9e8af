"""Issuing tickets and appointments: numbering, refusals, idempotency, check-in."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from onewindow.core.models import AuditEvent
from onewindow.tickets import services
from onewindow.tickets.models import (
    Appointment,
    AppointmentSlot,
    Channel,
    DailyCounter,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from onewindow.tickets.services import QueueError
from onewindow.tickets.tests.factories import ID_1, ID_2, at, make_clerk, make_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> Any:
    return make_setup(windows=1)


def issue(setup: Any, queue: Any = None, **kw: Any) -> Ticket:
    kw.setdefault("now", at(10))
    return services.issue_ticket(hall=setup.hall, queue=queue or setup.a, **kw)


def test_numbers_count_up_per_queue_with_prefix(setup: Any) -> None:
    codes = [issue(setup).code for _ in range(3)]
    b = issue(setup, setup.queues["B"])
    assert codes == ["A001", "A002", "A003"]
    assert b.code == "B001"
    ticket = Ticket.objects.get(code="A002")
    assert ticket.number == 2
    assert ticket.status == TicketStatus.WAITING
    assert ticket.day == datetime.date(2026, 12, 2)
    assert ticket.issued_at == ticket.queued_at == at(10)
    assert ticket.issued_queue == ticket.queue == setup.a
    assert list(ticket.events.values_list("action", flat=True)) == [TicketEvent.Action.ISSUED]


def test_four_digits_past_999(setup: Any) -> None:
    DailyCounter.objects.create(queue=setup.a, day=datetime.date(2026, 12, 2), last_number=999)
    assert issue(setup).code == "A1000"


def test_day_is_the_local_day_in_shanghai(setup: Any) -> None:
    # 08:40 in Shanghai is 00:40 UTC: still the local day.
    ticket = issue(setup, now=at(8, 40))
    assert ticket.day == datetime.date(2026, 12, 2)


def test_numbers_start_again_next_day(setup: Any) -> None:
    with time_machine.travel(at(10), tick=False):
        assert services.issue_ticket(hall=setup.hall, queue=setup.a).code == "A001"
        assert services.issue_ticket(hall=setup.hall, queue=setup.a).code == "A002"
    with time_machine.travel(at(9, day=3), tick=False):
        ticket = services.issue_ticket(hall=setup.hall, queue=setup.a)
    assert ticket.code == "A001"
    assert ticket.day == datetime.date(2026, 12, 3)
    assert DailyCounter.objects.filter(queue=setup.a).count() == 2


def test_matters_phone_id_and_priority_are_kept(setup: Any, department: Any) -> None:
    from onewindow.catalog.models import ServiceItem

    fields = {f.name for f in ServiceItem._meta.concrete_fields}
    item_kwargs: dict[str, Any] = {"department": department, "name": "个体工商户设立登记"}
    if "code" in fields:
        item_kwargs["code"] = "T-1"
    try:
        item = ServiceItem.objects.create(**item_kwargs)
    except Exception:  # pragma: no cover - catalog model needs more fields
        pytest.skip("ServiceItem needs more fields")
    ticket = issue(
        setup, phone="138 1234 5678", id_number=ID_1.lower(), priority="elderly", matters=[item]
    )
    assert ticket.phone == "13812345678"
    assert ticket.id_number == ID_1
    assert ticket.priority == "elderly"
    assert list(ticket.matters.all()) == [item]


def refused(setup: Any, code: str, **kw: Any) -> QueueError:
    before = (Ticket.objects.count(), TicketEvent.objects.count())
    counters = list(DailyCounter.objects.values_list("queue_id", "last_number"))
    with pytest.raises(QueueError) as exc:
        issue(setup, **kw)
    assert exc.value.code == code
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before
    assert list(DailyCounter.objects.values_list("queue_id", "last_number")) == counters
    return exc.value


def test_refused_outside_issue_hours(setup: Any) -> None:
    error = refused(setup, "closed", now=at(8, 29))
    assert "08:30" in str(error) and "17:00" in str(error)
    refused(setup, "closed", now=at(17, 0))
    assert issue(setup, now=at(8, 30)).code == "A001"


def test_refused_when_quota_is_used_up(setup: Any) -> None:
    setup.a.daily_quota = 2
    setup.a.save()
    issue(setup)
    issue(setup)
    refused(setup, "quota")
    # Another day has its own quota.
    assert issue(setup, now=at(10, day=3)).code == "A001"


def test_refused_for_inactive_queue(setup: Any) -> None:
    setup.a.is_active = False
    setup.a.save()
    refused(setup, "inactive")


def test_refused_for_queue_of_another_hall(setup: Any) -> None:
    other = make_setup(windows=0)
    with pytest.raises(QueueError) as exc:
        services.issue_ticket(hall=setup.hall, queue=other.a, now=at(10))
    assert exc.value.code == "other_hall"
    assert not Ticket.objects.exists()


def test_refused_for_guide_of_another_hall(setup: Any) -> None:
    other = make_setup(windows=0)
    guide = make_clerk(other.hall, role="guide")
    refused(setup, "other_hall", actor=guide, channel=Channel.GUIDE_DESK)
    mine = make_clerk(setup.hall, role="guide")
    ticket = issue(setup, actor=mine, channel=Channel.GUIDE_DESK)
    assert ticket.events.get().actor == mine


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"priority": "vip"}, "priority"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_refused_for_bad_input(setup: Any, fields: dict[str, str], field: str) -> None:
    before = Ticket.objects.count()
    with pytest.raises(QueueError) as exc:
        issue(setup, **fields)
    assert exc.value.field == field
    assert Ticket.objects.count() == before


def test_one_open_ticket_per_id_number_per_queue(setup: Any) -> None:
    first = issue(setup, id_number=ID_1)
    error = refused(setup, "id_taken", id_number=ID_1)
    assert first.code in str(error)
    assert error.field == "id_number"
    # Another person, another queue: fine.
    assert issue(setup, id_number=ID_2).code == "A002"
    assert issue(setup, setup.queues["B"], id_number=ID_1).code == "B001"
    # Once the first ticket is closed, the person may take a new one.
    Ticket.objects.filter(pk=first.pk).update(status=TicketStatus.DONE)
    assert issue(setup, id_number=ID_1).code == "A003"


def test_id_constraint_is_the_backstop(setup: Any, monkeypatch: Any) -> None:
    issue(setup, id_number=ID_1)

    # Simulate the race the check cannot see: skip the check, let the constraint refuse.
    real_filter = Ticket.objects.filter

    class NoHolding:
        def values_list(self, *a: Any, **k: Any) -> Any:
            return self

        def first(self) -> None:
            return None

    def fake_filter(*args: Any, **kwargs: Any) -> Any:
        if "id_number" in kwargs:
            return NoHolding()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Ticket.objects, "filter", fake_filter)
    with pytest.raises(QueueError) as exc:
        issue(setup, id_number=ID_1)
    monkeypatch.undo()
    assert exc.value.code == "id_taken"
    assert Ticket.objects.count() == 1
    assert DailyCounter.objects.get(queue=setup.a).last_number == 1


def test_same_idempotency_key_gives_the_same_ticket(setup: Any) -> None:
    first = issue(setup, idempotency_key="tap-1")
    again = issue(setup, idempotency_key="tap-1", now=at(10, 1))
    assert again.pk == first.pk
    assert issue(setup, idempotency_key="tap-2").code == "A002"
    assert Ticket.objects.count() == 2
    assert DailyCounter.objects.get(queue=setup.a).last_number == 2


def test_idempotency_key_is_per_hall(setup: Any) -> None:
    other = make_setup(windows=0)
    mine = issue(setup, idempotency_key="k")
    theirs = services.issue_ticket(hall=other.hall, queue=other.a, idempotency_key="k", now=at(10))
    assert mine.pk != theirs.pk


# --- appointments ---------------------------------------------------------------------------


@pytest.fixture
def slot(setup: Any) -> AppointmentSlot:
    return AppointmentSlot.objects.create(
        queue=setup.a,
        day=datetime.date(2026, 12, 2),
        starts_at=datetime.time(10, 0),
        ends_at=datetime.time(10, 30),
        capacity=2,
    )


def test_book_appointment(slot: AppointmentSlot) -> None:
    appointment = services.book_appointment(slot=slot, phone="13812345678", now=at(9))
    assert len(appointment.code) == services.CODE_LENGTH
    assert set(appointment.code) <= set(services.CODE_ALPHABET)
    assert not set(appointment.code) & set("01OIL")
    slot.refresh_from_db()
    assert slot.booked == 1
    assert AuditEvent.objects.filter(action="tickets.appointment.booked").count() == 1


def test_booking_refused_when_full_or_past(slot: AppointmentSlot) -> None:
    services.book_appointment(slot=slot, phone="13812345678", now=at(9))
    services.book_appointment(slot=slot, phone="13812345679", now=at(9))
    with pytest.raises(QueueError) as exc:
        services.book_appointment(slot=slot, phone="13812345670", now=at(9))
    assert exc.value.code == "full"
    with pytest.raises(QueueError) as exc:
        services.book_appointment(slot=slot, phone="13812345670", now=at(10, 30))
    assert exc.value.code in {"past", "full"}
    AppointmentSlot.objects.filter(pk=slot.pk).update(capacity=5)
    with pytest.raises(QueueError) as exc:
        services.book_appointment(slot=slot, phone="13812345670", now=at(10, 30))
    assert exc.value.code == "past"
    with pytest.raises(QueueError) as exc:
        services.book_appointment(slot=slot, phone="bad", now=at(9))
    assert exc.value.field == "phone"
    slot.refresh_from_db()
    assert slot.booked == 2
    assert Appointment.objects.count() == 2


def test_check_in_gives_a_linked_ticket(setup: Any, slot: AppointmentSlot) -> None:
    appointment = services.book_appointment(slot=slot, phone="13812345678", now=at(8))
    ticket = services.check_in_appointment(
        hall=setup.hall, code=appointment.code.lower(), now=at(9, 50)
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN
    assert appointment.checked_in_at == at(9, 50)
    assert ticket.appointment == appointment
    assert ticket.channel == Channel.APPOINTMENT
    assert ticket.phone == "13812345678"
    assert ticket.code == "A001"
    with pytest.raises(QueueError) as exc:
        services.check_in_appointment(hall=setup.hall, code=appointment.code, now=at(9, 51))
    assert exc.value.code == "checked_in"
    assert "A001" in str(exc.value)
    assert Ticket.objects.count() == 1


def test_check_in_is_idempotent_with_a_key(setup: Any, slot: AppointmentSlot) -> None:
    appointment = services.book_appointment(slot=slot, phone="13812345678", now=at(8))
    one = services.check_in_appointment(
        hall=setup.hall, code=appointment.code, idempotency_key="x", now=at(9, 50)
    )
    two = services.check_in_appointment(
        hall=setup.hall, code=appointment.code, idempotency_key="x", now=at(9, 50)
    )
    assert one.pk == two.pk


def test_late_check_in_gives_a_normal_ticket(setup: Any, slot: AppointmentSlot) -> None:
    appointment = services.book_appointment(slot=slot, phone="13812345678", now=at(8))
    ticket = services.check_in_appointment(hall=setup.hall, code=appointment.code, now=at(11))
    assert ticket.appointment is None
    assert ticket.events.get().data["late"] is True
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN


def test_check_in_ignores_quota(setup: Any, slot: AppointmentSlot) -> None:
    setup.a.daily_quota = 1
    setup.a.save()
    issue(setup)
    appointment = services.book_appointment(slot=slot, phone="13812345678", now=at(8))
    ticket = services.check_in_appointment(hall=setup.hall, code=appointment.code, now=at(10))
    assert ticket.code == "A002"


def test_check_in_refusals(setup: Any, slot: AppointmentSlot) -> None:
    appointment = services.book_appointment(slot=slot, phone="13812345678", now=at(8))
    other = make_setup(windows=0)
    cases = [
        ({"hall": other.hall, "code": appointment.code, "now": at(10)}, "not_found"),
        ({"hall": setup.hall, "code": "ZZZZZZZZ", "now": at(10)}, "not_found"),
        ({"hall": setup.hall, "code": "", "now": at(10)}, "not_found"),
        ({"hall": setup.hall, "code": appointment.code, "now": at(10, day=3)}, "other_day"),
    ]
    for kwargs, code in cases:
        with pytest.raises(QueueError) as exc:
            services.check_in_appointment(**kwargs)
        assert exc.value.code == code
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    with pytest.raises(QueueError) as exc:
        services.check_in_appointment(hall=setup.hall, code=appointment.code, now=at(10))
    assert exc.value.code == "status"
    assert not Ticket.objects.exists()
