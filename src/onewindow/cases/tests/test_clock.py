"""The case clock: working-day limits with pauses, lights, and the Art. 32 notice deadline.

Concrete cases use the 2026 arrangement seeded from the holiday library (see
core/tests/test_calendar.py): Spring Festival Feb 15–23 off with Saturdays Feb 14 and 28
worked; Mid-autumn Sep 25–27 and National Day Oct 1–7 off with Sunday Sep 20 and Saturday
Oct 10 worked. Property tests compare against a day-by-day model built straight on the library.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import chinese_calendar
import pytest
from django.db import transaction
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from onewindow.cases.clock import (
    CORRECTION,
    SPECIAL,
    ClockState,
    Light,
    Pause,
    clock_state,
    deemed_accepted,
    due_date,
    notice_deadline,
)
from onewindow.core.calendar import UnknownCalendarYear, WorkingCalendar
from onewindow.core.models import CalendarDay, CalendarYear
from onewindow.core.services import sync_calendar_from_library

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)
# Every test needs the database set up, the property tests only for the shared calendar's load.
pytestmark = pytest.mark.django_db

# Property tests stay inside the years the shared calendar holds in memory.
FIRST = D(2025, 1, 1)
LAST = D(2026, 12, 31)


@pytest.fixture(scope="module")
def shared_calendar(django_db_setup: None, django_db_blocker) -> Iterator[WorkingCalendar]:
    """One calendar with 2025–2026 loaded, shared by the property tests (read-only after this).

    Built inside a rolled-back transaction that re-seeds from the library if an earlier
    transactional test flushed the tables, so it never depends on test order. Once loaded it
    answers every question about 2025–2026 without touching the database.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        if not {2025, 2026} <= set(CalendarYear.objects.values_list("year", flat=True)):
            sync_calendar_from_library()
        working = WorkingCalendar()
        working.working_days_between(FIRST - ONE_DAY, LAST)
        transaction.set_rollback(True)
    yield working


def state(
    started_on: datetime.date,
    limit_days: int,
    today: datetime.date,
    *pauses: Pause,
    calendar: WorkingCalendar | None = None,
) -> ClockState:
    return clock_state(
        started_on=started_on,
        limit_days=limit_days,
        pauses=list(pauses),
        today=today,
        calendar=calendar,
    )


# --- A day-by-day model straight on the holiday library ------------------------------------


def model_counted(day: datetime.date, pauses: list[Pause], today: datetime.date) -> bool:
    """Whether `day` counts, given the pauses as known at the end of `today`."""
    if not chinese_calendar.is_workday(day):
        return False
    for p in pauses:
        if p.started_on > today:
            continue
        end = p.ended_on if p.ended_on is not None and p.ended_on <= today else None
        if p.started_on < day and (end is None or day <= end):
            return False
    return True


def model_start(started_on: datetime.date, pauses: list[Pause], today: datetime.date):
    start = started_on
    for p in pauses:
        if p.restart and p.ended_on is not None and p.ended_on <= today:
            start = p.ended_on
    return start


def model_used(started_on, limit_days, pauses, today) -> int:
    start = model_start(started_on, pauses, today)
    if limit_days == 0:
        while not chinese_calendar.is_workday(start):
            start += ONE_DAY
    used, day = 0, start + ONE_DAY
    while day <= today:
        used += model_counted(day, pauses, today)
        day += ONE_DAY
    return used


def model_due(started_on, limit_days, pauses) -> datetime.date:
    """The first day on which the limit is used up (all pauses closed)."""
    far = D(9999, 1, 1)
    start = model_start(started_on, pauses, far)
    if limit_days == 0:
        while not chinese_calendar.is_workday(start):
            start += ONE_DAY
        return start
    used, day = 0, start
    while used < limit_days:
        day += ONE_DAY
        used += model_counted(day, pauses, far)
    return day


# --- Concrete cases in 2026 --------------------------------------------------------------


