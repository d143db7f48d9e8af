"""The back office's work queue page: who may open it, what they see, in which order."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases import services
from onewindow.cases.models import Case, CaseStatus
from onewindow.cases.tests.factories import Setup, make_case_item
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import accepted_case

pytestmark = pytest.mark.django_db

URL = reverse("cases:review-queue")


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


def test_only_reviewers_open_the_work_queue(any_persona: Any, client_for: Any):
    response = client_for(any_persona).get(URL)
    if any_persona is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif any_persona.has_role(Role.REVIEWER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_a_reviewer_without_a_department_is_told_why(make_user: Any, client_for: Any):
    reviewer = make_user(Role.REVIEWER)
    response = client_for(reviewer).get(URL)
    assert response.status_code == 403
    assert "部门" in response.content.decode()


def test_the_queue_shows_only_the_department_most_urgent_first(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    reviewer_other_department: Any,
    other_department: Any,
    client_for: Any,
    django_assert_num_queries: Any,
):
    early = accepted_case(setup, hall, clerk, day=datetime.date(2026, 3, 2))
    late = accepted_case(setup, hall, clerk, day=datetime.date(2026, 3, 4))
    paused = accepted_case(setup, hall, clerk, day=datetime.date(2026, 3, 1))
    services.claim_case(case=paused, actor=reviewer, now=at(datetime.date(2026, 3, 2)))
    services.request_correction(
        case=paused, actor=reviewer, items=["补充材料"], now=at(datetime.date(2026, 3, 2))
    )
    other = accepted_case(make_case_item(other_department), hall, clerk)
    client = client_for(reviewer)
    client.get(URL)  # the session and permissions are loaded once
    # session, user, 2× permissions, department, cases, pauses, 2× calendar, the hall (header)
    with django_assert_num_queries(10):
        html = client.get(URL).content.decode()
    order = [n for n in (early.number, late.number, paused.number) if n in html]
    assert order == [early.number, late.number, paused.number]
    assert sorted(order, key=html.index) == [early.number, late.number, paused.number]
    assert other.number not in html
    assert 'data-light="paused"' in html

    html = client_for(reviewer_other_department).get(URL).content.decode()
    assert other.number in html and early.number not in html


def test_the_query_count_does_not_grow_with_the_queue(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    client_for: Any,
    django_assert_num_queries: Any,
):
    for _ in range(6):
        accepted_case(setup, hall, clerk)
    client = client_for(reviewer)
    client.get(URL)
    # session, user, 2× permissions, department, cases, pauses, 2× calendar, the hall (header)
    with django_assert_num_queries(10):
        assert client.get(URL).status_code == 200


def test_taking_a_case_and_the_mine_filter(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    reviewer_other_department: Any,
    client_for: Any,
):
    case = accepted_case(setup, hall, clerk)
    outsider = client_for(reviewer_other_department)
    claim = reverse("cases:review-claim", args=[case.number])
    assert outsider.post(claim).status_code == 404  # another department's case is not found
    assert client_for(clerk).post(claim).status_code == 403
    client = client_for(reviewer)
    assert client.get(claim).status_code == 405
    assert client.post(claim).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reviewer) == (CaseStatus.IN_REVIEW, reviewer)
    assert case.number in client.get(URL + "?mine=1").content.decode()
    assert Case.objects.filter(reviewer=reviewer).count() == 1


def review_url(case: Case) -> str:
    return reverse("cases:review-case", args=[case.number])


def test_the_review_page_is_for_reviewers_of_the_department(
    setup: Setup, hall: Any, clerk: Any, any_persona: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk)
    response = client_for(any_persona).get(review_url(case))
    if any_persona is None:
        assert response.status_code == 302
    elif any_persona.has_role(Role.REVIEWER):  # the persona's department is the case's
        assert response.status_code == 200
        assert "申请表" in response.content.decode()
    else:
        assert response.status_code == 403


def test_another_departments_reviewer_finds_nothing(
    setup: Setup, hall: Any, clerk: Any, reviewer_other_department: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk)
    assert client_for(reviewer_other_department).get(review_url(case)).status_code == 404
    response = client_for(reviewer_other_department).post(
        review_url(case),
        {"action": "decide", "decide-decision": "approve", "decide-opinion": "同意"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_a_reviewer_decides_from_the_page(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk)
    client = client_for(reviewer)
    # Deciding before taking the case: a forged step is refused and nothing changes.
    response = client.post(
        review_url(case),
        {"action": "decide", "decide-decision": "approve", "decide-opinion": "同意"},
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    client.post(reverse("cases:review-claim", args=[case.number]))
    # A denial without reasons: the message stands next to the reasons field.
    response = client.post(
        review_url(case),
        {"action": "decide", "decide-decision": "deny", "decide-opinion": "不符合"},
    )
    assert response.status_code == 400
    assert "必须说明理由" in response.content.decode()
    response = client.post(
        review_url(case),
        {"action": "decide", "decide-decision": "approve", "decide-opinion": "符合条件，同意"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert client.post(review_url(case), {"action": "drop-table"}).status_code == 400


def test_a_reviewer_asks_for_a_correction_and_starts_a_special_procedure(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    client_for: Any,
    make_user: Any,
    department: Any,
):
    head = make_user(Role.REVIEWER, department=department)
    first, second = accepted_case(setup, hall, clerk), accepted_case(setup, hall, clerk)
    client = client_for(reviewer)
    for case in (first, second):
        client.post(reverse("cases:review-claim", args=[case.number]))
    response = client.post(
        review_url(first),
        {"action": "correction", "correction-items": "补充股东会决议\n\n补充章程"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == CaseStatus.CORRECTION and first.due_on is None
    response = client.post(
        review_url(second),
        {
            "action": "special",
            "special-procedure": "专家评审",
            "special-reason": "技术复杂",
            "special-approver": str(head.pk),
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == CaseStatus.SPECIAL
    response = client.post(
        review_url(second), {"action": "end_special", "end_special-result": "评审通过"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == CaseStatus.IN_REVIEW and second.due_on is not None


DECIDE = {"action": "decide", "decide-decision": "approve", "decide-opinion": "同意"}


@pytest.mark.parametrize("role", [Role.CLERK, Role.CERTIFICATE_CLERK, Role.GUIDE])
def test_hall_staff_cannot_decide_from_the_review_page(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, make_user: Any, client_for: Any, role: str
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer)
    # A front-desk clerk (even the one who accepted the case) may not decide it.
    user = clerk if role == Role.CLERK else make_user(role)
    response = client_for(user).post(review_url(case), DECIDE)
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.status, case.decided_at) == (CaseStatus.IN_REVIEW, None)


@pytest.mark.parametrize(
    "data",
    [
        DECIDE,
        {"action": "correction", "correction-items": "补充章程"},
        {"action": "special", "special-procedure": "专家评审", "special-reason": "x"},
        {"action": "end_special", "end_special-result": "x"},
    ],
    ids=lambda d: d["action"],
)
def test_another_departments_reviewer_cannot_act_by_post(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    reviewer_other_department: Any,
    client_for: Any,
    data: dict[str, str],
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer)
    events = case.events.count()
    response = client_for(reviewer_other_department).post(review_url(case), data)
    assert response.status_code == 404
    case.refresh_from_db()
    assert (case.status, case.events.count()) == (CaseStatus.IN_REVIEW, events)
