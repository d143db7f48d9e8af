"""Ticket links: the print page, the live status page, the guide desk, and no external URLs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from onewindow.accounts.models import Role, User
from onewindow.halls.models import Hall
from onewindow.tickets.models import Channel, Queue, Ticket, TicketStatus
from onewindow.tickets.services import issue_ticket
from onewindow.tickets.tests.factories import ID_1, at, make_queues, make_window
from onewindow.tickets.views.kiosk import TOKEN_SALT, ticket_token

pytestmark = pytest.mark.django_db

NOW = at(10)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queues(hall: Hall) -> dict[str, Queue]:
    return make_queues(hall)


@pytest.fixture
def ticket(hall: Hall, queues: dict[str, Queue]) -> Ticket:
    issue_ticket(hall=hall, queue=queues["A"], now=at(9, 50))
    return issue_ticket(hall=hall, queue=queues["A"], now=at(9, 55))


def _html(response: Any) -> str:
    return response.content.decode()


def _external_urls(html: str) -> list[str]:
    """Absolute URLs in attributes that point anywhere but this test server."""
    urls = re.findall(r"""(?:src|href|action|content)\s*=\s*["']([^"']*//[^"']*)""", html)
    urls += re.findall(r"url\(\s*['\"]?(//|https?:)", html)
    return [u for u in urls if not u.startswith("http://testserver/")]


# --- print page ---------------------------------------------------------------------------


@pytest.mark.parametrize("paper", ["58", "80"])
def test_print_page_for_each_paper_width(ticket: Ticket, hall: Hall, paper: str) -> None:
    url = reverse("kiosk:print", args=[ticket_token(ticket)])
    response = Client().get(url, {"paper": paper})
    html = _html(response)
    assert response.status_code == 200
    assert f"size: {paper}mm auto" in html
    assert f"paper-{paper}" in html
    assert 'class="ticket-number">A002<' in html
    assert hall.name in html
    assert ticket.issued_queue.name in html
    assert "09:55" in html
    # One person ahead (A001); the QR code is inline SVG.
    assert re.search(r"<svg[^>]*ow-qr", html)
    assert "<img" not in html
    assert _external_urls(html) == []


def test_print_page_falls_back_to_80_mm(ticket: Ticket) -> None:
    html = _html(Client().get(reverse("kiosk:print", args=[ticket_token(ticket)]), {"paper": "x"}))
    assert "size: 80mm auto" in html


def test_people_ahead_are_on_the_ticket(ticket: Ticket) -> None:
    html = _html(Client().get(reverse("kiosk:status", args=[ticket_token(ticket)])))
    assert re.search(r"data-ahead>1<", html)


# --- status page --------------------------------------------------------------------------


def test_status_page_shows_waiting_with_auto_refresh(ticket: Ticket) -> None:
    response = Client().get(reverse("kiosk:status", args=[ticket_token(ticket)]))
    html = _html(response)
    assert response.status_code == 200
    assert "A002" in html
    assert 'http-equiv="refresh" content="10"' in html
    assert 'data-status="waiting"' in html
    assert 'name="viewport"' in html
    assert _external_urls(html) == []


def test_status_page_says_which_window_to_go_to(ticket: Ticket, hall: Hall) -> None:
    window = make_window(hall, 3)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=TicketStatus.CALLED, window=window, called_at=NOW
    )
    html = _html(Client().get(reverse("kiosk:status", args=[ticket_token(ticket)])))
    assert 'data-status="called"' in html
    status = html.split('data-status="called"')[1][:300]
    assert "3" in status
    assert "data-ahead" not in html


def test_finished_ticket_stops_refreshing(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.DONE)
    html = _html(Client().get(reverse("kiosk:status", args=[ticket_token(ticket)])))
    assert 'data-status="done"' in html
    assert 'http-equiv="refresh"' not in html


@pytest.mark.parametrize(
    "token",
    [
        "garbled",
        "1",
        "MQ:1kZzzz:abcdefabcdefabcdefabcdefabcdef",
        signing.dumps(1, salt="another-salt"),
        signing.dumps("1", salt=TOKEN_SALT),
    ],
)
def test_forged_or_garbled_tokens_are_404(ticket: Ticket, token: str) -> None:
    assert Client().get(reverse("kiosk:status", args=[token])).status_code == 404
    assert Client().get(reverse("kiosk:print", args=[token])).status_code == 404


def test_a_tampered_token_is_404(ticket: Ticket) -> None:
    token = ticket_token(ticket)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert Client().get(reverse("kiosk:status", args=[tampered])).status_code == 404


def test_a_token_for_a_deleted_ticket_is_404(hall: Hall, queues: dict[str, Queue]) -> None:
    token = signing.dumps(999999, salt=TOKEN_SALT, compress=True)
    assert Client().get(reverse("kiosk:status", args=[token])).status_code == 404


# --- guide desk ---------------------------------------------------------------------------


def test_desk_access_per_role(
    any_persona: User | None, client_for: Any, hall: Hall, queues: dict[str, Queue]
) -> None:
    response = client_for(any_persona).get(reverse("kiosk:desk", args=[hall.code]))
    if any_persona is None:
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    elif any_persona.has_role(Role.GUIDE, Role.HALL_MANAGER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_desk_of_another_hall_is_403(
    guide: User, client_for: Any, other_hall: Hall, queues: dict[str, Queue]
) -> None:
    make_queues(other_hall)
    response = client_for(guide).get(reverse("kiosk:desk", args=[other_hall.code]))
    assert response.status_code == 403


def test_desk_issues_a_guide_desk_ticket_with_print_links(
    guide: User, client_for: Any, hall: Hall, queues: dict[str, Queue]
) -> None:
    client = client_for(guide)
    url = reverse("kiosk:desk", args=[hall.code])
    html = _html(client.get(url))
    assert queues["A"].name in html
    key = str(uuid.uuid4())
    data = {"key": key, "queue": queues["B"].pk, "priority": "military", "id_number": ID_1}
    response = client.post(url, data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.GUIDE_DESK
    assert ticket.code == "B001"
    assert ticket.priority == "military"
    assert ticket.events.get(action="issued").actor == guide
    html = _html(client.get(response["Location"]))
    assert "B001" in html
    token = ticket_token(ticket)
    assert reverse("kiosk:print", args=[token]) + "?paper=58" in html
    assert reverse("kiosk:print", args=[token]) + "?paper=80" in html
    # A re-submit of the same form gives the same ticket.
    client.post(url, data)
    assert Ticket.objects.count() == 1


def test_desk_shows_errors_beside_fields_and_refusals(
    guide: User, client_for: Any, hall: Hall, queues: dict[str, Queue]
) -> None:
    client = client_for(guide)
    url = reverse("kiosk:desk", args=[hall.code])
    response = client.post(url, {"key": str(uuid.uuid4()), "queue": queues["A"].pk, "phone": "1"})
    assert response.status_code == 200
    assert "invalid-feedback" in _html(response)
    assert Ticket.objects.count() == 0
    Queue.objects.filter(pk=queues["A"].pk).update(daily_quota=0)
    response = client.post(url, {"key": str(uuid.uuid4()), "queue": queues["A"].pk})
    assert "alert-danger" in _html(response)
    assert Ticket.objects.count() == 0


# --- no external URLs ---------------------------------------------------------------------


def test_kiosk_screens_load_nothing_from_outside(
    hall: Hall, queues: dict[str, Queue], ticket: Ticket
) -> None:
    client = Client()
    urls = [
        reverse("kiosk:start", args=[hall.code]),
        reverse("kiosk:take", args=[hall.code, queues["A"].pk]),
        reverse("kiosk:take", args=[hall.code, queues["C"].pk]),
        reverse("kiosk:check-in", args=[hall.code]),
        reverse("kiosk:issued", args=[hall.code, ticket_token(ticket)]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _external_urls(_html(response)) == [], url
    # Posting each step renders the next one: phone, ID number, confirm.
    for step in ("priority", "phone", "id_number"):
        response = client.post(
            reverse("kiosk:take", args=[hall.code, queues["C"].pk]),
            {"key": str(uuid.uuid4()), "step": step},
        )
        assert response.status_code == 200
        assert _external_urls(_html(response)) == [], step