def test_one_day_from_a_friday_is_due_monday_and_red_on_tuesday() -> None:
    friday = D(2026, 3, 6)
    assert friday.weekday() == 4
    assert due_date(started_on=friday, limit_days=1, pauses=[]) == D(2026, 3, 9)
    on_friday = state(friday, 1, friday)
    assert (on_friday.used_days, on_friday.remaining_days, on_friday.light) == (0, 1, Light.GREEN)
    assert on_friday.due_on == D(2026, 3, 9)
    assert state(friday, 1, D(2026, 3, 8)).used_days == 0  # the weekend does not count
    monday = state(friday, 1, D(2026, 3, 9))
    assert (monday.used_days, monday.remaining_days, monday.light) == (1, 0, Light.YELLOW)
    assert monday.share_used == 1.0
    tuesday = state(friday, 1, D(2026, 3, 10))
    assert (tuesday.used_days, tuesday.remaining_days, tuesday.light) == (2, -1, Light.RED)
    assert tuesday.share_used == 2.0 and tuesday.overdue


def test_across_the_spring_festival_the_working_saturdays_count() -> None:
    start = D(2026, 2, 10)  # Tuesday
    # Wed 11, Thu 12, Fri 13, the working Saturday 14, then Tue 24 after the holiday.
    assert due_date(started_on=start, limit_days=5, pauses=[]) == D(2026, 2, 24)
    assert state(start, 5, D(2026, 2, 14)).used_days == 4
    during = state(start, 5, D(2026, 2, 20))
    assert (during.used_days, during.light, during.due_on) == (4, Light.YELLOW, D(2026, 2, 24))
    assert state(start, 5, D(2026, 2, 24)).light == Light.YELLOW
    assert state(start, 5, D(2026, 2, 25)).light == Light.RED
    # 20 days from Feb 2 use both working Saturdays.
    assert due_date(started_on=D(2026, 2, 2), limit_days=20, pauses=[]) == D(2026, 3, 6)
    assert state(D(2026, 2, 2), 20, D(2026, 2, 28)).used_days == 15


def test_correction_that_continues_the_clock_over_the_spring_festival() -> None:
    start = D(2026, 2, 2)
    correction = Pause(CORRECTION, D(2026, 2, 5), D(2026, 3, 3))
    # Feb 3, 4, 5 counted (the pause day itself counts), then 17 more after Mar 3.
    assert due_date(started_on=start, limit_days=20, pauses=[correction]) == D(2026, 3, 26)

    waiting = state(start, 20, D(2026, 2, 28), replace_end(correction, None))
    assert waiting.paused and waiting.light == Light.PAUSED and waiting.due_on is None
    assert (waiting.used_days, waiting.remaining_days) == (3, 17)
    # The same pause seen on Feb 28 before it ended is still open then.
    assert state(start, 20, D(2026, 2, 28), correction) == waiting

    resumed = state(start, 20, D(2026, 3, 3), correction)  # the resume day is not counted
    assert not resumed.paused and resumed.used_days == 3 and resumed.due_on == D(2026, 3, 26)
    assert resumed.light == Light.GREEN
    assert state(start, 20, D(2026, 3, 4), correction).used_days == 4
    assert state(start, 20, D(2026, 3, 26), correction).light == Light.YELLOW
    assert state(start, 20, D(2026, 3, 27), correction).light == Light.RED


def test_correction_that_restarts_the_clock() -> None:
    start = D(2026, 2, 2)
    correction = Pause(CORRECTION, D(2026, 2, 5), D(2026, 3, 3), restart=True)
    assert due_date(started_on=start, limit_days=20, pauses=[correction]) == D(2026, 3, 31)
    # While open, the old count is shown.
    waiting = state(start, 20, D(2026, 2, 26), correction)
    assert waiting.paused and waiting.used_days == 3 and waiting.light == Light.PAUSED
    # After resuming the three days used before are forgotten.
    assert state(start, 20, D(2026, 3, 3), correction).used_days == 0
    later = state(start, 20, D(2026, 3, 10), correction)
    assert later.used_days == 5 and later.due_on == D(2026, 3, 31)
    assert later == state(D(2026, 3, 3), 20, D(2026, 3, 10))


