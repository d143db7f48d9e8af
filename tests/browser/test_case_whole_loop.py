"""The whole one-window loop in a browser (issue 4, Done-when 1).

A ticket is called at a comprehensive window → intake → one-time notice printed → the applicant
returns (visit 2) → accepted with the receipt printed → the paper dossier is handed over and the
back office confirms it → the reviewer asks for a correction → supplied at the front desk →
approved → the certificate is printed → delivered at the window → public tracking shows 已办结
with the whole timeline. Screenshots in artifacts/screenshots/loop-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow import demo
from onewindow.accounts.models import Role, User
from onewindow.cases.models import ArchivedDocument, Case, CaseFile, CaseStatus, HandOver
from onewindow.cases.tests.factories import make_case_item
from onewindow.cases.tests.online_helpers import EXE, PDF
from onewindow.catalog.models import Department
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls import services as hall_services
from onewindow.halls.models import Hall, Window
from onewindow.tickets import services as ticket_services
from onewindow.tickets.models import Queue, Ticket, TicketStatus

PASSWORD = "pw-for-tests-123"
APPLICANT_ID = "11010519491231002X"


def staff(username: str, role: str, hall: Hall, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, hall=hall, full_name=fields.pop("name"), **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def loop_hall(transactional_db: Any) -> dict[str, Any]:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    hall = Hall.objects.create(
        code="guangan", name="广安区政务服务中心", address="广安区政务服务中心（示例地址）"
    )
    demo._set_up_queues()
    department = Department.objects.create(
        name="区市场监督管理局", window_location="三楼市场监管后台审批区"
    )
    make_case_item(
        department,
        name="食品经营许可（新办）",
        status="published",
        result_type="certificate",
        result_name="食品经营许可证",
    )
    clerk = staff("clerk", Role.CLERK, hall, name="王受理")
    staff("reviewer", Role.REVIEWER, hall, department=department, name="陈审批")
    staff("issuer", Role.CERTIFICATE_CLERK, hall, name="赵出证")
    window = Window.objects.get(hall=hall, number=3)
    hall_services.sign_in(window=window, clerk=clerk)
    hall_services.open_window(window=window, actor=clerk)
    queue = Queue.objects.get(hall=hall, prefix="A")
    ticket_services.issue_ticket(hall=hall, queue=queue, phone="13800138000")
    return {"hall": hall, "window": window}


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def print_view(page: Any, shot: Any, name: str) -> None:
    """Look at a printable document as it comes out of an A4 printer."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(page, name)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 900})


def check_material(page: Any, code: str, state: str, reason: str = "") -> None:
    row = page.locator(f"tr[data-material={code}]")
    row.locator("select").select_option(state)
    if reason:
        row.locator(f"input[name={code}-reason]").fill(reason)
    else:
        row.locator(f"input[name={code}-paper]").check()
    row.locator("form:has(input[value=material]) button[type=submit]").click()
    page.wait_for_selector(f"tr[data-material={code}][data-state={state}]")


