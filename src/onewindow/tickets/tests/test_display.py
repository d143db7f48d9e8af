"""The display feeds: what the hall display and the per-window displays show."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone, translation

from onewindow.halls.models import Hall, Window, WindowKind, WindowState
from onewindow.tickets.display import announcement_text, display_feed, window_feed
from onewindow.tickets.models import Queue, QueueKind, Ticket, TicketEvent, TicketStatus

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# 10:00 in the hall; the hall's day is 2026-03-05.
NOW = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
TODAY = dt.date(2026, 3, 5)
PHONE = "13812345678"
ID_NUMBER = "51160219800101123X"


def at(hour: int, minute: int = 0, *, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def make_window(hall: Hall, number: int, *, state: str = WindowState.OPEN, **fields: Any) -> Window:
    if state == WindowState.PAUSED:
        fields.setdefault("pause_reason", "系统维护")
    return Window.objects.create(
        hall=hall, number=number, kind=fields.pop("kind", WindowKind.NATURAL), state=state, **fields
    )


def make_queue(hall: Hall, prefix: str, name: str, **fields: Any) -> Queue:
    return Queue.objects.create(
        hall=hall, prefix=prefix, name=name, kind=fields.pop("kind", QueueKind.NATURAL), **fields
    )


def make_ticket(
    queue: Queue,
    number: int,
    *,
    status: str = TicketStatus.WAITING,
    day: dt.date = TODAY,
    issued_at: dt.datetime | None = None,
    **fields: Any,
) -> Ticket:
    issued_at = issued_at or at(8, 30, day=day) + dt.timedelta(minutes=number)
    return Ticket.objects.create(
        hall=queue.hall,
        issued_queue=queue,
        queue=queue,
        day=day,
        number=number,
        code=f"{queue.prefix}{number:03d}",
        status=status,
        issued_at=issued_at,
        queued_at=issued_at,
        phone=fields.pop("phone", PHONE),
        id_number=fields.pop("id_number", ""),
        **fields,
    )


def call(
    ticket: Ticket,
    window: Window,
    when: dt.datetime,
    *,
    action: str = TicketEvent.Action.CALLED,
    status: str = TicketStatus.CALLED,
    announcement: str | None = None,
) -> TicketEvent:
    """What the services do on a call: the ticket at the window, and a call event."""
    ticket.status = status
    ticket.window = window
    ticket.called_at = when
    ticket.first_called_at = ticket.first_called_at or when
    ticket.call_count += 1
    ticket.save()
    if announcement is None:
        announcement = f"请{ticket.code}号到{window.number}号窗口办理"
    return TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        at=when,
        window=window,
        data={"announcement": announcement} if announcement else {},
    )


@pytest.fixture
def queues(hall: Hall) -> dict[str, Queue]:
    return {
        "A": make_queue(hall, "A", "自然人业务", sort_order=1),
        "B": make_queue(hall, "B", "法人业务", kind=QueueKind.LEGAL, sort_order=2),
    }


@pytest.fixture
def windows(hall: Hall) -> dict[int, Window]:
    return {
        1: make_window(hall, 1, name="综合受理"),
        2: make_window(hall, 2),
        3: make_window(hall, 3, state=WindowState.PAUSED),
        4: make_window(hall, 4, state=WindowState.CLOSED),
    }


# ---------- the hall feed ----------


def test_each_window_shows_the_number_now_at_it(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    a1 = make_ticket(queues["A"], 1)
    b1 = make_ticket(queues["B"], 1)
    call(a1, windows[1], at(9, 40))
    call(b1, windows[2], at(9, 50), status=TicketStatus.SERVING)

    feed = display_feed(hall, now=NOW)

    by_number = {w["number"]: w for w in feed["windows"]}
    assert [w["number"] for w in feed["windows"]] == [1, 2, 3, 4]
    assert by_number[1]["current"] == "A001"
    assert by_number[1]["current_status"] == "called"
    assert by_number[1]["called_at"] == "2026-03-05T09:40:00+08:00"
    assert by_number[1]["name"] == "综合受理"
    assert by_number[2]["current"] == "B001"
    assert by_number[2]["current_status"] == "serving"
    assert by_number[3]["current"] is None
    assert by_number[3]["state"] == "paused"
    assert by_number[4]["state"] == "closed"
    assert by_number[4]["called_at"] is None
    with translation.override("en"):
        assert display_feed(hall, now=NOW)["windows"][0]["label"] == "Window 1"


def test_a_finished_ticket_leaves_the_window(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    a1 = make_ticket(queues["A"], 1)
    call(a1, windows[1], at(9, 40))
    a1.status = TicketStatus.DONE
    a1.save()

    feed = display_feed(hall, now=NOW)

    assert feed["windows"][0]["current"] is None
    # The call stays in the list of recent calls: people who missed it look there.
    assert [c["code"] for c in feed["recent_calls"]] == ["A001"]


def test_inactive_windows_and_other_halls_are_left_out(
    hall: Hall, other_hall: Hall, queues: dict[str, Queue]
) -> None:
    make_window(hall, 1)
    make_window(hall, 2, is_active=False)
    make_window(other_hall, 1)
    other_queue = make_queue(other_hall, "A", "自然人业务")
    other_ticket = make_ticket(other_queue, 1)
    call(other_ticket, Window.objects.get(hall=other_hall), at(9, 0))
    make_ticket(other_queue, 2)

    feed = display_feed(hall, now=NOW)

    assert [w["number"] for w in feed["windows"]] == [1]
    assert feed["windows"][0]["current"] is None
    assert feed["recent_calls"] == []
    assert [q["count"] for q in feed["waiting"]] == [0, 0]


def test_recent_calls_are_newest_first_and_limited(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    for n in range(1, 11):
        ticket = make_ticket(queues["A"], n)
        call(ticket, windows[1 + n % 2], at(9, n))
        if n < 10:
            ticket.status = TicketStatus.DONE
            ticket.save()

    feed = display_feed(hall, now=NOW, recent=4)

    assert [c["code"] for c in feed["recent_calls"]] == ["A010", "A009", "A008", "A007"]
    newest = feed["recent_calls"][0]
    assert newest["window_number"] == 1
    assert newest["window_id"] == windows[1].id
    assert newest["at"] == "2026-03-05T09:10:00+08:00"
    assert newest["time"] == "09:10"
    assert newest["announcement"] == "请A010号到1号窗口办理"
    assert newest["action"] == "called"
    ids = [c["event_id"] for c in feed["recent_calls"]]
    assert ids == sorted(ids, reverse=True)
    assert len(display_feed(hall, now=NOW)["recent_calls"]) == 8


def test_a_recall_is_a_new_call_and_other_events_are_not_calls(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    a1 = make_ticket(queues["A"], 1)
    TicketEvent.objects.create(ticket=a1, action="issued", at=at(8, 31))
    first = call(a1, windows[1], at(9, 0))
    again = call(a1, windows[1], at(9, 2), action=TicketEvent.Action.RECALLED)
    TicketEvent.objects.create(ticket=a1, action="started", at=at(9, 3), window=windows[1])
    a2 = make_ticket(queues["A"], 2)
    out_of_order = call(a2, windows[2], at(9, 5), action=TicketEvent.Action.CALLED_OUT_OF_ORDER)

    calls = display_feed(hall, now=NOW)["recent_calls"]

    assert [(c["event_id"], c["action"]) for c in calls] == [
        (out_of_order.id, "called_out_of_order"),
        (again.id, "recalled"),
        (first.id, "called"),
    ]


def test_an_event_without_announcement_text_uses_the_hall_template(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    hall.announcement_template = "{number}号请到{window}号窗口 {oops}"
    hall.save()
    call(make_ticket(queues["A"], 7), windows[2], at(9, 0), announcement="")

    calls = display_feed(hall, now=NOW)["recent_calls"]

    assert calls[0]["announcement"] == "A007号请到2号窗口 {oops}"


def test_announcement_text_fills_number_and_window() -> None:
    assert announcement_text("请{number}号到{window}号窗口办理", code="A023", window_number=3) == (
        "请A023号到3号窗口办理"
    )
    assert announcement_text("{number}{", code="C001", window_number=None) == "C001{"


def test_waiting_counts_per_queue_today(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    for n in range(1, 4):
        make_ticket(queues["A"], n)
    make_ticket(queues["B"], 1)
    called = make_ticket(queues["B"], 2)
    call(called, windows[2], at(9, 0))
    make_ticket(queues["B"], 3, status=TicketStatus.PARKED)
    make_ticket(queues["A"], 9, day=TODAY - dt.timedelta(days=1))  # yesterday's leftover
    make_queue(hall, "C", "咨询", kind=QueueKind.CONSULTATION, sort_order=0)
    make_queue(hall, "D", "停用队列", kind=QueueKind.COMPLAINT, is_active=False)

    waiting = display_feed(hall, now=NOW)["waiting"]

    assert [(q["prefix"], q["name"], q["count"]) for q in waiting] == [
        ("C", "咨询", 0),
        ("A", "自然人业务", 3),
        ("B", "法人业务", 1),
    ]


def test_only_the_halls_own_day_counts_in_shanghai_time(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    """00:30 in the hall is still the previous day in UTC: the hall's day decides."""
    just_after_midnight = dt.datetime(2026, 3, 5, 0, 30, tzinfo=SHANGHAI)
    yesterday = TODAY - dt.timedelta(days=1)
    stale = make_ticket(queues["A"], 5, day=yesterday)
    call(stale, windows[1], at(23, 50, day=yesterday))  # same UTC day as "now"
    make_ticket(queues["A"], 6, day=yesterday)
    fresh = make_ticket(queues["B"], 1, issued_at=at(0, 10))
    call(fresh, windows[2], at(0, 20))

    feed = display_feed(hall, now=just_after_midnight)

    assert feed["day"] == "2026-03-05"
    assert feed["now"] == "2026-03-05T00:30:00+08:00"
    assert feed["utc_offset_minutes"] == 480
    assert [w["current"] for w in feed["windows"]] == [None, "B001", None, None]
    assert [c["code"] for c in feed["recent_calls"]] == ["B001"]
    assert [q["count"] for q in feed["waiting"]] == [0, 0]