def test_special_procedure_over_mid_autumn_and_national_day() -> None:
    start = D(2026, 9, 15)
    assert due_date(started_on=start, limit_days=20, pauses=[]) == D(2026, 10, 19)
    # Sep 16–18, the working Sunday 20, 21–24 count: 8 days before the expert review.
    review = Pause(SPECIAL, D(2026, 9, 24), D(2026, 10, 9))
    assert due_date(started_on=start, limit_days=20, pauses=[review]) == D(2026, 10, 26)
    assert state(start, 20, D(2026, 9, 20)).used_days == 4
    assert state(start, 20, D(2026, 10, 9), review).used_days == 8
    # The working Saturday after National Day is the first counted day after the review.
    assert state(start, 20, D(2026, 10, 10), review).used_days == 9
    assert state(start, 20, D(2026, 10, 11), review).used_days == 9
    # A correction and then a special procedure: both excluded.
    correction = Pause(CORRECTION, D(2026, 9, 16), D(2026, 9, 21))  # excludes Sep 17, 18, 20, 21
    both = [correction, review]
    assert due_date(started_on=start, limit_days=20, pauses=both) == D(2026, 10, 30)
    assert state(start, 20, D(2026, 10, 30), *both).used_days == 20


def test_counting_over_national_day() -> None:
    assert due_date(started_on=D(2026, 9, 30), limit_days=1, pauses=[]) == D(2026, 10, 8)
    assert due_date(started_on=D(2026, 9, 30), limit_days=3, pauses=[]) == D(2026, 10, 10)
    assert state(D(2026, 9, 30), 1, D(2026, 10, 7)).light == Light.GREEN
    assert state(D(2026, 9, 30), 1, D(2026, 10, 9)).light == Light.RED


def test_overdue_before_a_pause_stays_red() -> None:
    start = D(2026, 3, 2)  # Monday; 3 days → due Thursday Mar 5
    late = Pause(CORRECTION, D(2026, 3, 9), None)
    red = state(start, 3, D(2026, 3, 20), late)
    assert red.paused and red.light == Light.RED and red.due_on is None
    assert (red.used_days, red.remaining_days) == (5, -2)  # Mar 3–6 and 9; frozen since
    # Paused on the due day itself: used up but not overdue.
    on_due = state(start, 3, D(2026, 3, 20), Pause(CORRECTION, D(2026, 3, 5), None))
    assert (on_due.used_days, on_due.light) == (3, Light.PAUSED)
    # Once resumed, the next working day is over the limit.
    resumed = Pause(CORRECTION, D(2026, 3, 5), D(2026, 3, 20))
    assert state(start, 3, D(2026, 3, 20), resumed).light == Light.YELLOW
    assert state(start, 3, D(2026, 3, 20), resumed).due_on == D(2026, 3, 5)
    assert state(start, 3, D(2026, 3, 23), resumed).light == Light.RED
    assert due_date(started_on=start, limit_days=3, pauses=[late]) is None


def test_a_pause_that_began_after_today_is_ignored() -> None:
    start = D(2026, 3, 2)
    future = Pause(SPECIAL, D(2026, 3, 10), D(2026, 3, 20))
    assert state(start, 10, D(2026, 3, 6), future) == state(start, 10, D(2026, 3, 6))
    assert state(start, 10, D(2026, 3, 6)).due_on == D(2026, 3, 16)
    # Mar 3–6, 9, 10 before the pause, then Mar 23–26 after it.
    assert state(start, 10, D(2026, 3, 20), future).due_on == D(2026, 3, 26)


