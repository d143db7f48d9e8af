"""The case clock: how much of a case's time limit is used up, in working days.

Pure computation over `core.calendar.WorkingCalendar`; no models. Callers pass the case's start
day, its limit, its pauses and "today", and may share one calendar across many cases (a list
page computes 50 clocks with the calendar's two queries).

The law
-------
* 行政许可法 Art. 82: limits are counted in working days, without statutory holidays, following
  the State Council's arrangement including adjusted working weekends (调休). The calendar knows
  which days those are.
* Art. 45: time spent on hearings, testing, inspection, expert review etc. ("special
  procedures") does not count toward the limit.
* A correction (补齐补正) pauses the clock. Depending on the item, on resumption the clock either
  continues where it stopped or restarts from zero (`Pause.restart`).
* Art. 32: a one-time notice of what is missing must be given within 5 working days of receipt,
  else the application counts as accepted on the day it was received.

Counting conventions (the same as `WorkingCalendar.working_days_between`, a < d ≤ b)
--------------------------------------------------------------------------------------
* The start day itself is not counted; every working day after it is. With no pauses a limit of
  N is due on ``add_working_days(started_on, N)``: 1 day from a Friday is the Monday.
* A pause that began on P and resumed on R excludes the working days d with P < d ≤ R: the day a
  pause begins still counts, the resume day does not, counting resumes on the next working day.
  An open pause (``ended_on=None``) excludes every working day after P.
* A *restart* pause that has ended forgets everything before it: the clock runs as if it had
  started on R. While a restart pause is still open the old count is shown.
* ``used_days`` counts as of the end of `today`. Pauses that began after `today` are ignored and a
  pause that resumes after `today` counts as open: the state is what was known on that day.
* ``due_on`` is the first day on which ``used_days`` reaches the limit if nothing else pauses the
  clock. It can lie in the past while the light is still yellow (the weekend after a Friday due
  day, or a pause that began on the due day): a case is overdue (RED) only once a working day
  *beyond* the limit has been counted, ``used_days > limit``.
* A same-day item (limit 0, 即办件) is due on its start day when that is a working day, otherwise
  on the next working day (``add_working_days(start, 0)``), and counting starts after that day,
  so it turns RED on the following working day.

Lights
------
RED when overdue (``used_days > limit``), also while paused: a pause does not make an overdue
case look fine. Otherwise PAUSED while paused, YELLOW once ``used_days / limit`` reaches
`yellow_share` (always, for a same-day item), else GREEN. While paused ``due_on`` is None, even
when overdue (the overdue date is then ``remaining_days`` working days back).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from onewindow.core.calendar import WorkingCalendar, shared_calendar

__all__ = [
    "CORRECTION",
    "SPECIAL",
    "ClockState",
    "Light",
    "Pause",
    "clock_state",
    "deemed_accepted",
    "due_date",
    "notice_deadline",
]

# Usual values of Pause.kind (display only; the clock treats every kind alike).
CORRECTION = "correction"  # 补齐补正
SPECIAL = "special"  # 特别程序: hearing, testing, inspection, expert review (Art. 45)

# Art. 32: working days within which the one-time notice must be given.
NOTICE_DAYS = 5


@dataclass(frozen=True)
class Pause:
    """A stretch of time that does not count toward the limit."""

    kind: str  # CORRECTION, SPECIAL or any other label; only used for display
    started_on: datetime.date  # the day the pause began (that day still counts)
    ended_on: datetime.date | None  # the day the clock resumed (not counted); None = still paused
    restart: bool = False  # on resumption the count starts again from 0 (a correction setting)

    def __post_init__(self) -> None:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError(
                f"A pause cannot end ({self.ended_on}) before it started ({self.started_on})."
            )

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    PAUSED = "paused"


@dataclass(frozen=True)
class ClockState:
    limit_days: int
    used_days: int  # working days counted by the end of `today`
    remaining_days: int  # limit_days - used_days; negative when overdue
    due_on: datetime.date | None  # first day the limit is used up, if nothing pauses; None paused
    paused: bool
    light: Light
    # used/limit: > 1.0 exactly when overdue. A same-day item (limit 0) has 0.0 until it is
    # overdue, then 1.0 + used_days.
    share_used: float

    @property
    def overdue(self) -> bool:
        return self.used_days > self.limit_days


def _validate(started_on: datetime.date, limit_days: int, pauses: Sequence[Pause]) -> None:
    if limit_days < 0:
        raise ValueError(f"The time limit must not be negative (got {limit_days}).")
    previous: Pause | None = None
    for pause in pauses:
        if pause.ended_on is not None and pause.ended_on < pause.started_on:
            raise ValueError(
                f"A pause cannot end ({pause.ended_on}) before it started ({pause.started_on})."
            )
        if pause.started_on < started_on:
            raise ValueError(
                f"A pause cannot start ({pause.started_on}) before the clock started "
                f"({started_on})."
            )
        if previous is not None:
            if previous.ended_on is None:
                raise ValueError(
                    f"Only the last pause may be open: the pause from {previous.started_on} "
                    f"has not ended but another pause follows it."
                )
            if pause.started_on < previous.started_on:
                raise ValueError(
                    f"Pauses must be in time order: {pause.started_on} comes after "
                    f"{previous.started_on}."
                )
            if pause.started_on < previous.ended_on:
                raise ValueError(
                    f"Pauses must not overlap: the pause from {pause.started_on} starts before "
                    f"the previous one ended ({previous.ended_on})."
                )
        previous = pause


def _as_of(pauses: Sequence[Pause], today: datetime.date) -> list[Pause]:
    """The pauses as known at the end of `today`: later ones dropped, unfinished ones open."""
    known = []
    for pause in pauses:
        if pause.started_on > today:
            break
        if pause.ended_on is not None and pause.ended_on > today:
            pause = replace(pause, ended_on=None)
        known.append(pause)
    return known


def _effective_start(
    started_on: datetime.date, pauses: Sequence[Pause]
) -> tuple[datetime.date, list[Pause]]:
    """The day the current count started (the last ended restart) and the pauses after it."""
    start = started_on
    rest: list[Pause] = []
    for pause in pauses:
        if pause.restart and pause.ended_on is not None:
            start = pause.ended_on
            rest = []
        else:
            rest.append(pause)
    return start, rest


def _anchor(start: datetime.date, limit_days: int, calendar: WorkingCalendar) -> datetime.date:
    """The day after which working days are counted.

    The start day, except for a same-day item (limit 0), whose count starts after its due day so
    that it is not overdue on the due day itself when it was started on a rest day.
    """
    return calendar.add_working_days(start, 0) if limit_days == 0 else start


def _used(
    anchor: datetime.date,
    pauses: Sequence[Pause],
    today: datetime.date,
    calendar: WorkingCalendar,
) -> int:
    """Working days after `anchor` up to `today`, less those inside the pauses."""
    used = calendar.working_days_between(anchor, today)
    if used == 0:
        return 0
    for pause in pauses:
        end = today if pause.ended_on is None else min(pause.ended_on, today)
        used -= calendar.working_days_between(max(pause.started_on, anchor), end)
    return used


def _due(
    anchor: datetime.date,
    limit_days: int,
    pauses: Sequence[Pause],
    calendar: WorkingCalendar,
) -> datetime.date | None:
    """The first day on which `limit_days` are used up; None if an open pause comes first."""
    cursor = anchor
    remaining = limit_days
    for pause in pauses:
        available = calendar.working_days_between(cursor, pause.started_on)
        if remaining <= available:
            break  # the limit runs out before this pause begins (or as it begins)
        remaining -= available
        if pause.ended_on is None:
            return None
        cursor = max(cursor, pause.ended_on)
    return calendar.add_working_days(cursor, remaining)


def _share(used: int, limit_days: int) -> float:
    """used/limit; for a same-day item 0.0 until overdue, then 1.0 + used (so > 1.0 ⇔ overdue)."""
    if limit_days:
        return used / limit_days
    return 0.0 if used == 0 else 1.0 + used


def due_date(
    *,
    started_on: datetime.date,
    limit_days: int,
    pauses: Sequence[Pause],
    calendar: WorkingCalendar | None = None,
) -> datetime.date | None:
    """The day the limit runs out, taking every pause into account; None while paused.

    Raises ValueError on a negative limit or inconsistent pauses, and
    `core.calendar.UnknownCalendarYear` when the count reaches a year the calendar lacks.
    """
    _validate(started_on, limit_days, pauses)
    if pauses and pauses[-1].is_open:
        return None
    calendar = calendar or shared_calendar()
    start, rest = _effective_start(started_on, pauses)
    return _due(_anchor(start, limit_days, calendar), limit_days, rest, calendar)


def clock_state(
    *,
    started_on: datetime.date,
    limit_days: int,
    pauses: Sequence[Pause],
    today: datetime.date,
    yellow_share: float = 0.8,
    calendar: WorkingCalendar | None = None,
) -> ClockState:
    """The clock at the end of `today`; see the module docstring for the conventions.

    Raises ValueError on a negative limit, inconsistent pauses or a `yellow_share` outside
    (0, 1], and `core.calendar.UnknownCalendarYear` for days in a year the calendar lacks.
    """
    _validate(started_on, limit_days, pauses)
    if not 0 < yellow_share <= 1:
        raise ValueError(f"yellow_share must be in (0, 1] (got {yellow_share}).")
    calendar = calendar or shared_calendar()
    known = _as_of(pauses, today)
    paused = bool(known) and known[-1].is_open
    start, rest = _effective_start(started_on, known)
    anchor = _anchor(start, limit_days, calendar)
    used = _used(anchor, rest, today, calendar)
    due_on = None if paused else _due(anchor, limit_days, rest, calendar)

    share = _share(used, limit_days)
    if used > limit_days:
        light = Light.RED
    elif paused:
        light = Light.PAUSED
    elif limit_days == 0 or share >= yellow_share:
        light = Light.YELLOW
    else:
        light = Light.GREEN
    return ClockState(
        limit_days=limit_days,
        used_days=used,
        remaining_days=limit_days - used,
        due_on=due_on,
        paused=paused,
        light=light,
        share_used=share,
    )


def notice_deadline(
    received_on: datetime.date,
    days: int = NOTICE_DAYS,
    calendar: WorkingCalendar | None = None,
) -> datetime.date:
    """The last day on which the one-time notice (一次性告知) is on time (Art. 32).

    That is the `days`-th working day after receipt: received on a Wednesday, due the next
    Wednesday (later across a holiday).
    """
    calendar = calendar or shared_calendar()
    return calendar.add_working_days(received_on, days)


def deemed_accepted(
    received_on: datetime.date,
    noticed_on: datetime.date | None,
    today: datetime.date,
    days: int = NOTICE_DAYS,
    calendar: WorkingCalendar | None = None,
) -> bool:
    """Whether the application counts as accepted on receipt because no notice came in time.

    True when the notice was given after the deadline, or not given and the deadline has passed
    by `today`. A notice given on the deadline day itself is on time.
    """
    if noticed_on is not None and noticed_on < received_on:
        raise ValueError(
            f"A notice cannot be given ({noticed_on}) before the application was received "
            f"({received_on})."
        )
    deadline = notice_deadline(received_on, days, calendar)
    if noticed_on is not None:
        return noticed_on > deadline
    return today > deadline
