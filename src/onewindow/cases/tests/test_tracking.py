"""盯事在线: public tracking by case number and tracking code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from onewindow.cases import services, tracking
from onewindow.cases.models import MaterialState
from onewindow.cases.services import MaterialCheck
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import MONDAY, accepted_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_failures() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


def look_up(client: Client, number: str, code: str) -> Any:
    return client.post(reverse("tracking:track"), {"number": number, "code": code})


def test_the_applicant_follows_a_case_to_completion(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = accepted_case(setup, hall, clerk)
    client = Client()
    response = look_up(client, case.number, case.tracking_code)
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert case.item.name in html and 'data-status="accepted"' in html
    assert 'data-due="2026-03-09"' in html  # 5 working days from Monday 2 March
    assert "张*" in html and "张三" not in html  # the name is masked
    assert clerk.display_name not in html  # staff are never named

    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意", now=at(MONDAY))
    services.issue_result(case=case, actor=certificate_clerk, number="R-1", now=at(MONDAY))
    services.deliver_result(case=case, actor=certificate_clerk, mode="electronic", now=at(MONDAY))
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="closed"' in html and "已办结" in html
    steps = re.findall(r'<span class="ow-step">([^<]+)</span>', html)
    assert steps == ["收到申请", "已受理", "审查中", "准予许可", "办理结果已出", "已送达，办结"]


def test_a_one_time_notice_shows_what_is_needed(setup: Setup, hall: Any, clerk: Any):
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
        now=at(MONDAY),
    )
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.WRONG, reason="缺少签名"),
        actor=clerk,
        now=at(MONDAY),
    )
    services.give_one_time_notice(case=case, actor=clerk, now=at(MONDAY))
    case.refresh_from_db()
    view = tracking.public_view(case, today=MONDAY)
    assert view.needed == ["申请表：缺少签名", "营业执照"]
    # The applicant has no receipt yet, but the page is the same once they have the link.
    page = Client().get(reverse("tracking:case", args=[tracking.token_for(case)]))
    assert "缺少签名" in page.content.decode()


def test_wrong_codes_are_refused_and_then_the_number_is_locked(setup: Setup, hall: Any, clerk: Any):
    case = accepted_case(setup, hall, clerk)
    client = Client()
    wrong = "000000" if case.tracking_code != "000000" else "111111"
    for _ in range(tracking.FAILURE_LIMIT):
        assert look_up(client, case.number, wrong).status_code == 404
    locked = look_up(client, case.number, case.tracking_code)
    assert locked.status_code == 429  # even the right code, until the window passes
    assert "一小时后再试" in locked.content.decode()


@pytest.mark.parametrize(
    ("number", "code"), [("abc", "123456"), ("2026030200001", "12a456"), ("", "")]
)
def test_malformed_input_is_refused_with_a_message(number: str, code: str):
    response = look_up(Client(), number, code)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_forged_link_is_not_found(db: Any):
    assert Client().get(reverse("tracking:case", args=["forged-token"])).status_code == 404
    assert Client().get(reverse("tracking:track")).status_code == 200
