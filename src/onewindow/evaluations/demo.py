"""Demo ratings: a realistic spread over the last two working weeks at the county hall's
comprehensive windows, ratings of some closed demo cases, and a bad rating in each state of
the rectification loop plus two appeals. Every row is made through the services like a real
one and marked `demo` (nothing outside this installer creates a rating without a rater).

Idempotent: skipped once any demo rating exists, or without this year's working-day calendar.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

# One day's ratings per window, by level (5 best): mostly satisfied, a few not.
DAY_PATTERN = [5, 5, 4, 5, 3, 5, 4, 5, 5, 2, 4, 5, 5, 1, 5, 4]
BAD_WORDS = {
    2: (["waiting"], "上午排队时间较长"),
    1: (["attitude", "unclear"], "材料要求没有一次讲清楚"),
}
RATERS = itertools.cycle(["13800138101", "13800138102", "", "13800138103", ""])
DEMO_CLERKS = [("ratingdemo1", "钱综窗"), ("ratingdemo2", "孙综窗")]


def install_demo(*, stdout: Any = None) -> None:
    from onewindow.core.calendar import UnknownCalendarYear
    from onewindow.evaluations.models import Evaluation

    if Evaluation.objects.filter(demo=True).exists():
        return
    try:
        _install()
    except UnknownCalendarYear:
        return


def _install() -> None:
    from onewindow.accounts.models import User
    from onewindow.core.calendar import shared_calendar
    from onewindow.halls.models import Hall, Window

    hall = Hall.objects.filter(code="guangan").first()
    manager = User.objects.filter(username="manager").first()
    clerk = User.objects.filter(username="clerk").first()
    if hall is None or manager is None or clerk is None:
        return
    clerks = [clerk, *(_demo_clerk(hall, username, name) for username, name in DEMO_CLERKS)]
    windows = list(Window.objects.filter(hall=hall, number__in=(4, 5, 6)).order_by("number"))
    if len(windows) < 3:
        return
    calendar = shared_calendar()
    today = timezone.localdate()
    days = []
    day = today - datetime.timedelta(days=1)
    while len(days) < 10:
        if calendar.is_workday(day):
            days.append(day)
        day -= datetime.timedelta(days=1)
    days.reverse()
    levels = itertools.cycle(DAY_PATTERN)
    bad: list[Any] = []
    for n, day in enumerate(days):
        for window, who in zip(windows, clerks, strict=True):
            for k in range(3 + (n + window.number) % 3):
                level = next(levels)
                ticket = _served(hall, window, who, day, k)
                evaluation = _rate(ticket, level, channel="pad" if k % 2 else "qr")
                if evaluation.is_bad:
                    bad.append(evaluation)
    _rate_closed_cases()
    _walk_rectifications(bad, manager, today)


def _demo_clerk(hall: Any, username: str, full_name: str) -> Any:
    from onewindow.accounts.models import User

    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "hall": hall}
    )
    if created:
        user.set_unusable_password()  # sample colleague for the figures; cannot sign in
        user.save()
        user.groups.add(Group.objects.get(name="clerk"))
    return user


def _served(hall: Any, window: Any, clerk: Any, day: datetime.date, k: int) -> Any:
    from onewindow.halls import services as hall_services
    from onewindow.tickets import services as queue
    from onewindow.tickets.models import Queue

    tz = timezone.get_current_timezone()

    def at(minutes: int) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(9), tzinfo=tz) + datetime.timedelta(
            minutes=minutes
        )

    start = 20 * k + 3 * window.number
    prefix = "A" if window.kind == "natural" else "B"
    queue.issue_ticket(hall=hall, queue=Queue.objects.get(hall=hall, prefix=prefix), now=at(start))
    window.refresh_from_db()
    if window.clerk_id != clerk.pk:
        hall_services.sign_in(window=window, clerk=clerk, now=at(start))
        window.refresh_from_db()
    if window.state != "open":
        hall_services.open_window(window=window, actor=clerk, now=at(start))
    ticket = queue.call_next(window=window, actor=clerk, now=at(start + 2))
    queue.start_service(ticket=ticket, actor=clerk, now=at(start + 3))
    done = queue.finish_service(ticket=ticket, actor=clerk, outcome="handled", now=at(start + 12))
    hall_services.sign_out(window=window, clerk=clerk, now=at(start + 13))
    return done


def _rate(ticket: Any, level: int, *, channel: str) -> Any:
    from onewindow.evaluations import services

    reasons, comment = BAD_WORDS.get(level, ([], ""))
    return services.rate(
        kind="ticket",
        pk=ticket.pk,
        level=level,
        channel=channel,
        reasons=reasons,
        comment=comment,
        phone=next(RATERS) if level <= 2 else "",
        now=ticket.finished_at + datetime.timedelta(minutes=1),
        demo=True,
    )


def _rate_closed_cases() -> None:
    from onewindow.cases.models import Case
    from onewindow.evaluations import services

    for level, case in zip(
        [5, 4, 5], Case.objects.filter(status="closed").order_by("pk"), strict=False
    ):
        services.rate(
            kind="case",
            pk=case.pk,
            level=level,
            channel="online",
            now=case.closed_at + datetime.timedelta(hours=2),
            demo=True,
        )


def _walk_rectifications(bad: list[Any], manager: Any, today: datetime.date) -> None:
    """The oldest bad ratings reported back (one re-rated), the next verified, the newest left
    to verify; two appeals, one decided."""
    from onewindow.evaluations import services

    bad.sort(key=lambda e: e.rated_at)
    reported, verified = bad[:3], bad[3:5]
    for e in reported + verified:
        r = e.rectification
        services.verify(
            rectification=r,
            actor=manager,
            note="电话回访：群众反映属实",
            now=e.rated_at + datetime.timedelta(hours=3),
        )
    for e in reported:
        services.report_back(
            rectification=e.rectification,
            actor=manager,
            measures="高峰时段增开综合窗口，窗口人员再培训一次性告知要求",
            report="已电话告知整改措施",
            now=e.rated_at + datetime.timedelta(days=2),
        )
    if reported:
        services.rate(
            kind="ticket",
            pk=reported[0].ticket_id,
            level=4,
            channel="qr",
            now=reported[0].rated_at + datetime.timedelta(days=3),
            demo=True,
        )
    rest = bad[5:]
    if len(rest) >= 2:
        first = services.file_appeal(
            evaluation=rest[0],
            actor=rest[0].clerk,
            ground="mistaken",
            statement="评价人办理的是相邻窗口的业务，见叫号记录",
            now=rest[0].rated_at + datetime.timedelta(hours=1),
        )
        services.decide_appeal(
            appeal=first,
            actor=manager,
            upheld=True,
            decision="核对叫号记录属实，予以剔除",
            now=rest[0].rated_at + datetime.timedelta(hours=5),
        )
        services.file_appeal(
            evaluation=rest[1],
            actor=rest[1].clerk,
            ground="malicious",
            statement="评价人当场表示因政策不允许而故意差评",
            now=rest[1].rated_at + datetime.timedelta(hours=1),
        )
