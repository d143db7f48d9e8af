"""网上申请 in a browser: a citizen applies on a phone with photos and scans, the front desk
pre-reviews and accepts, the back office approves, the certificate window delivers electronically,
and public tracking shows the case completed without a single visit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow.accounts.models import Role, User
from onewindow.cases.models import Case, CaseFile
from onewindow.cases.tests.online_helpers import EXE, PDF, jpeg, make_online_item
from onewindow.catalog.models import Department
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall
from onewindow.tickets import sms


def staff(username: str, role: str, hall: Hall, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, full_name=username, **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


@pytest.fixture
def online_setup(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心", address="示范大道 1 号")
    department = Department.objects.create(
        name="区市场监督管理局", window_location="二楼 12 号窗口"
    )
    make_online_item(department, name="食品经营许可（新办）", audience="natural")
    files = {
        "exe": tmp_path / "申请表.pdf",
        "pdf": tmp_path / "申请表（已签字）.pdf",
        "jpg": tmp_path / "营业执照.jpg",
    }
    files["exe"].write_bytes(EXE)
    files["pdf"].write_bytes(PDF)
    files["jpg"].write_bytes(jpeg("lightgray"))
    return {
        "files": files,
        "clerk": staff("clerk", Role.CLERK, hall),
        "reviewer": staff("reviewer", Role.REVIEWER, hall, department=department),
        "issuer": staff("issuer", Role.CERTIFICATE_CLERK, hall),
    }


def last_code() -> str:
    match = re.search(r"(\d{6})", sms.outbox[-1].text)
    assert match, sms.outbox
    return match.group(1)


def no_sideways_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_a_citizen_applies_online_and_never_comes_to_the_hall(
    live_server: Any, online_setup: dict[str, Any], page_factory: Any, shot: Any
):
    base = live_server.url
    files = online_setup["files"]

    # --- the citizen, on a phone -----------------------------------------------------------------
    phone = page_factory(mobile=True)
    phone.goto(f"{base}/")
    shot(phone, "online-0-home")
    phone.click("[data-apply-online]")
    phone.wait_for_url(f"{base}/apply/")
    phone.fill("input[name=q]", "食品经营")
    phone.click(".ow-apply button[type=submit]")
    phone.wait_for_selector(".ow-apply-item")
    shot(phone, "online-1-choose-item")
    assert no_sideways_scroll(phone)
    phone.click(".ow-apply-item >> nth=0")
    phone.wait_for_url("**/apply/items/*/")
    phone.click("[data-scenario=S01]")
    shot(phone, "online-2-scenario")
    phone.click("text=下一步")
    phone.wait_for_url("**/applicant/")
    phone.fill("input[name=name]", "张三丰")
    phone.fill("input[name=id_number]", "110105194912310021")  # wrong check digit
    phone.fill("input[name=phone]", "13800138000")
    assert not phone.is_visible("input[name=credit_code]")  # an individual: no business fields
    phone.click("text=获取验证码")
    assert "校验位不正确" in phone.inner_text("main")
    shot(phone, "online-3-applicant-wrong-id")
    phone.fill("input[name=id_number]", "11010519491231002X")
    phone.click("text=获取验证码")
    phone.wait_for_url("**/phone/")
    assert "138****8000" in phone.inner_text("main")
    code = last_code()
    phone.fill("input[name=code]", "000000" if code != "000000" else "111111")
    phone.click("main button:has-text('确认')")
    assert "验证码不正确" in phone.inner_text("main")
    shot(phone, "online-4-wrong-code")
    phone.fill("input[name=code]", code)
    phone.click("main button:has-text('确认')")
    phone.wait_for_url("**/materials/")
    # A program renamed .pdf is refused next to its field, and nothing is created.
    phone.set_input_files("input[name=material-M01]", str(files["exe"]))
    phone.click("[data-submit]")
    phone.wait_for_selector(".ow-material[data-error]")
    assert "这个文件是程序" in phone.inner_text("[data-material=M01]")
    assert not Case.objects.exists()
    shot(phone, "online-5-materials-refused")
    phone.set_input_files("input[name=material-M01]", str(files["pdf"]))
    phone.set_input_files("input[name=material-M02]", str(files["jpg"]))
    shot(phone, "online-5-materials-chosen")
    phone.click("[data-submit]")
    phone.wait_for_selector("[data-submitted]")
    case = Case.objects.get()
    assert phone.inner_text("[data-number]") == case.number
    assert phone.inner_text("[data-code]") == case.tracking_code
    assert (case.channel, case.status, case.visits) == ("online", "pre_review", 0)
    assert CaseFile.objects.filter(case=case).count() == 2
    assert no_sideways_scroll(phone)
    shot(phone, "online-6-submitted")
    phone.click("text=查看我的申请进度")
    phone.wait_for_selector(".ow-track-status")
    assert phone.inner_text(".ow-track-status") == "网上预审"
    tracking_url = phone.url
    shot(phone, "online-7-tracking-pre-review")

    # --- the front desk pre-reviews --------------------------------------------------------------
    desk = page_factory()
    sign_in(desk, base, "clerk")
    desk.click("nav >> text=网上预审")
    desk.wait_for_selector(".ow-pre-review-queue")
    assert desk.locator(f"tr[data-case='{case.number}']").count() == 1
    shot(desk, "online-8-pre-review-queue")
    desk.click(f"tr[data-case='{case.number}'] >> text=预审")
    desk.wait_for_selector(".ow-intake-materials")
    assert "申请表（已签字）.pdf" in desk.inner_text("tr[data-material=M01]")
    assert "营业执照.jpg" in desk.inner_text("tr[data-material=M02]")
    # The scan opens for the clerk (an authorised request with the browser's own cookies).
    link = desk.locator("tr[data-material=M01] .ow-case-files a").get_attribute("href")
    opened = desk.request.get(f"{base}{link}")
    assert opened.status == 200 and opened.headers["x-content-type-options"] == "nosniff"
    shot(desk, "online-9-pre-review-case")
    for code in ("M01", "M02"):
        row = desk.locator(f"tr[data-material={code}]")
        row.locator("select").select_option("received")
        row.locator(f"input[name={code}-electronic]").check()
        row.locator("button:has-text('保存')").click()
        desk.wait_for_selector(f"tr[data-material={code}][data-state=received]")
    desk.click("main button:has-text('受理') >> nth=0")
    desk.wait_for_selector("[data-status=accepted]")
    assert desk.inner_text("[data-visits]") == "0"
    shot(desk, "online-10-accepted")

    # --- the back office approves ----------------------------------------------------------------
    office = page_factory()
    sign_in(office, base, "reviewer")
    office.goto(f"{base}/cases/review/{case.number}/")
    assert "申请表（已签字）.pdf" in office.inner_text("#materials-title + table")
    office.click("text=认领此办件")
    office.wait_for_selector("[data-status=in_review]")
    office.check("input[name=decide-decision][value=approve]")
    office.fill("textarea[name=decide-opinion]", "材料齐全，符合许可条件")
    office.click("text=确认决定")
    office.wait_for_selector("[data-status=approved]")
    shot(office, "online-11-approved")

    # --- the certificate window delivers electronically ------------------------------------------
    window = page_factory()
    sign_in(window, base, "issuer")
    window.goto(f"{base}/cases/results/{case.number}/")
    window.fill("input[name=issue-number]", "JY15113010000777")
    window.click("text=登记办理结果")
    window.wait_for_selector("[data-status=result_ready]")
    window.check("input[name=deliver-mode][value=electronic]")
    shot(window, "online-12-deliver-electronically")
    window.click("main button:has-text('已送达')")
    window.wait_for_selector("[data-status=closed]")
    shot(window, "online-12-delivered")
    case.refresh_from_db()
    assert case.status == "closed" and case.visits == 0

    # --- the citizen sees it completed, with no visit --------------------------------------------
    phone.goto(tracking_url)
    phone.wait_for_selector(".ow-timeline")
    assert phone.inner_text(".ow-track-status") == "已办结"
    assert phone.get_attribute("[data-visits]", "data-visits") == "0"
    assert "JY15113010000777" in phone.inner_text("[data-result]")
    assert phone.get_attribute("[data-delivery]", "data-delivery") == "electronic"
    steps = phone.locator(".ow-step").all_inner_texts()
    assert steps[0] == "收到申请" and steps[-1] == "已送达，办结"
    assert "张*丰" in phone.inner_text("main")
    assert no_sideways_scroll(phone)
    shot(phone, "online-13-tracking-closed")
    for page in (phone, desk, office, window):
        assert page.external_requests == []


def test_after_a_notice_the_citizen_supplements_online(
    live_server: Any, online_setup: dict[str, Any], page_factory: Any, shot: Any
):
    from onewindow.cases import services, tracking
    from onewindow.cases.models import MaterialState
    from onewindow.cases.services import MaterialCheck
    from onewindow.cases.tests.factories import person
    from onewindow.cases.tests.online_helpers import upload
    from onewindow.catalog.models import ServiceItem

    clerk = online_setup["clerk"]
    case = services.submit_online_application(
        hall=clerk.hall,
        item=ServiceItem.objects.get(),
        scenario_code="S01",
        applicant=person(name="李四"),
        files={"M01": [upload("申请表.pdf", PDF)]},
        token="browser-notice",
    )
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.WRONG, reason="申请表第 2 页缺少经营者签字"),
        actor=clerk,
    )
    services.give_one_time_notice(case=case, actor=clerk)
    phone = page_factory(mobile=True)
    phone.goto(f"{live_server.url}/track/c/{tracking.token_for(case)}/")
    assert "申请表第 2 页缺少经营者签字" in phone.inner_text(".ow-track-needed")
    shot(phone, "online-supplement-1-notice")
    phone.click("text=上传补充材料")
    phone.wait_for_url("**/supplement/")
    phone.click("text=已全部上传，重新提交审核")
    assert "请先上传需要补充的材料" in phone.inner_text("main")
    row = phone.locator("[data-material=M01]")
    row.locator("input[type=file]").set_input_files(str(online_setup["files"]["exe"]))
    row.locator("button").click()
    assert "这个文件是程序" in phone.inner_text("[data-material=M01]")
    shot(phone, "online-supplement-2-refused")
    row = phone.locator("[data-material=M01]")
    row.locator("input[type=file]").set_input_files(str(online_setup["files"]["jpg"]))
    row.locator("button").click()
    phone.wait_for_selector("[data-material=M01] [data-uploaded]")
    shot(phone, "online-supplement-3-uploaded")
    assert no_sideways_scroll(phone)
    phone.click("text=已全部上传，重新提交审核")
    phone.wait_for_selector(".ow-track-status")
    assert phone.inner_text(".ow-track-status") == "网上预审"
    shot(phone, "online-supplement-4-sent")
    case.refresh_from_db()
    assert case.status == "pre_review" and case.visits == 0
    assert phone.external_requests == []
