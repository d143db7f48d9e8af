"""Queue journey in a real browser: a citizen takes a number at the kiosk (elderly mode on a
1080p touch screen), the ticket prints, the hall display shows the call within 2 s and queues
its announcement, and the citizen follows the ticket on a phone. Screenshots in artifacts/."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.halls import services as hall_services
from onewindow.halls.models import Hall, Window
from onewindow.tickets.models import Ticket, TicketStatus


@pytest.fixture
def queue_hall(transactional_db: Any) -> dict[str, Any]:
    hall = Hall.objects.create(
        code="guangan",
        name="广安区政务服务中心",
        address="广安区政务服务中心（示例地址）",
        phone="0826-12345",
        opening_hours="周一至周五 9:00–12:00，13:30–17:30",
    )
    demo._set_up_queues()
    clerk = User.objects.create_user(username="clerk", password="x-2026-pass", full_name="王受理")
    clerk.hall = hall
    clerk.save()
    clerk.groups.add(Group.objects.get(name="clerk"))
    window = Window.objects.get(hall=hall, number=3)
    hall_services.sign_in(window=window, clerk=clerk)
    hall_services.open_window(window=window, actor=clerk)
    return {"hall": hall, "clerk": clerk, "window": window}


def test_kiosk_ticket_is_called_on_the_display(
    live_server: Any, queue_hall: dict[str, Any], page_factory: Any, shot: Any
) -> None:
    base = live_server.url
    display = page_factory()
    display.set_viewport_size({"width": 1920, "height": 1080})
    display.goto(f"{base}/display/guangan/")
    shot(display, "queue-01-display-empty", full_page=False)

    kiosk = page_factory()
    kiosk.set_viewport_size({"width": 1920, "height": 1080})
    kiosk.goto(f"{base}/kiosk/guangan/?noprint=1")
    shot(kiosk, "queue-02-kiosk-start", full_page=False)
    kiosk.locator("button", has_text="长辈模式").first.click()
    kiosk.wait_for_load_state()
    shot(kiosk, "queue-03-kiosk-elderly", full_page=False)
    kiosk.locator("a, button", has_text="自然人业务").first.click()
    kiosk.wait_for_load_state()
    shot(kiosk, "queue-04-kiosk-first-step", full_page=False)
    # Skip every optional step until the number can be taken.
    for _ in range(6):
        take = kiosk.locator("button[value=issue]")
        if take.count():
            break
        kiosk.locator("button[value=skip]").first.click()
        kiosk.wait_for_load_state()
    shot(kiosk, "queue-05-kiosk-confirm", full_page=False)
    kiosk.locator("button[value=issue]").click()
    kiosk.wait_for_url("**/issued/**")
    shot(kiosk, "queue-06-kiosk-issued", full_page=False)

    ticket = Ticket.objects.get()
    assert ticket.code == "A001"
    assert "A001" in kiosk.content()

    token = re.search(r"/issued/([^/]+)/", kiosk.url).group(1)
    printer = page_factory()
    printer.set_viewport_size({"width": 400, "height": 800})
    printer.goto(f"{base}/kiosk/ticket/{token}/print/?paper=58")
    assert "A001" in printer.content() and "<svg" in printer.content()
    shot(printer, "queue-07-ticket-58mm")
    printer.goto(f"{base}/kiosk/ticket/{token}/print/?paper=80")
    shot(printer, "queue-08-ticket-80mm")

    # The clerk calls from the workstation (F1); the display shows it within 2 seconds and
    # queues the announcement.
    desk = page_factory()
    desk.goto(f"{base}/accounts/login/")
    desk.fill("#id_username", "clerk")
    desk.fill("#id_password", "x-2026-pass")
    desk.click("main button[type=submit]")
    desk.wait_for_url(f"{base}/staff/")
    desk.goto(f"{base}/workstation/")
    shot(desk, "queue-09a-workstation-idle", full_page=False)
    desk.keyboard.press("F1")
    desk.wait_for_function("document.body.innerText.includes('A001')")
    started = time.monotonic()
    called = Ticket.objects.get()
    assert called.status == TicketStatus.CALLED and called.window_id == queue_hall["window"].pk
    desk.wait_for_timeout(800)  # let the side panel refresh after the action
    shot(desk, "queue-09b-workstation-called", full_page=False)
    display.wait_for_function(
        "document.querySelector('#ow-latest-code') &&"
        " document.querySelector('#ow-latest-code').textContent.includes('A001')",
        timeout=2500,
    )
    assert time.monotonic() - started < 2.0
    announcements = display.evaluate("window.__owAnnouncements.map(a => a.code)")
    assert "A001" in announcements
    shot(display, "queue-09-display-called", full_page=False)

    phone = page_factory(mobile=True)
    phone.goto(f"{base}/kiosk/ticket/{token}/")
    assert "3号窗口" in phone.content()
    shot(phone, "queue-10-status-phone")

    desk.locator("button.ow-ws-big").click()  # start service
    desk.wait_for_function("document.body.innerText.includes('完成办理')")
    shot(desk, "queue-11-workstation-serving", full_page=False)
    desk.locator("button.ow-ws-big").click()  # finish service
    desk.wait_for_function("document.body.innerText.includes('呼叫下一位')")
    assert Ticket.objects.get().status == TicketStatus.DONE
    shot(desk, "queue-12-workstation-done", full_page=False)
    for page in (display, kiosk, printer, phone, desk):
        assert page.external_requests == []
