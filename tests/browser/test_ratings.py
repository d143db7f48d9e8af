"""好差评 in a browser: the pad facing the applicant, the manager's rectification, the re-rating.

Done-when 1 of issue 6: the clerk finishes a service; the rating pad shows the levels; a bad
level asks for reasons; the rectification appears with its deadlines; the manager walks it
through verify → rectify → report back; the rater re-rates once; a second re-rate is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.core.services import sync_calendar_from_library
from onewindow.evaluations import tokens
from onewindow.evaluations.models import Evaluation, RatingChannel, RectificationStatus
from onewindow.halls import services as hall_services
from onewindow.halls.models import Hall, Window
from onewindow.tickets import services as queue
from onewindow.tickets.models import Queue


def staff(username: str, role: str, hall: Hall, full_name: str) -> User:
    user = User.objects.create_user(
        username=username, password="x-2026-pass", full_name=full_name, hall=hall
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "x-2026-pass")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


@pytest.fixture
def rating_hall(transactional_db: Any) -> dict[str, Any]:
    sync_calendar_from_library()
    hall = Hall.objects.create(code="guangan", name="广安区政务服务中心")
    demo._set_up_queues()
    clerk = staff("clerk", "clerk", hall, "王受理")
    manager = staff("manager", "hall_manager", hall, "李主任")
    window = Window.objects.get(hall=hall, number=3)
    hall_services.sign_in(window=window, clerk=clerk)
    hall_services.open_window(window=window, actor=clerk)
    queue.issue_ticket(hall=hall, queue=Queue.objects.get(hall=hall, prefix="A"))
    return {"hall": hall, "clerk": clerk, "manager": manager, "window": window}


def test_a_bad_rating_at_the_pad_is_rectified_and_re_rated_once(
    live_server: Any, rating_hall: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    window = rating_hall["window"]
    pad = page_factory()
    pad.set_viewport_size({"width": 1280, "height": 800})
    pad.goto(f"{base}/rate/pad/{tokens.for_pad(window.pk)}/")
    pad.wait_for_selector("[data-pad=idle]")
    shot(pad, "ratings-01-pad-idle", full_page=False)

    desk = page_factory()
    login(desk, base, "clerk")
    desk.goto(f"{base}/workstation/")
    desk.keyboard.press("F1")
    desk.wait_for_function("document.body.innerText.includes('A001')")
    desk.wait_for_timeout(500)
    desk.locator("button.ow-ws-big").click()  # start service
    desk.wait_for_function("document.body.innerText.includes('完成办理')")
    desk.locator("button.ow-ws-big").click()  # finish service
    desk.wait_for_function("document.body.innerText.includes('呼叫下一位')")

    # Within two seconds the pad offers the service, nothing chosen.
    pad.wait_for_selector("[data-pad=form]", timeout=5000)
    assert pad.locator("input[name=level]:checked").count() == 0
    assert "王受理" in pad.inner_text("main")
    assert not pad.locator(".pad-reasons").is_visible()
    shot(pad, "ratings-02-pad-levels", full_page=False)
    pad.locator(".pad-level-2").click()  # 不满意: the reasons appear
    assert pad.locator(".pad-reasons").is_visible()
    shot(pad, "ratings-03-pad-reasons", full_page=False)
    pad.locator("input[name=reasons][value=waiting]").check()
    pad.locator("button.pad-submit").click()
    pad.wait_for_selector("[data-pad=thanks]")
    shot(pad, "ratings-04-pad-thanks", full_page=False)
    evaluation = Evaluation.objects.get()
    assert evaluation.channel == RatingChannel.PAD and evaluation.reasons == ["waiting"]
    # Back to waiting by itself; the service is not offered again.
    pad.wait_for_selector("[data-pad=idle]", timeout=9000)

    office = page_factory()
    login(office, base, "manager")
    office.goto(f"{base}/manage/ratings/rectifications/")
    row = office.locator("tr[data-status=verifying]")
    assert row.count() == 1 and "等候时间长" in row.inner_text()
    assert row.get_attribute("data-light") in ("green", "yellow")
    shot(office, "ratings-05-rectifications")
    row.locator("a", has_text="办理").click()
    office.wait_for_selector("[data-verify]")
    shot(office, "ratings-06-rectification-open")
    office.fill("#note", "电话回访：群众反映等候近40分钟")
    office.locator("[data-verify] button").click()
    office.wait_for_selector("[data-report]")
    office.fill("#measures", "上午高峰增开2个综合窗口，启用预约分流")
    office.fill("#report", "已电话告知整改措施，群众表示认可")
    office.locator("[data-report] button").click()
    office.wait_for_selector("[data-status=reported]")
    shot(office, "ratings-07-rectification-reported")
    r = Evaluation.objects.get().rectification
    assert r.status == RectificationStatus.REPORTED

    # The rater opens the same link (QR on the ticket) and re-rates once; then never again.
    phone = page_factory(mobile=True)
    link = f"{base}/rate/{tokens.for_ticket(evaluation.ticket_id)}/?via=qr"
    phone.goto(link)
    phone.wait_for_selector("[data-rerate]")
    shot(phone, "ratings-08-phone-rerate")
    phone.locator("label", has_text="满意").nth(1).click()  # 满意 (after 非常满意)
    phone.locator("[data-rate-form] button[type=submit]").click()
    phone.wait_for_selector("[data-rated]")
    shot(phone, "ratings-09-phone-thanks")
    assert list(Evaluation.objects.order_by("attempt").values_list("attempt", "level")) == [
        (1, 2),
        (2, 4),
    ]
    phone.goto(link)
    phone.wait_for_selector("[data-already-rated]")
    assert phone.locator("input[name=level]").count() == 0
    shot(phone, "ratings-10-phone-no-third")
    for page in (pad, desk, office, phone):
        assert page.external_requests == []
