"""/api/v1/ratings/: the rating pad's calls and the provincial export, for each kind of caller."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.accounts.models import Role
from onewindow.api.services import create_token
from onewindow.evaluations import tokens
from onewindow.evaluations.models import Evaluation
from onewindow.tickets import services as queue
from onewindow.tickets.services import Outcome

from .conftest import later

pytestmark = pytest.mark.django_db


def finished(site: Any) -> Any:
    window, clerk = site.setup.windows[0], site.clerk(0)
    queue.issue_ticket(hall=site.hall, queue=site.setup.a, now=later(-30))
    ticket = queue.call_next(window=window, actor=clerk, now=later(-20))
    queue.start_service(ticket=ticket, actor=clerk, now=later(-19))
    return queue.finish_service(ticket=ticket, actor=clerk, outcome=Outcome.HANDLED, now=later(0))


def test_the_pad_reads_the_service_just_finished_and_rates_it_once(site: Any, api: Any):
    ticket = finished(site)
    pad = api()
    state = pad.get(f"/ratings/pad/{tokens.for_pad(ticket.window_id)}")
    assert state.status_code == 200
    service = state.json()["service"]
    assert service["code"] == ticket.code and service["expires_in"] > 0
    body = {"token": service["rating_token"], "level": 2, "channel": "pad", "reasons": ["slow"]}
    response = pad.post("/ratings/", body)
    assert response.status_code == 201
    assert response.json() == {"level": 2, "attempt": 1, "rectification": True}
    assert pad.get(f"/ratings/pad/{tokens.for_pad(ticket.window_id)}").json()["service"] is None
    again = pad.post("/ratings/", {**body, "level": 5})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert Evaluation.objects.count() == 1


def test_bad_input_is_400_and_records_nothing(site: Any, api: Any):
    ticket = finished(site)
    token = tokens.for_ticket(ticket.pk)
    pad = api()
    for body, field in (
        ({"token": token, "level": 7, "channel": "pad"}, "level"),
        ({"token": token, "level": 1, "channel": "pad"}, "reasons"),
        ({"token": token, "level": 5, "channel": "fax"}, "channel"),
        ({"token": token, "level": 5, "channel": "qr", "phone": "12"}, "phone"),
    ):
        response = pad.post("/ratings/", body)
        assert response.status_code == 400, body
        assert response.json()["field"] == field
    assert (
        pad.post("/ratings/", {"token": "forged", "level": 5, "channel": "qr"}).status_code == 404
    )
    assert pad.get("/ratings/pad/forged").status_code == 404
    assert not Evaluation.objects.exists()


def test_staff_cannot_rate_through_the_api(site: Any, api: Any):
    ticket = finished(site)
    body = {"token": tokens.for_ticket(ticket.pk), "level": 5, "channel": "pad"}
    response = api(site.keys["staff"]).post("/ratings/", body)
    assert response.status_code == 403 and response.json()["code"] == "staff"
    # A device token (kiosk, display, rating pad) is no staff member: the applicant may rate.
    assert api(site.keys["rating_pad"]).post("/ratings/", body).status_code == 201


def test_the_export_has_the_national_fields_for_the_own_hall_only(
    site: Any, other_site: Any, api: Any, make_user: Any
):
    ticket = finished(site)
    api().post(
        "/ratings/",
        {"token": tokens.for_ticket(ticket.pk), "level": 1, "channel": "qr", "comment": "差"},
    )
    manager = make_user(Role.HALL_MANAGER, hall=site.hall)
    key = create_token(hall=site.hall, kind="staff", name="m", user=manager, actor=None)[1]
    rows = api(key).get("/ratings/export?date_from=2026-12-01&date_to=2026-12-02")
    assert rows.status_code == 200
    (row,) = rows.json()
    assert row["ticket"] == ticket.code and row["level"] == 1 and row["channel"] == "qr"
    assert row["rectification_status"] == "verifying" and row["excluded"] is False
    assert "phone" not in str(row) and "13800" not in str(row)
    stranger = make_user(Role.HALL_MANAGER, hall=other_site.hall)
    key2 = create_token(hall=other_site.hall, kind="staff", name="s", user=stranger, actor=None)[1]
    assert api(key2).get("/ratings/export?date_from=2026-12-01&date_to=2026-12-02").json() == []
    # A clerk may not export; devices and anonymous callers neither.
    assert api(site.keys["staff"]).get("/ratings/export").status_code == 403
    assert api(site.keys["kiosk"]).get("/ratings/export").status_code == 403
    assert api().get("/ratings/export").status_code == 401
    bad = api(key).get("/ratings/export?date_from=2026-12-05&date_to=2026-12-01")
    assert bad.status_code == 400 and bad.json()["code"] == "dates"
