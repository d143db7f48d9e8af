"""The demo has a case in every state of the loop, made through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.cases.models import Case, CaseEvent
from onewindow.cases.tests.factories import make_case_item
from onewindow.cases.tests.online_helpers import make_online_item
from onewindow.halls.models import Hall

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_every_state_across_two_departments(
    department: Any, other_department: Any
):
    hall = Hall.objects.create(**demo.DEMO_HALLS[0])
    for username, role, extra in (
        ("clerk", "clerk", {}),
        ("reviewer", "reviewer", {"department": department}),
        ("reviewer2", "reviewer", {"department": other_department}),
        ("certificate", "certificate_clerk", {}),
    ):
        user = User.objects.create_user(username=username, hall=hall, **extra)
        user.groups.add(Group.objects.get(name=role))
    for owner in (department, department, other_department):
        make_case_item(owner, status="published")
    make_online_item(other_department, status="published")

    demo._create_demo_cases()
    statuses = sorted(Case.objects.filter(department=department).values_list("status", flat=True))
    assert statuses == sorted(demo.DEMO_CASE_PLANS)
    second = sorted(
        Case.objects.filter(department=other_department).values_list("status", flat=True)
    )
    assert second == sorted(demo.SECOND_DEPARTMENT_PLANS)
    closed = Case.objects.get(status="closed", department=department)
    assert closed.result_code == ("0" if closed.item.result_type == "certificate" else "6")
    assert CaseEvent.objects.filter(case=closed, action="case.delivered").exists()

    online = Case.objects.get(status="pre_review")
    assert online.channel == "online" and online.visits == 0 and online.files.exists()
    assert Case.objects.get(status="withdrawn").result_code == "1"

    demo._create_demo_cases()  # idempotent
    assert Case.objects.count() == len(demo.DEMO_CASE_PLANS) + len(demo.SECOND_DEPARTMENT_PLANS)
