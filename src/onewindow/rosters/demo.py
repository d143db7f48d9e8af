"""Demo duty rosters for the county hall: a leader on duty every working day of this week and
next, and seven-day service on the rest days, planned through `rosters.services`. Idempotent:
skipped once the hall has a shift from today on."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

LEADERS = [
    ("李明华", "区营商环境建设局局长"),
    ("张建军", "区营商环境建设局副局长"),
    ("王晓燕", "区政务服务中心主任"),
]


def install_demo(*, stdout: Any = None) -> None:
    from onewindow.accounts.models import User
    from onewindow.core.calendar import UnknownCalendarYear, shared_calendar
    from onewindow.halls.models import Hall, Window
    from onewindow.rosters import services
    from onewindow.rosters.models import DutyShift

    hall = Hall.objects.filter(code="guangan").first()
    manager = User.objects.filter(username="manager").first()
    if hall is None or manager is None:
        return
    today = timezone.localdate()
    if DutyShift.objects.filter(hall=hall, date__gte=today).exists():
        return
    windows = list(
        Window.objects.filter(hall=hall, is_active=True, kind__in=["natural", "legal"]).order_by(
            "number"
        )[:2]
    )
    staff = list(User.objects.filter(hall=hall, username__in=["clerk", "guide"]))
    calendar = shared_calendar()
    planned = 0
    for offset in range(14):
        day = today + datetime.timedelta(days=offset)
        try:
            workday = calendar.is_workday(day)
        except UnknownCalendarYear:
            break
        if workday:
            name, title = LEADERS[offset % len(LEADERS)]
            data = services.ShiftData(
                date=day,
                kind="leader",
                starts=datetime.time(9),
                ends=datetime.time(17, 30),
                leader_name=name,
                leader_title=title,
            )
        elif windows and staff:
            data = services.ShiftData(
                date=day,
                kind="weekend",
                starts=datetime.time(9),
                ends=datetime.time(12),
                windows=windows,
                staff=staff,
                note="办理企业开办、社保医保等高频事项",
            )
        else:
            continue
        services.plan_shift(hall=hall, data=data, actor=manager, today=today)
        planned += 1
    if stdout is not None:
        stdout.write(f"duty shifts: {planned}\n")
