"""The working-day calendar: library seed, day counting, unknown years, overrides and sync."""

from __future__ import annotations

import datetime
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command
from django.utils import translation

from onewindow.core import calendar
from onewindow.core.calendar import (
    UnknownCalendarYear,
    WorkingCalendar,
    add_working_days,
    is_workday,
    known_years,
    library_exceptions,
    missing_next_year,
    next_working_day,
    next_year_warning,
    working_days_between,
)
from onewindow.core.models import AuditEvent, CalendarDay, CalendarYear
from onewindow.core.services import (
    CalendarChangeError,
    add_calendar_year,
    clear_calendar_day,
    set_calendar_day,
    sync_calendar_from_library,
)

pytestmark = pytest.mark.django_db

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    out = []
    while first <= last:
        out.append(first)
        first += ONE_DAY
    return out


def oracle_add(start: datetime.date, n: int) -> datetime.date:
    """add_working_days computed straight from the holiday library, one day at a time."""
    current = start
    if n == 0:
        while not chinese_calendar.is_workday(current):
            current += ONE_DAY
        return current
    while n:
        current += ONE_DAY
        if chinese_calendar.is_workday(current):
            n -= 1
    return current


@pytest.fixture
def no_2027() -> None:
    """Make sure 2027 is unknown, even after a library upgrade that knows it."""
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


# --- The seed -------------------------------------------------------------------------------


def test_migration_seeded_the_library_years() -> None:
    years = known_years()
    assert {2024, 2025, 2026} <= set(years)
    assert years == sorted(years)
    assert CalendarYear.objects.get(year=2026).source == CalendarYear.Source.LIBRARY
    assert years == calendar.library_years()


def test_seeded_days_of_2026_are_the_library_exceptions_with_chinese_names() -> None:
    rows = {
        (d.date, d.is_workday, d.name)
        for d in CalendarDay.objects.filter(date__year=2026, source=CalendarDay.Source.LIBRARY)
    }
    assert rows == {(d.date, d.is_workday, d.name) for d in library_exceptions(2026)}
    names = dict(CalendarDay.objects.filter(date__year=2026).values_list("date", "name"))
    assert names[D(2026, 2, 16)] == "春节"
    assert names[D(2026, 2, 14)] == "春节调休上班"
    assert names[D(2026, 1, 1)] == "元旦"
    assert names[D(2026, 1, 4)] == "元旦调休上班"
    assert names[D(2026, 4, 6)] == "清明节"
    assert names[D(2026, 5, 1)] == "劳动节"
    assert names[D(2026, 6, 19)] == "端午节"
    assert names[D(2026, 9, 25)] == "中秋节"
    assert names[D(2026, 10, 1)] == "国庆节"
    # Only exceptions are stored: a Sunday inside the Spring Festival is a rest day anyway.
    assert D(2026, 2, 15) not in names


def test_every_day_2024_to_2026_agrees_with_the_library() -> None:
    working = WorkingCalendar()
    disagreements = [
        d
        for d in days(D(2024, 1, 1), D(2026, 12, 31))
        if working.is_workday(d) != chinese_calendar.is_workday(d)
    ]
    assert disagreements == []


# --- The 2026 arrangement (国办发明电〔2025〕7号), checked day by day -------------------------


def test_spring_festival_2026() -> None:
    for d in days(D(2026, 2, 15), D(2026, 2, 23)):
        assert not is_workday(d), d
        assert not chinese_calendar.is_workday(d), d
    # Adjusted working Saturdays before and after.
    assert D(2026, 2, 14).weekday() == 5 and is_workday(D(2026, 2, 14))
    assert D(2026, 2, 28).weekday() == 5 and is_workday(D(2026, 2, 28))
    assert is_workday(D(2026, 2, 13)) and is_workday(D(2026, 2, 24))
    # An ordinary Saturday stays a rest day.
    assert not is_workday(D(2026, 3, 7))


