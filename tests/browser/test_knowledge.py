"""咨询答疑 in a browser: a citizen asks on a phone in their own words, finds the answer and
marks it helpful; a question nobody answered reaches the hall manager, who writes the answer;
a clerk looks an answer up in the workstation's quick-answer panel."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from onewindow.accounts.models import Role, User
from onewindow.catalog.models import Answer
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap


def staff(username: str, role: str, hall: Hall) -> User:
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, full_name=username
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    from onewindow import demo

    sync_calendar_from_library()  # transactional tests start from a flushed database
    quiet = {"stdout": io.StringIO()}
    call_command("load_synonyms", **quiet)
    call_command("import_catalog", str(demo.REAL_CATALOG), **quiet)
    call_command("import_catalog", str(demo.DEMO_CATALOG), **quiet)
    hall = Hall.objects.create(
        code="demo", name="示范区政务服务中心", phone="0826-12345", opening_hours="周一至周五"
    )
    return {
        "hall": hall,
        "manager": staff("manager", Role.HALL_MANAGER, hall),
        "clerk": staff("clerk", Role.CLERK, hall),
    }


def _no_sideways_scroll(page: Any) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_citizen_finds_an_answer_on_a_phone_and_marks_it_helpful(
    live_server: Any, world: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    page = page_factory(mobile=True)
    page.goto(f"{live_server.url}/ask/")
    assert page.locator(".ow-answer").count() >= 5  # common general questions
    shot(page, "knowledge-phone-home")
    font = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#ow-ask-q')).fontSize)"
    )
    assert font >= 20, "large type for the elderly"

    page.fill("#ow-ask-q", "社保卡丢了咋办")
    page.click(".ow-ask-form button[type=submit]")
    page.wait_for_selector(".ow-answer")
    first = page.locator(".ow-answer").first
    assert "社保卡丢了，要先做什么？" in first.inner_text()
    assert "办事指南：社会保障卡补领、换领、换发" in first.inner_text()
    assert _no_sideways_scroll(page), "the page scrolls sideways"
    shot(page, "knowledge-phone-answer")

    first.get_by_role("button", name="有帮助").click()
    page.wait_for_selector(".ow-answer >> nth=0 >> text=感谢您的反馈")
    answer = Answer.objects.get(question="社保卡丢了，要先做什么？")
    assert AnswerFeedback.objects.get(answer=answer).helpful == 1
    shot(page, "knowledge-phone-helpful")
    # The guide link opens the item's guide.
    first.get_by_role("link", name="办事指南：社会保障卡补领、换领、换发").click()
    page.wait_for_url("**/guide/items/**")

    # A question nobody has answered yet.
    page.goto(f"{live_server.url}/ask/?q=无人机飞行报备")
    assert "暂时没有" in page.inner_text("main")
    shot(page, "knowledge-phone-not-found")
    assert KnowledgeGap.objects.get().query == "无人机飞行报备"
    assert page.external_requests == []


def test_the_manager_answers_a_gap_and_a_clerk_uses_the_quick_panel(
    live_server: Any, world: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    citizen = page_factory(mobile=True)
    citizen.goto(f"{base}/ask/?q=无人机飞行报备")

    page = page_factory()
    login(page, base, "manager")
    page.goto(f"{base}/manage/knowledge-gaps/")
    assert "无人机飞行报备" in page.inner_text("table")
    shot(page, "knowledge-manager-gaps")
    page.get_by_role("link", name="撰写答疑").first.click()
    assert page.input_value("#id_question") == "无人机飞行报备"
    page.fill("#id_question", "无人机飞行要报备吗？")
    page.fill("#id_answer", "在管制空域飞行须提前向空管部门申请；具体请咨询公安机关。")
    page.fill("#id_source", "《无人驾驶航空器飞行管理暂行条例》")
    page.click("main button[type=submit]")
    page.wait_for_selector(".alert-success, .alert")
    shot(page, "knowledge-manager-answer-saved")
    assert KnowledgeGap.objects.get().resolved

    page.goto(f"{base}/manage/answers/?kind=general")
    shot(page, "knowledge-manager-answers")
    page.goto(f"{base}/manage/knowledge/statistics/")
    shot(page, "knowledge-manager-statistics")

    # The citizen asks again and now finds it.
    citizen.goto(f"{base}/ask/?q=无人机飞行报备")
    assert "无人机飞行要报备吗？" in citizen.locator(".ow-answer").first.inner_text()

    clerk = page_factory()
    login(clerk, base, "clerk")
    clerk.goto(f"{base}/cases/intake/")
    clerk.fill("#ow-quick-q", "大厅几点上班")
    clerk.wait_for_selector("#ow-quick-results details")
    assert "大厅什么时间可以办事？" in clerk.inner_text("#ow-quick-results")
    shot(clerk, "knowledge-clerk-quick-answers")
    clerk.goto(f"{base}/workstation/")
    clerk.fill("#ow-quick-q", "停车")
    clerk.wait_for_selector("#ow-quick-results details")
    assert "来大厅办事可以停车吗？" in clerk.inner_text("#ow-quick-results")
    shot(clerk, "knowledge-clerk-workstation")
