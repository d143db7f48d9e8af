"""Demo knowledge base: general answers written by the demo guide, citizens' feedback, the
questions that found nothing, and a few answers due for review.

Call after `onewindow.demo.setup_demo` (it needs the demo catalog with its answers and the demo
accounts). Idempotent: answers are looked up by question, feedback and gaps are only added once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from onewindow.catalog.models import Answer
from onewindow.knowledge import services
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap

# (question, answer, source)
GENERAL_ANSWERS = [
    (
        "大厅在哪里？坐几路公交车到？",
        "广安区政务服务中心位于广安区（示例地址），可乘坐公交车到“政务服务中心站”下车，"
        "步行约3分钟；自驾的可使用中心免费停车位。",
        "广安区政务服务中心服务公告（示例）",
    ),
    (
        "没带身份证可以办事吗？",
        "可以出示四川政务服务网或“天府通办”中的电子身份证照；个别需要核验原件的事项，"
        "请带身份证原件或到公安部门开具临时身份证明。",
        "本中心通用办事指引",
    ),
    (
        "老年人来办事有没有绿色通道？",
        "有。60周岁以上老年人、残疾人、孕妇和军人可在取号机选择“优先”或告诉导办员，"
        "窗口优先叫号；行动不便的可申请帮办代办，工作人员全程陪同。",
        "广安区政务服务中心帮办代办服务规范",
    ),
    (
        "中午休息时间能办事吗？",
        "工作日中午12:00-13:30实行预约延时服务：提前一个工作日预约的高频事项，"
        "午休时间也可到综合窗口办理。",
        "广安区政务服务中心服务公告（示例）",
    ),
    (
        "办事要复印材料吗？大厅能复印吗？",
        "能共享获取的材料无需复印；确需复印的，大厅自助服务区提供免费复印和打印。",
        "本中心通用办事指引",
    ),
]
# Answers whose last review lies far back: the maintenance list flags them.
STALE = ["什么是容缺受理？", "怎样对办事服务进行评价？"]
# (question, helpful, not helpful)
FEEDBACK = [
    ("大厅什么时间可以办事？", 36, 2),
    ("来大厅办事可以停车吗？", 21, 4),
    ("社保卡办好要多久？", 18, 1),
    ("低保标准是多少？", 9, 6),
    ("办营业执照要多长时间？收费吗？", 14, 0),
    ("没带身份证可以办事吗？", 7, 1),
]
# (what citizens typed, times, days since first asked)
GAPS = [
    ("电动车怎么上牌", 12, 20),
    ("公积金怎么提取", 9, 15),
    ("不动产登记要多久", 6, 9),
    ("新生儿上户口", 4, 5),
    ("护照在哪里办", 3, 2),
]


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def install_demo(*, stdout: Any = None) -> None:
    from onewindow.accounts.models import User

    guide = User.objects.filter(username="guide").first()
    manager = User.objects.filter(username="manager").first()
    written = 0
    for question, text, source in GENERAL_ANSWERS:
        if Answer.objects.filter(item=None, question=question).exists():
            continue
        services.save_answer(
            answer=None, item=None, question=question, answer_text=text, source=source, actor=guide
        )
        written += 1
    long_ago = timezone.localdate() - datetime.timedelta(days=500)
    Answer.objects.filter(question__in=STALE, item=None).update(reviewed_at=long_ago)
    for question, helpful, not_helpful in FEEDBACK:
        answer = Answer.objects.filter(question=question).order_by("pk").first()
        if answer is None or AnswerFeedback.objects.filter(answer=answer).exists():
            continue
        AnswerFeedback.objects.create(answer=answer, helpful=helpful, not_helpful=not_helpful)
    now = timezone.now()
    for query, times, days in GAPS:
        text = services.gap_text(query)
        if KnowledgeGap.objects.filter(query=text).exists():
            continue
        first = now - datetime.timedelta(days=days)
        services.log_gap(query=query, now=first)
        for n in range(times - 1):
            services.log_gap(query=query, now=first + datetime.timedelta(hours=5 * (n + 1)))
    # One gap the manager already dealt with by writing an answer.
    resolved = KnowledgeGap.objects.filter(query=services.gap_text("营业执照怎么网上办")).first()
    if resolved is None:
        gap = services.log_gap(query="营业执照怎么网上办", now=now - datetime.timedelta(days=30))
        question = "营业执照可以网上办吗？"
        if gap is not None and not Answer.objects.filter(item=None, question=question).exists():
            services.save_answer(
                answer=None,
                item=None,
                question=question,
                answer_text="可以。登录四川政务服务网“企业开办”专区全程网上办理，"
                "审核通过后可领取电子营业执照，无需到大厅。",
                source="广安区企业开办“一件事”服务指引",
                actor=manager,
                gap=gap,
            )
            written += 1
    _say(stdout, f"knowledge base: {written} answers written\n")
