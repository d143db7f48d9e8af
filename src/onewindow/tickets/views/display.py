"""Wall displays: the hall display and each window's small display, and the feeds they poll.

Public pages (displays are screens on the wall, not people); they show ticket numbers and window
numbers only. The feeds answer a matching If-None-Match with an empty 304, so an unchanged poll
costs the same few queries but no body and no redraw.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from onewindow.halls.models import Hall, Window, WindowState
from onewindow.tickets.display import display_feed, hall_feed_json, window_feed

# Polling rhythm of the displays (milliseconds): a call shows within about one interval.
POLL_INTERVAL_MS = 1000
POLL_TIMEOUT_MS = 4000
POLL_MAX_BACKOFF_MS = 5000


def _active_hall(hall_code: str) -> Hall:
    return get_object_or_404(Hall, code=hall_code, is_active=True)


def _active_window(window_id: int) -> Window:
    return get_object_or_404(
        Window.objects.select_related("hall"), pk=window_id, is_active=True, hall__is_active=True
    )


@functools.cache
def _build() -> str:
    # Changes when display.js changes (hashed name after collectstatic): open displays reload.
    return static("onewindow/display.js")


def _feed_response(request: HttpRequest, feed: dict[str, Any]) -> HttpResponse:
    feed = {**feed, "build": _build()}
    # The clock moves every second; everything else changes only when the hall does.
    stable = {k: v for k, v in feed.items() if k != "now"}
    digest = hashlib.blake2b(
        json.dumps(stable, ensure_ascii=False, sort_keys=True).encode(), digest_size=12
    ).hexdigest()
    etag = f'"{digest}"'
    if etag in _etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(
            json.dumps(feed, ensure_ascii=False, separators=(",", ":")),
            content_type="application/json; charset=utf-8",
        )
    response["ETag"] = etag
    response["Cache-Control"] = "no-store"
    return response


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def _strings() -> dict[str, Any]:
    """UI strings the display script needs, translated here so the script stays plain."""
    return {
        "offline": gettext("Connection lost, reconnecting…"),
        "unlock": gettext("Tap to turn on voice announcements"),
        "unlock_hint": gettext("The browser plays sound only after one tap on this screen."),
        "voice_on": gettext("Voice announcements on"),
        "chime_only": gettext("No Chinese voice on this device: chime and flashing only"),
        "sound_off": gettext("Sound is off"),
        "window": gettext("Window %(n)s"),
        "paused": gettext("Service paused"),
        "closed": gettext("Not open"),
        "idle": gettext("Waiting for the next call"),
        "called": gettext("Please come to the window"),
        "serving": gettext("Being served"),
        "people": gettext("%(n)s people"),
        "no_calls": gettext("No calls yet today"),
        "no_windows": gettext("No window is open at the moment"),
        "date": gettext("%(year)s-%(month)s-%(day)s"),
        # Sunday first, as JavaScript counts days.
        "weekdays": [str(WEEKDAYS[(i + 6) % 7]) for i in range(7)],
    }


def _date_text() -> str:
    today = timezone.localdate()
    date = gettext("%(year)s-%(month)s-%(day)s") % {
        "year": today.year,
        "month": today.month,
        "day": today.day,
    }
    return f"{date} {WEEKDAYS[today.weekday()]}"


def _page_context(feed: dict[str, Any], feed_url: str) -> dict[str, Any]:
    return {
        "today_text": _date_text(),
        "feed": feed,
        "feed_url": feed_url,
        "build": _build(),
        "poll": {
            "interval": POLL_INTERVAL_MS,
            "timeout": POLL_TIMEOUT_MS,
            "max_backoff": POLL_MAX_BACKOFF_MS,
        },
        "strings": _strings(),
    }


@require_safe
def hall_display(request: HttpRequest, hall_code: str) -> HttpResponse:
    hall = _active_hall(hall_code)
    feed = display_feed(hall)
    context = _page_context(feed, reverse("display:hall-feed", args=[hall.code]))
    context["hall"] = hall
    # A closed window with nobody at it is noise on the wall; the script applies the same rule.
    context["shown_windows"] = [
        w for w in feed["windows"] if w["state"] != WindowState.CLOSED or w["current"]
    ]
    context["latest_call"] = feed["recent_calls"][0] if feed["recent_calls"] else None
    return render(request, "tickets/display/hall.html", context)


@require_safe
def hall_feed(request: HttpRequest, hall_code: str) -> HttpResponse:
    # The wall screens' poll: the feed's JSON is encoded once per cache period.
    encoded = hall_feed_json(hall_code, build=_build())
    if encoded is None:
        raise Http404
    body, etag = encoded
    if etag in _etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def window_display(request: HttpRequest, window_id: int) -> HttpResponse:
    window = _active_window(window_id)
    feed = window_feed(window)
    context = _page_context(feed, reverse("display:window-feed", args=[window.pk]))
    context["window"] = window
    return render(request, "tickets/display/window.html", context)


@require_safe
def window_feed_view(request: HttpRequest, window_id: int) -> HttpResponse:
    return _feed_response(request, window_feed(_active_window(window_id)))
