"""材料流转 in a browser: the front desk makes and prints a hand-over sheet (交接单), the
department's back office confirms receipt, and the reviewer sees the paper has arrived."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onewindow.accounts.models import Role, User
from onewindow.cases import services
from onewindow.cases.models import Case, HandOver, MaterialState
from onewindow.cases.services import MaterialCheck
from onewindow.cases.tests.factories import make_case_item, organisation, person
from onewindow.catalog.models import Department
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall


def staff(username: str, role: str, hall: Hall, full_name: str, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, full_name=full_name, **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def accepted(setup: Any, hall: Hall, clerk: User, applicant: Any, when: Any) -> Case:
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=applicant,
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
    return case


@pytest.fixture
def hall_with_cases(transactional_db: Any) -> dict[str, Any]:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心")
    market = Department.objects.create(name="区市场监督管理局")
    social = Department.objects.create(name="区人力资源和社会保障局")
    food = make_case_item(market, name="食品经营许可（新办）")
    labour = make_case_item(social, name="就业创业证申领")
    clerk = staff("clerk", Role.CLERK, hall, "王晓燕")
    staff("reviewer", Role.REVIEWER, hall, "李建国", department=market)
    when = timezone.localtime() - datetime.timedelta(hours=3)
    market_cases = [
        accepted(food, hall, clerk, person(name="张三丰"), when),
        accepted(food, hall, clerk, organisation(name="示范科技有限公司"), when),
        accepted(food, hall, clerk, person(name="欧阳明月"), when),
    ]
    social_case = accepted(labour, hall, clerk, person(name="赵六"), when)
    return {"market": market_cases, "social": social_case}


def login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/staff/")


def test_paper_travels_on_a_printed_sheet_that_the_department_confirms(
    live_server: Any, hall_with_cases: dict[str, Any], page_factory: Any, shot: Any
):
    market, social = hall_with_cases["market"], hall_with_cases["social"]
    page = page_factory()
    page.on("dialog", lambda dialog: dialog.accept())  # "make the sheet?" / "confirm receipt?"
    login(page, live_server.url, "clerk")
    page.click("text=纸质材料交接")
    page.wait_for_selector(".ow-handover-group")
    assert page.locator(".ow-handover-group").count() == 2  # by department
    shot(page, "handover-queue")

    group = page.locator(".ow-handover-group", has_text="区市场监督管理局")
    group.locator("thead input[type=checkbox]").check()  # all of the department
    group.locator("button[type=submit]").click()
    page.wait_for_url("**/cases/hand-over/sheets/JJ*/")
    sheet = HandOver.objects.get()
    assert "已生成" in page.inner_text(".ow-print-toolbar")
    body = page.inner_text(".ow-print-sheet")
    assert "纸质材料交接单" in body and sheet.number in body
    assert "区市场监督管理局" in body and "王晓燕" in body
    assert [c.number in body for c in market] == [True, True, True]
    assert social.number not in body
    assert body.count("签字") == 2
    assert page.external_requests == []
    shot(page, "handover-sheet-screen")

    # As printed on A4: the toolbar disappears, the sheet fills the page.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    assert not page.locator(".ow-print-toolbar").is_visible()
    shot(page, "handover-sheet-print")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/cases/hand-over/sheets/")
    assert "等待确认" in page.inner_text(f"tr[data-sheet='{sheet.number}']")
    remaining = page.goto(f"{live_server.url}/cases/hand-over/")
    assert remaining is not None
    assert page.locator(".ow-handover-group").count() == 1  # only the other department's
    shot(page, "handover-sheets-after")

    reviewer = page_factory()
    reviewer.on("dialog", lambda dialog: dialog.accept())
    login(reviewer, live_server.url, "reviewer")
    reviewer.click("text=待接收纸质材料")
    reviewer.wait_for_selector(".ow-handover-waiting")
    shot(reviewer, "handover-incoming")
    reviewer.click(f"tr[data-sheet='{sheet.number}'] >> text=打开交接单")
    reviewer.wait_for_selector(".ow-handover-lines")
    shot(reviewer, "handover-receive-open")
    reviewer.click("text=确认接收")
    reviewer.wait_for_selector("[data-state=confirmed]")
    assert "已确认接收" in reviewer.inner_text(".ow-messages")
    shot(reviewer, "handover-receive-confirmed")

    reviewer.goto(f"{live_server.url}/cases/review/{market[0].number}/")
    transfer = reviewer.inner_text(".ow-material-transfer")
    assert "电子材料已于" in transfer and "随受理送达" in transfer
    assert "纸质材料已于" in transfer and "李建国" in transfer
    shot(reviewer, "handover-review-case")
    reviewer.goto(f"{live_server.url}/cases/review/")
    assert reviewer.locator("td[data-paper=received]").count() == 3
    shot(reviewer, "handover-review-queue")
    assert reviewer.external_requests == []

    page.goto(f"{live_server.url}/cases/hand-over/sheets/{sheet.number}/")
    assert "系统记录" in page.inner_text(".ow-print-sheet")
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    shot(page, "handover-sheet-print-confirmed")