def test_mid_autumn_and_national_day_2026() -> None:
    for d in [*days(D(2026, 9, 25), D(2026, 9, 27)), *days(D(2026, 10, 1), D(2026, 10, 7))]:
        assert not is_workday(d), d
    assert D(2026, 9, 20).weekday() == 6 and is_workday(D(2026, 9, 20))
    assert D(2026, 10, 10).weekday() == 5 and is_workday(D(2026, 10, 10))
    assert is_workday(D(2026, 10, 8))


def test_labour_day_2026() -> None:
    for d in days(D(2026, 5, 1), D(2026, 5, 5)):
        assert not is_workday(d), d
    assert D(2026, 5, 9).weekday() == 5 and is_workday(D(2026, 5, 9))


def test_new_year_2026() -> None:
    for d in days(D(2026, 1, 1), D(2026, 1, 3)):
        assert not is_workday(d), d
    assert D(2026, 1, 4).weekday() == 6 and is_workday(D(2026, 1, 4))


def test_2026_has_248_working_days() -> None:
    # 261 Mondays–Fridays, 19 of them holidays, 6 adjusted working weekend days.
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248
    assert sum(chinese_calendar.is_workday(d) for d in days(D(2026, 1, 1), D(2026, 12, 31))) == 248


# --- Counting ---------------------------------------------------------------------------------


def test_one_day_from_friday_before_spring_festival_is_the_adjusted_saturday() -> None:
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_counting_across_the_whole_spring_festival() -> None:
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # 5 working days from the Thursday before: 13th, 14th (Sat), 24th, 25th, 26th.
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    # 2-14, 2-24..2-27 and the adjusted Saturday 2-28.
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6


def test_one_day_from_an_ordinary_friday_is_monday() -> None:
    assert D(2026, 3, 6).weekday() == 4
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)


def test_counting_across_national_day() -> None:
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)  # the working Sunday
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)  # the working Saturday


def test_counting_across_the_year_boundary() -> None:
    # 2026-01-01..03 are the New Year holiday and Sunday the 4th is worked.
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert add_working_days(D(2025, 12, 31), 2) == D(2026, 1, 5)
    assert add_working_days(D(2025, 12, 26), 5) == D(2026, 1, 5)
    assert working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == 2
    assert working_days_between(D(2025, 12, 24), D(2026, 1, 4)) == 6


def test_zero_days_is_the_same_day_or_the_next_working_day() -> None:
    assert add_working_days(D(2026, 3, 6), 0) == D(2026, 3, 6)
    assert add_working_days(D(2026, 3, 7), 0) == D(2026, 3, 9)
    assert add_working_days(D(2026, 2, 16), 0) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 14)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 6), -1)


def test_next_working_day_is_strictly_after() -> None:
    assert next_working_day(D(2026, 3, 9)) == D(2026, 3, 10)
    assert next_working_day(D(2026, 2, 14)) == D(2026, 2, 24)
    assert next_working_day(D(2026, 1, 2)) == D(2026, 1, 4)


def test_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    assert working_days_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert working_days_between(D(2026, 3, 10), D(2026, 3, 9)) == 0
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 8)) == 0  # Friday → Sunday
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 9)) == 1


def test_add_and_between_are_inverse_and_match_the_library_over_2026() -> None:
    working = WorkingCalendar()
    checked = 0
    for start in days(D(2025, 12, 20), D(2026, 11, 10)):
        for n in (0, 1, 2, 3, 5, 7, 10, 15, 20, 30):
            end = working.add_working_days(start, n)
            assert end == oracle_add(start, n), (start, n)
            assert working.is_workday(end)
            if n >= 1 or working.is_workday(start):
                assert working.working_days_between(start, end) == n, (start, n)
                checked += 1
            if n >= 1:
                # The n-th working day is the first day on which n days are used up.
                assert working.working_days_between(start, end - ONE_DAY) == n - 1
                used = working.working_days_between(start, end)
                assert working.add_working_days(start, used) == end
    assert checked > 3000


