"""撤回: withdrawing before acceptance or during a correction, and a correction that lapses."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.models import Case, CasePause, CaseStatus
from onewindow.cases.services import CaseError
from onewindow.cases.tests.factories import Setup, make_case_item
from onewindow.cases.tests.test_intake import at, start
from onewindow.cases.tests.test_review import MONDAY, accepted_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


def test_the_applicant_withdraws_during_intake(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    with pytest.raises(CaseError) as error:
        services.withdraw_case(case=case, actor=clerk, reason=" ")
    assert error.value.field == "reason"
    with pytest.raises(CaseError) as error:
        services.withdraw_case(case=case, actor=clerk, reason="不办了", lapsed=True)
    assert error.value.code == "transition"
    services.withdraw_case(case=case, actor=clerk, reason="申请人决定暂不办理")
    case.refresh_from_db()
    assert (case.status, case.result_code) == (CaseStatus.WITHDRAWN, "1")
    event = case.events.get(action="case.withdrawn")
    assert event.power == "receive" and event.note == "申请人决定暂不办理"
    with pytest.raises(CaseError) as error:
        services.withdraw_case(case=case, actor=clerk, reason="再撤一次")
    assert error.value.code == "transition"


def test_a_correction_that_never_came_closes_with_code_5_and_ends_the_pause(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    services.request_correction(case=case, actor=reviewer, items=["补充章程"], now=at(MONDAY))
    later = MONDAY + datetime.timedelta(days=30)
    services.withdraw_case(case=case, actor=clerk, reason="逾期未补正", lapsed=True, now=at(later))
    case.refresh_from_db()
    assert (case.status, case.result_code, case.due_on) == (CaseStatus.WITHDRAWN, "5", None)
    assert CasePause.objects.get(case=case).ended_on == later


def test_an_accepted_case_cannot_be_withdrawn_at_the_front_desk(
    setup: Setup, hall: Any, clerk: Any
):
    case = accepted_case(setup, hall, clerk)
    with pytest.raises(CaseError) as error:
        services.withdraw_case(case=case, actor=clerk, reason="不办了")
    assert error.value.code == "transition"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_the_intake_page_withdraws(
    setup: Setup, hall: Any, clerk: Any, client_for: Any, make_user: Any, other_hall: Any
):
    case = start(setup, hall, clerk)
    url = reverse("cases:intake-case", args=[case.number])
    outsider = make_user("clerk", hall=other_hall)
    assert client_for(outsider).post(url, {"action": "withdraw"}).status_code == 404
    client = client_for(clerk)
    assert "撤回申请" in client.get(url).content.decode()
    bad = client.post(url, {"action": "withdraw", "withdraw-reason": ""})
    assert bad.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
    ok = client.post(url, {"action": "withdraw", "withdraw-reason": "申请人撤回"})
    assert ok.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.WITHDRAWN