def test_the_feed_is_json_and_holds_no_personal_data(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    ticket = make_ticket(queues["A"], 1, id_number=ID_NUMBER)
    call(ticket, windows[1], at(9, 0))
    make_ticket(queues["A"], 2, id_number="110101199003077777")

    text = json.dumps(display_feed(hall, now=NOW), ensure_ascii=False)

    assert "A001" in text
    assert PHONE not in text
    assert ID_NUMBER not in text
    assert "110101199003077777" not in text
    assert "phone" not in text
    assert "id_number" not in text


def test_the_hall_feed_costs_four_queries_however_busy_the_hall(
    hall: Hall,
    queues: dict[str, Queue],
    windows: dict[int, Window],
    django_assert_num_queries: Any,
) -> None:
    for n in range(5, 25):
        make_window(hall, n)
    for n in range(1, 30):
        make_ticket(queues["A" if n % 2 else "B"], n)
    for n in range(1, 4):
        call(make_ticket(queues["A"], 100 + n), windows[n], at(9, n))

    # windows, recent calls, waiting counts and today's duty roster (rosters app)
    with django_assert_num_queries(4):
        feed = display_feed(hall, now=NOW)

    assert len(feed["windows"]) == 24
    assert len(feed["recent_calls"]) == 3


# ---------- the per-window feed ----------


def test_window_feed_shows_the_number_at_that_window(
    hall: Hall,
    queues: dict[str, Queue],
    windows: dict[int, Window],
    django_assert_num_queries: Any,
) -> None:
    a1 = make_ticket(queues["A"], 1, id_number=ID_NUMBER)
    call(a1, windows[1], at(9, 0))
    call(a1, windows[1], at(9, 3), action=TicketEvent.Action.RECALLED)
    call(make_ticket(queues["A"], 2), windows[2], at(9, 4))
    window = Window.objects.select_related("hall").get(pk=windows[1].pk)

    with django_assert_num_queries(1):
        feed = window_feed(window, now=NOW)

    assert feed["current"] == "A001"
    assert feed["current_status"] == "called"
    assert feed["called_at"] == "2026-03-05T09:03:00+08:00"
    assert feed["call_count"] == 2
    assert feed["window"]["number"] == 1
    assert feed["window"]["name"] == "综合受理"
    assert feed["window"]["state"] == "open"
    assert feed["is_open"] is True
    assert feed["hall"] == {"code": "demo", "name": "示范区政务服务中心"}
    text = json.dumps(feed, ensure_ascii=False)
    assert PHONE not in text and ID_NUMBER not in text


@pytest.mark.parametrize("state", [WindowState.PAUSED, WindowState.CLOSED])
def test_window_feed_of_a_paused_or_closed_window(
    hall: Hall, queues: dict[str, Queue], state: str
) -> None:
    window = make_window(hall, 9, state=state)

    feed = window_feed(window, now=NOW)

    assert feed["window"]["state"] == state
    assert feed["is_open"] is False
    assert feed["current"] is None
    assert feed["call_count"] == 0


def test_window_feed_ignores_yesterdays_ticket_and_finished_ones(
    hall: Hall, queues: dict[str, Queue], windows: dict[int, Window]
) -> None:
    yesterday = TODAY - dt.timedelta(days=1)
    call(make_ticket(queues["A"], 1, day=yesterday), windows[1], at(16, 0, day=yesterday))
    done = make_ticket(queues["A"], 2)
    call(done, windows[2], at(9, 0))
    done.status = TicketStatus.DONE
    done.save()

    assert window_feed(windows[1], now=NOW)["current"] is None
    assert window_feed(windows[2], now=NOW)["current"] is None


def test_feeds_default_to_the_current_time(hall: Hall, windows: dict[int, Window]) -> None:
    feed = display_feed(hall)
    assert feed["day"] == timezone.localdate().isoformat()
    assert window_feed(windows[1])["now"] is not None
