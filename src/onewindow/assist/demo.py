"""Demo data for 帮办代办: the county hall's assisted items and requests in every state, made
through `assist.services` like real ones. Idempotent: skipped once the hall has any."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

# Key matters the article names (business start-up, construction permits) and a few more.
WANTED = [
    ("设立登记", ["help", "act"], "企业开办全程免费代办，一次提交、一窗领取"),
    ("施工许可", ["help", "act", "accompany"], "工程建设项目全程帮办，专人跟踪"),
    ("食品经营许可", ["help", "accompany"], ""),
    ("个体工商户", ["help", "act"], ""),
    ("社会保障卡", ["accompany"], "老年人、残疾人优先陪办"),
]

APPLICANTS = [
    ("张桂芳", "13800138001"),
    ("李建华", "13800138002"),
    ("王德明", "13800138003"),
    ("赵淑珍", "13800138004"),
    ("陈志强", "13800138005"),
    ("刘玉兰", "13800138006"),
    ("杨国平", "13800138007"),
    ("黄秀英", "13800138008"),
]


def _id_number(i: int) -> str:
    from onewindow.core.validators import id_check_char

    first17 = f"511602{1950 + 3 * i:04d}{1 + i % 12:02d}{10 + i:02d}{200 + i:03d}"
    return first17 + id_check_char(first17)


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def install_demo(*, stdout: Any = None) -> None:
    from onewindow.accounts.models import User
    from onewindow.assist import services
    from onewindow.assist.models import AssistedItem, AssistRequest
    from onewindow.catalog.models import ServiceItem
    from onewindow.core.calendar import UnknownCalendarYear
    from onewindow.halls.models import Hall

    hall = Hall.objects.filter(code="guangan").first()
    manager = User.objects.filter(username="manager").first()
    helper = User.objects.filter(username="helper").first()
    if hall is None or manager is None or helper is None:
        return
    if not AssistedItem.objects.filter(hall=hall).exists():
        used: set[int] = set()
        for order, (words, modes, note) in enumerate(WANTED, start=1):
            item = (
                ServiceItem.objects.published()
                .filter(name__contains=words, one_window=True)
                .exclude(pk__in=used)
                .order_by("pk")
                .first()
            )
            if item is None:
                continue
            used.add(item.pk)
            services.save_assisted_item(
                hall=hall, item=item, modes=modes, note=note, sort_order=order, actor=manager
            )
        _say(stdout, f"assisted items: {len(used)}")
    if AssistRequest.objects.filter(hall=hall).exists():
        return
    offered = services.offered_items(hall)
    if not offered:
        return
    try:
        _requests(hall, offered, manager, helper)
    except UnknownCalendarYear:
        return  # no calendar for this year yet; the list of items is still shown
    _say(stdout, f"assistance requests: {AssistRequest.objects.filter(hall=hall).count()}")


# (days ago, final state)
PLANS = [
    (0, "requested"),
    (1, "requested"),
    (2, "assigned"),
    (3, "in_progress"),
    (8, "in_progress"),  # overdue: red on the workbench
    (9, "completed"),
    (6, "completed_online"),
    (4, "cancelled"),
]


def _requests(hall: Any, offered: list[Any], manager: Any, helper: Any) -> None:
    from onewindow.assist import services

    now = timezone.now()
    for i, (days_ago, plan) in enumerate(PLANS):
        assisted = offered[i % len(offered)]
        name, phone = APPLICANTS[i]
        at = now - datetime.timedelta(days=days_ago, hours=2)
        made = services.submit_request(
            hall=hall,
            item=assisted.item,
            mode=assisted.modes[i % len(assisted.modes)],
            applicant=services.Applicant(name=name, phone=phone, id_number=_id_number(i)),
            channel="online" if i % 2 else "window",
            preferred_time=["工作日上午", "周末", "下午三点以后", ""][i % 4],
            note=["不会用电脑，需要帮忙填表", "年纪大了腿脚不便", "新办企业，材料不清楚", ""][
                i % 4
            ],
            actor=None if i % 2 else helper,
            now=at,
        )
        if plan == "requested":
            continue
        services.assign_request(
            request=made, helper=helper, actor=manager, now=at + datetime.timedelta(hours=1)
        )
        if plan == "assigned":
            continue
        if plan == "cancelled":
            services.cancel_request(
                request=made,
                reason="申请人已自行办理",
                actor=manager,
                now=at + datetime.timedelta(days=1),
            )
            continue
        services.start_request(request=made, actor=helper, now=at + datetime.timedelta(hours=2))
        services.add_note(
            request=made,
            actor=helper,
            note="已电话联系申请人，告知需带身份证原件和经营场所证明",
            now=at + datetime.timedelta(hours=3),
        )
        if plan == "in_progress":
            services.add_appointment(
                request=made,
                actor=helper,
                starts_at=now + datetime.timedelta(days=1, hours=1),
                place="一楼帮办代办窗口",
                note="带齐材料",
                now=at + datetime.timedelta(hours=4),
            )
            continue
        if plan == "completed_online":
            services.ask_online_confirmation(
                request=made, actor=helper, now=at + datetime.timedelta(days=2)
            )
            services.complete_online(
                request=made, query_code=made.query_code, now=at + datetime.timedelta(days=3)
            )
            continue
        services.complete_at_window(
            request=made,
            actor=helper,
            applicant_confirmed=True,
            id_number=made.id_number,
            now=at + datetime.timedelta(days=3),
        )
