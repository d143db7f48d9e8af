"""Fixtures for complaints: SMS kept in memory, a fixed clock, and a complaint factory."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from onewindow.complaints import services
from onewindow.complaints.models import Complaint
from onewindow.tickets import sms

TZ = ZoneInfo("Asia/Shanghai")
# Wednesday 2 December 2026, 10:00 in the hall: 10 working days later is Wednesday 16 December.
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
ID_1 = "11010519491231002X"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> Iterator[list[sms.Message]]:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    cache.clear()
    yield sms.outbox
    sms.outbox.clear()
    cache.clear()


@pytest.fixture
def make_complaint(hall: Any, complaint_handler: Any) -> Callable[..., Complaint]:
    def make(**fields: Any) -> Complaint:
        fields.setdefault("hall", hall)
        fields.setdefault("channel", "window")
        fields.setdefault(
            "complainant",
            services.Complainant(name="张三丰", phone="13800138000", id_number=ID_1),
        )
        fields.setdefault("content", "营业执照变更跑了三次都没办成")
        fields.setdefault("actor", complaint_handler)
        return services.register_complaint(**fields)

    return make
