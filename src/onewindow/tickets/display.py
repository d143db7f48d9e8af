"""What the hall display and the per-window displays show: read-only, JSON-ready feeds.

Displays poll these every second, so each feed is a fixed, small number of indexed queries
(pinned in tests) and never contains a phone or ID number: every column is named explicitly.

A hall with many screens (and kiosks reading the same feed) asks for the same answer many times
a second: `hall_feed` keeps each hall's feed per process for `ONEWINDOW_DISPLAY_CACHE_SECONDS`
(default 0.5 s; 0 turns it off). With the displays' one-second poll, a call is on the wall within
about 1.5 s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from onewindow.core.localcache import LocalCache
from onewindow.halls.models import Hall, Window, WindowState
from onewindow.tickets.models import Queue, Ticket, TicketEvent, TicketStatus

# Events that put a number on the display and are announced.
CALL_ACTIONS = (
    TicketEvent.Action.CALLED,
    TicketEvent.Action.RECALLED,
    TicketEvent.Action.CALLED_OUT_OF_ORDER,
)
# The ticket standing at a window: called and on the way, or being served.
AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)


def _day_bounds(now: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The hall's local day (Asia/Shanghai by default) and its start and end as aware times."""
    today = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return today, start, start + dt.timedelta(days=1)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def _iso(value: dt.datetime | None) -> str | None:
    local = _local(value)
    return local.isoformat(timespec="seconds") if local is not None else None


def _hm(value: dt.datetime | None) -> str:
    local = _local(value)
    return local.strftime("%H:%M") if local is not None else ""


def announcement_text(template: str, *, code: str, window_number: int | None) -> str:
    """The hall's template with the number and window filled in.

    Plain replacement, not str.format: the template is typed by a hall manager and a stray
    brace must not break the display.
    """
    window = "" if window_number is None else str(window_number)
    return template.replace("{number}", code).replace("{window}", window)


def _current_ticket(field: str, today: dt.date) -> Subquery:
    # At most one ticket per window is called or serving (a database constraint).
    return Subquery(
        Ticket.objects.filter(window=OuterRef("pk"), status__in=AT_WINDOW, day=today)
        .order_by("-called_at")
        .values(field)[:1]
    )


def _windows(hall: Hall, today: dt.date) -> list[dict[str, Any]]:
    rows = (
        Window.objects.filter(hall=hall, is_active=True)
        .order_by("number")
        .annotate(
            current_code=_current_ticket("code", today),
            current_status=_current_ticket("status", today),
            current_called_at=_current_ticket("called_at", today),
        )
        .values(
            "id",
            "number",
            "name",
            "kind",
            "state",
            "current_code",
            "current_status",
            "current_called_at",
        )
    )
    return [_window_entry(row) for row in rows]


def _window_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "label": gettext("Window %(n)s") % {"n": row["number"]},
        "name": row["name"],
        "kind": row["kind"],
        "state": row["state"],
        "current": row["current_code"],
        "current_status": row["current_status"],
        "called_at": _iso(row["current_called_at"]),
    }


def _recent_calls(
    hall: Hall, start: dt.datetime, end: dt.datetime, limit: int
) -> list[dict[str, Any]]:
    rows = (
        # Calls are always made at a window: filtering on the window's hall keeps the plan
        # bounded by the hall's windows, not by the day's tickets.
        TicketEvent.objects.filter(
            window__hall=hall, action__in=CALL_ACTIONS, at__gte=start, at__lt=end
        )
        .order_by("-at", "-id")
        .values("id", "action", "at", "data", "ticket__code", "window_id", "window__number")[:limit]
    )
    calls = []
    for row in rows:
        data = row["data"] if isinstance(row["data"], dict) else {}
        announcement = data.get("announcement")
        if not isinstance(announcement, str) or not announcement:
            announcement = announcement_text(
                hall.announcement_template,
                code=row["ticket__code"],
                window_number=row["window__number"],
            )
        calls.append(
            {
                "event_id": row["id"],
                "action": row["action"],
                "code": row["ticket__code"],
                "window_id": row["window_id"],
                "window_number": row["window__number"],
                "at": _iso(row["at"]),
                "time": _hm(row["at"]),
                "announcement": announcement,
            }
        )
    return calls


def _waiting(hall: Hall, today: dt.date) -> list[dict[str, Any]]:
    rows = (
        Queue.objects.filter(hall=hall, is_active=True)
        .order_by("sort_order", "prefix")
        .annotate(
            waiting=Count(
                "tickets",
                filter=Q(tickets__status=TicketStatus.WAITING, tickets__day=today),
            )
        )
        .values("id", "prefix", "name", "waiting")
    )
    return [
        {"id": r["id"], "prefix": r["prefix"], "name": r["name"], "count": r["waiting"]}
        for r in rows
    ]


