"""Changes to the working-day calendar. Each is one transaction that writes its audit event."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from onewindow.core import audit
from onewindow.core.calendar import LibraryDay, library_exceptions, library_years
from onewindow.core.models import CalendarDay, CalendarYear

# Years an administrator may enter; anything else is a typing mistake.
FIRST_ENTERABLE_YEAR = 2000
LAST_ENTERABLE_YEAR = 2100


class CalendarChangeError(Exception):
    """A calendar change that cannot be made; `message` says why in the user's language."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_known_year(day: datetime.date) -> CalendarYear:
    year = CalendarYear.objects.filter(year=day.year).first()
    if year is None:
        raise CalendarChangeError(
            gettext(
                "The calendar for %(year)s has not been entered yet. Add the year first, then "
                "set its days."
            )
            % {"year": day.year},
            field="date",
        )
    return year


@transaction.atomic
def set_calendar_day(*, day: datetime.date, is_workday: bool, name: str, actor: Any) -> CalendarDay:
    """Make `day` a working or rest day by an administrator's decision (a manual override).

    A manual row wins over the holiday library: `sync_calendar` never changes it.
    """
    _require_known_year(day)
    name = (name or "").strip()
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = CalendarDay(date=day)
    row.is_workday = is_workday
    row.name = name
    row.source = CalendarDay.Source.MANUAL
    row.save()
    audit.record(
        action="core.calendar.day_set",
        actor=_user(actor),
        obj=row,
        before=before,
        after=audit.snapshot(row),
    )
    return row


@transaction.atomic
def clear_calendar_day(*, day: datetime.date, actor: Any) -> CalendarDay | None:
    """Remove an administrator's entry for `day`.

    The day falls back to what the holiday library says about it (its row is restored) or, when
    the library has nothing for it, to the Monday–Friday rule. Returns the restored library row.
    """
    row = (
        CalendarDay.objects.select_for_update()
        .filter(date=day, source=CalendarDay.Source.MANUAL)
        .first()
    )
    if row is None:
        raise CalendarChangeError(
            gettext("%(date)s has no entry made by an administrator, so there is nothing to clear.")
            % {"date": day.isoformat()},
            field="date",
        )
    before = audit.snapshot(row)
    library_day = _library_day(day)
    restored = None
    if library_day is not None:
        # Turn the row back into the library's, so the date keeps one row and one history.
        row.is_workday = library_day.is_workday
        row.name = library_day.name
        row.source = CalendarDay.Source.LIBRARY
        row.save()
        restored = row
    else:
        # A queryset delete keeps row.pk, which the audit event records as the object id.
        CalendarDay.objects.filter(pk=row.pk).delete()
    audit.record(
        action="core.calendar.day_cleared",
        actor=_user(actor),
        obj=row,
        before=before,
        after=audit.snapshot(restored) if restored is not None else None,
    )
    return restored


def _library_day(day: datetime.date) -> LibraryDay | None:
    """What the holiday library says about `day` when it is an exception; None otherwise."""
    try:
        exceptions = library_exceptions(day.year)
    except NotImplementedError:
        return None
    return next((d for d in exceptions if d.date == day), None)


@transaction.atomic
def add_calendar_year(*, year: int, actor: Any, note: str = "") -> CalendarYear:
    """Let the calendar know `year` (one the holiday library does not know yet).

    Until its holidays and adjusted working days are set, every Monday–Friday of the year counts
    as a working day, so an administrator adds the year's exceptions right after.
    """
    if not FIRST_ENTERABLE_YEAR <= year <= LAST_ENTERABLE_YEAR:
        raise CalendarChangeError(
            gettext("Enter a year between %(first)s and %(last)s.")
            % {"first": FIRST_ENTERABLE_YEAR, "last": LAST_ENTERABLE_YEAR},
            field="year",
        )
    if CalendarYear.objects.select_for_update().filter(year=year).exists():
        raise CalendarChangeError(
            gettext("The calendar already contains %(year)s.") % {"year": year}, field="year"
        )
    row = CalendarYear.objects.create(
        year=year, source=CalendarYear.Source.MANUAL, note=(note or "").strip()[:200]
    )
    audit.record(
        action="core.calendar.year_added",
        actor=_user(actor),
        obj=row,
        after=audit.snapshot(row),
        note=row.note,
    )
    return row


@dataclass
class CalendarSyncResult:
    years_added: list[int] = field(default_factory=list)
    days_added: list[datetime.date] = field(default_factory=list)
    days_updated: list[datetime.date] = field(default_factory=list)
    days_removed: list[datetime.date] = field(default_factory=list)
    # Manual rows that differ from (or are missing in) the library; they were kept as they are.
    manual_kept: list[datetime.date] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.years_added or self.days_added or self.days_updated or self.days_removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "years_added": self.years_added,
            "days_added": [d.isoformat() for d in self.days_added],
            "days_updated": [d.isoformat() for d in self.days_updated],
            "days_removed": [d.isoformat() for d in self.days_removed],
            "manual_kept": [d.isoformat() for d in self.manual_kept],
        }


@transaction.atomic
def sync_calendar_from_library(*, actor: Any = None, dry_run: bool = False) -> CalendarSyncResult:
    """Bring the calendar in step with the installed holiday library (idempotent).

    Adds the library's years the calendar lacks; in every year the library knows, adds missing
    library rows, corrects library rows the library now describes differently and removes
    library rows it no longer lists. Rows entered by an administrator are never changed.
    Years entered by an administrator before the library knew them get the library's days too,
    except on dates the administrator set.
    """
    result = CalendarSyncResult()
    years = library_years()
    known = {y.year: y for y in CalendarYear.objects.select_for_update().filter(year__in=years)}
    for year in years:
        if year not in known:
            result.years_added.append(year)
            if not dry_run:
                CalendarYear.objects.create(
                    year=year, source=CalendarYear.Source.LIBRARY, note="chinesecalendar"
                )
        wanted = {d.date: d for d in library_exceptions(year)}
        rows = {
            r.date: r
            for r in CalendarDay.objects.select_for_update().filter(
                date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
            )
        }
        for date, want in sorted(wanted.items()):
            row = rows.get(date)
            if row is None:
                result.days_added.append(date)
                if not dry_run:
                    CalendarDay.objects.create(
                        date=date,
                        is_workday=want.is_workday,
                        name=want.name,
                        source=CalendarDay.Source.LIBRARY,
                    )
            elif row.source == CalendarDay.Source.MANUAL:
                if row.is_workday != want.is_workday:
                    result.manual_kept.append(date)
            elif (row.is_workday, row.name) != (want.is_workday, want.name):
                result.days_updated.append(date)
                if not dry_run:
                    row.is_workday, row.name = want.is_workday, want.name
                    row.save(update_fields=["is_workday", "name", "updated_at"])
        for date, row in sorted(rows.items()):
            if date in wanted:
                continue
            if row.source == CalendarDay.Source.MANUAL:
                if row.is_workday != (date.weekday() < 5):
                    result.manual_kept.append(date)
            else:
                result.days_removed.append(date)
                if not dry_run:
                    row.delete()
    result.manual_kept.sort()
    if result.changed and not dry_run:
        audit.record(
            action="core.calendar.library_synced",
            actor=_user(actor),
            after=result.as_dict(),
            note=gettext("Synchronised with the holiday library"),
        )
    return result
