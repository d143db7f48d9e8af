"""Builders for case tests: an item with a scenario, materials and its delegations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from onewindow.cases.services import Applicant
from onewindow.catalog.models import Delegation, Department, Power, ServiceItem
from onewindow.catalog.tests.manage_factories import (
    make_agreement,
    make_item,
    make_material,
    make_scenario,
)

# Valid checksums (GB 11643 / GB 32100).
PERSON_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"
PHONE = "13800138000"


@dataclass
class Setup:
    item: ServiceItem
    scenario_code: str
    materials: list[str]


def make_case_item(
    department: Department,
    *,
    powers: tuple[str, ...] = tuple(Power.values),
    **fields: Any,
) -> Setup:
    """An item with one scenario (two materials, the second may be supplied later)."""
    fields.setdefault("promised_limit_days", 5)
    fields.setdefault("statutory_limit_days", 20)
    item = make_item(department, **fields)
    scenario = make_scenario(item, code="S01", name="首次申请")
    first = make_material(scenario, code="M01", name="申请表", originals=1)
    second = make_material(scenario, code="M02", name="营业执照", copies=1, may_defer=True)
    agreement = make_agreement(department, valid_from=datetime.date(2020, 1, 1))
    for power in powers:
        Delegation.objects.create(item=item, power=power, agreement=agreement)
    return Setup(item=item, scenario_code="S01", materials=[first.code, second.code])


def person(**fields: Any) -> Applicant:
    values: dict[str, Any] = {"kind": "person", "name": "张三", "phone": PHONE}
    values["id_number"] = PERSON_ID
    values.update(fields)
    return Applicant(**values)


def organisation(**fields: Any) -> Applicant:
    values: dict[str, Any] = {
        "kind": "organisation",
        "name": "示范科技有限公司",
        "phone": PHONE,
        "credit_code": CREDIT_CODE,
        "legal_representative": "李四",
        "agent_name": "王五",
        "agent_id_number": PERSON_ID,
    }
    values.update(fields)
    return Applicant(**values)