def display_feed(hall: Hall, *, recent: int = 8, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the hall display shows, in four queries.

    windows: every active window in number order with the number now at it (today's tickets
    only); recent_calls: the latest call events, newest first (a recall is a new call, announced
    again); waiting: today's waiting tickets per active queue; duty: today's leader on duty and
    rest-day service (rosters).
    """
    now = now or timezone.now()
    today, start, end = _day_bounds(now)
    return {
        "hall": {
            "code": hall.code,
            "name": hall.name,
            "announcement_repeat": hall.announcement_repeat,
        },
        "now": _iso(now),
        "utc_offset_minutes": _utc_offset_minutes(now),
        "day": today.isoformat(),
        "windows": _windows(hall, today),
        "recent_calls": _recent_calls(hall, start, end, recent),
        "waiting": _waiting(hall, today),
        "duty": _duty(hall, today),
    }


def _duty(hall: Hall, today: dt.date) -> dict[str, Any]:
    """Today's leader on duty and, on a rest day, the weekend service (one query), with the
    lines the display shows already worded."""
    from onewindow.rosters.queries import display_duty

    duty = display_duty(hall.pk, today)
    lines = [
        gettext("Leader on duty today: %(name)s, %(title)s (%(hours)s)")
        % {"name": d["name"], "title": d["title"], "hours": d["hours"]}
        for d in duty["leaders"]
    ]
    lines += [
        gettext("Open today (rest day) %(hours)s: windows %(windows)s")
        % {"hours": s["hours"], "windows": "、".join(str(n) for n in s["windows"])}
        for s in duty["weekend_service"]
    ]
    return {**duty, "lines": lines}


@dataclass(frozen=True)
class CachedFeed:
    """A hall's feed without its clock fields, also as JSON: encoded once per cache period,
    not once per wall screen and second."""

    data: dict[str, Any]
    head: str  # the JSON object of `data` + build, without its closing brace
    etag: str  # changes only when the content (not the clock) changes


_feeds: LocalCache[CachedFeed | None] = LocalCache(
    seconds="ONEWINDOW_DISPLAY_CACHE_SECONDS", max_entries=200
)


def _cached_feed(hall_code: str, build: str, now: dt.datetime | None) -> CachedFeed | None:
    def compute() -> CachedFeed | None:
        hall = Hall.objects.filter(code=hall_code, is_active=True).first()
        if hall is None:
            return None
        data = display_feed(hall, now=now)
        for clock_field in ("now", "utc_offset_minutes"):  # added fresh to every answer
            data.pop(clock_field, None)
        text = json.dumps(
            {**data, "build": build}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
        return CachedFeed(data=data, head=text[:-1], etag=f'"{digest}"')

    return _feeds.get_or_set((hall_code, translation.get_language(), build), compute)


def hall_feed(hall_code: str, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """`display_feed` of the active hall with this code (None: no such hall), briefly cached.

    The clock fields are always fresh; the rest is at most the cache's age old.
    """
    cached = _cached_feed(hall_code, "", now)
    if cached is None:
        return None
    now = now or timezone.now()
    return {**cached.data, "now": _iso(now), "utc_offset_minutes": _utc_offset_minutes(now)}


def hall_feed_json(
    hall_code: str, *, build: str, now: dt.datetime | None = None
) -> tuple[str, str] | None:
    """The hall feed as a JSON text with `build` and fresh clock fields, and its ETag."""
    cached = _cached_feed(hall_code, build, now)
    if cached is None:
        return None
    now = now or timezone.now()
    clock_fields = json.dumps(
        {"now": _iso(now), "utc_offset_minutes": _utc_offset_minutes(now)},
        separators=(",", ":"),
    )
    return f"{cached.head},{clock_fields[1:]}", cached.etag


def forget_feeds() -> None:
    """Drop the cached hall feeds of this process."""
    _feeds.clear()


def window_feed(window: Window, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """What a window's own small display shows, in one query (the window comes loaded)."""
    now = now or timezone.now()
    today, _start, _end = _day_bounds(now)
    current = (
        Ticket.objects.filter(window=window, status__in=AT_WINDOW, day=today)
        .order_by("-called_at")
        .values("code", "status", "called_at", "call_count")
        .first()
    )
    return {
        "hall": {"code": window.hall.code, "name": window.hall.name},
        "now": _iso(now),
        "utc_offset_minutes": _utc_offset_minutes(now),
        "window": {
            "id": window.pk,
            "number": window.number,
            "label": gettext("Window %(n)s") % {"n": window.number},
            "name": window.name,
            "kind": window.kind,
            "state": window.state,
        },
        "is_open": window.state == WindowState.OPEN,
        "current": current["code"] if current else None,
        "current_status": current["status"] if current else None,
        "called_at": _iso(current["called_at"]) if current else None,
        "call_count": current["call_count"] if current else 0,
    }


def _utc_offset_minutes(now: dt.datetime) -> int:
    # Lets the display show the hall's clock even if the device's own time zone is wrong.
    offset = timezone.localtime(now).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 60)