def test_the_whole_loop_from_ticket_to_completed_case(
    live_server: Any, loop_hall: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url

    # 1. The clerk calls the ticket at window 3 and opens an intake from it.
    desk = page_factory()
    desk.on("dialog", lambda dialog: dialog.accept())  # confirmations before irreversible steps
    log_in(desk, base, "clerk")
    desk.goto(f"{base}/workstation/")
    desk.keyboard.press("F1")
    desk.wait_for_function("document.body.innerText.includes('A001')")
    desk.wait_for_timeout(500)  # let the panel settle after the call before starting
    desk.locator("button.ow-ws-big").click()  # start service
    desk.wait_for_selector(".ow-ws-intake")
    shot(desk, "loop-01-workstation-serving", full_page=False)
    desk.locator(".ow-ws-intake a", has_text="收件").last.click()
    desk.wait_for_url("**/cases/intake/**")
    desk.fill("input[name=q]", "食品经营")
    desk.click("main button[type=submit]")
    desk.click(".ow-intake-hits a >> nth=0")
    desk.wait_for_url("**/cases/intake/new/*/**")
    desk.check("input[name=scenario][value=S01]")
    desk.fill("input[name=name]", "张三")
    desk.fill("input[name=id_number]", APPLICANT_ID)
    desk.fill("input[name=phone]", "13800138000")
    desk.click("text=建立办件并核查材料")
    desk.wait_for_selector(".ow-intake-materials")
    case = Case.objects.get()
    assert case.ticket_id == Ticket.objects.get().pk and case.visits == 1

    # 2. One material is wrong, one missing: one written notice of everything, printed.
    check_material(desk, "M01", "wrong", "申请表缺少申请人签名")
    shot(desk, "loop-02-intake-checklist")
    desk.click("text=出具一次性告知书")
    desk.wait_for_selector("[data-status=notice_given]")
    desk.click("[data-print-notice=one_time]")
    desk.wait_for_selector(".ow-doc")
    body = desk.inner_text(".ow-doc")
    assert "一次性告知书" in body and "申请表缺少申请人签名" in body and "营业执照" in body
    print_view(desk, shot, "loop-03-one-time-notice-print")
    desk.go_back()

    # 3. The applicant comes back with everything (visit 2) and is accepted.
    desk.click("text=申请人已带齐材料回到窗口")
    desk.wait_for_selector("[data-status=received]")
    check_material(desk, "M01", "received")
    # The licence copy is scanned and uploaded; a disguised program is refused by its content.
    upload = desk.locator("tr[data-material=M02] form.ow-upload")
    upload.locator("input[type=file]").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": EXE}
    )
    upload.locator("[type=submit]").click()
    desk.wait_for_selector("tr[data-material=M02] .text-danger")
    assert not CaseFile.objects.exists()
    upload = desk.locator("tr[data-material=M02] form.ow-upload")
    upload.locator("input[type=file]").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    upload.locator("[type=submit]").click()
    desk.wait_for_selector("tr[data-material=M02] a:has-text('营业执照.pdf')")
    check_material(desk, "M02", "received")
    desk.click("main button:has-text('受理') >> nth=0")
    desk.wait_for_selector("[data-status=accepted]")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.visits == 2
    shot(desk, "loop-04-accepted")
    desk.click("[data-print-notice=acceptance]")
    desk.wait_for_selector(".ow-doc")
    receipt = desk.inner_text("body")
    assert case.number in receipt and case.tracking_code in receipt
    print_view(desk, shot, "loop-05-acceptance-notice-and-receipt-print")

    # 4. The paper dossier goes to the back office on a hand-over sheet.
    desk.goto(f"{base}/cases/hand-over/")
    desk.locator(f"input[name=cases][value='{case.number}']").check()
    desk.click("main button:has-text('生成交接单')")
    desk.wait_for_url("**/cases/hand-over/sheets/*/")
    assert case.number in desk.inner_text("body")
    print_view(desk, shot, "loop-06-hand-over-sheet-print")

    back = page_factory()
    log_in(back, base, "reviewer")
    back.on("dialog", lambda dialog: dialog.accept())  # "every folder has arrived?"
    back.goto(f"{base}/cases/hand-over/incoming/")
    back.click("main a:has-text('打开交接单')")
    back.locator("main form[action*='hand-over/incoming'] button[type=submit]").click()
    back.wait_for_load_state()
    assert HandOver.objects.get().confirmed_at is not None
    shot(back, "loop-07-hand-over-confirmed")

    # 5. The reviewer takes the case and asks for a correction; the front desk records it.
    back.goto(f"{base}/cases/review/")
    back.locator(f"tr[data-case='{case.number}'] button").click()
    back.wait_for_url(f"**/cases/review/{case.number}/")
    back.fill("textarea[name=correction-items]", "补充经营场所平面布局图")
    back.click("main button:has-text('经前台退回申请人补正')")
    back.wait_for_selector("[data-status=correction]")
    shot(back, "loop-08-correction-requested")

    desk.goto(f"{base}/cases/intake/{case.number}/")
    assert "补充经营场所平面布局图" in desk.inner_text("main")
    desk.click("main button:has-text('申请人已补齐补正')")
    desk.wait_for_selector("[data-status=in_review]")

    # 6. Approved.
    back.goto(f"{base}/cases/review/{case.number}/")
    back.check("input[name=decide-decision][value=approve]")
    back.fill("textarea[name=decide-opinion]", "材料齐全，符合法定条件，准予许可")
    back.click("text=确认决定")
    back.wait_for_selector("[data-status=approved]")
    shot(back, "loop-09-approved")

    # 7. The certificate window produces the licence, prints it and hands it over.
    issuer = page_factory()
    log_in(issuer, base, "issuer")
    issuer.goto(f"{base}/cases/results/")
    assert issuer.locator(f"tr[data-case='{case.number}']").count() == 1
    issuer.click(f"tr[data-case='{case.number}'] a")
    issuer.fill("input[name=issue-number]", "JY15116020000001")
    issuer.fill("input[name=issue-valid_from]", "2026-11-28")
    issuer.fill("input[name=issue-valid_until]", "2031-11-27")
    issuer.locator("form:has(input[value=issue]) button[type=submit]").click()
    issuer.wait_for_selector("[data-status=result_ready]")
    issuer.goto(f"{base}/cases/documents/{case.number}/result/")
    certificate = issuer.inner_text(".ow-doc")
    assert "食品经营许可证" in certificate and "JY15116020000001" in certificate
    print_view(issuer, shot, "loop-10-certificate-print")
    issuer.goto(f"{base}/cases/results/{case.number}/")
    issuer.check("input[name=deliver-mode][value=window]")
    issuer.fill("input[name=deliver-recipient_name]", "张三")
    issuer.fill("input[name=deliver-recipient_id_number]", APPLICANT_ID)
    issuer.locator("form:has(input[value=deliver]) button[type=submit]").click()
    issuer.wait_for_selector("[data-status=closed]")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.result_code == "0"
    # Came to apply, came back after the notice, brought the correction, collected the licence.
    assert case.visits == 4
    issuer.goto(f"{base}/cases/documents/{case.number}/delivery/")
    assert "送达回证" in issuer.inner_text(".ow-doc")
    print_view(issuer, shot, "loop-11-delivery-receipt-print")
    # The archival PDF of the certificate is stored once, with its hash.
    issuer.goto(f"{base}/cases/results/{case.number}/")
    with issuer.expect_download() as download:
        issuer.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = '';"
            " document.body.appendChild(a); a.click(); }",
            f"{base}/cases/documents/{case.number}/result/pdf/",
        )
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    assert ArchivedDocument.objects.filter(case=case, kind="result").count() == 1

    # 8. The applicant follows it on a phone: 已办结 with the whole timeline.
    phone = page_factory(mobile=True)
    phone.goto(f"{base}/track/")
    phone.fill("input[name=number]", case.number)
    phone.fill("input[name=code]", case.tracking_code)
    phone.click(".ow-track button[type=submit]")
    phone.wait_for_selector(".ow-timeline")
    assert phone.inner_text(".ow-track-status") == "已办结"
    steps = phone.locator(".ow-step").all_inner_texts()
    for step in ("收到申请", "一次性告知补齐材料", "已受理", "要求补正", "已补正", "已送达，办结"):
        assert any(step in s for s in steps), (step, steps)
    shot(phone, "loop-12-tracking-closed")

    assert Ticket.objects.get().status in (TicketStatus.SERVING, TicketStatus.DONE)
    for page in (desk, back, issuer, phone):
        assert page.external_requests == []
