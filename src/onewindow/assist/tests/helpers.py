"""Builders for assisted-handling tests."""

from __future__ import annotations

from typing import Any

from onewindow.assist import services
from onewindow.assist.models import AssistRequest
from onewindow.cases.tests.factories import PERSON_ID, PHONE, make_case_item

OTHER_ID = "110101199003071233"  # a valid resident ID of someone else


def offered_item(hall: Any, department: Any, manager: Any, **fields: Any) -> Any:
    fields.setdefault("name", "企业开办")
    setup = make_case_item(department, status="published", **fields)
    services.save_assisted_item(
        hall=hall, item=setup.item, modes=["help", "act"], note="免费全程代办", actor=manager
    )
    return setup


def applicant(**fields: Any) -> services.Applicant:
    values = {"name": "王秀兰", "phone": PHONE, "id_number": PERSON_ID}
    values.update(fields)
    return services.Applicant(**values)


def make_request(hall: Any, item: Any, *, mode: str = "act", **fields: Any) -> AssistRequest:
    return services.submit_request(
        hall=hall,
        item=item,
        mode=mode,
        applicant=applicant(**fields),
        channel="online",
        preferred_time="工作日上午",
    )