def test_same_day_items() -> None:
    friday = D(2026, 3, 6)
    assert due_date(started_on=friday, limit_days=0, pauses=[]) == friday
    today = state(friday, 0, friday)
    assert (today.used_days, today.light, today.share_used, today.due_on) == (
        0,
        Light.YELLOW,
        0.0,
        friday,
    )
    assert state(friday, 0, D(2026, 3, 8)).light == Light.YELLOW  # the weekend
    monday = state(friday, 0, D(2026, 3, 9))
    assert (monday.used_days, monday.light, monday.remaining_days) == (1, Light.RED, -1)
    assert monday.share_used > 1.0
    # Received during the Spring Festival: due the first working day after it, red the next.
    holiday = D(2026, 2, 16)
    assert due_date(started_on=holiday, limit_days=0, pauses=[]) == D(2026, 2, 24)
    assert state(holiday, 0, D(2026, 2, 24)).light == Light.YELLOW
    assert state(holiday, 0, D(2026, 2, 25)).light == Light.RED


def test_lights_follow_the_yellow_share() -> None:
    start = D(2026, 3, 2)  # Monday
    assert state(start, 10, D(2026, 3, 11)).light == Light.GREEN  # 7 of 10
    assert state(start, 10, D(2026, 3, 12)).light == Light.YELLOW  # 8 of 10
    seven = clock_state(
        started_on=start, limit_days=10, pauses=[], today=D(2026, 3, 11), yellow_share=0.7
    )
    assert seven.share_used == 0.7 and seven.light == Light.YELLOW
    before = state(start, 10, D(2026, 2, 27))  # a day before the start
    assert (before.used_days, before.light, before.share_used) == (0, Light.GREEN, 0.0)


def test_notice_deadline_and_deemed_acceptance_across_the_spring_festival() -> None:
    received = D(2026, 2, 11)  # Wednesday; Feb 12, 13, the working 14th, then 24 and 25
    assert notice_deadline(received) == D(2026, 2, 25)
    assert notice_deadline(D(2026, 9, 29)) == D(2026, 10, 12)  # via the working Saturday Oct 10
    assert notice_deadline(received, days=3) == D(2026, 2, 14)
    assert not deemed_accepted(received, D(2026, 2, 25), D(2026, 3, 30))  # on the last day
    assert deemed_accepted(received, D(2026, 2, 26), D(2026, 3, 30))  # a day late
    assert not deemed_accepted(received, D(2026, 2, 12), D(2026, 2, 12))
    assert not deemed_accepted(received, None, D(2026, 2, 25))  # still time today
    assert not deemed_accepted(received, None, D(2026, 2, 20))
    assert deemed_accepted(received, None, D(2026, 2, 26))
    with pytest.raises(ValueError, match="before the application was received"):
        deemed_accepted(received, D(2026, 2, 10), D(2026, 2, 26))


def test_fifty_clocks_share_one_calendars_queries(django_assert_max_num_queries) -> None:
    working = WorkingCalendar()
    with django_assert_max_num_queries(2):
        states = [
            clock_state(
                started_on=D(2026, 1, 5) + datetime.timedelta(days=2 * i),
                limit_days=20,
                pauses=[Pause(CORRECTION, D(2026, 5, 1), D(2026, 5, 12), restart=i % 2 == 1)],
                today=D(2026, 6, 1),
                calendar=working,
            )
            for i in range(50)
        ]
    assert len(states) == 50 and states[0].light == Light.RED


def test_an_unknown_year_propagates() -> None:
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()
    with pytest.raises(UnknownCalendarYear) as caught:
        state(D(2026, 12, 1), 30, D(2026, 12, 10))  # the due day falls in 2027
    assert caught.value.year == 2027
    with pytest.raises(UnknownCalendarYear):
        state(D(2026, 12, 1), 20, D(2027, 1, 4))
    with pytest.raises(UnknownCalendarYear):
        notice_deadline(D(2026, 12, 29))
    # Paused, the due day is not needed, so nothing looks into 2027.
    paused = state(D(2026, 12, 1), 30, D(2026, 12, 10), Pause(CORRECTION, D(2026, 12, 2), None))
    assert paused.used_days == 1


# --- Validation -------------------------------------------------------------------------------


