"""留言咨询 in a browser: a citizen asks on a phone, a guide answers on a desktop, the citizen
reads the answer with the query code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow.accounts.models import Role, User
from onewindow.catalog.models import Answer, Department
from onewindow.catalog.tests.manage_factories import make_item
from onewindow.consult.models import Consultation, OnlineQuestion
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall
from onewindow.tickets import sms


def staff(username: str, role: str, hall: Hall) -> User:
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, full_name="刘导办"
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def no_sideways_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


@pytest.fixture
def consult_setup(transactional_db: Any, settings: Any) -> dict[str, Any]:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心", address="示范大道 1 号")
    department = Department.objects.create(name="区市场监督管理局")
    item = make_item(department, name="个体工商户设立登记")
    Answer.objects.create(
        item=item,
        code="Q1",
        question="个体户营业执照要带什么材料？",
        answer="经营者身份证原件、经营场所使用证明。",
    )
    staff("manager", Role.HALL_MANAGER, hall)
    return {"guide": staff("guide", Role.GUIDE, hall), "item": item}


def test_a_citizen_asks_online_a_guide_answers_the_citizen_reads_it(
    live_server: Any, consult_setup: dict[str, Any], page_factory: Any, shot: Any
):
    base = live_server.url

    # --- the citizen, on a phone -----------------------------------------------------------------
    phone = page_factory(mobile=True)
    phone.goto(f"{base}/ask/question/")
    shot(phone, "consult-1-ask-form")
    phone.fill("textarea[name=text]", "我想开一家小吃店，办营业执照需要带什么？可以网上办吗？")
    phone.fill("input[name=name]", "李阿姨")
    phone.fill("input[name=phone]", "1380013")
    phone.click("text=下一步：验证手机号码")
    assert "11位手机号码" in phone.inner_text("main")
    shot(phone, "consult-2-ask-wrong-phone")
    phone.fill("input[name=phone]", "13800138000")
    phone.click("text=下一步：验证手机号码")
    phone.wait_for_url("**/ask/question/confirm/*/")
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)  # type: ignore[union-attr]
    phone.fill("input[name=code]", code)
    shot(phone, "consult-3-code")
    phone.click("text=提交留言")
    phone.wait_for_url("**/ask/question/sent/*/")
    number = phone.inner_text("[data-number]").strip()
    query_code = phone.inner_text("[data-code]").strip()
    assert number.startswith("ZX") and re.fullmatch(r"\d{6}", query_code)
    assert no_sideways_scroll(phone)
    shot(phone, "consult-4-sent")
    assert phone.external_requests == []

    # --- the guide, on a desktop -----------------------------------------------------------------
    desk = page_factory()
    login(desk, base, "guide")
    desk.goto(f"{base}/consult/questions/")
    row = desk.locator(f"tr[data-question='{number}']")
    assert row.get_attribute("data-light") == "green"
    assert "138****8000" in row.inner_text() and "13800138000" not in desk.inner_text("main")
    shot(desk, "consult-5-queue")
    row.locator("text=答复").last.click()
    desk.wait_for_url(f"**/consult/questions/{number}/")
    desk.click("text=发送答复")  # nothing written: refused next to the field
    assert "请填写答复" in desk.inner_text("main")
    desk.fill(
        "textarea[name=answer_text]",
        "您好！个体户设立登记可以网上办理，准备经营者身份证和经营场所使用证明即可，执照可邮寄。",
    )
    shot(desk, "consult-6-answer")
    sms.outbox.clear()
    desk.click("text=发送答复")
    desk.wait_for_url("**/consult/questions/")
    assert "没有待答复的留言" in desk.inner_text("main")
    assert any(number in m.text for m in sms.outbox)
    shot(desk, "consult-7-queue-empty")

    # --- the citizen reads the answer (a new browser: the code is needed) ------------------------
    reader = page_factory(mobile=True)
    reader.goto(f"{base}/ask/question/find/")
    reader.fill("input[name=number]", number)
    reader.fill("input[name=code]", "000000" if query_code != "000000" else "111111")
    reader.click("text=查看答复")
    assert "不符" in reader.inner_text("main")
    reader.fill("input[name=code]", query_code)
    reader.click("text=查看答复")
    reader.wait_for_selector("[data-answer]")
    assert "执照可邮寄" in reader.inner_text("[data-answer]")
    assert no_sideways_scroll(reader)
    shot(reader, "consult-8-answer-read")
    assert reader.external_requests == []

    question = OnlineQuestion.objects.get(number=number)
    assert question.consultation.channel == "online"
    assert Consultation.objects.count() == 1


def test_a_guide_records_a_consultation_at_the_window(
    live_server: Any, consult_setup: dict[str, Any], page_factory: Any, shot: Any
):
    base = live_server.url
    desk = page_factory()
    login(desk, base, "guide")
    desk.goto(f"{base}/consult/")
    desk.fill("input[name=q]", "个体工商户")
    desk.click("form[role=search] button[type=submit]")
    desk.click("[data-hits] a >> nth=0")
    desk.wait_for_selector("[data-selected-item]")
    assert desk.inner_text("[data-selected-item]") == "个体工商户设立登记"
    desk.fill("textarea[name=question]", "开小吃店办执照带什么")
    desk.check("input[name=answer] >> nth=0")
    shot(desk, "consult-9-window-form")
    desk.click("text=登记咨询")
    desk.wait_for_selector("[data-today] tr[data-consultation]")
    assert "个体工商户设立登记" in desk.inner_text("[data-today]")
    shot(desk, "consult-10-window-recorded")
    c = Consultation.objects.get()
    assert c.item == consult_setup["item"] and c.answer is not None and c.channel == "window"
    assert desk.external_requests == []

    manager = page_factory()
    login(manager, base, "manager")
    manager.goto(f"{base}/consult/statistics/")
    assert manager.inner_text("[data-figure=total]") == "1"
    assert "个体工商户设立登记" in manager.inner_text("[data-tally=item]")
    shot(manager, "consult-11-statistics")


def test_a_live_chat_between_a_citizen_and_a_guide_is_stored(
    live_server: Any, consult_setup: dict[str, Any], page_factory: Any, shot: Any
):
    base = live_server.url
    citizen = page_factory(mobile=True)

    # Nobody on duty yet: the citizen is offered the online question instead.
    citizen.goto(f"{base}/ask/chat/")
    assert citizen.is_visible("[data-no-guide]")
    assert citizen.get_attribute("[data-leave-question]", "href") == "/ask/question/"
    shot(citizen, "chat-1-nobody-on-duty")

    desk = page_factory()
    login(desk, base, "guide")
    desk.goto(f"{base}/consult/chat/")
    desk.click("[data-start-duty]")
    desk.wait_for_selector("[data-on-duty]")

    citizen.goto(f"{base}/ask/chat/")
    citizen.fill("input[name=name]", "王大爷")
    citizen.fill("textarea[name=question]", "社保卡丢了怎么补办？")
    shot(citizen, "chat-2-start")
    citizen.click("text=开始对话")
    citizen.wait_for_url("**/ask/chat/*/")
    assert "正在等待导办员接入" in citizen.inner_text("#ow-chat-log")

    # The guide's desk shows the waiting citizen by itself (polling), and takes the chat.
    desk.wait_for_selector("[data-waiting] [data-chat]")
    shot(desk, "chat-3-desk-waiting")
    desk.click("[data-waiting] button")
    desk.wait_for_url("**/consult/chat/*/")
    desk.fill("input[name=text]", "王大爷您好，带身份证到2号窗口就能补办。")
    desk.press("input[name=text]", "Enter")

    # Both pages are open: each sees the other's messages without reloading.
    citizen.wait_for_selector("text=带身份证到2号窗口就能补办")
    assert "导办员刘导办已接入对话" in citizen.inner_text("#ow-chat-log")
    citizen.fill("input[name=text]", "需要带照片吗？")
    citizen.click("button:has-text('发送')")
    desk.wait_for_selector("#ow-chat-log >> text=需要带照片吗？")
    assert citizen.input_value("input[name=text]") == ""
    desk.fill("input[name=text]", "不用带照片，现场免费拍照。")
    desk.press("input[name=text]", "Enter")
    citizen.wait_for_selector("text=现场免费拍照")
    assert no_sideways_scroll(citizen)
    shot(citizen, "chat-4-citizen-conversation")
    shot(desk, "chat-5-guide-conversation")

    desk.click("[data-close-chat]")
    desk.wait_for_url(f"{base}/consult/chat/")
    citizen.wait_for_selector("[data-chat-status=closed]")
    shot(citizen, "chat-6-citizen-closed")
    assert citizen.external_requests == [] and desk.external_requests == []

    consultation = Consultation.objects.get()
    assert consultation.channel == "online" and consultation.staff == consult_setup["guide"]
    for line in ("王大爷: 社保卡丢了怎么补办？", "刘导办: 王大爷您好", "王大爷: 需要带照片吗？"):
        assert line in consultation.transcript