def test_module_functions_agree_with_a_shared_calendar() -> None:
    working = WorkingCalendar()
    for start in (D(2026, 2, 10), D(2026, 4, 30), D(2026, 9, 24), D(2025, 12, 29)):
        for n in (1, 4, 9):
            assert add_working_days(start, n) == working.add_working_days(start, n)
            end = start + datetime.timedelta(days=n * 3)
            assert working_days_between(start, end) == working.working_days_between(start, end)


def test_sixty_working_days_take_few_queries(django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(3):
        due = add_working_days(D(2026, 1, 5), 60)
    assert due == oracle_add(D(2026, 1, 5), 60)
    with django_assert_max_num_queries(3):
        due = add_working_days(D(2025, 11, 3), 60)  # across the year boundary
    assert due == oracle_add(D(2025, 11, 3), 60)
    with django_assert_max_num_queries(3):
        assert working_days_between(D(2025, 1, 1), D(2026, 12, 31)) > 400


# --- Unknown years ------------------------------------------------------------------------------


def test_unknown_year_raises_with_a_chinese_message(no_2027: None) -> None:
    with translation.override("zh-hans"), pytest.raises(UnknownCalendarYear) as caught:
        is_workday(D(2027, 1, 4))
    with translation.override("zh-hans"):
        assert str(caught.value) == (
            "2027年的工作日历尚未录入，请系统管理员先录入该年度节假日安排。"
        )
    assert caught.value.year == 2027
    with translation.override("en"):
        assert "2027" in caught.value.message and "has not been entered" in caught.value.message


def test_counting_into_an_unknown_year_raises(no_2027: None) -> None:
    with pytest.raises(UnknownCalendarYear) as caught:
        add_working_days(D(2026, 12, 30), 3)
    assert caught.value.year == 2027
    with pytest.raises(UnknownCalendarYear):
        working_days_between(D(2026, 12, 1), D(2027, 1, 5))
    with pytest.raises(UnknownCalendarYear):
        next_working_day(D(2026, 12, 31))
    # Counting that stays inside 2026 still works.
    assert add_working_days(D(2026, 12, 28), 3) == D(2026, 12, 31)
    assert working_days_between(D(2026, 12, 1), D(2026, 12, 31)) == 22


def test_a_year_before_the_seed_is_unknown() -> None:
    with pytest.raises(UnknownCalendarYear) as caught:
        is_workday(D(2019, 6, 3))
    assert caught.value.year == 2019


def test_an_added_year_works_with_manual_days(no_2027: None, administrator) -> None:
    add_calendar_year(year=2027, actor=administrator, note="国办发明电〔2026〕X号")
    assert 2027 in known_years()
    # Without exceptions every Monday–Friday is a working day.
    assert is_workday(D(2027, 1, 1))  # a Friday
    set_calendar_day(day=D(2027, 1, 1), is_workday=False, name="元旦", actor=administrator)
    set_calendar_day(day=D(2027, 2, 20), is_workday=True, name="春节调休上班", actor=administrator)
    assert not is_workday(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 8)) == 5
    assert D(2027, 2, 20).weekday() == 5 and is_workday(D(2027, 2, 20))
    # 2028 is still unknown.
    with pytest.raises(UnknownCalendarYear):
        is_workday(D(2028, 1, 3))


def test_missing_next_year(no_2027: None, administrator) -> None:
    assert missing_next_year(D(2026, 11, 15)) == 2027
    assert missing_next_year(D(2025, 6, 1)) is None
    assert next_year_warning(D(2026, 10, 31)) is None
    assert next_year_warning(D(2026, 11, 1)) == 2027
    assert next_year_warning(D(2026, 12, 31)) == 2027
    add_calendar_year(year=2027, actor=administrator, note="")
    assert missing_next_year(D(2026, 11, 15)) is None
    assert next_year_warning(D(2026, 12, 1)) is None


# --- Administrators' changes -------------------------------------------------------------------