def test_invalid_input_is_refused_with_clear_messages() -> None:
    start = D(2026, 3, 2)
    a = Pause(CORRECTION, D(2026, 3, 3), D(2026, 3, 10))
    b = Pause(SPECIAL, D(2026, 3, 9), D(2026, 3, 12))
    c = Pause(SPECIAL, D(2026, 3, 12), None)
    cases = [
        ({"limit_days": -1, "pauses": []}, "must not be negative"),
        ({"limit_days": 5, "pauses": [a, b]}, "must not overlap"),
        ({"limit_days": 5, "pauses": [b, a]}, "time order"),
        ({"limit_days": 5, "pauses": [replace_end(a, None), c]}, "Only the last pause"),
        ({"limit_days": 5, "pauses": [Pause(SPECIAL, D(2026, 3, 1), None)]}, "before the clock"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            clock_state(started_on=start, today=start, **kwargs)
        with pytest.raises(ValueError, match=message):
            due_date(started_on=start, **kwargs)
    with pytest.raises(ValueError, match="cannot end"):
        Pause(CORRECTION, D(2026, 3, 10), D(2026, 3, 9))
    with pytest.raises(ValueError, match="yellow_share"):
        clock_state(started_on=start, limit_days=5, pauses=[], today=start, yellow_share=0)


def test_adjacent_pauses_are_allowed() -> None:
    start = D(2026, 3, 2)
    first = Pause(CORRECTION, D(2026, 3, 3), D(2026, 3, 10))
    second = Pause(SPECIAL, D(2026, 3, 10), D(2026, 3, 17))
    merged = Pause(SPECIAL, D(2026, 3, 3), D(2026, 3, 17))
    assert state(start, 10, D(2026, 4, 1), first, second) == state(start, 10, D(2026, 4, 1), merged)


def replace_end(pause: Pause, ended_on: datetime.date | None) -> Pause:
    return Pause(pause.kind, pause.started_on, ended_on, pause.restart)


# --- Properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=100, deadline=None)

starts = st.dates(min_value=FIRST, max_value=D(2026, 3, 31))
limits = st.integers(min_value=0, max_value=40)


@st.composite
def pause_lists(draw, started_on: datetime.date, allow_restart: bool = True) -> list[Pause]:
    """Up to three ordered, non-overlapping pauses after `started_on`; the last may be open."""
    pauses = []
    cursor = started_on
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        begin = cursor + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=25)))
        end = begin + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=30)))
        restart = allow_restart and draw(st.booleans())
        pauses.append(Pause(draw(st.sampled_from([CORRECTION, SPECIAL])), begin, end, restart))
        cursor = end
    if pauses and draw(st.booleans()):
        pauses[-1] = replace_end(pauses[-1], None)
    return pauses


@st.composite
def scenarios(draw, allow_restart: bool = True):
    started_on = draw(starts)
    limit = draw(limits)
    pauses = draw(pause_lists(started_on, allow_restart))
    today = started_on + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=200)))
    return started_on, limit, pauses, min(today, D(2026, 10, 31))


@PROPERTY
@given(start=starts, limit=limits)
def test_without_pauses_the_due_day_is_add_working_days(shared_calendar, start, limit) -> None:
    cal = shared_calendar
    due = due_date(started_on=start, limit_days=limit, pauses=[], calendar=cal)
    assert due == cal.add_working_days(start, limit)
    at_due = clock_state(started_on=start, limit_days=limit, pauses=[], today=due, calendar=cal)
    assert at_due.used_days == limit and at_due.due_on == due
    assert at_due.light == Light.YELLOW
    after = clock_state(
        started_on=start,
        limit_days=limit,
        pauses=[],
        today=cal.next_working_day(due),
        calendar=cal,
    )
    assert after.used_days == limit + 1 and after.light == Light.RED


@PROPERTY
@given(data=st.data(), start=starts, limit=st.integers(min_value=1, max_value=40))
def test_a_closed_pause_pushes_the_due_day_by_its_working_days(
    shared_calendar, data, start, limit
) -> None:
    cal = shared_calendar
    plain = cal.add_working_days(start, limit)
    begin = start + datetime.timedelta(days=data.draw(st.integers(0, 70), label="offset"))
    end = begin + datetime.timedelta(days=data.draw(st.integers(0, 40), label="length"))
    pause = Pause(data.draw(st.sampled_from([CORRECTION, SPECIAL])), begin, end)
    excluded = cal.working_days_between(begin, end)
    due = due_date(started_on=start, limit_days=limit, pauses=[pause], calendar=cal)
    if begin < plain:
        assert due == cal.add_working_days(plain, excluded)
    else:
        assert due == plain  # the limit ran out before the pause began


