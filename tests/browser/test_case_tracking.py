"""盯事在线 in a browser: an applicant looks up a case on a phone and on a desktop."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onewindow.accounts.models import Role, User
from onewindow.cases import services
from onewindow.cases.models import Case, MaterialState
from onewindow.cases.services import MaterialCheck
from onewindow.cases.tests.factories import make_case_item, person
from onewindow.catalog.models import Department
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall


def staff(username: str, role: str, hall: Hall, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, full_name=username, **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def closed_case(transactional_db: Any) -> Any:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心")
    department = Department.objects.create(
        name="区市场监督管理局", window_location="二楼 12 号窗口"
    )
    setup = make_case_item(department, name="食品经营许可（新办）", result_type="certificate")
    clerk = staff("clerk", Role.CLERK, hall)
    reviewer = staff("reviewer", Role.REVIEWER, hall, department=department)
    issuer = staff("issuer", Role.CERTIFICATE_CLERK, hall)
    now = timezone.localtime()
    day = now - datetime.timedelta(days=3)
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(name="张三丰"),
        actor=clerk,
        now=day,
    )
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.WRONG, reason="申请表缺少签名"),
        actor=clerk,
        now=day,
    )
    services.give_one_time_notice(case=case, actor=clerk, now=day)
    services.resume_intake(case=case, actor=clerk, now=day + datetime.timedelta(hours=2))
    for code in setup.materials:
        services.check_material(
            case=case,
            code=code,
            check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
            actor=clerk,
            now=day + datetime.timedelta(hours=2),
        )
    services.accept_case(case=case, actor=clerk, now=day + datetime.timedelta(hours=2))
    services.claim_case(case=case, actor=reviewer, now=day + datetime.timedelta(days=1))
    services.decide(
        case=case,
        actor=reviewer,
        approve=True,
        opinion="符合条件",
        now=now - datetime.timedelta(days=1),
    )
    services.issue_result(case=case, actor=issuer, number="JY15113010000123", now=now)
    services.deliver_result(
        case=case,
        actor=issuer,
        mode="window",
        recipient_name="张三丰",
        recipient_id_number=case.id_number,
        now=now,
    )
    case.refresh_from_db()
    return case


def test_an_applicant_tracks_a_completed_case(
    live_server: Any, closed_case: Any, page_factory: Any, shot: Any
):
    for mobile in (True, False):
        page = page_factory(mobile=mobile)
        size = "phone" if mobile else "desktop"
        page.goto(f"{live_server.url}/track/")
        page.fill("input[name=number]", closed_case.number)
        page.fill("input[name=code]", "000000" if closed_case.tracking_code != "000000" else "1")
        page.click(".ow-track button[type=submit]")
        assert "不匹配" in page.inner_text(".alert-danger")
        shot(page, f"tracking-{size}-wrong-code")
        page.fill("input[name=code]", closed_case.tracking_code)
        page.click(".ow-track button[type=submit]")
        page.wait_for_selector(".ow-timeline")
        assert page.inner_text(".ow-track-status") == "已办结"
        steps = page.locator(".ow-step").all_inner_texts()
        assert steps[0] == "收到申请" and steps[-1] == "已送达，办结"
        assert "一次性告知补齐材料" in steps
        body = page.inner_text("body")
        assert "张*丰" in body and "张三丰" not in body
        no_overflow = page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        assert no_overflow, "the page scrolls sideways"
        assert page.external_requests == []
        shot(page, f"tracking-{size}-closed")


@pytest.fixture
def review_setup(transactional_db: Any) -> dict[str, Any]:
    sync_calendar_from_library()
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心")
    department = Department.objects.create(
        name="区市场监督管理局", window_location="二楼 12 号窗口"
    )
    setup = make_case_item(department, name="食品经营许可（新办）", result_type="certificate")
    clerk = staff("clerk", Role.CLERK, hall)
    reviewer = staff("reviewer", Role.REVIEWER, hall, department=department)
    cases = []
    for days in (6, 2):
        when = timezone.localtime() - datetime.timedelta(days=days)
        case = services.start_intake(
            hall=hall,
            item=setup.item,
            scenario_code=setup.scenario_code,
            applicant=person(),
            actor=clerk,
            now=when,
        )
        for code in setup.materials:
            services.check_material(
                case=case,
                code=code,
                check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
                actor=clerk,
                now=when,
            )
        services.accept_case(case=case, actor=clerk, now=when)
        cases.append(case)
    return {"reviewer": reviewer, "cases": cases}


def test_a_reviewer_takes_the_most_urgent_case_and_decides(
    live_server: Any, review_setup: dict[str, Any], page_factory: Any, shot: Any
):
    page = page_factory()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    page.click("text=审批工作台")
    page.wait_for_selector(".ow-review-queue")
    numbers = page.locator(".ow-review-queue tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.case)"
    )
    oldest, newest = review_setup["cases"]
    assert numbers == [oldest.number, newest.number]  # the older acceptance is due first
    shot(page, "review-queue")
    page.locator(f"tr[data-case='{oldest.number}'] button").click()
    page.wait_for_url(f"**/cases/review/{oldest.number}/")
    shot(page, "review-case-taken")
    page.check("input[name=decide-decision][value=deny]")
    page.fill("textarea[name=decide-opinion]", "经营场所面积不符合要求")
    page.click("text=确认决定")
    assert "必须说明理由" in page.inner_text("form:has(input[value=decide])")
    shot(page, "review-case-denial-needs-reasons")
    page.fill("textarea[name=decide-reasons]", "经营场所面积小于规定的 30 平方米")
    page.click("text=确认决定")
    page.wait_for_selector("[data-status=denied]")
    shot(page, "review-case-denied")
    assert page.external_requests == []


def test_a_clerk_receives_an_application_gives_a_notice_and_accepts(
    live_server: Any, transactional_db: Any, page_factory: Any, shot: Any
):
    sync_calendar_from_library()
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心")
    department = Department.objects.create(
        name="区市场监督管理局", window_location="二楼 12 号窗口"
    )
    make_case_item(department, name="食品经营许可（新办）", status="published")
    staff("clerk", Role.CLERK, hall)
    page = page_factory()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/")
    page.click("text=收件受理")
    page.fill("input[name=q]", "食品经营")
    page.click("main button[type=submit]")
    page.click(".ow-intake-hits a >> nth=0")
    page.wait_for_url("**/cases/intake/new/*/")
    page.check("input[name=scenario][value=S01]")
    page.fill("input[name=name]", "张三")
    page.fill("input[name=id_number]", "110105194912310021")  # wrong check digit
    page.fill("input[name=phone]", "13800138000")
    page.click("text=建立办件并核查材料")
    assert "校验位不正确" in page.inner_text("main")
    shot(page, "intake-wrong-id")
    page.fill("input[name=id_number]", "11010519491231002X")
    page.click("text=建立办件并核查材料")
    page.wait_for_selector(".ow-intake-materials")
    row = page.locator("tr[data-material=M01]")
    row.locator("select").select_option("wrong")
    row.locator("input[name=M01-reason]").fill("申请表缺少法定代表人签名")
    row.locator("button").click()
    page.wait_for_selector("tr[data-material=M01][data-state=wrong]")
    shot(page, "intake-checklist")
    page.click("text=出具一次性告知书")
    page.wait_for_selector("[data-status=notice_given]")
    page.click("text=申请人已带齐材料回到窗口")
    page.wait_for_selector("[data-status=received]")
    # The corrected form row by row; the material nobody has looked at yet in one click (全部收齐).
    row = page.locator("tr[data-material=M01]")
    row.locator("select").select_option("received")
    row.locator("input[name=M01-paper]").check()
    row.locator("button").click()
    page.wait_for_selector("tr[data-material=M01][data-state=received]")
    receive_all = page.locator("[data-receive-all]")
    assert "其余1项材料全部收齐" in receive_all.inner_text()
    assert "原件已核验" in receive_all.inner_text()
    shot(page, "intake-receive-all")
    receive_all.locator("button").click()
    page.wait_for_selector("tr[data-material=M02][data-state=received]")
    assert page.locator("[data-receive-all]").count() == 0
    page.click("main button:has-text('受理') >> nth=0")
    page.wait_for_selector("[data-status=accepted]")
    assert "受理通知书" in page.inner_text("main")
    assert "一次性告知书" in page.inner_text("main")
    accepted = page.inner_text("[data-accepted]")
    case = Case.objects.get()
    assert case.tracking_code in accepted and case.due_on.isoformat() in accepted
    shot(page, "intake-accepted")
    assert page.external_requests == []
