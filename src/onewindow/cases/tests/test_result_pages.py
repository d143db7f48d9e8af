"""The certificate window's pages: produce the result, deliver it, only in one's own hall."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases import services
from onewindow.cases.models import Case, CaseStatus
from onewindow.cases.tests.factories import PERSON_ID, Setup, make_case_item
from onewindow.cases.tests.test_review import accepted_case
from onewindow.core.validators import id_check_char

pytestmark = pytest.mark.django_db

QUEUE = reverse("cases:results-queue")
SOMEONE_ELSE = "11010519800101123" + id_check_char("11010519800101123")


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department, result_type="certificate", result_name="食品经营许可证")


@pytest.fixture
def approved(setup: Setup, hall: Any, clerk: Any, reviewer: Any) -> Case:
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer)
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意")
    case.refresh_from_db()
    return case


def test_only_certificate_clerks_open_the_pages(approved: Case, any_persona: Any, client_for: Any):
    for url in (QUEUE, reverse("cases:result-case", args=[approved.number])):
        response = client_for(any_persona).get(url)
        if any_persona is None:
            assert response.status_code == 302
        elif any_persona.has_role(Role.CERTIFICATE_CLERK):
            assert response.status_code == 200
        else:
            assert response.status_code == 403


def test_the_certificate_window_produces_and_delivers(
    approved: Case, certificate_clerk: Any, client_for: Any
):
    client = client_for(certificate_clerk)
    assert approved.number in client.get(QUEUE).content.decode()
    url = reverse("cases:result-case", args=[approved.number])
    response = client.post(
        url,
        {
            "action": "issue",
            "issue-number": "JY123",
            "issue-valid_from": "2026-03-03",
            "issue-valid_until": "2026-03-01",
        },
    )
    assert response.status_code == 400
    assert "有效期截止日期早于起始日期" in response.content.decode()
    assert client.post(url, {"action": "issue", "issue-number": "JY123"}).status_code == 302
    approved.refresh_from_db()
    assert approved.status == CaseStatus.RESULT_READY
    # The wrong person at the window: the message stands next to the ID field.
    response = client.post(
        url,
        {
            "action": "deliver",
            "deliver-mode": "window",
            "deliver-recipient_name": "赵六",
            "deliver-recipient_id_number": SOMEONE_ELSE,
        },
    )
    assert response.status_code == 400
    assert "只能交给申请人或申请中载明的代理人" in response.content.decode()
    response = client.post(
        url,
        {
            "action": "deliver",
            "deliver-mode": "window",
            "deliver-recipient_name": "张三",
            "deliver-recipient_id_number": PERSON_ID,
        },
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == CaseStatus.CLOSED and approved.result_code == "0"


def test_another_halls_certificate_clerk_finds_nothing(
    approved: Case, make_user: Any, other_hall: Any, client_for: Any
):
    outsider = client_for(make_user(Role.CERTIFICATE_CLERK, hall=other_hall))
    assert approved.number not in outsider.get(QUEUE).content.decode()
    url = reverse("cases:result-case", args=[approved.number])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"action": "issue", "issue-number": "X"}).status_code == 404
    approved.refresh_from_db()
    assert approved.status == CaseStatus.APPROVED


def test_the_queue_lights_art_44s_ten_working_days(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    certificate_clerk: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
):
    import datetime

    from django.utils import timezone

    from onewindow.cases.tests.test_intake import at

    # Decided Mon 2 March 2026: ten working days run to Mon 16 March.
    old = accepted_case(setup, hall, clerk)
    services.claim_case(case=old, actor=reviewer)
    services.decide(
        case=old, actor=reviewer, approve=True, opinion="同意", now=at(datetime.date(2026, 3, 2))
    )
    fresh = accepted_case(setup, hall, clerk)
    services.claim_case(case=fresh, actor=reviewer)
    services.decide(case=fresh, actor=reviewer, approve=True, opinion="同意", now=timezone.now())
    client = client_for(certificate_clerk)
    client.get(QUEUE)  # warm the calendar cache
    with django_assert_max_num_queries(8):
        page = client.get(QUEUE).content.decode()
    assert f'data-case="{old.number}" data-light="red"' in page
    assert "2026-03-16" in page
    assert f'data-case="{fresh.number}" data-light="green"' in page
