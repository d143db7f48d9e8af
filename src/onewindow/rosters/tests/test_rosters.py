"""Duty rosters: planning rules, the manager's pages, the public page and the hall display."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.core.models import AuditEvent
from onewindow.halls.models import Window
from onewindow.rosters import services
from onewindow.rosters.models import DutyShift
from onewindow.tickets.display import display_feed

pytestmark = pytest.mark.django_db

# Wednesday 2 December 2026; the Saturday after is a rest day, Thursday a working day.
TODAY = datetime.date(2026, 12, 2)
SATURDAY = datetime.date(2026, 12, 5)
THURSDAY = datetime.date(2026, 12, 3)
NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)
NINE, FIVE = datetime.time(9), datetime.time(17)


@pytest.fixture
def windows(hall: Any) -> list[Window]:
    return [
        Window.objects.create(hall=hall, number=n, name=name, kind="natural")
        for n, name in ((1, "综合受理"), (2, "综合受理"), (3, "出证"))
    ]


def weekend(day: datetime.date, windows: list[Window], staff: list[Any], **kw: Any) -> Any:
    values = {
        "date": day,
        "kind": "weekend",
        "starts": NINE,
        "ends": datetime.time(12),
        "windows": windows,
        "staff": staff,
    }
    values.update(kw)
    return services.ShiftData(**values)


def leader(day: datetime.date, **kw: Any) -> Any:
    values = {
        "date": day,
        "kind": "leader",
        "starts": NINE,
        "ends": FIVE,
        "leader_name": "陈建国",
        "leader_title": "营商环境建设局局长",
    }
    values.update(kw)
    return services.ShiftData(**values)


def test_planning_rules(
    hall: Any, other_hall: Any, windows: list[Window], clerk: Any, make_user: Any, hall_manager: Any
) -> None:
    def refused(data: Any) -> str | None:
        with pytest.raises(services.RosterError) as error:
            services.plan_shift(hall=hall, data=data, actor=hall_manager, today=TODAY)
        return error.value.field

    assert refused(leader(TODAY - datetime.timedelta(days=1))) == "date"
    assert refused(leader(TODAY, starts=FIVE, ends=NINE)) == "ends"
    assert refused(leader(TODAY, ends=datetime.time(23, 30))) == "ends"
    assert refused(leader(TODAY, leader_name=" ")) == "leader_name"
    assert refused(leader(TODAY, leader_title="")) == "leader_title"
    assert refused(weekend(THURSDAY, windows[:1], [clerk])) == "date"  # a working day
    assert refused(weekend(SATURDAY, [], [clerk])) == "windows"
    assert refused(weekend(SATURDAY, windows[:1], [])) == "staff"
    far = Window.objects.create(hall=other_hall, number=9, kind="natural")
    assert refused(weekend(SATURDAY, [far], [clerk])) == "windows"
    stranger = make_user(Role.CLERK, hall=other_hall)
    assert refused(weekend(SATURDAY, windows[:1], [stranger])) == "staff"
    assert not DutyShift.objects.exists()

    shift = services.plan_shift(
        hall=hall, data=weekend(SATURDAY, windows[:2], [clerk]), actor=hall_manager, today=TODAY
    )
    assert [w.number for w in shift.windows.all()] == [1, 2]
    assert AuditEvent.objects.filter(action="rosters.shift.planned").count() == 1
    changed = services.change_shift(
        shift=shift, data=weekend(SATURDAY, windows[2:], [clerk]), actor=hall_manager, today=TODAY
    )
    assert [w.number for w in changed.windows.all()] == [3]
    audit = AuditEvent.objects.get(action="rosters.shift.changed")
    assert audit.before["windows"] == [windows[0].pk, windows[1].pk]
    services.remove_shift(shift=changed, actor=hall_manager, today=TODAY)
    assert not DutyShift.objects.exists()
    past = services.plan_shift(hall=hall, data=leader(TODAY), actor=hall_manager, today=TODAY)
    with pytest.raises(services.RosterError):
        services.remove_shift(shift=past, actor=hall_manager, today=TODAY + datetime.timedelta(1))


@pytest.mark.parametrize("name", ["rosters:manage"])
def test_only_hall_managers_plan(name: str, any_persona: Any, client_for: Any) -> None:
    response = client_for(any_persona).get(reverse(name))
    if any_persona is None:
        assert response.status_code == 302
    elif any_persona.has_role(Role.HALL_MANAGER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_a_manager_plans_changes_and_removes_on_the_pages(
    hall: Any, windows: list[Window], clerk: Any, hall_manager: Any, client_for: Any
) -> None:
    client = client_for(hall_manager)
    url = reverse("rosters:manage")
    with time_machine.travel(NOON, tick=False):
        bad = client.post(
            url + "?week=2026-11-30",
            {
                "date": "2026-12-03",
                "kind": "weekend",
                "starts": "09:00",
                "ends": "12:00",
                "windows": [windows[0].pk],
                "staff": [clerk.pk],
            },
        )
        assert bad.status_code == 400 and "工作日" in bad.content.decode()
        ok = client.post(
            url + "?week=2026-11-30",
            {
                "date": "2026-12-05",
                "kind": "weekend",
                "starts": "09:00",
                "ends": "12:00",
                "windows": [windows[0].pk, windows[1].pk],
                "staff": [clerk.pk],
            },
        )
        assert ok.status_code == 302
        shift = DutyShift.objects.get()
        page = client.get(url + "?week=2026-11-30").content.decode()
        assert 'data-date="2026-12-05"' in page and clerk.display_name in page
        month = client.get(url + "?month=2026-12").content.decode()
        assert month.count("data-date=") == 31
        edit = reverse("rosters:edit", args=[shift.pk])
        assert client.get(edit).status_code == 200
        response = client.post(
            edit,
            {
                "date": "2026-12-05",
                "kind": "leader",
                "starts": "09:00",
                "ends": "17:00",
                "leader_name": "陈建国",
                "leader_title": "局长",
            },
        )
        assert response.status_code == 302
        shift.refresh_from_db()
        assert shift.kind == "leader" and not shift.windows.exists()
        assert client.post(edit, {"action": "remove"}).status_code == 302
        assert not DutyShift.objects.exists()


def test_a_manager_of_another_hall_cannot_touch_the_shift(
    hall: Any, other_hall: Any, make_user: Any, hall_manager: Any, client_for: Any
) -> None:
    shift = services.plan_shift(hall=hall, data=leader(TODAY), actor=hall_manager, today=TODAY)
    far = client_for(make_user(Role.HALL_MANAGER, hall=other_hall))
    assert far.get(reverse("rosters:edit", args=[shift.pk])).status_code == 404


def test_the_public_page_shows_the_rest_of_this_week_and_next(
    client: Any,
    hall: Any,
    windows: list[Window],
    clerk: Any,
    hall_manager: Any,
    django_assert_max_num_queries: Any,
) -> None:
    services.plan_shift(
        hall=hall, data=weekend(SATURDAY, windows[:2], [clerk]), actor=hall_manager, today=TODAY
    )
    services.plan_shift(hall=hall, data=leader(THURSDAY), actor=hall_manager, today=TODAY)
    services.plan_shift(
        hall=hall, data=leader(datetime.date(2026, 12, 28)), actor=hall_manager, today=TODAY
    )
    with time_machine.travel(NOON, tick=False), django_assert_max_num_queries(8):
        page = client.get(reverse("rosters:public")).content.decode()
    assert page.count("data-date=") == 12  # today (Wednesday) to Sunday of next week
    assert 'data-date="2026-12-02"' in page and 'data-date="2026-12-13"' in page
    assert 'data-date="2026-12-01"' not in page  # days gone by are left out
    assert "陈建国" in page and "休息日" in page
    assert "2026-12-28" not in page  # the week after next is not shown


def test_the_hall_display_shows_today_only(
    hall: Any, windows: list[Window], clerk: Any, hall_manager: Any
) -> None:
    services.plan_shift(
        hall=hall, data=weekend(SATURDAY, windows[:2], [clerk]), actor=hall_manager, today=TODAY
    )
    services.plan_shift(hall=hall, data=leader(SATURDAY), actor=hall_manager, today=TODAY)
    services.plan_shift(
        hall=hall, data=leader(THURSDAY, leader_name="刘敏"), actor=hall_manager, today=TODAY
    )
    at = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))  # noqa: E731
    saturday = display_feed(hall, now=at(SATURDAY))["duty"]
    assert saturday["leaders"] == [
        {"name": "陈建国", "title": "营商环境建设局局长", "hours": "09:00–17:00"}
    ]
    assert saturday["weekend_service"] == [
        {"hours": "09:00–12:00", "windows": [1, 2], "staff": [clerk.full_name]}
    ]
    assert len(saturday["lines"]) == 2 and "1、2" in saturday["lines"][1]
    thursday = display_feed(hall, now=at(THURSDAY))["duty"]
    assert [d["name"] for d in thursday["leaders"]] == ["刘敏"]
    assert thursday["weekend_service"] == []
    assert display_feed(hall, now=at(TODAY))["duty"]["lines"] == []
    assert "phone" not in str(saturday)


def test_the_hall_display_page_draws_the_duty_lines(
    client: Any, hall: Any, hall_manager: Any
) -> None:
    services.plan_shift(hall=hall, data=leader(TODAY), actor=hall_manager, today=TODAY)
    with time_machine.travel(NOON, tick=False):
        page = client.get(reverse("display:hall", args=[hall.code])).content.decode()
        feed = client.get(reverse("display:hall-feed", args=[hall.code])).json()
    assert 'id="ow-duty"' in page and "今日值班领导：陈建国" in page
    assert feed["duty"]["lines"] == ["今日值班领导：陈建国 营商环境建设局局长（09:00–17:00）"]


def test_the_planning_page_query_count_is_pinned(
    hall: Any,
    windows: list[Window],
    clerk: Any,
    hall_manager: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for day in (SATURDAY, SATURDAY + datetime.timedelta(days=1)):
        services.plan_shift(
            hall=hall, data=weekend(day, windows, [clerk]), actor=hall_manager, today=TODAY
        )
        services.plan_shift(hall=hall, data=leader(day), actor=hall_manager, today=TODAY)
    client = client_for(hall_manager)
    with time_machine.travel(NOON, tick=False), django_assert_max_num_queries(16):
        page = client.get(reverse("rosters:manage") + "?month=2026-12").content.decode()
    assert page.count("陈建国") == 2
