"""Printed documents in a browser: each print page at A4 with print media, as a clerk hands it
over. Screenshots go to artifacts/screenshots/documents-*.png; look at them."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onewindow.accounts.models import Role, User
from onewindow.cases import services
from onewindow.cases.models import Case, MaterialState
from onewindow.cases.services import MaterialCheck
from onewindow.cases.tests.factories import make_case_item, organisation, person
from onewindow.catalog.models import Department
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall

A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 px per inch
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def staff(username: str, role: str, hall: Hall, **fields: Any) -> User:
    fields.setdefault("full_name", username)
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def cases(transactional_db: Any, settings: Any) -> dict[str, Case]:
    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.example.gov.cn"
    sync_calendar_from_library()
    hall = Hall.objects.create(
        code="demo", name="示范区政务服务中心", address="示范区人民路 1 号", phone="0571-87654321"
    )
    department = Department.objects.create(
        name="区市场监督管理局", window_location="二楼 12 号窗口"
    )
    setup = make_case_item(
        department,
        name="食品经营许可（新办）",
        result_type="certificate",
        result_name="食品经营许可证",
        implementing_body="示范区市场监督管理局",
    )
    clerk = staff("clerk", Role.CLERK, hall)
    reviewer = staff("reviewer", Role.REVIEWER, hall, department=department)
    issuer = staff("issuer", Role.CERTIFICATE_CLERK, hall, full_name="赵出证")
    now = timezone.localtime()
    day = now - datetime.timedelta(days=2)

    def start(applicant: Any) -> Case:
        return services.start_intake(
            hall=hall,
            item=setup.item,
            scenario_code=setup.scenario_code,
            applicant=applicant,
            actor=clerk,
            now=day,
        )

    def accept(case: Case) -> None:
        for code in setup.materials:
            services.check_material(
                case=case,
                code=code,
                check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
                actor=clerk,
                now=day,
            )
        services.accept_case(case=case, actor=clerk, now=day)

    noticed = start(person(name="张三丰"))
    services.check_material(
        case=noticed,
        code="M01",
        check=MaterialCheck(
            state=MaterialState.WRONG, reason="申请表缺少申请人签名，经营项目填写不完整"
        ),
        actor=clerk,
        now=day,
    )
    services.give_one_time_notice(
        case=noticed, actor=clerk, note="补正时请一并携带身份证原件", now=day
    )
    refused = start(person(name="李四"))
    services.refuse_case(
        case=refused,
        actor=clerk,
        reason="申请的排污许可事项不属于本机关职权范围",
        go_to="市生态环境局示范分局（市民中心三楼）",
        now=day,
    )
    granted = start(organisation())
    accept(granted)
    services.claim_case(case=granted, actor=reviewer, now=day + datetime.timedelta(hours=2))
    services.decide(
        case=granted,
        actor=reviewer,
        approve=True,
        opinion="符合条件",
        now=now - datetime.timedelta(hours=3),
    )
    services.issue_result(
        case=granted,
        actor=issuer,
        number="JY13301100000123",
        valid_from=now.date(),
        valid_until=now.date().replace(year=now.year + 5) - datetime.timedelta(days=1),
        now=now - datetime.timedelta(hours=2),
    )
    services.deliver_result(
        case=granted,
        actor=issuer,
        mode="window",
        recipient_name="王五",
        recipient_id_number=granted.agent_id_number,
        now=now - datetime.timedelta(hours=1),
    )
    denied = start(person(name="赵六"))
    accept(denied)
    services.claim_case(case=denied, actor=reviewer, now=day + datetime.timedelta(hours=2))
    services.decide(
        case=denied,
        actor=reviewer,
        approve=False,
        opinion="经营场所不符合要求",
        reasons=(
            "经现场核查，经营场所面积小于规定的 30 平方米，且未设置独立的食品原料存放区域，"
            "不符合《食品经营许可审查通则》的要求。"
        ),
        now=now - datetime.timedelta(hours=3),
    )
    services.issue_result(case=denied, actor=issuer, number="示市监不许〔2026〕7号", now=now)
    return {
        "noticed": noticed,
        "refused": refused,
        "granted": Case.objects.get(pk=granted.pk),
        "denied": denied,
    }


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def print_shot(page: Any, shot: Any, name: str) -> str:
    """The open print page at A4 width with print media: what the printer gets."""
    page.wait_for_selector(".ow-doc-sheet")
    page.set_viewport_size(A4)
    page.emulate_media(media="print")
    assert not page.locator(".ow-print-toolbar").is_visible()  # printing hides the toolbar
    font = page.evaluate("getComputedStyle(document.querySelector('.ow-doc-sheet')).fontFamily")
    assert font.startswith('"Noto Serif CJK SC"')
    fits = page.evaluate(
        "[...document.querySelectorAll('.ow-doc-sheet')]"
        ".every(s => s.scrollWidth <= s.clientWidth + 1)"
    )
    assert fits, "something sticks out of the A4 sheet"
    shot(page, f"documents-{name}")
    text = page.inner_text("body")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 900})
    return text


def test_each_document_prints_on_a4(
    live_server: Any, cases: dict[str, Case], page_factory: Any, shot: Any
):
    base = live_server.url
    page = page_factory()
    sign_in(page, base, "clerk")
    # The one-time notice, printed from the intake page right after giving it.
    page.goto(f"{base}/cases/intake/{cases['noticed'].number}/")
    page.click("[data-print-notice=one_time]")
    text = print_shot(page, shot, "one-time-notice")
    assert "一次性告知书" in text and "申请表缺少申请人签名" in text and "营业执照" in text
    page.goto(f"{base}/cases/intake/{cases['refused'].number}/")
    page.click("[data-print-notice=refusal]")
    text = print_shot(page, shot, "refusal-notice")
    assert "市生态环境局示范分局" in text and "行政复议" in text
    page.goto(f"{base}/cases/intake/{cases['granted'].number}/")
    page.click("[data-print-notice=acceptance]")
    assert page.locator(".ow-doc-sheet").count() == 2  # the notice, then the receipt
    assert page.locator("[data-qr] svg").count() == 1
    text = print_shot(page, shot, "acceptance-notice")
    assert "受理回执" in text and cases["granted"].tracking_code in text
    page.set_viewport_size(A4)
    page.emulate_media(media="print")
    receipt = SCREENSHOTS / "documents-acceptance-receipt.png"
    page.locator(".ow-doc-sheet").nth(1).screenshot(path=str(receipt))
    page.emulate_media(media="screen")
    # The clerk can also take the archival PDF.
    with page.expect_download() as download:
        page.click("[data-pdf]")
    assert download.value.suggested_filename.endswith(".pdf")

    page = page_factory()
    sign_in(page, base, "issuer")
    page.goto(f"{base}/cases/results/{cases['granted'].number}/")
    page.click("[data-document=result] >> text=打印")
    text = print_shot(page, shot, "certificate")
    assert "食品经营许可证" in text and "JY13301100000123" in text
    page.goto(f"{base}/cases/results/{cases['granted'].number}/")
    page.click("[data-document=delivery] >> text=打印")
    text = print_shot(page, shot, "delivery-receipt")
    assert "送达回证" in text and "王五" in text and "赵出证" in text

    page = page_factory()
    sign_in(page, base, "reviewer")
    page.goto(f"{base}/cases/review/{cases['denied'].number}/")
    shot(page, "documents-review-case-links")
    page.click("[data-document=result] >> text=打印")
    text = print_shot(page, shot, "denial-letter")
    assert "不予行政许可决定书" in text and "六个月内" in text
    # On screen the print page is a sheet of paper with the toolbar above it.
    shot(page, "documents-denial-letter-screen", full_page=False)
    assert page.external_requests == []


def test_the_applicant_downloads_their_documents_from_tracking(
    live_server: Any, cases: dict[str, Case], page_factory: Any, shot: Any
):
    from onewindow.cases import tracking

    case = cases["granted"]
    page = page_factory(mobile=True)
    page.goto(f"{live_server.url}/track/c/{tracking.token_for(case)}/")
    kinds = page.locator(".ow-track-documents li").evaluate_all(
        "items => items.map(i => i.dataset.document)"
    )
    assert kinds == ["acceptance", "result"]  # never the delivery receipt kept on file
    shot(page, "documents-tracking-downloads")
    with page.expect_download() as download:
        page.click("[data-document=result] a")
    assert download.value.suggested_filename == "食品经营许可证-JY13301100000123.pdf"
    assert page.external_requests == []
