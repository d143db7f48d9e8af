"""Demo consultations and online questions for the county demo hall, made through the services.

Run after `onewindow.demo.setup_demo` (it needs the hall `guangan`, the accounts `guide` and
`manager` and the catalog). Idempotent: does nothing when the hall already has consultations.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

DEMO_HALL = "guangan"

# (days ago, hour, minutes, channel, outcome, item words, question, answer given)
CONSULTATIONS = [
    (
        0,
        9,
        6,
        "window",
        "guided",
        "营业执照",
        "开个小超市要办哪些证？",
        "先办营业执照，卖预包装食品还要办食品经营许可（备案）。",
    ),
    (
        0,
        10,
        4,
        "window",
        "answered",
        "",
        "中午有没有人上班？",
        "中午实行延时服务，12:00–13:30有窗口值班。",
    ),
    (
        0,
        11,
        3,
        "phone",
        "answered",
        "社会保障卡",
        "社保卡丢了在哪里补？",
        "带身份证到2号窗口或在掌上12333申请补卡。",
    ),
    (
        1,
        9,
        12,
        "window",
        "answered",
        "不动产",
        "二手房过户要带什么材料？",
        "买卖双方身份证、不动产权证书、买卖合同、完税凭证。",
    ),
    (1, 14, 5, "hotline", "department", "医疗保险", "异地就医备案怎么办理？", ""),
    (
        1,
        15,
        8,
        "window",
        "complaint",
        "营业执照",
        "跑了三次执照还没办下来",
        "已引导到“办不成事”窗口登记。",
    ),
    (
        2,
        9,
        7,
        "window",
        "guided",
        "食品经营许可",
        "开餐馆的食品经营许可要多久？",
        "材料齐全当场受理，承诺10个工作日办结。",
    ),
    (2, 10, 2, "phone", "answered", "", "停车场在哪里？", "中心东侧地面停车场，免费停放2小时。"),
    (
        3,
        9,
        9,
        "window",
        "answered",
        "居民身份证",
        "身份证快过期了怎么换？",
        "到户籍所在地派出所或中心公安窗口换领，带旧证。",
    ),
    (
        3,
        16,
        6,
        "hotline",
        "answered",
        "社会保障卡",
        "社保卡怎么激活金融功能？",
        "到卡面所示银行网点激活。",
    ),
    (
        4,
        11,
        11,
        "window",
        "guided",
        "建设工程",
        "厂房扩建要办施工许可吗？",
        "需要，可申请帮办代办，工作人员全程协助。",
    ),
    (6, 9, 4, "window", "department", "不动产", "房产证上名字写错了怎么改？", ""),
    (
        7,
        10,
        5,
        "phone",
        "answered",
        "医疗保险",
        "灵活就业人员怎么交医保？",
        "在税务部门缴费，可在手机上办理。",
    ),
    (
        8,
        15,
        3,
        "window",
        "answered",
        "",
        "周末能办业务吗？",
        "实行七天工作制，周六周日上午可办理。",
    ),
]

# (days ago, answered after working days or None, item words, question, answer)
QUESTIONS = [
    (
        9,
        1,
        "营业执照",
        "个体工商户营业执照可以网上办吗？需要去现场吗？",
        "可以网上申请，材料齐全无需到现场，执照可邮寄。",
    ),
    (7, 2, "社会保障卡", "在外地工作，社保卡能邮寄吗？", "可以，申请补卡时选择邮寄送达。"),
    (6, 4, "不动产", "抵押注销需要本人到场吗？", "银行可代为申请，本人无需到场。"),
    (8, None, "食品经营许可", "小作坊登记证和食品经营许可证有什么区别？", ""),
    (2, None, "居民身份证", "孩子办身份证需要带户口本吗？", ""),
    (0, None, "", "你们中心有没有母婴室？在几楼？", ""),
]


def _item(words: str) -> Any:
    from onewindow.catalog.models import ServiceItem

    if not words:
        return None
    return ServiceItem.objects.published().filter(name__contains=words).order_by("pk").first()


def _answer_for(item: Any) -> Any:
    from onewindow.catalog.models import Answer

    return Answer.objects.filter(item=item).order_by("sort_order", "pk").first() if item else None


def install_demo(*, stdout: Any = None) -> None:
    from onewindow.accounts.models import User
    from onewindow.catalog.models import Department
    from onewindow.consult import services
    from onewindow.consult.models import Consultation, OnlineQuestion
    from onewindow.core.calendar import shared_calendar
    from onewindow.halls.models import Hall

    hall = Hall.objects.filter(code=DEMO_HALL).first()
    guide = User.objects.filter(username="guide").first()
    manager = User.objects.filter(username="manager").first() or guide
    if hall is None or guide is None:
        return
    if (
        Consultation.objects.filter(hall=hall).exists()
        or OnlineQuestion.objects.filter(hall=hall).exists()
    ):
        return
    now = timezone.now()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    fallback_department = Department.objects.order_by("sort_order", "name").first()
    made = 0
    for days, hour, minutes, channel, outcome, words, question, answer_text in CONSULTATIONS:
        day = today - datetime.timedelta(days=days)
        started = datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=tz)
        ended = started + datetime.timedelta(minutes=minutes)
        if ended > now:
            continue
        item = _item(words)
        department = (item.department if item else None) or fallback_department
        if outcome == "department" and department is None:
            continue
        answer = _answer_for(item) if outcome == "answered" else None
        services.record_consultation(
            hall=hall,
            actor=guide if made % 3 else manager,
            channel=channel,
            outcome=outcome,
            question=question,
            item=item,
            answer=answer,
            answer_text=answer_text or ("" if answer or outcome != "answered" else question),
            department=department if outcome == "department" else None,
            started_at=started,
            now=ended,
        )
        made += 1
    calendar = shared_calendar()
    phones = iter(["13800001111", "13900002222", "13700003333", "13600004444", "13500005555"])
    for days, after, words, question, answer_text in QUESTIONS:
        day = today - datetime.timedelta(days=days)
        asked = datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=tz)
        if asked > now:
            asked = now - datetime.timedelta(minutes=5)
        item = _item(words)
        online = services.ask_question(
            hall=hall,
            phone=next(phones, "13400006666"),
            text=question,
            name="",
            item=item,
            now=asked,
        )
        if after is not None:
            answered_day = calendar.add_working_days(day, after)
            answered = datetime.datetime.combine(answered_day, datetime.time(16, 0), tzinfo=tz)
            if answered < now:
                services.answer_question(
                    question=online, actor=guide, answer_text=answer_text, now=answered
                )
        made += 1
    made += _demo_chat(hall=hall, guide=guide, day=today - datetime.timedelta(days=1), tz=tz)
    if stdout is not None:
        stdout.write(f"consultations: {made} demo consultations and online questions\n")


def _demo_chat(*, hall: Any, guide: Any, day: datetime.date, tz: Any) -> int:
    """One finished live chat (在线人工客服) with its transcript on the consultation record."""
    from onewindow.consult import services

    start = datetime.datetime.combine(day, datetime.time(10, 15), tzinfo=tz)
    if start > timezone.now():
        return 0

    def at(seconds: int) -> datetime.datetime:
        return start + datetime.timedelta(seconds=seconds)

    services.set_available(actor=guide, available=True, now=at(0))
    chat = services.open_chat(
        hall=hall, name="王先生", question="新生儿落户需要什么材料？", now=at(5)
    )
    services.accept_chat(chat=chat, actor=guide, now=at(40))
    services.post_message(
        chat=chat,
        actor=guide,
        text="您好！需要出生医学证明、父母双方身份证和户口簿、结婚证。",
        now=at(90),
    )
    services.post_message(chat=chat, text="可以在中心办吗？要排队吗？", now=at(150))
    services.post_message(
        chat=chat,
        actor=guide,
        text="可以，在一楼公安窗口办理；可先在网上预约，到场取号即办。",
        now=at(200),
    )
    services.post_message(chat=chat, text="好的，谢谢！", now=at(230))
    services.close_chat(chat=chat, actor=guide, outcome="guided", now=at(260))
    services.set_available(actor=guide, available=False, now=at(270))
    return 1