def test_a_manual_day_beats_the_library(administrator) -> None:
    row = set_calendar_day(
        day=D(2026, 2, 14), is_workday=False, name="春节（本地调整）", actor=administrator
    )
    assert row.source == CalendarDay.Source.MANUAL
    assert CalendarDay.objects.filter(date=D(2026, 2, 14)).count() == 1
    assert not is_workday(D(2026, 2, 14))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 24)
    # A weekday holiday turned back into a working day.
    set_calendar_day(day=D(2026, 10, 7), is_workday=True, name="", actor=administrator)
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 7)


def test_set_day_writes_an_audit_event(administrator) -> None:
    set_calendar_day(day=D(2026, 3, 16), is_workday=False, name="  地方假日 ", actor=administrator)
    event = AuditEvent.objects.get(action="core.calendar.day_set")
    assert event.actor == administrator
    assert event.before is None
    assert event.after["date"] == "2026-03-16"
    assert event.after["is_workday"] is False
    assert event.after["name"] == "地方假日"
    assert event.after["source"] == "manual"
    # Correcting a library day records what it was.
    set_calendar_day(day=D(2026, 2, 16), is_workday=True, name="", actor=administrator)
    event = AuditEvent.objects.filter(action="core.calendar.day_set").first()
    assert event.before["source"] == "library" and event.before["is_workday"] is False
    assert ("is_workday", False, True) in event.changes()


def test_a_day_in_an_unknown_year_cannot_be_set(no_2027: None, administrator) -> None:
    with translation.override("zh-hans"), pytest.raises(CalendarChangeError) as caught:
        set_calendar_day(day=D(2027, 1, 1), is_workday=False, name="元旦", actor=administrator)
    assert caught.value.field == "date"
    assert caught.value.message == "2027年的工作日历尚未录入，请先添加该年度，再设置其中的日期。"
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()
    assert not AuditEvent.objects.filter(action="core.calendar.day_set").exists()


def test_clearing_a_manual_day_restores_the_library(administrator) -> None:
    row = set_calendar_day(day=D(2026, 2, 16), is_workday=True, name="", actor=administrator)
    restored = clear_calendar_day(day=D(2026, 2, 16), actor=administrator)
    assert restored is not None and restored.pk == row.pk
    row.refresh_from_db()
    assert (row.is_workday, row.name, row.source) == (False, "春节", "library")
    assert not is_workday(D(2026, 2, 16))
    event = AuditEvent.objects.get(action="core.calendar.day_cleared")
    assert event.before["source"] == "manual" and event.after["source"] == "library"


def test_clearing_a_manual_day_on_an_ordinary_date_deletes_it(administrator) -> None:
    row = set_calendar_day(day=D(2026, 3, 16), is_workday=False, name="", actor=administrator)
    assert clear_calendar_day(day=D(2026, 3, 16), actor=administrator) is None
    assert not CalendarDay.objects.filter(date=D(2026, 3, 16)).exists()
    assert is_workday(D(2026, 3, 16))
    event = AuditEvent.objects.get(action="core.calendar.day_cleared")
    assert event.object_id == str(row.pk) and event.after is None


def test_a_library_day_cannot_be_cleared(administrator) -> None:
    with translation.override("zh-hans"), pytest.raises(CalendarChangeError) as caught:
        clear_calendar_day(day=D(2026, 2, 16), actor=administrator)
    assert "没有管理员录入的记录" in caught.value.message
    assert CalendarDay.objects.get(date=D(2026, 2, 16)).source == "library"


def test_adding_a_year_twice_or_out_of_range_is_refused(no_2027: None, administrator) -> None:
    row = add_calendar_year(year=2027, actor=administrator, note=" 国办通知 ")
    assert (row.source, row.note) == ("manual", "国办通知")
    event = AuditEvent.objects.get(action="core.calendar.year_added")
    assert event.after["year"] == 2027 and event.actor == administrator
    with translation.override("zh-hans"):
        with pytest.raises(CalendarChangeError) as caught:
            add_calendar_year(year=2027, actor=administrator, note="")
        assert caught.value.message == "工作日历中已有2027年，无需重复添加。"
        with pytest.raises(CalendarChangeError) as caught:
            add_calendar_year(year=1999, actor=administrator, note="")
        assert caught.value.field == "year"
    assert CalendarYear.objects.filter(year=2027).count() == 1


