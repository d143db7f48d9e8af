"""Delegation enforcement on the pages (issue 4, Done-when 3): for each of the five powers, an
action the department has not delegated is not offered, the clerk is told where the applicant
must go, and a forged request for it changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.models import Case, CaseNotice, CaseStatus, MaterialState
from onewindow.cases.services import MaterialCheck
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake_pages import applicant
from onewindow.cases.tests.test_review import accepted_case
from onewindow.catalog.models import Delegation, Power

pytestmark = pytest.mark.django_db

PLACE = "二楼 12 号窗口"


@pytest.fixture
def setup(department: Any) -> Setup:
    department.window_location = PLACE
    department.save()
    return make_case_item(department, name="食品经营许可", status="published")


def withdraw_power(setup: Setup, power: str) -> None:
    Delegation.objects.filter(item=setup.item, power=power).delete()


def opened(setup: Setup, hall: Any, clerk: Any) -> Case:
    return services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
    )


def receive_all(case: Case, clerk: Any) -> None:
    for code in ("M01", "M02"):
        services.check_material(
            case=case,
            code=code,
            check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
            actor=clerk,
        )


def test_receive_without_the_power_is_not_offered(setup: Setup, clerk: Any, client_for: Any):
    withdraw_power(setup, Power.RECEIVE)
    client = client_for(clerk)
    url = reverse("cases:intake-start", args=[setup.item.pk])
    page = client.get(url).content.decode()
    assert PLACE in page and "建立办件并核查材料" not in page
    assert client.post(url, applicant()).status_code in (400, 403)
    assert not Case.objects.exists()


def test_verify_originals_without_the_power(setup: Setup, hall: Any, clerk: Any, client_for: Any):
    case = opened(setup, hall, clerk)
    withdraw_power(setup, Power.VERIFY_ORIGINAL)
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    page = client.get(url).content.decode()
    assert 'name="M01-original_verified"' not in page
    assert "核验原件" in page and PLACE in page
    forged = client.post(
        url,
        {
            "action": "material",
            "code": "M01",
            "M01-state": "received",
            "M01-paper": "on",
            "M01-original_verified": "on",
        },
    )
    assert forged.status_code == 400
    assert PLACE in forged.content.decode()
    material = case.materials.get(code="M01")
    assert not material.original_verified and material.state == MaterialState.MISSING


def test_one_time_notice_without_the_power(setup: Setup, hall: Any, clerk: Any, client_for: Any):
    case = opened(setup, hall, clerk)
    withdraw_power(setup, Power.ONE_TIME_NOTICE)
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    page = client.get(url).content.decode()
    assert 'value="notice"' not in page and "出具一次性告知" in page and PLACE in page
    forged = client.post(url, {"action": "notice"})
    assert forged.status_code == 400
    assert not CaseNotice.objects.exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_accepting_needs_the_department_account(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = opened(setup, hall, clerk)
    receive_all(case, clerk)
    withdraw_power(setup, Power.ACCOUNT_USE)
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    page = client.get(url).content.decode()
    assert 'value="accept"' not in page and "业务系统账号" in page and PLACE in page
    forged = client.post(url, {"action": "accept"})
    assert forged.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_acceptance_records_the_account_power(setup: Setup, hall: Any, clerk: Any):
    case = opened(setup, hall, clerk)
    receive_all(case, clerk)
    services.accept_case(case=case, actor=clerk)
    assert case.events.get(action="case.accepted").power == Power.ACCOUNT_USE


def test_delivery_without_the_power(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    certificate_clerk: Any,
    client_for: Any,
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer)
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意")
    services.issue_result(case=case, actor=certificate_clerk, number="JY001")
    withdraw_power(setup, Power.DELIVER_RESULT)
    client = client_for(certificate_clerk)
    url = reverse("cases:result-case", args=[case.number])
    page = client.get(url).content.decode()
    assert 'value="deliver"' not in page and "送达" in page and PLACE in page
    forged = client.post(
        url,
        {
            "action": "deliver",
            "deliver-mode": "window",
            "deliver-recipient_name": "张三",
            "deliver-recipient_id_number": case.id_number,
        },
    )
    assert forged.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESULT_READY
