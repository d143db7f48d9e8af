"""The kiosk (自助取号): screens, the step flow, issuing, refusals and appointment check-in."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from onewindow.catalog.models import Audience, Department, ServiceItem
from onewindow.catalog.tests.manage_factories import make_item, make_material, make_scenario
from onewindow.halls.models import Hall
from onewindow.tickets.models import (
    Appointment,
    AppointmentSlot,
    Channel,
    Queue,
    Ticket,
    TicketEvent,
)
from onewindow.tickets.services import book_appointment
from onewindow.tickets.tests.factories import ID_1, ID_2, at, make_queues
from onewindow.tickets.views.kiosk import ELDERLY_SESSION_KEY, ticket_from_token

pytestmark = pytest.mark.django_db

NOW = at(10)  # Wednesday 2 December 2026, 10:00 in the hall's time zone


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queues(hall: Hall) -> dict[str, Queue]:
    return make_queues(hall)


def _guide_item(department: Department, audience: str, name: str) -> ServiceItem:
    item = make_item(department, name=name, audience=audience)
    make_material(make_scenario(item))
    return item


def _take_url(hall: Hall, queue: Queue) -> str:
    return reverse("kiosk:take", args=[hall.code, queue.pk])


def _post(client: Client, hall: Hall, queue: Queue, **data: Any) -> Any:
    data.setdefault("key", str(uuid.uuid4()))
    return client.post(_take_url(hall, queue), data)


def _issue(client: Client, hall: Hall, queue: Queue, **data: Any) -> Any:
    return _post(client, hall, queue, step="confirm", action="issue", **data)


def _html(response: Any) -> str:
    return response.content.decode()


# --- screens ------------------------------------------------------------------------------


def test_start_screen_shows_the_halls_active_queues_and_check_in(
    hall: Hall, other_hall: Hall, queues: dict[str, Queue]
) -> None:
    Queue.objects.filter(pk=queues["F"].pk).update(is_active=False)
    make_queues(other_hall)
    Queue.objects.filter(hall=other_hall, prefix="A").update(name="别的大厅的队列")
    response = Client().get(reverse("kiosk:start", args=[hall.code]))
    assert response.status_code == 200
    html = _html(response)
    assert hall.name in html
    for prefix in "ABCDE":
        assert _take_url(hall, queues[prefix]) in html
        assert queues[prefix].name in html
    assert queues["F"].name not in html
    assert "别的大厅的队列" not in html
    assert reverse("kiosk:check-in", args=[hall.code]) in html
    assert "kiosk-icon" in html


def test_start_screen_shows_a_queue_outside_its_hours_as_closed(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    Queue.objects.filter(pk=queues["B"].pk).update(
        issue_from=datetime.time(13, 0), issue_until=datetime.time(17, 0)
    )
    html = _html(Client().get(reverse("kiosk:start", args=[hall.code])))
    assert _take_url(hall, queues["A"]) in html
    assert _take_url(hall, queues["B"]) not in html
    assert "13:00" in html


def test_unknown_or_inactive_hall_is_404(hall: Hall) -> None:
    assert Client().get(reverse("kiosk:start", args=["nowhere"])).status_code == 404
    Hall.objects.filter(pk=hall.pk).update(is_active=False)
    assert Client().get(reverse("kiosk:start", args=[hall.code])).status_code == 404


def test_elderly_mode_is_remembered_until_the_idle_reset(hall: Hall, queues: Any) -> None:
    client = Client()
    start = reverse("kiosk:start", args=[hall.code])
    assert 'class="kiosk kiosk-elderly' not in _html(client.get(start))
    response = client.post(reverse("kiosk:elderly", args=[hall.code]), {"on": "1"})
    assert response.status_code == 302
    assert 'class="kiosk kiosk-elderly' in _html(client.get(start))
    assert 'class="kiosk kiosk-elderly' in _html(client.get(_take_url(hall, queues["A"])))
    # The idle timer and the end of a ticket screen go to ?reset=1: back to the standard mode.
    assert client.get(start + "?reset=1").status_code == 302
    assert ELDERLY_SESSION_KEY not in client.session
    assert 'class="kiosk kiosk-elderly' not in _html(client.get(start))


def test_flow_starts_with_matters_for_natural_persons(
    hall: Hall, queues: dict[str, Queue], department: Department
) -> None:
    natural = _guide_item(department, Audience.NATURAL, "居民身份证换领")
    both = _guide_item(department, Audience.BOTH, "社保卡补办")
    legal = _guide_item(department, Audience.LEGAL, "企业设立登记")
    bare = make_item(department, name="没有指南的事项", audience=Audience.NATURAL)
    response = Client().get(_take_url(hall, queues["A"]))
    html = _html(response)
    assert response.status_code == 200
    assert 'name="step" value="matters"' in html
    assert natural.name in html and both.name in html
    assert legal.name not in html and bare.name not in html
    key = re.search(r'name="key" value="([0-9a-f-]{36})"', html)
    assert key is not None
    # The legal-person queue offers legal-person items.
    html = _html(Client().get(_take_url(hall, queues["B"])))
    assert legal.name in html and natural.name not in html


def test_consultation_has_no_matters_step(hall: Hall, queues: dict[str, Queue]) -> None:
    html = _html(Client().get(_take_url(hall, queues["C"])))
    assert 'name="step" value="priority"' in html


def test_steps_follow_in_order_and_carry_the_answers(
    hall: Hall, queues: dict[str, Queue], department: Department
) -> None:
    item = _guide_item(department, Audience.NATURAL, "居民身份证换领")
    client = Client()
    key = str(uuid.uuid4())
    a = queues["A"]
    html = _html(_post(client, hall, a, key=key, step="matters", matters=[item.pk]))
    assert 'name="step" value="priority"' in html
    assert f'name="matters" value="{item.pk}"' in html
    html = _html(
        _post(client, hall, a, key=key, step="priority", matters=[item.pk], priority="elderly")
    )
    assert 'name="step" value="phone"' in html
    html = _html(
        _post(
            client,
            hall,
            a,
            key=key,
            step="phone",
            matters=[item.pk],
            priority="elderly",
            phone="13812345678",
        )
    )
    assert 'name="step" value="id_number"' in html
    assert 'value="13812345678"' in html
    html = _html(
        _post(
            client,
            hall,
            a,
            key=key,
            step="id_number",
            matters=[item.pk],
            priority="elderly",
            phone="13812345678",
            id_number=ID_1,
        )
    )
    assert 'name="step" value="confirm"' in html
    assert item.name in html
    assert ID_1 not in html.split('name="id_number"')[0]  # masked in the summary
    assert Ticket.objects.count() == 0


def test_skip_clears_the_step_and_back_returns_to_the_previous_one(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    a = queues["A"]
    html = _html(_post(Client(), hall, a, step="phone", phone="123", action="skip"))
    assert 'name="step" value="id_number"' in html
    assert 'name="phone" value=""' in html
    html = _html(_post(Client(), hall, a, step="phone", phone="123", action="back"))
    assert 'name="step" value="priority"' in html
    response = _post(Client(), hall, a, step="matters", action="back")
    assert response.status_code == 302
    assert response["Location"] == reverse("kiosk:start", args=[hall.code])


def test_bad_phone_shows_the_error_beside_the_field(hall: Hall, queues: dict[str, Queue]) -> None:
    response = _post(Client(), hall, queues["A"], step="phone", phone="12345")
    html = _html(response)
    assert 'name="step" value="phone"' in html
    assert 'id="kiosk-phone-error"' in html
    assert "11" in html.split('id="kiosk-phone-error"')[1][:200]
    assert 'aria-invalid="true"' in html


def test_bad_id_number_checksum_shows_the_error_beside_the_field(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    bad = ID_1[:-1] + "1"
    html = _html(_post(Client(), hall, queues["A"], step="id_number", id_number=bad))
    assert 'name="step" value="id_number"' in html
    error = html.split('id="kiosk-id-error"')[1][:300]
    assert "校验" in error
    assert Ticket.objects.count() == 0


def test_too_many_matters_is_refused_on_the_matters_step(
    hall: Hall, queues: dict[str, Queue], department: Department
) -> None:
    items = [_guide_item(department, Audience.NATURAL, f"事项{i}") for i in range(6)]
    html = _html(_post(Client(), hall, queues["A"], step="matters", matters=[i.pk for i in items]))
    assert 'name="step" value="matters"' in html
    assert "kiosk-error" in html


def test_forged_post_with_a_bad_field_on_confirm_issues_nothing(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    html = _html(_issue(Client(), hall, queues["A"], phone="999"))
    assert 'name="step" value="phone"' in html
    assert Ticket.objects.count() == 0


def test_a_lost_key_starts_again(hall: Hall, queues: dict[str, Queue]) -> None:
    response = _issue(Client(), hall, queues["A"], key="not-a-uuid")
    assert response.status_code == 302
    assert Ticket.objects.count() == 0


# --- issuing ------------------------------------------------------------------------------


def test_issuing_creates_one_ticket_and_shows_it(
    hall: Hall, queues: dict[str, Queue], department: Department
) -> None:
    item = _guide_item(department, Audience.NATURAL, "居民身份证换领")
    client = Client()
    response = _issue(
        client,
        hall,
        queues["A"],
        matters=[item.pk],
        priority="elderly",
        phone="138 1234 5678",
        id_number=ID_1.lower(),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.code == "A001"
    assert ticket.channel == Channel.KIOSK
    assert ticket.priority == "elderly"
    assert ticket.phone == "13812345678"
    assert ticket.id_number == ID_1
    assert list(ticket.matters.all()) == [item]
    assert TicketEvent.objects.filter(ticket=ticket, action="issued").count() == 1
    page = client.get(response["Location"])
    html = _html(page)
    assert page.status_code == 200
    assert "A001" in html
    assert "请到等候区就坐" in html or "Please take a seat" in html
    assert "data-autoprint" in html
    assert "<svg" in html and "ow-qr" in html
    noprint = _html(client.get(response["Location"] + "?noprint=1"))
    assert "data-autoprint" not in noprint


def test_the_same_idempotency_key_twice_gives_one_ticket(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    key = str(uuid.uuid4())
    first = _issue(Client(), hall, queues["A"], key=key)
    second = _issue(Client(), hall, queues["A"], key=key)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]
    third = _issue(Client(), hall, queues["A"])
    assert third["Location"] != first["Location"]
    assert sorted(Ticket.objects.values_list("code", flat=True)) == ["A001", "A002"]


def test_closed_hours_show_a_full_screen_message_and_issue_nothing(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    Queue.objects.filter(pk=queues["A"].pk).update(
        issue_from=datetime.time(13, 0), issue_until=datetime.time(17, 0)
    )
    response = _issue(Client(), hall, queues["A"])
    html = _html(response)
    assert response.status_code == 409
    assert "kiosk-refusal" in html and 'data-refusal="closed"' in html
    assert "13:00" in html
    assert Ticket.objects.count() == 0


def test_quota_used_up_shows_a_message_and_issues_nothing(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    Queue.objects.filter(pk=queues["A"].pk).update(daily_quota=1)
    assert _issue(Client(), hall, queues["A"]).status_code == 302
    response = _issue(Client(), hall, queues["A"])
    assert response.status_code == 409
    assert 'data-refusal="quota"' in _html(response)
    assert Ticket.objects.count() == 1


def test_an_id_holding_an_open_ticket_gets_no_second_one(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    assert _issue(Client(), hall, queues["A"], id_number=ID_1).status_code == 302
    response = _issue(Client(), hall, queues["A"], id_number=ID_1)
    html = _html(response)
    assert response.status_code == 409
    assert 'data-refusal="id_taken"' in html
    assert "A001" in html
    assert Ticket.objects.count() == 1
    # Another ID, or the same ID in another queue, is fine.
    assert _issue(Client(), hall, queues["A"], id_number=ID_2).status_code == 302
    assert _issue(Client(), hall, queues["B"], id_number=ID_1).status_code == 302
    assert Ticket.objects.count() == 3


def test_a_queue_of_another_hall_is_404(
    hall: Hall, other_hall: Hall, queues: dict[str, Queue]
) -> None:
    other = make_queues(other_hall)
    response = Client().post(
        reverse("kiosk:take", args=[hall.code, other["A"].pk]),
        {"key": str(uuid.uuid4()), "step": "confirm", "action": "issue"},
    )
    assert response.status_code == 404
    assert Ticket.objects.count() == 0


def test_the_issued_screen_of_another_hall_is_404(
    hall: Hall, other_hall: Hall, queues: dict[str, Queue]
) -> None:
    location = _issue(Client(), hall, queues["A"])["Location"]
    token = location.rstrip("/").split("/")[-1]
    assert Client().get(reverse("kiosk:issued", args=[other_hall.code, token])).status_code == 404


# --- appointment check-in ----------------------------------------------------------------


@pytest.fixture
def booking(queues: dict[str, Queue]) -> Appointment:
    slot = AppointmentSlot.objects.create(
        queue=queues["A"],
        day=NOW.date(),
        starts_at=datetime.time(9, 30),
        ends_at=datetime.time(11, 0),
        capacity=5,
    )
    return book_appointment(slot=slot, phone="13812345678", now=at(8))


def test_check_in_screen_renders_a_code_keypad(hall: Hall) -> None:
    html = _html(Client().get(reverse("kiosk:check-in", args=[hall.code])))
    assert 'id="kiosk-code"' in html
    assert 'data-key="A"' in html and 'data-key="9"' in html
    assert 'data-key="O"' not in html


def test_check_in_turns_the_booking_into_a_ticket(hall: Hall, booking: Appointment) -> None:
    key = str(uuid.uuid4())
    url = reverse("kiosk:check-in", args=[hall.code])
    response = Client().post(url, {"key": key, "code": booking.code.lower()})
    assert response.status_code == 302
    ticket = ticket_from_token(response["Location"].rstrip("/").split("/")[-1])
    assert ticket.channel == Channel.APPOINTMENT
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.CHECKED_IN
    # The same tap again: the same ticket.
    again = Client().post(url, {"key": key, "code": booking.code})
    assert again["Location"] == response["Location"]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("case", ["unknown", "used", "other_day"])
def test_check_in_refusals_show_the_message_beside_the_code(
    hall: Hall, booking: Appointment, case: str
) -> None:
    url = reverse("kiosk:check-in", args=[hall.code])
    code = booking.code
    if case == "unknown":
        code = "ZZZZZZZZ"
    elif case == "used":
        Client().post(url, {"key": str(uuid.uuid4()), "code": code})
    else:
        AppointmentSlot.objects.filter(pk=booking.slot_id).update(
            day=NOW.date() + datetime.timedelta(days=1)
        )
    before = Ticket.objects.count()
    response = Client().post(url, {"key": str(uuid.uuid4()), "code": code})
    html = _html(response)
    assert response.status_code == 200
    assert 'id="kiosk-code-error"' in html
    assert Ticket.objects.count() == before