# --- sync_calendar ------------------------------------------------------------------------------


def run_sync(*args: str) -> str:
    out = StringIO()
    call_command("sync_calendar", *args, stdout=out)
    return out.getvalue()


def calendar_state() -> set[tuple[datetime.date, bool, str, str]]:
    return set(CalendarDay.objects.values_list("date", "is_workday", "name", "source"))


def test_sync_right_after_the_seed_changes_nothing() -> None:
    before = calendar_state()
    output = run_sync()
    assert "already matches" in output
    assert calendar_state() == before
    assert not AuditEvent.objects.filter(action="core.calendar.library_synced").exists()


def test_sync_brings_back_a_missing_year_and_is_idempotent() -> None:
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()
    output = run_sync()
    assert "add years: 2025" in output
    assert "2025-01-28" in output
    assert CalendarYear.objects.get(year=2025).source == "library"
    assert not is_workday(D(2025, 1, 28)) and is_workday(D(2025, 1, 26))
    state = calendar_state()
    assert "already matches" in run_sync()
    assert calendar_state() == state
    event = AuditEvent.objects.get(action="core.calendar.library_synced")
    assert event.after["years_added"] == [2025]


def test_sync_repairs_library_rows() -> None:
    CalendarDay.objects.filter(date=D(2026, 2, 16)).delete()
    CalendarDay.objects.filter(date=D(2026, 2, 17)).update(name="错误名称")
    CalendarDay.objects.create(date=D(2026, 3, 16), is_workday=False, name="?", source="library")
    output = run_sync()
    assert "add 1 days: 2026-02-16" in output
    assert "update 1 days: 2026-02-17" in output
    assert "remove 1 days: 2026-03-16" in output
    assert CalendarDay.objects.get(date=D(2026, 2, 17)).name == "春节"
    assert not CalendarDay.objects.filter(date=D(2026, 3, 16)).exists()
    assert not is_workday(D(2026, 2, 16))


def test_sync_never_touches_manual_rows(administrator) -> None:
    set_calendar_day(day=D(2026, 2, 16), is_workday=True, name="本地上班", actor=administrator)
    set_calendar_day(day=D(2026, 3, 16), is_workday=False, name="地方假日", actor=administrator)
    output = run_sync()
    assert "kept 2 administrator entries" in output
    assert "2026-02-16" in output and "2026-03-16" in output
    assert CalendarDay.objects.get(date=D(2026, 2, 16)).source == "manual"
    assert is_workday(D(2026, 2, 16))
    assert CalendarDay.objects.get(date=D(2026, 3, 16)).name == "地方假日"
    assert not is_workday(D(2026, 3, 16))
    assert "already matches" in output


def test_sync_fills_a_manually_entered_year_around_the_manual_days(administrator) -> None:
    # As if 2026 had been entered by hand before the library knew it.
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    add_calendar_year(year=2026, actor=administrator, note="")
    set_calendar_day(day=D(2026, 2, 16), is_workday=False, name="春节（手工）", actor=administrator)
    result = sync_calendar_from_library()
    assert result.years_added == []
    assert D(2026, 2, 17) in result.days_added and D(2026, 2, 16) not in result.days_added
    assert CalendarYear.objects.get(year=2026).source == "manual"
    assert CalendarDay.objects.get(date=D(2026, 2, 16)).name == "春节（手工）"
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


def test_sync_dry_run_changes_nothing() -> None:
    CalendarDay.objects.filter(date=D(2026, 2, 16)).delete()
    before = calendar_state()
    output = run_sync("--dry-run")
    assert "would add 1 days: 2026-02-16" in output
    assert calendar_state() == before
