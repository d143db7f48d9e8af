"""The display pages and the feeds they poll: public, cheap, and free of personal data."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils.translation import gettext

from onewindow.halls.models import Hall, Window, WindowState
from onewindow.tickets.models import Queue, TicketStatus
from onewindow.tickets.tests.test_display import (
    ID_NUMBER,
    NOW,
    PHONE,
    at,
    call,
    make_ticket,
    make_window,
    queues,  # noqa: F401 (fixture)
    windows,  # noqa: F401 (fixture)
)


@pytest.fixture(autouse=True)
def _hall_time() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def busy_hall(hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]) -> Hall:  # noqa: F811
    a1 = make_ticket(queues["A"], 1, id_number=ID_NUMBER)
    call(a1, windows[1], at(9, 40))
    for n in range(2, 6):
        make_ticket(queues["A"], n)
    make_ticket(queues["B"], 1)
    return hall


def feed_url(hall: Hall) -> str:
    return f"/display/{hall.code}/feed.json"


# ---------- hall display ----------


def test_hall_display_is_public_and_shows_the_hall(
    busy_hall: Hall,
    windows: dict[int, Window],  # noqa: F811
) -> None:
    response = Client().get(f"/display/{busy_hall.code}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert busy_hall.name in html
    assert "A001" in html
    assert gettext("Service paused") in html  # window 3 is paused
    assert f'data-window-id="{windows[3].id}"' in html  # paused: shown
    assert f'data-window-id="{windows[4].id}"' not in html  # closed: not shown
    assert f'data-feed-url="/display/{busy_hall.code}/feed.json"' in html
    assert "onewindow/display.js" in html
    assert "onewindow/display.css" in html
    assert PHONE not in html and ID_NUMBER not in html


def test_hall_display_loads_only_local_assets(busy_hall: Hall) -> None:
    html = Client().get(f"/display/{busy_hall.code}/").content.decode()

    urls = _asset_urls(html)
    assert "/static/onewindow/display.css" in urls
    assert "/static/onewindow/display.js" in urls
    assert all(_is_local(u) for u in urls), urls
    assert "url(" not in html
    assert "@import" not in html


def test_hall_display_embeds_strings_and_first_state_for_the_script(busy_hall: Hall) -> None:
    html = Client().get(f"/display/{busy_hall.code}/").content.decode()

    strings = json.loads(_script_json(html, "ow-display-strings"))
    initial = json.loads(_script_json(html, "ow-display-initial"))
    poll = json.loads(_script_json(html, "ow-display-poll"))
    assert strings["offline"] == gettext("Connection lost, reconnecting…")
    assert strings["unlock"] == gettext("Tap to turn on voice announcements")
    assert "%(n)s" in strings["window"]
    assert len(strings["weekdays"]) == 7
    assert initial["recent_calls"][0]["code"] == "A001"
    assert poll == {"interval": 1000, "timeout": 4000, "max_backoff": 5000}


def _asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)


def _is_local(url: str) -> bool:
    return (url.startswith("/") and not url.startswith("//")) or url == "data:,"


def _script_json(html: str, element_id: str) -> str:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, element_id
    return match.group(1)


@pytest.mark.parametrize("code", ["nowhere", "closed-hall"])
def test_unknown_or_inactive_hall_is_404(db: Any, code: str) -> None:
    Hall.objects.create(code="closed-hall", name="已撤并中心", is_active=False)

    assert Client().get(f"/display/{code}/").status_code == 404
    assert Client().get(f"/display/{code}/feed.json").status_code == 404


def test_feed_returns_the_display_feed_uncached(busy_hall: Hall) -> None:
    response = Client().get(feed_url(busy_hall))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    assert response["ETag"]
    data = response.json()
    assert data["hall"]["name"] == busy_hall.name
    assert data["hall"]["announcement_repeat"] == 2
    assert data["now"] == "2026-03-05T10:00:00+08:00"
    assert [c["announcement"] for c in data["recent_calls"]] == ["请A001号到1号窗口办理"]
    assert {q["prefix"]: q["count"] for q in data["waiting"]} == {"A": 4, "B": 1}
    assert data["build"].endswith("onewindow/display.js")
    body = response.content.decode()
    assert PHONE not in body and ID_NUMBER not in body


def test_an_unchanged_feed_answers_304_and_a_call_changes_it(
    busy_hall: Hall,
    queues: dict[str, Queue],  # noqa: F811
    windows: dict[int, Window],  # noqa: F811
) -> None:
    client = Client()
    etag = client.get(feed_url(busy_hall))["ETag"]

    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        # The clock moved, nothing else: no body.
        unchanged = client.get(feed_url(busy_hall), headers={"if-none-match": etag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged["Cache-Control"] == "no-store"
        assert unchanged["ETag"] == etag

        call(make_ticket(queues["B"], 2), windows[2], at(9, 59))
        changed = client.get(feed_url(busy_hall), headers={"if-none-match": etag})

    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["recent_calls"][0]["code"] == "B002"


def test_a_waiting_count_change_also_changes_the_etag(
    busy_hall: Hall,
    queues: dict[str, Queue],  # noqa: F811
) -> None:
    client = Client()
    etag = client.get(feed_url(busy_hall))["ETag"]
    make_ticket(queues["A"], 50)

    response = client.get(feed_url(busy_hall), headers={"if-none-match": f'W/{etag}, "other"'})

    assert response.status_code == 200
    assert {q["prefix"]: q["count"] for q in response.json()["waiting"]} == {"A": 5, "B": 1}


def test_the_feed_costs_five_queries(
    busy_hall: Hall, django_assert_num_queries: Any, client_for: Any, clerk: Any
) -> None:
    # The hall, then the feed's four (windows, calls, waiting, today's duty roster).
    with django_assert_num_queries(5):
        assert Client().get(feed_url(busy_hall)).status_code == 200
    # A display browser that is also signed in costs nothing more.
    signed_in = client_for(clerk)
    with django_assert_num_queries(5):
        assert signed_in.get(feed_url(busy_hall)).status_code == 200


def test_the_feed_is_read_only(busy_hall: Hall) -> None:
    assert Client().post(feed_url(busy_hall)).status_code == 405
    assert Client().head(feed_url(busy_hall)).status_code == 200


def test_no_windows_open_shows_a_message(hall: Hall) -> None:
    make_window(hall, 1, state=WindowState.CLOSED)

    html = Client().get(f"/display/{hall.code}/").content.decode()

    assert gettext("No window is open at the moment") in html
    assert 'id="ow-no-windows" hidden' not in html
    assert gettext("No calls yet today") in html


# ---------- per-window display ----------


def test_window_display_shows_the_number_at_the_window(
    busy_hall: Hall,
    windows: dict[int, Window],  # noqa: F811
) -> None:
    response = Client().get(f"/display/window/{windows[1].pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "A001" in html
    assert "综合受理" in html
    assert gettext("Window %(n)s") % {"n": 1} in html
    assert gettext("Please come to the window") in html
    assert f'data-feed-url="/display/window/{windows[1].pk}/feed.json"' in html
    assert PHONE not in html and ID_NUMBER not in html
    assert all(_is_local(u) for u in _asset_urls(html))


@pytest.mark.parametrize(
    ("number", "text"), [(3, "Service paused"), (4, "Not open"), (2, "Waiting for the next call")]
)
def test_window_display_states(
    busy_hall: Hall,
    windows: dict[int, Window],  # noqa: F811
    number: int,
    text: str,
) -> None:
    html = Client().get(f"/display/window/{windows[number].pk}/").content.decode()

    assert gettext(text) in html


def test_window_feed_endpoint(
    busy_hall: Hall,
    windows: dict[int, Window],  # noqa: F811
    django_assert_num_queries: Any,
) -> None:
    url = f"/display/window/{windows[1].pk}/feed.json"

    with django_assert_num_queries(2):
        response = Client().get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["current"] == "A001"
    assert data["window"]["number"] == 1
    assert PHONE not in response.content.decode()
    again = Client().get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_unknown_or_inactive_window_is_404(
    hall: Hall,
    other_hall: Hall,
) -> None:
    retired = make_window(hall, 8, is_active=False)
    other_hall.is_active = False
    other_hall.save()
    in_closed_hall = make_window(other_hall, 1)

    for window_id in (retired.pk, in_closed_hall.pk, 999999):
        assert Client().get(f"/display/window/{window_id}/").status_code == 404
        assert Client().get(f"/display/window/{window_id}/feed.json").status_code == 404


def test_the_called_ticket_moves_on_when_served(
    busy_hall: Hall,
    windows: dict[int, Window],  # noqa: F811
) -> None:
    ticket = windows[1].tickets.get()
    ticket.status = TicketStatus.SERVING
    ticket.save()

    data = Client().get(f"/display/window/{windows[1].pk}/feed.json").json()

    assert data["current_status"] == "serving"
    html = Client().get(f"/display/window/{windows[1].pk}/").content.decode()
    assert gettext("Being served") in html
