"""Test helpers for the queue: a hall with queues A–F, windows and signed-in clerks.

Window state and clerk are set directly (not through halls.services) so these helpers only
depend on the models.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from onewindow.accounts.models import Role, User
from onewindow.halls.models import Hall, Window, WindowKind, WindowState
from onewindow.tickets.models import Queue, QueueKind, WindowQueue

TZ = ZoneInfo("Asia/Shanghai")
_n = itertools.count(1)

DEFAULT_QUEUES = [
    ("A", "自然人综合受理", QueueKind.NATURAL),
    ("B", "法人综合受理", QueueKind.LEGAL),
    ("C", "咨询辅导", QueueKind.CONSULTATION),
    ("D", "办不成事", QueueKind.COMPLAINT),
    ("E", "帮办代办", QueueKind.ASSISTANCE),
    ("F", "出证领取", QueueKind.CERTIFICATE),
]

# A valid resident ID number (check digit correct) and a second one.
ID_1 = "11010519491231002X"
ID_2 = "110105198001010016"


def at(
    hour: int, minute: int = 0, day: int = 2, month: int = 12, year: int = 2026
) -> datetime.datetime:
    """An aware datetime in the hall's time zone (default: Wednesday 2 December 2026)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def make_hall(code: str | None = None, **fields: Any) -> Hall:
    n = next(_n)
    return Hall.objects.create(
        code=code or f"hall{n}", name=fields.pop("name", f"测试大厅{n}"), **fields
    )


def make_queues(hall: Hall, **fields: Any) -> dict[str, Queue]:
    return {
        prefix: Queue.objects.create(
            hall=hall, prefix=prefix, name=name, kind=kind, sort_order=i, **fields
        )
        for i, (prefix, name, kind) in enumerate(DEFAULT_QUEUES)
    }


def make_clerk(hall: Hall, role: str = Role.CLERK, **fields: Any) -> User:
    n = next(_n)
    user = User.objects.create_user(
        username=fields.pop("username", f"qclerk{n}"),
        password="pw-for-tests-123",
        full_name=fields.pop("full_name", f"窗口{n}"),
        hall=hall,
        **fields,
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def make_window(
    hall: Hall,
    number: int,
    queues: list[Queue] | None = None,
    *,
    overflow: list[Queue] | None = None,
    clerk: User | None = None,
    state: str = WindowState.OPEN,
    kind: str = WindowKind.NATURAL,
) -> Window:
    """A window serving `queues` in that order (and `overflow` queues only when those are empty).

    With state open and no clerk given, a new clerk is signed in.
    """
    if clerk is None and state != WindowState.CLOSED:
        clerk = make_clerk(hall)
    window = Window.objects.create(
        hall=hall,
        number=number,
        kind=kind,
        state=state,
        clerk=clerk,
        pause_reason="测试" if state == WindowState.PAUSED else "",
    )
    for i, queue in enumerate(queues or []):
        WindowQueue.objects.create(window=window, queue=queue, order=i)
    for i, queue in enumerate(overflow or []):
        WindowQueue.objects.create(window=window, queue=queue, order=i, overflow_only=True)
    return window


@dataclass
class HallSetup:
    hall: Hall
    queues: dict[str, Queue]
    windows: list[Window] = field(default_factory=list)

    @property
    def a(self) -> Queue:
        return self.queues["A"]

    def clerk(self, index: int) -> User:
        clerk = self.windows[index].clerk
        assert clerk is not None
        return clerk


def make_setup(windows: int = 2, **hall_fields: Any) -> HallSetup:
    """A hall with queues A–F and `windows` open windows serving A then B, clerks signed in."""
    hall = make_hall(**hall_fields)
    queues = make_queues(hall)
    setup = HallSetup(hall=hall, queues=queues)
    for i in range(windows):
        setup.windows.append(make_window(hall, i + 1, [queues["A"], queues["B"]]))
    return setup
