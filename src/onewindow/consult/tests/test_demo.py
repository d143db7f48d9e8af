"""The demo consultations: made through the services, and installing twice changes nothing."""

from __future__ import annotations

import io

import pytest

from onewindow.accounts.models import Role
from onewindow.catalog.tests.manage_factories import make_item
from onewindow.consult.demo import install_demo
from onewindow.consult.models import Consultation, OnlineQuestion
from onewindow.core.models import AuditEvent
from onewindow.halls.models import Hall

pytestmark = pytest.mark.django_db


def test_install_demo_is_idempotent(make_user, department):
    hall = Hall.objects.create(code="guangan", name="广安区政务服务中心")
    make_user(Role.GUIDE, username="guide", hall=hall)
    make_user(Role.HALL_MANAGER, username="manager", hall=hall)
    for name in ("个体工商户营业执照登记", "社会保障卡补领", "不动产转移登记", "医疗保险关系转移"):
        make_item(department, name=name)
    out = io.StringIO()
    install_demo(stdout=out)
    consultations = Consultation.objects.count()
    questions = OnlineQuestion.objects.count()
    assert consultations >= 8 and questions == 6
    assert OnlineQuestion.objects.filter(answered_at__isnull=True).count() >= 3
    assert Consultation.objects.exclude(transcript="").count() == 1  # the live chat
    assert set(Consultation.objects.values_list("channel", flat=True)) >= {
        "window",
        "phone",
        "hotline",
    }
    assert AuditEvent.objects.filter(action="consult.consultation.recorded").count() == (
        consultations
    )
    install_demo()
    assert Consultation.objects.count() == consultations
    assert OnlineQuestion.objects.count() == questions


def test_install_demo_without_the_demo_hall_does_nothing(db):
    install_demo()
    assert not Consultation.objects.exists()
