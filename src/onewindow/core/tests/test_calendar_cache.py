"""The calendar each server process shares (ONEWINDOW_CALENDAR_CACHE_SECONDS)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.core import calendar, localcache
from onewindow.core.models import CalendarDay
from onewindow.core.services import clear_calendar_day, set_calendar_day

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)
TUESDAY = datetime.date(2026, 3, 3)


@pytest.fixture
def cached(settings: Any) -> None:
    settings.ONEWINDOW_CALENDAR_CACHE_SECONDS = 60
    calendar.forget_calendar()
    yield
    calendar.forget_calendar()


def test_one_load_serves_every_later_deadline(cached: None):
    first = calendar.shared_calendar()
    with CaptureQueriesContext(connection) as captured:
        assert calendar.shared_calendar() is first
        # 2026's 国庆: 1–7 October off, Saturday 10 October worked (调休), so 10 working days
        # from 30 September end on 20 October.
        assert calendar.add_working_days(datetime.date(2026, 9, 30), 10) == datetime.date(
            2026, 10, 20
        )
        assert calendar.working_days_between(MONDAY, TUESDAY) == 1
        assert calendar.is_workday(datetime.date(2026, 2, 17)) is False  # 春节
    assert len(captured) == 0


def test_a_change_made_here_is_seen_at_once(cached: None, make_user: Any):
    admin = make_user()
    assert calendar.add_working_days(MONDAY, 1) == TUESDAY
    set_calendar_day(day=TUESDAY, is_workday=False, name="临时休息", actor=admin)
    assert calendar.add_working_days(MONDAY, 1) == datetime.date(2026, 3, 4)
    clear_calendar_day(day=TUESDAY, actor=admin)
    assert calendar.add_working_days(MONDAY, 1) == TUESDAY


def test_a_row_saved_or_deleted_directly_drops_the_shared_copy(cached: None):
    assert calendar.is_workday(TUESDAY)
    row = CalendarDay.objects.create(date=TUESDAY, is_workday=False, name="停电")
    assert not calendar.is_workday(TUESDAY)
    row.delete()
    assert calendar.is_workday(TUESDAY)


def test_another_process_change_shows_within_the_lifetime(cached: None, monkeypatch: Any):
    """A write this process did not make (no signal here) shows once the copy expires."""
    assert calendar.is_workday(TUESDAY)
    CalendarDay.objects.bulk_create([CalendarDay(date=TUESDAY, is_workday=False, name="x")])
    assert calendar.is_workday(TUESDAY)  # still the shared copy
    later = localcache.time.monotonic() + 61
    monkeypatch.setattr(localcache.time, "monotonic", lambda: later)
    assert not calendar.is_workday(TUESDAY)


def test_with_the_cache_off_every_computation_reads_the_tables(settings: Any):
    settings.ONEWINDOW_CALENDAR_CACHE_SECONDS = 0
    assert calendar.shared_calendar() is not calendar.shared_calendar()
    CalendarDay.objects.bulk_create([CalendarDay(date=TUESDAY, is_workday=False, name="x")])
    assert not calendar.is_workday(TUESDAY)


def test_an_unknown_year_is_still_refused(cached: None):
    with pytest.raises(calendar.UnknownCalendarYear):
        calendar.add_working_days(datetime.date(2099, 12, 1), 5)
