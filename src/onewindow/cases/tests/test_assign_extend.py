"""Back office: assigning a case to a colleague, and the one Art. 42 extension with approval."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent, CaseStatus
from onewindow.cases.services import CaseError
from onewindow.cases.tests.factories import Setup, make_case_item
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import MONDAY, accepted_case
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department, promised_limit_days=5, statutory_limit_days=20)


@pytest.fixture
def colleague(make_user: Any, department: Any) -> Any:
    return make_user("reviewer", department=department, full_name="李审批")


def test_a_reviewer_assigns_an_accepted_case_to_a_colleague(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, colleague: Any
):
    case = accepted_case(setup, hall, clerk)
    services.assign_case(case=case, actor=reviewer, reviewer=colleague, now=at(MONDAY))
    case.refresh_from_db()
    assert (case.status, case.reviewer) == (CaseStatus.IN_REVIEW, colleague)
    event = case.events.get(action="case.assigned")
    assert event.actor == reviewer and event.data["reviewer"] == "李审批"
    with pytest.raises(CaseError) as error:
        services.assign_case(case=case, actor=reviewer, reviewer=colleague)
    assert error.value.code == "same"


def test_assigning_outside_the_department_is_refused(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    reviewer_other_department: Any,
):
    case = accepted_case(setup, hall, clerk)
    for actor, target, code in (
        (reviewer, reviewer_other_department, "invalid"),  # not a colleague
        (reviewer, clerk, "invalid"),  # not a reviewer at all
        (reviewer_other_department, reviewer, "other_department"),
        (clerk, reviewer, "other_department"),
    ):
        with pytest.raises(CaseError) as error:
            services.assign_case(case=case, actor=actor, reviewer=target)
        assert error.value.code == code
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.reviewer is None
    assert not case.events.filter(action="case.assigned").exists()


def test_an_extension_adds_working_days_once_with_approval_and_tells_the_applicant(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    colleague: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
):
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    case = accepted_case(setup, hall, clerk)  # Mon 2 March, 5 days: due Mon 9 March
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    sms.outbox.clear()
    for kwargs, field in (
        ({"days": 0, "reason": "需补充核查", "approver": colleague}, "days"),
        ({"days": 11, "reason": "需补充核查", "approver": colleague}, "days"),
        ({"days": 5, "reason": " ", "approver": colleague}, "reason"),
        ({"days": 5, "reason": "需补充核查", "approver": None}, "approver"),
        ({"days": 5, "reason": "需补充核查", "approver": reviewer}, "approver"),  # self-approval
    ):
        with pytest.raises(CaseError) as error:
            services.extend_deadline(case=case, actor=reviewer, **kwargs)
        assert error.value.field == field
    case.refresh_from_db()
    assert case.promised_limit_days == 5 and not sms.outbox
    with django_capture_on_commit_callbacks(execute=True):
        services.extend_deadline(
            case=case,
            actor=reviewer,
            days=5,
            reason="需征求规划部门意见",
            approver=colleague,
            now=at(MONDAY + datetime.timedelta(days=3)),
        )
    case.refresh_from_db()
    assert (case.promised_limit_days, case.statutory_limit_days) == (10, 25)
    assert case.due_on == datetime.date(2026, 3, 16)  # ten working days from Mon 2 March
    event = case.events.get(action="case.extended")
    assert event.data["approver"] == "李审批" and event.note == "需征求规划部门意见"
    assert len(sms.outbox) == 1 and "需征求规划部门意见" in sms.outbox[0].text
    with pytest.raises(CaseError) as error:
        services.extend_deadline(
            case=case, actor=reviewer, days=1, reason="再延", approver=colleague
        )
    assert error.value.code == "extended"


def test_a_decision_is_sent_to_the_applicant(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
):
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(case=case, actor=reviewer, approve=True, opinion="符合条件")
    assert len(sms.outbox) == 1 and case.number in sms.outbox[0].text


def test_the_review_page_assigns_and_extends(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, colleague: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk)
    client = client_for(reviewer)
    url = reverse("cases:review-case", args=[case.number])
    page = client.get(url).content.decode()
    assert "指派给同事" in page and "李审批" in page
    response = client.post(url, {"action": "assign", "assign-reviewer": colleague.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.reviewer == colleague
    bad = client.post(
        url,
        {"action": "extend", "extend-days": 3, "extend-reason": "补充核查", "extend-approver": ""},
    )
    assert bad.status_code == 400
    assert Case.objects.get(pk=case.pk).promised_limit_days == 5
    response = client.post(
        url,
        {
            "action": "extend",
            "extend-days": 3,
            "extend-reason": "补充核查",
            "extend-approver": colleague.pk,
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).promised_limit_days == 8
    assert CaseEvent.objects.filter(case=case, action="case.extended").count() == 1


def test_another_departments_reviewer_cannot_assign_or_extend_by_post(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    colleague: Any,
    reviewer_other_department: Any,
    client_for: Any,
):
    case = accepted_case(setup, hall, clerk)
    url = reverse("cases:review-case", args=[case.number])
    for user, expected in ((reviewer_other_department, 404), (clerk, 403)):
        response = client_for(user).post(url, {"action": "assign", "assign-reviewer": colleague.pk})
        assert response.status_code == expected
    case.refresh_from_db()
    assert case.reviewer is None and case.status == CaseStatus.ACCEPTED