@PROPERTY
@given(scenario=scenarios(allow_restart=False), later=st.integers(min_value=1, max_value=60))
def test_used_days_never_decrease_without_restarts(shared_calendar, scenario, later) -> None:
    started_on, limit, pauses, today = scenario
    kwargs = {"started_on": started_on, "limit_days": limit, "pauses": pauses}
    now = clock_state(today=today, calendar=shared_calendar, **kwargs)
    then = clock_state(
        today=min(today + datetime.timedelta(days=later), LAST), calendar=shared_calendar, **kwargs
    )
    assert then.used_days >= now.used_days
    if now.light == Light.RED:
        assert then.light == Light.RED


@PROPERTY
@given(scenario=scenarios())
def test_a_restart_is_a_fresh_clock_from_the_resume_day(shared_calendar, scenario) -> None:
    started_on, limit, pauses, today = scenario
    restarts = [i for i, p in enumerate(pauses) if p.restart and p.ended_on and p.ended_on <= today]
    assume(restarts)
    last = restarts[-1]
    full = clock_state(
        started_on=started_on,
        limit_days=limit,
        pauses=pauses,
        today=today,
        calendar=shared_calendar,
    )
    fresh = clock_state(
        started_on=pauses[last].ended_on,
        limit_days=limit,
        pauses=pauses[last + 1 :],
        today=today,
        calendar=shared_calendar,
    )
    assert full == fresh


@PROPERTY
@given(scenario=scenarios())
def test_the_clock_agrees_with_a_day_by_day_model(shared_calendar, scenario) -> None:
    started_on, limit, pauses, today = scenario
    s = clock_state(
        started_on=started_on,
        limit_days=limit,
        pauses=pauses,
        today=today,
        calendar=shared_calendar,
    )
    assert s.used_days == model_used(started_on, limit, pauses, today)
    assert s.used_days + s.remaining_days == limit
    assert (s.share_used > 1.0) == (s.used_days > limit) == (s.light == Light.RED)
    known = [p for p in pauses if p.started_on <= today]
    assert s.paused == any(p.ended_on is None or p.ended_on > today for p in known)
    if s.light != Light.RED:
        assert (s.light == Light.PAUSED) == s.paused
    if s.paused:
        assert s.due_on is None
    else:
        closed = [p for p in pauses if p.started_on <= today]
        assert s.due_on == model_due(started_on, limit, closed)
        assert shared_calendar.is_workday(s.due_on)
    if not pauses or pauses[-1].ended_on is not None:
        due = due_date(
            started_on=started_on, limit_days=limit, pauses=pauses, calendar=shared_calendar
        )
        assert due == model_due(started_on, limit, pauses)
    else:
        due = due_date(
            started_on=started_on, limit_days=limit, pauses=pauses, calendar=shared_calendar
        )
        assert due is None


@PROPERTY
@given(received=st.dates(min_value=FIRST, max_value=D(2026, 10, 31)), days=st.integers(1, 10))
def test_the_notice_deadline_is_the_last_day_on_time(shared_calendar, received, days) -> None:
    cal = shared_calendar
    deadline = notice_deadline(received, days, cal)
    assert cal.is_workday(deadline)
    assert cal.working_days_between(received, deadline) == days
    assert cal.working_days_between(received, deadline - ONE_DAY) == days - 1
    assert not deemed_accepted(received, deadline, deadline, days, cal)
    assert deemed_accepted(received, deadline + ONE_DAY, deadline + ONE_DAY, days, cal)
    assert not deemed_accepted(received, None, deadline, days, cal)
    assert deemed_accepted(received, None, deadline + ONE_DAY, days, cal)
