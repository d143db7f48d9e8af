"""The 帮办代办 and roster demo data: made through the services, and safe to install twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow.accounts.models import User
from onewindow.assist import demo
from onewindow.assist.models import AssistedItem, AssistRequest, RequestStatus
from onewindow.cases.tests.factories import make_case_item
from onewindow.halls.models import Hall, Window
from onewindow.rosters import demo as roster_demo
from onewindow.rosters.models import DutyShift

pytestmark = pytest.mark.django_db


def test_the_demo_is_realistic_and_idempotent(department: Any) -> None:
    hall = Hall.objects.create(code="guangan", name="广安区政务服务中心")
    for username, role in (("manager", "hall_manager"), ("helper", "helper"), ("clerk", "clerk")):
        user = User.objects.create_user(username=username, password="x", hall=hall)
        user.groups.add(Group.objects.get(name=role))
    Window.objects.create(hall=hall, number=1, kind="natural")
    make_case_item(department, name="有限责任公司设立登记", status="published")
    make_case_item(department, name="建筑工程施工许可证核发", status="published")
    demo.install_demo()
    roster_demo.install_demo()
    assert AssistedItem.objects.count() == 2
    statuses = set(AssistRequest.objects.values_list("status", flat=True))
    assert statuses == set(RequestStatus.values)
    shifts = DutyShift.objects.count()
    assert shifts >= 10
    demo.install_demo()
    roster_demo.install_demo()
    assert AssistRequest.objects.count() == len(demo.PLANS)
    assert DutyShift.objects.count() == shifts
