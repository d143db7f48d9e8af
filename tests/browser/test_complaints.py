"""“办不成事” in a browser: a complaint registered at the window runs to closure with the
complainant's satisfaction; the complainant follows it on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow.accounts.models import Role, User
from onewindow.catalog.models import Department
from onewindow.complaints.models import Complaint
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall, Window
from onewindow.tickets import sms


def staff(username: str, role: str, hall: Hall, **fields: Any) -> User:
    fields.setdefault("full_name", username)
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def hall_setup(transactional_db: Any, settings: Any) -> dict[str, Any]:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心")
    department = Department.objects.create(name="区市场监督管理局")
    Window.objects.create(hall=hall, number=9, kind="complaint", name="办不成事窗口")
    staff("zhou", Role.COMPLAINT_HANDLER, hall, full_name="周督办")
    staff("huang", Role.REVIEWER, hall, department=department, full_name="黄审核")
    staff("li", Role.HALL_MANAGER, hall, full_name="李主任")
    return {"hall": hall, "department": department}


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_a_window_complaint_runs_to_closure_with_satisfaction(
    live_server: Any, hall_setup: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    # The “办不成事” window registers the complaint and assigns it.
    page = page_factory()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, base, "zhou")
    shot(page, "complaint-staff-home")
    page.click("nav >> text=办不成事投诉")
    page.wait_for_selector(".ow-complaint-list")
    page.click("text=登记投诉")
    page.select_option("select[name=channel]", "window")
    page.fill("input[name=name]", "张三丰")
    page.fill("input[name=phone]", "13800138000")
    page.fill("input[name=id_number]", "110105194912310021")  # wrong check digit
    page.fill("textarea[name=content]", "办理食品经营许可，窗口和市监局互相推诿，跑了三次没办成。")
    page.select_option("select[name=cause]", "buck_passing")
    page.select_option("select[name=window]", index=1)
    page.click("main button[type=submit]")
    error = page.locator("[data-error-for=id_number]")
    assert error.is_visible() and "身份证" in error.inner_text()
    shot(page, "complaint-register-error")
    page.fill("input[name=id_number]", "11010519491231002X")
    page.click("main button[type=submit]")
    page.wait_for_url("**/manage/complaints/TS*/")
    complaint = Complaint.objects.get()
    assert complaint.window.number == 9
    assert complaint.number in sms.outbox[-1].text
    assert complaint.query_code in sms.outbox[-1].text
    page.select_option("select[name=assign-department]", label="区市场监督管理局")
    page.select_option("select[name=assign-handler]", label="黄审核（区市场监督管理局）")
    shot(page, "complaint-registered")
    page.click("form[data-action=assign] button[type=submit]")
    page.wait_for_selector("[data-status=assigned]")
    # The window sees the complainant masked once someone else handles it.
    assert "张*丰" in page.inner_text("[data-identity]")
    assert "13800138000" not in page.inner_text("main")

    # The department's handler takes it up, replies, records satisfaction and closes.
    handler = page_factory()
    handler.on("dialog", lambda dialog: dialog.accept())
    login(handler, base, "huang")
    handler.goto(f"{base}/manage/complaints/?filter=mine")
    handler.click(f"text={complaint.number}")
    assert "13800138000" in handler.inner_text("[data-identity]")
    handler.click("form[data-action=start] button[type=submit]")
    handler.wait_for_selector("[data-status=handling]")
    handler.fill(
        "textarea[name=reply-reply]",
        "已协调区市场监督管理局在综合窗口为您一次办结，并明确首问负责。",
    )
    handler.click("form[data-action=reply] button[type=submit]")
    handler.wait_for_selector("[data-status=replied]")
    assert "一次办结" in sms.outbox[-1].text
    handler.check("input[name=satisfaction-satisfaction][value=satisfied]")
    handler.click("form[data-action=satisfaction] button[type=submit]")
    handler.wait_for_selector("[data-satisfaction=satisfied]")
    handler.click("form[data-action=close] button[type=submit]")
    handler.wait_for_selector("[data-status=closed]")
    steps = handler.locator("[data-action]").evaluate_all(
        "els => els.map(e => e.dataset.action).filter(a => a.startsWith('complaint.'))"
    )
    assert steps == [
        "complaint.registered",
        "complaint.assigned",
        "complaint.handling",
        "complaint.replied",
        "complaint.satisfaction",
        "complaint.closed",
    ]
    shot(handler, "complaint-closed")
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.satisfaction == "satisfied"

    # The complainant follows it on a phone with the query code.
    phone = page_factory(mobile=True)
    phone.goto(f"{base}/complaint/{complaint.number}/")
    phone.fill("input[name=code]", complaint.query_code)
    phone.click(".ow-complaint button[type=submit]")
    phone.wait_for_selector(".ow-complaint-status")
    assert phone.inner_text(".ow-complaint-status") == "已办结"
    assert "一次办结" in phone.inner_text("[data-reply]")
    body = phone.inner_text("body")
    assert "黄审核" not in body and "13800138000" not in body
    no_overflow = phone.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert no_overflow, "the page scrolls sideways"
    assert phone.external_requests == [] and page.external_requests == []
    shot(phone, "complaint-public-follow-phone")

    # The hall manager sees it in the list and in the statistics.
    manager = page_factory()
    login(manager, base, "li")
    manager.goto(f"{base}/manage/complaints/")
    assert "张三丰" in manager.inner_text(f"tr[data-complaint='{complaint.number}']")
    shot(manager, "complaint-list-manager")
    manager.click("main >> text=统计")
    manager.wait_for_selector("[data-stat=total]")
    assert manager.inner_text("[data-stat=total]") == "1"
    assert manager.inner_text("[data-stat=satisfied]") == "100.0%"
    shot(manager, "complaint-statistics")


def test_a_citizen_complains_on_a_phone(
    live_server: Any, hall_setup: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    import re

    base = live_server.url
    phone = page_factory(mobile=True)
    phone.goto(f"{base}/complaint/")
    phone.fill(
        "textarea[name=content]", "在大厅办理社保卡补办，被告知系统故障让改天再来，已经来了两次。"
    )
    phone.fill("input[name=name]", "李秀英")
    phone.fill("input[name=phone]", "13900139000")
    shot(phone, "complaint-public-submit-phone")
    phone.click(".ow-complaint button[type=submit]")
    phone.wait_for_selector("input[name=code]")
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
    phone.fill("input[name=code]", code)
    phone.click(".ow-complaint form button[type=submit] >> nth=0")
    phone.wait_for_selector("[data-query-code]")
    complaint = Complaint.objects.get()
    assert complaint.channel == "web"
    assert phone.inner_text("[data-query-code]") == complaint.query_code
    no_overflow = phone.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert no_overflow, "the page scrolls sideways"
    shot(phone, "complaint-public-registered-phone")
