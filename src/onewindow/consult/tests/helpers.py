"""Builders shared by the consultation tests."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from onewindow.catalog.models import Answer, Department, ServiceItem
from onewindow.catalog.tests.manage_factories import make_item
from onewindow.consult import services
from onewindow.consult.models import OnlineQuestion

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"


def at(day: str, hm: str = "10:00") -> datetime.datetime:
    """An aware moment of a local (Asia/Shanghai) day."""
    return datetime.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


def item_with_answer(
    department: Department, name: str = "营业执照办理"
) -> tuple[ServiceItem, Answer]:
    item = make_item(department, name=name)
    answer = Answer.objects.create(
        item=item, code="A1", question="需要带什么材料？", answer="身份证原件和经营场所证明。"
    )
    return item, answer


def ask(
    hall: Any, *, when: datetime.datetime, text: str = "请问营业执照怎么办？"
) -> OnlineQuestion:
    return services.ask_question(hall=hall, phone=PHONE, text=text, name="张先生", now=when)
