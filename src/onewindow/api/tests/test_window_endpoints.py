"""Window actions over the API: staff tokens or the clerk's session (with CSRF)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.api.tests.conftest import Api, Site
from onewindow.core.models import AuditEvent
from onewindow.tickets.models import Ticket, TicketEvent, TicketStatus
from onewindow.tickets.services import issue_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.api.tests.api_urls")]


def _issue(site: Site, prefix: str = "A", n: int = 1) -> list[Ticket]:
    return [issue_ticket(hall=site.hall, queue=site.setup.queues[prefix]) for _ in range(n)]


def _window(site: Site, index: int = 0) -> Any:
    return site.setup.windows[index]


def _path(site: Site, action: str, index: int = 0) -> str:
    return f"/windows/{_window(site, index).pk}/{action}"


def _state() -> list[tuple[str, str, int | None, int]]:
    rows = Ticket.objects.order_by("pk").values_list("code", "status", "window_id", "call_count")
    return [*rows, ("events", str(TicketEvent.objects.count()), None, AuditEvent.objects.count())]


def test_call_next_calls_the_first_waiting_ticket(site: Site) -> None:
    _issue(site, n=2)
    response = Api(site.keys["staff"]).post(_path(site, "call-next"))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["window_number"] == 1
    assert data["ticket"]["code"] == "A001"
    assert data["ticket"]["status"] == "called"
    assert data["ticket"]["window_number"] == 1
    assert Ticket.objects.get(code="A001").status == TicketStatus.CALLED


def test_call_next_with_nobody_waiting_returns_null(site: Site) -> None:
    response = Api(site.keys["staff"]).post(_path(site, "call-next"))
    assert response.status_code == 200
    assert response.json()["ticket"] is None
    assert response.json()["detail"]


def test_full_service_cycle(site: Site) -> None:
    site.hall.no_show_after_calls = 2
    site.hall.save()
    _issue(site, n=2)
    staff = Api(site.keys["staff"])
    assert staff.post(_path(site, "call-next")).json()["ticket"]["code"] == "A001"
    recalled = staff.post(_path(site, "recall")).json()["ticket"]
    assert recalled["call_count"] == 2
    assert staff.post(_path(site, "no-show")).json()["ticket"]["status"] == "no_show"
    assert staff.post(_path(site, "call-next")).json()["ticket"]["code"] == "A002"
    assert staff.post(_path(site, "start")).json()["ticket"]["status"] == "serving"
    finished = staff.post(_path(site, "finish"), {"outcome": "handled"})
    assert finished.status_code == 200, finished.content
    assert finished.json()["ticket"]["status"] == "done"
    assert Ticket.objects.get(code="A002").outcome == "handled"


def test_transfer_to_another_queue_and_window(site: Site) -> None:
    _issue(site)
    staff = Api(site.keys["staff"])
    staff.post(_path(site, "call-next"))
    response = staff.post(
        _path(site, "transfer"),
        {"to_queue_prefix": "b", "to_window_number": 2, "reason": "法人业务"},
    )
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(code="A001")
    assert ticket.status == TicketStatus.WAITING
    assert ticket.queue == site.setup.queues["B"]
    assert ticket.reserved_window == _window(site, 1)


@pytest.mark.parametrize(
    ("action", "body", "field", "code"),
    [
        ("finish", {}, "outcome", "invalid"),
        ("finish", {"outcome": "great"}, "outcome", "outcome"),
        ("finish", {"outcome": "handled", "matters": [424242]}, "matters", "matters"),
        ("transfer", {"to_queue_prefix": "B"}, "reason", "invalid"),
        ("transfer", {"to_queue_prefix": "B", "reason": "  "}, "reason", "reason_required"),
        ("transfer", {"to_queue_prefix": "Z", "reason": "x"}, "to_queue_prefix", "queue"),
        ("transfer", {"to_window_number": 99, "reason": "x"}, "to_window_number", "window"),
        ("transfer", {"reason": "x"}, "to_queue_prefix", "no_target"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(
    site: Site, action: str, body: dict[str, Any], field: str, code: str
) -> None:
    _issue(site)
    staff = Api(site.keys["staff"])
    staff.post(_path(site, "call-next"))
    if action == "finish":
        staff.post(_path(site, "start"))
    before = _state()
    response = staff.post(_path(site, action), body)
    assert response.status_code == 400, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert response.json()["detail"]
    assert _state() == before


def test_action_in_the_wrong_state_is_409(site: Site) -> None:
    _issue(site)
    staff = Api(site.keys["staff"])
    assert staff.post(_path(site, "recall")).json()["code"] == "no_ticket"
    staff.post(_path(site, "call-next"))
    before = _state()
    response = staff.post(_path(site, "finish"), {"outcome": "handled"})  # not started
    assert response.status_code == 409
    assert response.json()["code"] == "status"
    assert _state() == before
    too_early = staff.post(_path(site, "no-show"))  # called once, hall needs 3
    assert too_early.status_code == 409
    assert too_early.json()["code"] == "too_few_calls"
    assert _state() == before


def test_clerk_of_another_window_is_forbidden(site: Site) -> None:
    _issue(site)
    before = _state()
    response = Api(site.keys["staff2"]).post(_path(site, "call-next", 0))
    assert response.status_code == 403
    assert response.json()["code"] == "not_signed_in"
    assert _state() == before


@pytest.mark.parametrize("action", ["call-next", "recall", "no-show", "start"])
def test_window_refusals(site: Site, other_site: Site, action: str) -> None:
    _issue(site)
    before = _state()
    path = _path(site, action)
    assert Api().post(path).status_code == 401
    assert Api("ow_wrong").post(path).status_code == 401
    wrong_hall = Api(other_site.keys["staff"]).post(path)
    assert (wrong_hall.status_code, wrong_hall.json()["code"]) == (403, "other_hall")
    device = Api(site.keys["kiosk"]).post(path)
    assert (device.status_code, device.json()["code"]) == (403, "staff_only")
    assert Api(site.keys["staff"]).post(f"/windows/999999/{action}").status_code == 404
    assert _state() == before


@pytest.mark.parametrize(
    ("action", "body"),
    [("finish", {"outcome": "handled"}), ("transfer", {"to_queue_prefix": "B", "reason": "x"})],
)
def test_window_refusals_with_body(
    site: Site, other_site: Site, action: str, body: dict[str, Any]
) -> None:
    path = _path(site, action)
    assert Api().post(path, body).status_code == 401
    assert Api(other_site.keys["staff"]).post(path, body).status_code == 403
    assert Api(site.keys["display"]).post(path, body).status_code == 403


def test_user_without_serve_permission_is_forbidden(site: Site, make_user: Any) -> None:
    from onewindow.api.services import create_token

    reviewer = make_user("reviewer", hall=site.hall)
    _, key = create_token(hall=site.hall, kind="staff", name="r", user=reviewer, actor=None)
    _issue(site)
    response = Api(key).post(_path(site, "call-next"))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_idempotency_key_replays_the_answer(site: Site) -> None:
    _issue(site, n=2)
    staff = Api(site.keys["staff"])
    first = staff.post(_path(site, "call-next"), idem="tap-1")
    assert first.json()["ticket"]["code"] == "A001"
    staff.post(_path(site, "start"), idem="tap-2")
    staff.post(_path(site, "finish"), {"outcome": "handled"}, idem="tap-3")
    again = staff.post(_path(site, "call-next"), idem="tap-1")
    assert again.status_code == 200
    assert again.json()["ticket"]["code"] == "A001"
    assert Ticket.objects.get(code="A002").status == TicketStatus.WAITING
    reused = staff.post(_path(site, "recall"), idem="tap-1")
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")
    fresh = staff.post(_path(site, "call-next"), idem="tap-4")
    assert fresh.json()["ticket"]["code"] == "A002"


def test_a_refused_request_can_be_retried_with_its_key(site: Site) -> None:
    """A refusal changed nothing, so its key is not spent: the retry runs (and here succeeds)."""
    staff = Api(site.keys["staff"])
    _issue(site)
    staff.post(_path(site, "call-next"), idem="k-1")
    refused = staff.post(_path(site, "finish"), {"outcome": "handled"}, idem="k-2")
    assert refused.status_code == 409  # not started yet
    staff.post(_path(site, "start"), idem="k-3")
    retried = staff.post(_path(site, "finish"), {"outcome": "handled"}, idem="k-2")
    assert retried.status_code == 200
    assert Ticket.objects.get(code="A001").status == TicketStatus.DONE


def test_idempotency_keys_are_per_caller(site: Site) -> None:
    _issue(site, n=2)
    one = Api(site.keys["staff"]).post(_path(site, "call-next", 0), idem="same")
    two = Api(site.keys["staff2"]).post(_path(site, "call-next", 1), idem="same")
    assert one.json()["ticket"]["code"] == "A001"
    assert two.json()["ticket"]["code"] == "A002"


def test_clerk_session_needs_csrf(site: Site) -> None:
    _issue(site)
    client = Client(enforce_csrf_checks=True)
    client.force_login(site.clerk(0))
    before = _state()
    refused = Api(client=client).post(_path(site, "call-next"))
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf")
    assert _state() == before
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    response = Api(client=client).post(_path(site, "call-next"), **{"X-CSRFToken": csrf})
    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["code"] == "A001"


def test_session_of_another_halls_clerk_is_forbidden(site: Site, other_site: Site) -> None:
    client = Client()
    client.force_login(other_site.clerk(0))
    response = Api(client=client).post(_path(site, "call-next"))
    assert response.status_code == 403


def test_retry_while_the_first_request_runs_is_409(site: Site) -> None:
    import hashlib

    from django.core.cache import cache

    _issue(site)
    token = site.token("staff")
    digest = hashlib.sha256(b"tap-9").hexdigest()
    from onewindow.api.api import RUNNING

    # What the first request leaves in the cache while it runs.
    cache.set(f"onewindow.api.idempotency:t{token.pk}:{digest}", RUNNING)
    before = _state()
    response = Api(site.keys["staff"]).post(_path(site, "call-next"), idem="tap-9")
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_in_progress")
    assert _state() == before
