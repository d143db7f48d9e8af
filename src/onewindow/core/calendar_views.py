"""The working-day calendar page: a year at a glance, its exceptions, and the administrator's forms.

`calendar_page` (GET) is reached through `core.views.calendar_page`, which checks
`core.view_calendarday`. The POST views below change the calendar through `core.services`.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from onewindow.core.calendar import WARN_FROM_MONTH
from onewindow.core.forms import CalendarDayForm, CalendarYearForm, ClearCalendarDayForm
from onewindow.core.models import CalendarDay, CalendarYear
from onewindow.core.permissions import staff_permission_required
from onewindow.core.services import (
    FIRST_ENTERABLE_YEAR,
    LAST_ENTERABLE_YEAR,
    CalendarChangeError,
    add_calendar_year,
    clear_calendar_day,
    set_calendar_day,
)

WEEKDAY_HEADERS = [_("Mo"), _("Tu"), _("We"), _("Th"), _("Fr"), _("Sa"), _("Su")]


@dataclass
class DayCell:
    date: datetime.date
    in_month: bool
    is_workday: bool = True
    is_weekend: bool = False
    # "holiday": a weekday off; "adjusted": a weekend worked (调休); "" otherwise.
    kind: str = ""
    name: str = ""
    is_today: bool = False
    # Presentation, computed once here rather than in the template for ~370 cells.
    css: str = ""
    mark: str = ""
    title: str = ""


@dataclass
class Month:
    first: datetime.date
    weeks: list[list[DayCell]] = field(default_factory=list)


@dataclass
class ExceptionRow:
    day: CalendarDay
    kind_label: str


def _kind(day: datetime.date, is_workday: bool) -> str:
    weekend = day.weekday() >= 5
    if weekend and is_workday:
        return "adjusted"
    if not weekend and not is_workday:
        return "holiday"
    return ""


def _kind_label(day: CalendarDay) -> str:
    kind = _kind(day.date, day.is_workday)
    if kind == "adjusted":
        return gettext("Adjusted working day")
    if kind == "holiday":
        return gettext("Holiday, offices closed")
    return gettext("Normal working day") if day.is_workday else gettext("Rest day")


def month_grid(
    year: int, rows: dict[datetime.date, CalendarDay], today: datetime.date
) -> list[Month]:
    """Twelve months of Monday-first weeks; days of neighbouring months are blank cells."""
    marks = {
        "holiday": pgettext("calendar mark", "off"),
        "adjusted": pgettext("calendar mark", "work"),
    }
    css = {"holiday": "ow-cal-holiday", "adjusted": "ow-cal-adjusted"}
    working_word = gettext("Working day (offices open)")
    rest_word = gettext("Rest day")
    months = []
    weeks_of = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar
    for number in range(1, 13):
        month = Month(first=datetime.date(year, number, 1))
        for week in weeks_of(year, number):
            cells = []
            for day in week:
                cell = DayCell(date=day, in_month=day.month == number)
                if cell.in_month:
                    row = rows.get(day)
                    cell.is_weekend = day.weekday() >= 5
                    cell.is_workday = row.is_workday if row is not None else not cell.is_weekend
                    cell.kind = _kind(day, cell.is_workday)
                    cell.name = row.name if row is not None else ""
                    cell.is_today = day == today
                    classes = [css.get(cell.kind) or ("" if cell.is_workday else "ow-cal-weekend")]
                    if cell.is_today:
                        classes.append("ow-cal-today")
                    cell.css = " ".join(c for c in classes if c)
                    cell.mark = marks.get(cell.kind, "")
                    words = [date_format(day, "DATE_FORMAT"), cell.name]
                    words.append(working_word if cell.is_workday else rest_word)
                    cell.title = " ".join(w for w in words if w)
                cells.append(cell)
            month.weeks.append(cells)
        months.append(month)
    return months


def _year_from(value: Any, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if FIRST_ENTERABLE_YEAR <= year <= LAST_ENTERABLE_YEAR else default


def _page(
    request: HttpRequest,
    *,
    year: int,
    day_form: CalendarDayForm | None = None,
    clear_form: ClearCalendarDayForm | None = None,
    year_form: CalendarYearForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    years = {y.year: y for y in CalendarYear.objects.all()}
    known = year in years
    # Offer the years the calendar knows plus this year and next year when they are missing.
    choices = sorted({*years, today.year, today.year + 1, year})
    context: dict[str, Any] = {
        "year": year,
        "year_row": years.get(year),
        "known": known,
        "year_choices": [(y, y in years) for y in choices],
        "today": today,
        "weekday_headers": WEEKDAY_HEADERS,
        "current_year_missing": today.year not in years,
        "next_year_missing": (today.year + 1 not in years) and today.month >= WARN_FROM_MONTH,
        "next_year": today.year + 1,
        "can_change": request.user.has_perm("core.change_calendarday"),
        "can_add_year": request.user.has_perm("core.add_calendaryear"),
        "day_form": day_form or CalendarDayForm(initial={"kind": CalendarDayForm.RESTDAY}),
        "clear_form": clear_form,
        "year_form": year_form
        or CalendarYearForm(initial={"year": year if not known else max(years) + 1}),
    }
    if known:
        rows = {
            d.date: d
            for d in CalendarDay.objects.filter(
                date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
            )
        }
        months = month_grid(year, rows, today)
        kinds = [_kind(d.date, d.is_workday) for d in rows.values()]
        context.update(
            months=months,
            exceptions=[ExceptionRow(day=d, kind_label=_kind_label(d)) for d in rows.values()],
            workday_count=sum(
                1 for m in months for w in m.weeks for c in w if c.in_month and c.is_workday
            ),
            holiday_count=kinds.count("holiday"),
            adjusted_count=kinds.count("adjusted"),
        )
    # The page shows its own, more detailed banner; drop the layout's reminder here.
    context["calendar_missing_year"] = None
    return render(request, "core/calendar.html", context)


def calendar_page(request: HttpRequest) -> HttpResponse:
    """The calendar of one year (?year=2026; default this year)."""
    today = timezone.localdate()
    return _page(request, year=_year_from(request.GET.get("year"), today.year))


def _back_to(year: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('core:calendar')}?year={year}")


def _posted_year(request: HttpRequest, fallback: datetime.date | None = None) -> int:
    if fallback is not None:
        return fallback.year
    return _year_from(request.POST.get("return_year"), timezone.localdate().year)


@require_POST
@staff_permission_required("core.view_calendarday", "core.change_calendarday")
def set_day(request: HttpRequest) -> HttpResponse:
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day: datetime.date = form.cleaned_data["date"]
        try:
            set_calendar_day(
                day=day,
                is_workday=form.is_workday,
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except CalendarChangeError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            text = (
                gettext("%(date)s is now a working day.")
                if form.is_workday
                else gettext("%(date)s is now a rest day.")
            )
            messages.success(request, text % {"date": date_format(day, "DATE_FORMAT")})
            return _back_to(day.year)
    year = _posted_year(request, form.cleaned_data.get("date"))
    return _page(request, year=year, day_form=form)


@require_POST
@staff_permission_required("core.view_calendarday", "core.change_calendarday")
def clear_day(request: HttpRequest) -> HttpResponse:
    form = ClearCalendarDayForm(request.POST)
    if form.is_valid():
        day: datetime.date = form.cleaned_data["date"]
        try:
            restored = clear_calendar_day(day=day, actor=request.user)
        except CalendarChangeError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            text = (
                gettext("The entry for %(date)s was cleared; the holiday library applies again.")
                if restored is not None
                else gettext("The entry for %(date)s was cleared; it is an ordinary day again.")
            )
            messages.success(request, text % {"date": date_format(day, "DATE_FORMAT")})
            return _back_to(day.year)
    year = _posted_year(request, form.cleaned_data.get("date"))
    return _page(request, year=year, clear_form=form)


@require_POST
@staff_permission_required("core.view_calendarday", "core.add_calendaryear")
def add_year(request: HttpRequest) -> HttpResponse:
    form = CalendarYearForm(request.POST)
    if form.is_valid():
        year: int = form.cleaned_data["year"]
        try:
            add_calendar_year(year=year, actor=request.user, note=form.cleaned_data["note"])
        except CalendarChangeError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                gettext(
                    "%(year)s was added to the calendar. Now set its holidays and adjusted "
                    "working days."
                )
                % {"year": year},
            )
            return _back_to(year)
    return _page(request, year=_posted_year(request), year_form=form)
