"""The working-day calendar: which dates count toward a time limit (行政许可法 Art. 82).

The database is the single source of truth. A date is a working day when its year is a known
`CalendarYear` and either a `CalendarDay` row says so or, with no row, it falls Monday–Friday.
`CalendarDay` rows are the exceptions: weekday holidays and adjusted working weekends (调休).
They are seeded from the holiday library `chinese_calendar` (migration 0002, `sync_calendar`)
and corrected by administrators (`core.services`). Dates in a year the calendar does not know
raise `UnknownCalendarYear` instead of guessing.

Day counting follows Art. 82 and the general rule that a period starts the day after the event:
a limit of n working days that starts on `start` ends on the n-th working day *after* `start`.
A 1-day limit accepted on Friday is due Monday (or the adjusted working Saturday, or later across
a holiday). Whole working days only, never "24 business hours".

`shared_calendar()` is the calendar to compute with: every known year loaded once and shared by
the threads of a server process for `ONEWINDOW_CALENDAR_CACHE_SECONDS` (a case's lifecycle needs
it several times; the tables change a few times a year). A change made through this process is
seen at once (the copy is dropped when the change commits); one made by another process within
that time. With the setting at 0 it is a fresh `WorkingCalendar()`, which reads the tables as a
computation needs them (two queries at most for a typical call). The module-level functions use
it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from onewindow.core.localcache import LocalCache
from onewindow.core.models import CalendarDay, CalendarYear

# The earliest year seeded from the holiday library: older dates never matter for case deadlines.
LIBRARY_FIRST_YEAR = 2020
# From this month on, staff pages warn when next year's calendar is missing (the State Council
# usually publishes the next year's arrangement in November or December).
WARN_FROM_MONTH = 11

_ONE_DAY = datetime.timedelta(days=1)


class UnknownCalendarYear(Exception):
    """A computation needed a date in a year whose holiday arrangement has not been entered."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year

    @property
    def message(self) -> str:
        # Translated when shown, so the message follows the language active at that time.
        return gettext(
            "The working-day calendar for %(year)s has not been entered yet. Please ask the "
            "system administrator to enter that year's holiday arrangement first."
        ) % {"year": self.year}

    def __str__(self) -> str:
        return self.message


def _is_weekday(day: datetime.date) -> bool:
    return day.weekday() < 5


