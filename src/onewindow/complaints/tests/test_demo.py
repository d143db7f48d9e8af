"""The demo complaints: every step, made through the services, installed once."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.catalog.models import Department
from onewindow.complaints.demo import DEMO_COMPLAINTS, install_demo
from onewindow.complaints.models import Complaint
from onewindow.halls.models import Hall

pytestmark = pytest.mark.django_db


def test_install_demo_is_idempotent() -> None:
    hall = Hall.objects.create(**demo.DEMO_HALLS[0])
    market = Department.objects.create(name="区市监局")
    approval = Department.objects.create(name="区行政审批局")
    Department.objects.create(name="区住建局")
    Department.objects.create(name="区人社局")
    for username, role, department in (
        ("complaints", "complaint_handler", None),
        ("manager", "hall_manager", None),
        ("reviewer", "reviewer", approval),
        ("reviewer2", "reviewer", market),
    ):
        user = User.objects.create_user(username=username, hall=hall, department=department)
        user.groups.add(Group.objects.get(name=role))
    out = io.StringIO()
    assert install_demo(stdout=out) == len(DEMO_COMPLAINTS)
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == {"registered", "assigned", "handling", "replied", "closed", "reopened"}
    assert set(Complaint.objects.values_list("channel", flat=True)) == {
        "window",
        "web",
        "phone",
        "hotline",
    }
    assert Complaint.objects.filter(escalated_at__isnull=False).exists()
    assert Complaint.objects.exclude(satisfaction="").exists()
    assert install_demo(stdout=out) == 0
    assert Complaint.objects.count() == len(DEMO_COMPLAINTS)
    assert "Demo complaints" in out.getvalue()


def test_install_demo_without_the_demo_hall_does_nothing() -> None:
    assert install_demo() == 0
