"""帮办代办 and duty rosters in a browser: a citizen asks for help on a phone, the hall manager
assigns a helper, the helper starts intake as the applicant's agent and completes the request
with the applicant's confirmation; the duty roster shows on /duty/ and on the hall display."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onewindow.accounts.models import Role, User
from onewindow.assist import services
from onewindow.assist.models import AssistRequest, RequestStatus
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import PERSON_ID, PHONE, make_case_item
from onewindow.catalog.models import Department
from onewindow.core.calendar import shared_calendar
from onewindow.core.services import sync_calendar_from_library
from onewindow.halls.models import Hall, Window
from onewindow.rosters import services as rosters
from onewindow.tickets import sms

AGENT_ID = "110101199003071233"


def staff(username: str, role: str, hall: Hall, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username, password="pw-for-tests-123", hall=hall, **fields
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
def world(transactional_db: Any, settings: Any) -> dict[str, Any]:
    sync_calendar_from_library()  # transactional tests start from a flushed database
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    hall = Hall.objects.create(code="demo", name="示范区政务服务中心", phone="0826-1234567")
    department = Department.objects.create(
        name="区市场监督管理局", window_location="二楼 12 号窗口"
    )
    setup = make_case_item(department, name="企业设立登记", status="published")
    manager = staff("manager", Role.HALL_MANAGER, hall, full_name="周主任")
    helper = staff("helper", Role.HELPER, hall, full_name="李帮办", phone="13900001111")
    clerk = staff("clerk", Role.CLERK, hall, full_name="王受理")
    services.save_assisted_item(
        hall=hall, item=setup.item, modes=["help", "act"], note="免费全程代办", actor=manager
    )
    windows = [
        Window.objects.create(hall=hall, number=n, name="综合受理", kind="natural", state="open")
        for n in (1, 2)
    ]
    return {"hall": hall, "item": setup.item, "helper": helper, "clerk": clerk, "windows": windows}


def test_a_request_is_assigned_handled_as_agent_and_completed(
    live_server: Any, world: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    # A citizen on a phone reads the list (free of charge) and asks for help.
    phone = page_factory(mobile=True)
    phone.goto(f"{base}/assist/")
    assert "免费" in phone.locator(".ow-free").inner_text()
    shot(phone, "assist-public-list")
    phone.click("text=申请帮办")
    phone.check("input[name=mode][value=act]")
    phone.fill("input[name=applicant_name]", "王秀兰")
    phone.fill("input[name=id_number]", PERSON_ID)
    phone.fill("input[name=phone]", PHONE)
    phone.fill("input[name=preferred_time]", "工作日上午")
    shot(phone, "assist-public-request")
    phone.click("text=发送验证码")
    phone.wait_for_url("**/assist/request/code/")
    code = re.search(r"(\d{6})", sms.outbox[-1].text).group(1)  # type: ignore[union-attr]
    phone.fill("input[name=code]", code)
    phone.click("text=确认并提交申请")
    phone.wait_for_url("**/assist/request/done/")
    made = AssistRequest.objects.get()
    assert phone.locator("#ow-request-number").inner_text() == made.number
    shot(phone, "assist-public-done")

    # The hall manager assigns it to the helper.
    desk = page_factory()
    login(desk, base, "manager")
    desk.goto(f"{base}/manage/assist/requests/")
    desk.click(f"tr[data-request='{made.number}'] a")
    desk.select_option("select[name=assign-helper]", str(world["helper"].pk))
    desk.click("button:has-text('指派')")
    desk.wait_for_selector("#ow-status[data-status=assigned]")
    shot(desk, "assist-assigned")

    # The helper works on it from the workbench and starts intake as the applicant's agent.
    own = page_factory()
    login(own, base, "helper")
    own.goto(f"{base}/assist/workbench/")
    assert own.locator(f"tr[data-request='{made.number}']").get_attribute("data-light") == "green"
    shot(own, "assist-workbench")
    own.click(f"tr[data-request='{made.number}'] a")
    own.click("text=开始办理")
    own.wait_for_selector("#ow-status[data-status=in_progress]")
    own.click("#ow-start-intake")
    own.wait_for_url("**/cases/intake/new/**")
    assert own.input_value("input[name=name]") == "王秀兰"
    assert own.input_value("input[name=agent_name]") == "李帮办"
    own.fill("input[name=agent_id_number]", AGENT_ID)
    shot(own, "assist-intake-as-agent")
    own.click("main form button[type=submit]")
    own.wait_for_url(re.compile(r".*/cases/intake/\d+/$"))
    case = Case.objects.get()
    assert case.agent_name == "李帮办"

    # Back on the request: the case is linked; the applicant confirms at the window.
    own.goto(f"{base}/assist/requests/{made.number}/")
    assert own.locator(f"#ow-linked-cases li[data-case='{case.number}']").count() == 1
    own.fill("input[name=complete-id_number]", AGENT_ID)  # the wrong person's ID
    own.check("input[name=complete-applicant_confirmed]")
    own.click("text=办结申请")
    assert "不一致" in own.locator("main").inner_text()
    own.fill("input[name=complete-id_number]", PERSON_ID)
    own.check("input[name=complete-applicant_confirmed]")
    own.click("text=办结申请")
    own.wait_for_selector("#ow-status[data-status=completed]")
    shot(own, "assist-completed")
    made.refresh_from_db()
    assert made.status == RequestStatus.COMPLETED and made.confirmation == "window"
    assert [c.number for c in made.cases.all()] == [case.number]
    assert not phone.external_requests and not own.external_requests


def test_the_roster_shows_on_the_public_page_and_the_hall_display(
    live_server: Any, world: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    hall, clerk, windows = world["hall"], world["clerk"], world["windows"]
    today = timezone.localdate()
    calendar = shared_calendar()
    rest_day = today
    while calendar.is_workday(rest_day):
        rest_day += datetime.timedelta(days=1)

    # The manager plans today's leader on duty on the planning page.
    desk = page_factory()
    login(desk, base, "manager")
    desk.goto(f"{base}/manage/duty/")
    desk.fill("input[name=date]", today.isoformat())
    desk.select_option("select[name=kind]", "leader")
    desk.fill("input[name=starts]", "08:30")
    desk.fill("input[name=ends]", "17:30")
    desk.fill("input[name=leader_name]", "陈建国")
    desk.fill("input[name=leader_title]", "营商环境建设局局长")
    desk.click("main form button[type=submit]")
    desk.wait_for_selector(f"tr[data-date='{today.isoformat()}'] >> text=陈建国")
    rosters.plan_shift(
        hall=hall,
        data=rosters.ShiftData(
            date=rest_day,
            kind="weekend",
            starts=datetime.time(9),
            ends=datetime.time(12),
            windows=windows,
            staff=[clerk],
        ),
        actor=None,
    )
    desk.goto(f"{base}/manage/duty/?week={rest_day.isoformat()}")
    shot(desk, "duty-manage")

    phone = page_factory(mobile=True)
    phone.goto(f"{base}/duty/")
    today_box = phone.locator(f".ow-duty-day[data-date='{today.isoformat()}']")
    assert "陈建国" in today_box.inner_text()
    rest_box = phone.locator(f".ow-duty-day[data-date='{rest_day.isoformat()}']")
    assert "休息日" in rest_box.inner_text() and "1号窗口" in rest_box.inner_text()
    shot(phone, "duty-public")

    wall = page_factory()
    wall.set_viewport_size({"width": 1920, "height": 1080})  # the wall screen
    wall.goto(f"{base}/display/{hall.code}/")
    duty = wall.locator("#ow-duty")
    assert "陈建国" in duty.inner_text()
    if rest_day == today:
        assert "1、2" in duty.inner_text()
    else:
        assert "开放窗口" not in duty.inner_text()
    wall.wait_for_timeout(1500)  # one poll: the script redraws the same lines from the feed
    assert "陈建国" in duty.inner_text()
    shot(wall, "duty-hall-display", full_page=False)