def _weekdays_up_to(day: datetime.date) -> int:
    """Mondays–Fridays from 0001-01-01 (a Monday) up to and including `day`."""
    days = day.toordinal()  # 0001-01-01 has ordinal 1
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """A read-through view of the calendar tables for one computation or one request.

    Loads the known years with one query and each needed range of years' exceptions with one
    more. It does not notice changes made after it loaded them: keep it short-lived.
    """

    def __init__(self) -> None:
        self._years: frozenset[int] | None = None
        self._loaded_years: set[int] = set()
        self._exceptions: dict[datetime.date, bool] = {}

    def known_years(self) -> frozenset[int]:
        if self._years is None:
            self._years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return self._years

    def is_known_year(self, year: int) -> bool:
        return year in self.known_years()

    def _require_years(self, first: int, last: int) -> None:
        """Raise UnknownCalendarYear for the first unknown year in first..last."""
        known = self.known_years()
        for year in range(first, last + 1):
            if year not in known:
                raise UnknownCalendarYear(year)

    def _load(self, first: int, last: int) -> None:
        """Load the exceptions of the known years in first..last not loaded yet (one query)."""
        known = self.known_years()
        wanted = [y for y in range(first, last + 1) if y in known and y not in self._loaded_years]
        if not wanted:
            return
        low, high = min(wanted), max(wanted)
        rows = CalendarDay.objects.filter(
            date__gte=datetime.date(low, 1, 1), date__lte=datetime.date(high, 12, 31)
        ).values_list("date", "is_workday")
        self._exceptions.update(rows)
        self._loaded_years.update(range(low, high + 1))

    def is_workday(self, day: datetime.date) -> bool:
        self._require_years(day.year, day.year)
        self._load(day.year, day.year)
        exception = self._exceptions.get(day)
        return _is_weekday(day) if exception is None else exception

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        current = day + _ONE_DAY
        while not self.is_workday(current):
            current += _ONE_DAY
        return current

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after `start` (n ≥ 0); see the module docstring.

        n = 0 returns `start` itself when it is a working day, else the next working day (a
        same-day item accepted on a rest day is due the next working day). For every n ≥ 1,
        ``working_days_between(start, add_working_days(start, n)) == n``; for n = 0 that holds
        when `start` is a working day.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        # Prefetch generously: n working days never span more than 7n/5 days plus the longest
        # holiday run, so this one query normally covers the whole walk.
        horizon = start + datetime.timedelta(days=n * 7 // 5 + 31)
        self._load(start.year, horizon.year)
        if n == 0:
            return start if self.is_workday(start) else self.next_working_day(start)
        current = start
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """The number of working days d with a < d ≤ b; 0 when b ≤ a.

        This is the inverse of add_working_days: for n ≥ 1,
        ``working_days_between(a, add_working_days(a, n)) == n``; and for a working day b > a,
        ``add_working_days(a, working_days_between(a, b)) == b``. It is also how many working
        days of a limit that started on `a` have been used up by the end of day `b`.
        """
        if b <= a:
            return 0
        first = a + _ONE_DAY
        self._require_years(first.year, b.year)
        self._load(first.year, b.year)
        count = _weekdays_up_to(b) - _weekdays_up_to(a)
        for day, is_workday in self._exceptions.items():
            if a < day <= b and is_workday != _is_weekday(day):
                count += 1 if is_workday else -1
        return count

    def exceptions(self, year: int) -> dict[datetime.date, bool]:
        """The exception days of a known year (date → is_workday)."""
        self._require_years(year, year)
        self._load(year, year)
        return {d: w for d, w in self._exceptions.items() if d.year == year}


_shared: LocalCache[WorkingCalendar] = LocalCache(
    seconds="ONEWINDOW_CALENDAR_CACHE_SECONDS", max_entries=1
)


def _fully_loaded() -> WorkingCalendar:
    calendar = WorkingCalendar()
    if years := calendar.known_years():
        calendar._load(min(years), max(years))  # then it never loads (or changes) again
    return calendar


def shared_calendar() -> WorkingCalendar:
    """The calendar to compute deadlines with (see the module docstring)."""
    if _shared.seconds <= 0:
        return WorkingCalendar()
    return _shared.get_or_set("calendar", _fully_loaded)


def forget_calendar() -> None:
    """Drop this process's shared calendar now, and again when the current transaction commits
    (a thread reading meanwhile may have cached the rows as they were before the change)."""
    _shared.clear()
    transaction.on_commit(_shared.clear)


def known_years() -> list[int]:
    """The years the calendar knows, ascending."""
    return sorted(shared_calendar().known_years())


def is_workday(day: datetime.date) -> bool:
    return shared_calendar().is_workday(day)


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day strictly after `day`."""
    return shared_calendar().next_working_day(day)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start`; n = 0 gives start or the next working day."""
    return shared_calendar().add_working_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days d with a < d ≤ b (0 when b ≤ a); the inverse of add_working_days."""
    return shared_calendar().working_days_between(a, b)


def missing_next_year(today: datetime.date) -> int | None:
    """Next year, when the calendar does not know it yet; None when it does."""
    year = today.year + 1
    return None if CalendarYear.objects.filter(year=year).exists() else year


def next_year_warning(today: datetime.date) -> int | None:
    """The missing next year to warn staff about, from WARN_FROM_MONTH on; else None."""
    if today.month < WARN_FROM_MONTH:
        return None
    return missing_next_year(today)


# --- The holiday library -------------------------------------------------------------------

# The library's English holiday names → the names used on Chinese notices.
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
ADJUSTED_WORKDAY_SUFFIX = "调休上班"


@dataclass(frozen=True)
class LibraryDay:
    date: datetime.date
    is_workday: bool
    name: str


def _zh_name(name: str | None) -> str:
    if not name:
        return ""
    return HOLIDAY_NAMES_ZH.get(name, name)


def library_years(since: int = LIBRARY_FIRST_YEAR) -> list[int]:
    """The years from `since` on that the installed holiday library knows."""
    import chinese_calendar

    candidates = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    years = []
    for year in sorted(y for y in candidates if y >= since):
        try:
            chinese_calendar.is_workday(datetime.date(year, 1, 1))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def library_exceptions(year: int) -> list[LibraryDay]:
    """The library's exceptions to the Monday–Friday rule in `year`, with Chinese names.

    Raises NotImplementedError when the library does not know the year.
    """
    import chinese_calendar

    days: list[LibraryDay] = []
    current = datetime.date(year, 1, 1)
    while current.year == year:
        works = chinese_calendar.is_workday(current)
        if works != _is_weekday(current):
            _, raw_name = chinese_calendar.get_holiday_detail(current)
            name = _zh_name(raw_name)
            if works and name:
                name += ADJUSTED_WORKDAY_SUFFIX
            days.append(LibraryDay(current, works, name[:50]))
        current += _ONE_DAY
    return days
