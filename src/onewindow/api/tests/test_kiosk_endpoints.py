"""Issuing, appointment check-in, the display feed and the public ticket status."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onewindow.api.tests.conftest import NOW, Api, Site
from onewindow.tickets.models import (
    Appointment,
    AppointmentSlot,
    Channel,
    Ticket,
    TicketEvent,
)
from onewindow.tickets.services import book_appointment
from onewindow.tickets.tests.factories import ID_1
from onewindow.tickets.views.kiosk import ticket_from_token

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.api.tests.api_urls")]


def _issue_path(site: Site) -> str:
    return f"/halls/{site.hall.code}/tickets"


def _counts() -> tuple[int, int]:
    return Ticket.objects.count(), TicketEvent.objects.count()


# Issue -------------------------------------------------------------------------------------------


def test_kiosk_token_issues_a_ticket(site: Site) -> None:
    response = Api(site.keys["kiosk"]).post(
        _issue_path(site), {"queue_prefix": "a", "phone": "13800138000"}, idem="k-1"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["code"] == "A001"
    assert data["queue"] == "A"
    assert data["status"] == "waiting"
    assert data["people_ahead"] == 0
    assert isinstance(data["estimated_wait_minutes"], int)
    token = data["status_url"].split("/kiosk/ticket/")[1].rstrip("/")
    ticket = ticket_from_token(token)
    assert ticket.code == "A001"
    assert ticket.channel == Channel.KIOSK
    assert ticket.phone == "13800138000"
    assert ticket.idempotency_key == "k-1"


def test_people_ahead_counts_earlier_tickets(site: Site) -> None:
    kiosk = Api(site.keys["kiosk"])
    kiosk.post(_issue_path(site), {"queue_prefix": "A"}, idem="k-1")
    second = kiosk.post(_issue_path(site), {"queue_prefix": "A"}, idem="k-2").json()
    assert second["code"] == "A002"
    assert second["people_ahead"] == 1


def test_repeated_idempotency_key_gives_the_same_ticket_with_200(site: Site) -> None:
    kiosk = Api(site.keys["kiosk"])
    first = kiosk.post(_issue_path(site), {"queue_prefix": "A"}, idem="same-key")
    again = kiosk.post(_issue_path(site), {"queue_prefix": "A"}, idem="same-key")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"] == "A001"
    assert Ticket.objects.count() == 1


def test_kiosk_must_send_an_idempotency_key(site: Site) -> None:
    before = _counts()
    response = Api(site.keys["kiosk"]).post(_issue_path(site), {"queue_prefix": "A"})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in response.json()["detail"]
    assert _counts() == before


def test_staff_token_with_add_ticket_issues_at_the_guide_desk(site: Site, make_user: Any) -> None:
    from onewindow.api.services import create_token

    guide = make_user("guide", hall=site.hall)
    _, key = create_token(hall=site.hall, kind="staff", name="desk", user=guide, actor=None)
    response = Api(key).post(_issue_path(site), {"queue_prefix": "B"})
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.code, ticket.channel) == ("B001", Channel.GUIDE_DESK)


def test_session_of_guide_issues_with_csrf(site: Site, make_user: Any) -> None:
    from django.test import Client

    guide = make_user("guide", hall=site.hall)
    client = Client(enforce_csrf_checks=True)
    client.force_login(guide)
    refused = Api(client=client).post(_issue_path(site), {"queue_prefix": "A"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf"
    client.get("/accounts/login/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = Api(client=client).post(
        _issue_path(site), {"queue_prefix": "A"}, **{"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content


def test_clerk_staff_token_without_add_ticket_is_refused(site: Site) -> None:
    response = Api(site.keys["staff"]).post(_issue_path(site), {"queue_prefix": "A"}, idem="x")
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("kind", ["display", "rating_pad"])
def test_other_device_tokens_may_not_issue(site: Site, kind: str) -> None:
    response = Api(site.keys[kind]).post(_issue_path(site), {"queue_prefix": "A"}, idem="x")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Ticket.objects.count() == 0


def test_wrong_hall_token_is_forbidden(site: Site, other_site: Site) -> None:
    before = _counts()
    response = Api(other_site.keys["kiosk"]).post(
        _issue_path(site), {"queue_prefix": "A"}, idem="x"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": response.json()["detail"],
        "code": "other_hall",
        "field": None,
    }
    assert response.json()["detail"]
    assert _counts() == before


def test_no_token_is_401(site: Site) -> None:
    response = Api().post(_issue_path(site), {"queue_prefix": "A"}, idem="x")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert Ticket.objects.count() == 0


def test_unknown_hall_is_404(site: Site) -> None:
    response = Api(site.keys["kiosk"]).post("/halls/nowhere/tickets", {"queue_prefix": "A"})
    assert response.status_code == 404
    assert response.json()["code"] == "hall_not_found"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "queue_prefix", "invalid"),
        ({"queue_prefix": "Z"}, "queue_prefix", "queue"),
        ({"queue_prefix": "A", "phone": "12345"}, "phone", "phone"),
        ({"queue_prefix": "A", "id_number": "110105194912310021"}, "id_number", "id_number"),
        ({"queue_prefix": "A", "priority": "vip"}, "priority", "priority"),
        ({"queue_prefix": "A", "matters": [987654]}, "matters", "matters"),
        ({"queue_prefix": "A", "matters": "x"}, "matters", "invalid"),
    ],
)
def test_bad_input_is_400_with_the_field_and_nothing_changes(
    site: Site, body: dict[str, Any], field: str, code: str
) -> None:
    before = _counts()
    response = Api(site.keys["kiosk"]).post(_issue_path(site), body, idem="bad")
    assert response.status_code == 400, response.content
    data = response.json()
    assert (data["field"], data["code"]) == (field, code)
    assert data["detail"]
    assert _counts() == before


def test_malformed_json_is_400(site: Site) -> None:
    response = Api(site.keys["kiosk"]).client.post(
        f"/api/v1{_issue_path(site)}",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {site.keys['kiosk']}", "Idempotency-Key": "x"},
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"bad_request", "invalid"}


def test_refusal_by_the_queue_is_409(site: Site) -> None:
    queue = site.setup.queues["A"]
    queue.daily_quota = 1
    queue.save()
    kiosk = Api(site.keys["kiosk"])
    assert kiosk.post(_issue_path(site), {"queue_prefix": "A"}, idem="1").status_code == 201
    before = _counts()
    response = kiosk.post(_issue_path(site), {"queue_prefix": "A"}, idem="2")
    assert response.status_code == 409
    assert response.json()["code"] == "quota"
    assert _counts() == before


def test_id_number_holding_a_ticket_is_409_on_id_number(site: Site) -> None:
    kiosk = Api(site.keys["kiosk"])
    kiosk.post(_issue_path(site), {"queue_prefix": "A", "id_number": ID_1}, idem="1")
    response = kiosk.post(_issue_path(site), {"queue_prefix": "A", "id_number": ID_1}, idem="2")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("id_taken", "id_number")


# Appointment check-in ----------------------------------------------------------------------------


@pytest.fixture
def booking(site: Site) -> Appointment:
    slot = AppointmentSlot.objects.create(
        queue=site.setup.queues["A"],
        day=NOW.date(),
        starts_at=datetime.time(9, 30),
        ends_at=datetime.time(10, 30),
        capacity=5,
    )
    return book_appointment(slot=slot, phone="13800138000", now=NOW - datetime.timedelta(days=1))


def _check_in_path(site: Site) -> str:
    return f"/halls/{site.hall.code}/appointments/check-in"


def test_kiosk_checks_in_an_appointment(site: Site, booking: Appointment) -> None:
    kiosk = Api(site.keys["kiosk"])
    response = kiosk.post(_check_in_path(site), {"code": booking.code.lower()}, idem="c1")
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "A001"
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.CHECKED_IN
    again = kiosk.post(_check_in_path(site), {"code": booking.code}, idem="c1")
    assert again.status_code == 200
    assert again.json()["code"] == "A001"


def test_check_in_unknown_code_is_404_on_code(site: Site, booking: Appointment) -> None:
    response = Api(site.keys["kiosk"]).post(_check_in_path(site), {"code": "ZZZZ2222"})
    assert response.status_code == 404
    assert response.json()["field"] == "code"
    assert Ticket.objects.count() == 0


def test_check_in_missing_code_is_400(site: Site, booking: Appointment) -> None:
    response = Api(site.keys["kiosk"]).post(_check_in_path(site), {})
    assert response.status_code == 400
    assert response.json()["field"] == "code"


def test_check_in_needs_a_kiosk_token_of_the_hall(
    site: Site, other_site: Site, booking: Appointment
) -> None:
    body = {"code": booking.code}
    assert Api(site.keys["display"]).post(_check_in_path(site), body).status_code == 403
    assert Api(site.keys["staff"]).post(_check_in_path(site), body).status_code == 403
    assert Api(other_site.keys["kiosk"]).post(_check_in_path(site), body).status_code == 403
    assert Api().post(_check_in_path(site), body).status_code == 401
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.BOOKED
    assert Ticket.objects.count() == 0


# Display ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["display", "kiosk"])
def test_display_feed(site: Site, kind: str) -> None:
    Api(site.keys["kiosk"]).post(_issue_path(site), {"queue_prefix": "A"}, idem="1")
    response = Api(site.keys[kind]).get(f"/halls/{site.hall.code}/display")
    assert response.status_code == 200
    data = response.json()
    assert [w["number"] for w in data["windows"]] == [1, 2]
    waiting = {row["prefix"]: row["count"] for row in data["waiting"]}
    assert waiting["A"] == 1


def test_display_feed_refusals(site: Site, other_site: Site) -> None:
    path = f"/halls/{site.hall.code}/display"
    assert Api().get(path).status_code == 401
    assert Api("ow_not-a-real-key").get(path).status_code == 401
    assert Api(other_site.keys["display"]).get(path).status_code == 403
    assert Api(site.keys["staff"]).get(path).status_code == 403
    assert Api(site.keys["display"]).get("/halls/nowhere/display").status_code == 404


# Ticket status ----------------------------------------------------------------------------------


def test_ticket_status_is_public_by_signed_token(site: Site) -> None:
    issued = Api(site.keys["kiosk"]).post(_issue_path(site), {"queue_prefix": "A"}, idem="1")
    token = issued.json()["status_url"].split("/kiosk/ticket/")[1].rstrip("/")
    response = Api().get(f"/tickets/{token}")
    assert response.status_code == 200
    assert response.json()["code"] == "A001"
    assert response.json()["status"] == "waiting"


def test_ticket_status_with_a_forged_token_is_404(site: Site) -> None:
    response = Api().get("/tickets/forged-token")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
