"""The queue-facing screens as finished products: every kiosk step, the wall displays, the window
workstation and the citizen's phone pages, at the sizes they run at, with a realistic hall (long
Chinese names, a full waiting list, several calls).

Each page is screenshotted to artifacts/screenshots/screens-*.png and checked for layout
properties a person would notice: nothing wider than the screen, no text cut off, touch targets
big enough for a finger (bigger in senior mode), numbers readable from across the room.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.catalog.models import (
    Audience,
    Department,
    ItemStatus,
    Material,
    Scenario,
    ServiceItem,
)
from onewindow.halls import services as hall_services
from onewindow.halls.models import Hall, Window
from onewindow.tickets import services
from onewindow.tickets.models import AppointmentSlot, Queue, Ticket
from onewindow.tickets.views.kiosk import ticket_token

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
HD = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "x-2026-pass"
ID_1 = "11010519491231002X"

LONG_MATTERS = [
    "城乡居民基本养老保险参保登记（含变更、注销登记）",
    "不动产登记资料查询（权利人及利害关系人查询）",
    "居民身份证申领、换领、补领（含临时身份证）",
    "生育登记服务（一孩、二孩、三孩）",
    "社会保障卡申领、补换及挂失解挂",
    "残疾人证新办、换领、迁移、注销及补办",
    "机动车驾驶证补证、换证",
    "最低生活保障申请",
]
WINDOW_NAMES = {
    1: "社保医保综合受理（城乡居民养老保险）",
    2: "不动产登记与税费综合受理",
    3: "户籍与公安综合受理",
    5: "企业开办“一件事”综合受理",
    6: "工程建设项目审批综合受理",
}
CLERK_NAMES = ["王受理", "欧阳晓梅", "司马建国", "李娜", "张三丰", "诸葛明月", "赵磊", "陈静怡"]


# --- layout probes ------------------------------------------------------------------------------

PROBE_JS = """
(sel) => {
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    out.push({
      text: (el.innerText || '').trim().slice(0, 40),
      top: r.top + window.scrollY, left: r.left, right: r.right,
      bottom: r.bottom + window.scrollY, width: r.width, height: r.height,
      font: parseFloat(cs.fontSize),
      clippedX: el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible',
      clippedY: el.scrollHeight > el.clientHeight + 1 && cs.overflowY !== 'visible',
    });
  }
  return out;
}
"""


def boxes(page: Any, selector: str) -> list[dict[str, Any]]:
    return page.evaluate(PROBE_JS, selector)


def one(page: Any, selector: str) -> dict[str, Any]:
    found = boxes(page, selector)
    assert found, f"{selector} is not on the page"
    return found[0]


def assert_no_horizontal_overflow(page: Any, where: str) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
    )
    assert max(widths[0], widths[2]) <= widths[1], f"{where}: page wider than the screen {widths}"


def assert_min_height(page: Any, selector: str, px: float, where: str) -> None:
    found = boxes(page, selector)
    assert found, f"{where}: no {selector}"
    small = [b for b in found if b["height"] < px]
    assert not small, f"{where}: {selector} under {px}px tall: {small[:3]}"


def assert_min_font(page: Any, selector: str, px: float, where: str) -> None:
    found = boxes(page, selector)
    small = [b for b in found if b["font"] < px]
    assert not small, f"{where}: {selector} text under {px}px: {small[:3]}"


def assert_not_clipped(page: Any, selector: str, where: str) -> None:
    clipped = [b for b in boxes(page, selector) if b["clippedX"] or b["clippedY"]]
    assert not clipped, f"{where}: text cut off in {selector}: {clipped[:3]}"


def assert_no_overlap(page: Any, selector: str, where: str) -> None:
    found = boxes(page, selector)
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            overlap_x = min(a["right"], b["right"]) - max(a["left"], b["left"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            message = f"{where}: {a['text']!r} overlaps {b['text']!r}"
            assert overlap_x <= 1 or overlap_y <= 1, message


def assert_within_screen(page: Any, selector: str, where: str) -> None:
    """On a touch screen nothing scrolls: the element is on the first screenful."""
    height = page.evaluate("window.innerHeight")
    for b in boxes(page, selector):
        assert b["bottom"] <= height + 1, f"{where}: {selector} {b['text']!r} below the screen"


def kiosk_checks(page: Any, where: str, *, elderly: bool = False) -> None:
    assert_no_horizontal_overflow(page, where)
    target = 88 if elderly else 64
    assert_min_height(page, ".kiosk-btn, .kiosk-tile, .kiosk-key", target, where)
    body_text = ":is(.kiosk-main p, .kiosk-main dd, .kiosk-main dt):not(.kiosk-slip-preview *)"
    assert_min_font(page, body_text, 24, where)
    assert_min_font(page, ".kiosk-btn, .kiosk-tile-label, .kiosk-key", 32 if elderly else 24, where)
    assert_not_clipped(page, ".kiosk-tile-label, .kiosk-btn, .kiosk-title", where)
    assert_no_overlap(page, ".kiosk-tile", where)
    assert_no_overlap(page, ".kiosk-steps > *", where)
    # The way back and the way on never need a scroll on the kiosk.
    assert_within_screen(page, ".kiosk-btn", where)


# --- data ---------------------------------------------------------------------------------------


def _clerk(hall: Hall, username: str, name: str, role: str = "clerk") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=name)
    user.hall = hall
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def _matters() -> None:
    dept = Department.objects.create(name="广安区政务服务和大数据管理局", short_name="区政务服务局")
    for i, name in enumerate(LONG_MATTERS):
        item = ServiceItem.objects.create(
            department=dept,
            name=name,
            implementation_code=f"11511602MB1550442U{i:06d}",
            item_type="1",
            audience=Audience.NATURAL,
            status=ItemStatus.PUBLISHED,
            in_hall=True,
        )
        scenario = Scenario.objects.create(item=item, code=f"S{i:02d}", name="一般情形")
        Material.objects.create(scenario=scenario, code=f"M{i:02d}", name="居民身份证")


@pytest.fixture
def busy_hall(transactional_db: Any) -> dict[str, Any]:
    """The county hall mid-morning: eight windows, some calling, one paused, a full line."""
    hall = Hall.objects.create(
        code="guangan",
        name="广安市广安区政务服务中心",
        address="广安市广安区政务服务中心（示例地址）",
        phone="0826-12345",
        opening_hours="周一至周五 9:00–12:00，13:30–17:30",
    )
    demo._set_up_queues()
    _matters()
    queues = {q.prefix: q for q in Queue.objects.filter(hall=hall)}
    for number, name in WINDOW_NAMES.items():
        Window.objects.filter(hall=hall, number=number).update(name=name)
    windows = {w.number: w for w in Window.objects.filter(hall=hall)}
    clerks = {}
    for n, name in zip((1, 2, 3, 4, 5, 6, 8, 11), CLERK_NAMES, strict=True):
        clerk = _clerk(hall, "clerk" if n == 3 else f"clerk{n}", name)
        hall_services.sign_in(window=windows[n], clerk=clerk)
        hall_services.open_window(window=windows[n], actor=clerk)
        clerks[n] = clerk
    items = list(ServiceItem.objects.order_by("pk"))
    issued = []
    for i in range(14):
        issued.append(
            services.issue_ticket(
                hall=hall,
                queue=queues["A"],
                matters=items[i % 3 : i % 3 + 2],
                priority="elderly" if i == 9 else "",
            )
        )
    for prefix, count in (("B", 6), ("C", 3), ("E", 2), ("F", 4)):
        for _ in range(count):
            issued.append(services.issue_ticket(hall=hall, queue=queues[prefix]))
    # Calls at several windows, one being served, one window paused.
    for n in (1, 2, 5, 6, 8, 11):
        services.call_next(window=windows[n], actor=clerks[n])
    first = Ticket.objects.get(window=windows[1])
    services.start_service(ticket=first, actor=clerks[1])
    second = Ticket.objects.get(window=windows[5])
    services.start_service(ticket=second, actor=clerks[5])
    services.finish_service(ticket=second, actor=clerks[5], outcome="handled")
    services.call_next(window=windows[5], actor=clerks[5])
    hall_services.pause_window(window=windows[4], actor=clerks[4], reason="临时外出（取资料）")
    return {"hall": hall, "queues": queues, "windows": windows, "clerks": clerks}


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def _skip_to_issue(page: Any) -> None:
    for _ in range(6):
        if page.locator("button[value=issue]").count():
            return
        page.locator("button[value=skip]").first.click()
        page.wait_for_load_state()


# --- kiosk --------------------------------------------------------------------------------------


def test_kiosk_screens(
    live_server: Any, busy_hall: dict[str, Any], browser: Any, shot: Any
) -> None:
    base = live_server.url
    queues = busy_hall["queues"]
    context = browser.new_context(viewport=HD, locale="zh-CN", timezone_id="Asia/Shanghai")
    kiosk = context.new_page()
    kiosk.goto(f"{base}/kiosk/guangan/?noprint=1")
    shot(kiosk, "screens-kiosk-01-start", full_page=False)
    kiosk_checks(kiosk, "start")
    assert kiosk.locator(".kiosk-tile").count() >= 7

    # Every step of the natural-person queue, with an entry on each, at 1080p.
    kiosk.locator(".kiosk-tile", has_text="自然人").first.click()
    kiosk.wait_for_load_state()
    assert kiosk.locator(".kiosk-tile-check").count() == len(LONG_MATTERS)
    kiosk.locator(".kiosk-tile-check").nth(0).click()
    kiosk.locator(".kiosk-tile-check").nth(2).click()
    shot(kiosk, "screens-kiosk-02-matters", full_page=False)
    kiosk_checks(kiosk, "matters")
    kiosk.locator("button[value=next]").click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-03-priority", full_page=False)
    kiosk_checks(kiosk, "priority")
    kiosk.locator("button[name=priority]").first.click()
    kiosk.wait_for_load_state()
    for key in "1381234567":
        kiosk.locator(f".kiosk-key[data-key='{key}']").click()
    shot(kiosk, "screens-kiosk-04a-phone-typing", full_page=False)
    kiosk.locator(".kiosk-key[data-key='8']").click()
    shot(kiosk, "screens-kiosk-04b-phone", full_page=False)
    kiosk_checks(kiosk, "phone")
    kiosk.locator("button[value=next]").click()
    kiosk.wait_for_load_state()
    kiosk.fill("#kiosk-id", "110105194912310021")  # wrong check digit
    kiosk.locator("button[value=next]").click()
    kiosk.wait_for_load_state()
    assert kiosk.locator(".kiosk-error").count() == 1
    shot(kiosk, "screens-kiosk-05-id-number-error", full_page=False)
    kiosk_checks(kiosk, "id number (error)")
    kiosk.fill("#kiosk-id", "")
    kiosk.locator("button[value=skip]").click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-06-confirm", full_page=False)
    kiosk_checks(kiosk, "confirm")
    assert_not_clipped(kiosk, ".kiosk-summary dd", "confirm")
    kiosk.locator("button[value=issue]").click()
    kiosk.wait_for_url("**/issued/**")
    shot(kiosk, "screens-kiosk-07-issued", full_page=False)
    kiosk_checks(kiosk, "issued")
    number = one(kiosk, ".kiosk-big-number")
    assert number["font"] >= 120 and number["bottom"] <= 1080
    token = re.search(r"/issued/([^/]+)/", kiosk.url).group(1)

    # Senior mode: the same screens, bigger.
    kiosk.goto(f"{base}/kiosk/guangan/")
    kiosk.locator(".kiosk-elderly-toggle button").click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-08-elderly-start", full_page=False)
    kiosk_checks(kiosk, "elderly start", elderly=True)
    kiosk.locator(".kiosk-tile", has_text="自然人").first.click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-09-elderly-matters", full_page=False)
    kiosk_checks(kiosk, "elderly matters", elderly=True)
    kiosk.locator("button[value=skip]").click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-10-elderly-priority", full_page=False)
    kiosk_checks(kiosk, "elderly priority", elderly=True)
    kiosk.locator("button[value=skip]").click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-11-elderly-phone", full_page=False)
    kiosk_checks(kiosk, "elderly phone", elderly=True)
    kiosk.locator("button[value=skip]").click()
    kiosk.wait_for_load_state()
    kiosk.fill("#kiosk-id", ID_1)
    shot(kiosk, "screens-kiosk-12-elderly-id-number", full_page=False)
    kiosk_checks(kiosk, "elderly id number", elderly=True)
    kiosk.locator("button[value=next]").click()
    kiosk.wait_for_load_state()
    shot(kiosk, "screens-kiosk-13-elderly-confirm", full_page=False)
    kiosk_checks(kiosk, "elderly confirm", elderly=True)
    kiosk.locator("button[value=issue]").click()
    kiosk.wait_for_url("**/issued/**")
    shot(kiosk, "screens-kiosk-14-elderly-issued", full_page=False)
    kiosk_checks(kiosk, "elderly issued", elderly=True)

    # Refusals: the same ID again, closed hours, quota used up.
    kiosk.goto(f"{base}/kiosk/guangan/take/{queues['A'].pk}/")
    _skip_to_id(kiosk)
    kiosk.fill("#kiosk-id", ID_1)
    kiosk.locator("button[value=next]").click()
    kiosk.wait_for_load_state()
    kiosk.locator("button[value=issue]").click()
    kiosk.wait_for_load_state()
    assert kiosk.locator("[data-refusal=id_taken]").count() == 1
    shot(kiosk, "screens-kiosk-15-refused-id-taken", full_page=False)
    kiosk_checks(kiosk, "refused id", elderly=True)

    kiosk.goto(f"{base}/kiosk/guangan/?reset=1")
    local = timezone.localtime()
    closed = (datetime.time(8, 30), datetime.time(17, 0))
    if closed[0] <= local.time() < closed[1]:
        closed = (datetime.time(0, 0), datetime.time(0, 1))
    Queue.objects.filter(pk=queues["F"].pk).update(issue_from=closed[0], issue_until=closed[1])
    Queue.objects.filter(pk=queues["C"].pk).update(daily_quota=3)
    kiosk.goto(f"{base}/kiosk/guangan/")
    shot(kiosk, "screens-kiosk-16-start-one-closed", full_page=False)
    kiosk_checks(kiosk, "start with a closed queue")
    assert kiosk.locator(".kiosk-tile.is-closed").count() == 1
    kiosk.goto(f"{base}/kiosk/guangan/take/{queues['F'].pk}/")
    _skip_to_issue(kiosk)
    kiosk.locator("button[value=issue]").click()
    kiosk.wait_for_load_state()
    assert kiosk.locator("[data-refusal=closed]").count() == 1
    shot(kiosk, "screens-kiosk-17-refused-closed", full_page=False)
    kiosk_checks(kiosk, "refused closed")
    kiosk.goto(f"{base}/kiosk/guangan/take/{queues['C'].pk}/")
    _skip_to_issue(kiosk)
    kiosk.locator("button[value=issue]").click()
    kiosk.wait_for_load_state()
    assert kiosk.locator("[data-refusal=quota]").count() == 1
    shot(kiosk, "screens-kiosk-18-refused-quota", full_page=False)
    kiosk_checks(kiosk, "refused quota")

    # Appointment check-in with a wrong code, then with a good one.
    slot = AppointmentSlot.objects.create(
        queue=queues["A"],
        day=local.date(),
        starts_at=datetime.time(0, 0),
        ends_at=datetime.time(23, 59),
        capacity=5,
    )
    appointment = services.book_appointment(slot=slot, phone="13812345678")
    kiosk.goto(f"{base}/kiosk/guangan/check-in/")
    shot(kiosk, "screens-kiosk-19-check-in", full_page=False)
    kiosk_checks(kiosk, "check-in")
    kiosk.fill("#kiosk-code", "ABCDEF")
    kiosk.locator("button[data-once]").click()
    kiosk.wait_for_load_state()
    assert kiosk.locator(".kiosk-error").count() == 1
    shot(kiosk, "screens-kiosk-20-check-in-error", full_page=False)
    kiosk_checks(kiosk, "check-in error")
    kiosk.fill("#kiosk-code", appointment.code)
    kiosk.locator("button[data-once]").click()
    kiosk.wait_for_url("**/issued/**")
    shot(kiosk, "screens-kiosk-21-check-in-issued", full_page=False)
    kiosk_checks(kiosk, "check-in issued")

    # A 1366×768 kiosk: the start screen still fits.
    kiosk.set_viewport_size(LAPTOP)
    kiosk.goto(f"{base}/kiosk/guangan/")
    shot(kiosk, "screens-kiosk-22-start-1366", full_page=False)
    kiosk_checks(kiosk, "start 1366")

    # The printed ticket: fits 58 mm (≈48 mm printable) and 80 mm (≈72 mm) paper.
    printer = context.new_page()
    for paper, printable_mm in (("58", 48), ("80", 72)):
        printer.set_viewport_size({"width": 420, "height": 900})
        printer.goto(f"{base}/kiosk/ticket/{token}/print/?paper={paper}")
        shot(printer, f"screens-print-{paper}mm")
        printer.emulate_media(media="print")
        # At the paper's width in CSS pixels (96 px per inch), nothing sticks out.
        paper_px = round(int(paper) / 25.4 * 96)
        printer.set_viewport_size({"width": paper_px, "height": 900})
        shot(printer, f"screens-print-{paper}mm-media")
        slip = one(printer, ".ticket-slip")
        assert slip["width"] <= paper_px + 1, f"{paper} mm: slip {slip['width']}px > {paper_px}"
        assert_no_horizontal_overflow(printer, f"print {paper} mm")
        content = boxes(printer, ".ticket-slip > *, .ticket-facts > *, .ow-qr")
        printable_px = printable_mm / 25.4 * 96
        margin = (paper_px - printable_px) / 2
        inside = (margin - 1, paper_px - margin + 1)
        outside = [b for b in content if b["left"] < inside[0] or b["right"] > inside[1]]
        assert not outside, f"{paper} mm: outside the printable width: {outside[:3]}"
        code = one(printer, ".ticket-number")
        assert code["font"] >= (36 if paper == "58" else 44), f"{paper} mm number {code['font']}px"
        assert_not_clipped(printer, ".ticket-slip *", f"print {paper} mm")
        pdf = printer.pdf(width=f"{paper}mm", print_background=True, prefer_css_page_size=True)
        assert pdf[:4] == b"%PDF"
        (SCREENSHOTS / f"screens-print-{paper}mm.pdf").write_bytes(pdf)
        printer.emulate_media(media="screen")
    context.close()


def _skip_to_id(page: Any) -> None:
    for _ in range(5):
        if page.locator("#kiosk-id").count():
            return
        page.locator("button[value=skip]").first.click()
        page.wait_for_load_state()


# --- displays -----------------------------------------------------------------------------------


def test_display_screens(
    live_server: Any, busy_hall: dict[str, Any], browser: Any, shot: Any
) -> None:
    base = live_server.url
    windows = busy_hall["windows"]
    context = browser.new_context(viewport=HD, locale="zh-CN", timezone_id="Asia/Shanghai")
    display = context.new_page()
    display.goto(f"{base}/display/guangan/")
    display.wait_for_timeout(400)  # the script lays out the window grid
    shot(display, "screens-display-hall-1080", full_page=False)
    assert_no_horizontal_overflow(display, "hall display")
    height = display.evaluate("document.documentElement.scrollHeight")
    assert height <= 1080, f"hall display scrolls ({height}px)"
    assert_min_font(display, ".ow-win-code:not(.is-text)", 48, "hall display")
    assert one(display, "#ow-latest-code")["font"] >= 96
    assert_min_font(display, ".ow-recent-list li, .ow-waiting li", 28, "hall display")
    assert_min_font(display, ".ow-win-label, .ow-win-note", 24, "hall display")
    assert_not_clipped(display, ".ow-win-code, .ow-latest-code, .ow-r-code", "hall display")
    assert_no_overlap(display, ".ow-win", "hall display")
    assert display.locator(".ow-recent-list li").count() >= 4
    for b in boxes(display, ".ow-win, .ow-latest, .ow-recent, .ow-bottom"):
        assert b["bottom"] <= 1080 and b["right"] <= 1920, f"hall display: {b['text']!r} cut"

    # One tap turns the announcements on and clears the card off the numbers.
    display.locator("#ow-unlock-button").click()
    display.wait_for_timeout(200)
    assert display.locator("#ow-unlock").is_hidden()
    shot(display, "screens-display-hall-1080-sound-on", full_page=False)

    display.set_viewport_size(LAPTOP)
    display.wait_for_timeout(300)
    shot(display, "screens-display-hall-1366", full_page=False)
    assert_no_horizontal_overflow(display, "hall display 1366")
    assert_min_font(display, ".ow-win-code:not(.is-text)", 40, "hall display 1366")

    display.set_viewport_size(PHONE)
    display.wait_for_timeout(300)
    shot(display, "screens-display-hall-phone")
    assert_no_horizontal_overflow(display, "hall display phone")

    display.set_viewport_size(HD)
    for n, name in ((1, "serving"), (2, "called"), (4, "paused"), (7, "closed")):
        display.goto(f"{base}/display/window/{windows[n].pk}/")
        shot(display, f"screens-display-window-{name}", full_page=False)
        assert_no_horizontal_overflow(display, f"window display {name}")
        code = one(display, "#ow-wcode")
        assert code["font"] >= (150 if name in ("serving", "called") else 80), (name, code)
        assert not code["clippedX"] and code["right"] <= 1920
        assert_not_clipped(display, "#ow-wnote, #ow-wcode", f"window display {name}")
        assert display.evaluate("document.documentElement.scrollHeight") <= 1080
    context.close()


# --- workstation --------------------------------------------------------------------------------


def test_workstation_screens(
    live_server: Any, busy_hall: dict[str, Any], browser: Any, shot: Any
) -> None:
    base = live_server.url
    window = busy_hall["windows"][3]
    clerk = busy_hall["clerks"][3]
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    desk = context.new_page()
    login(desk, base, "clerk")

    def check(name: str) -> None:
        for size, label in ((LAPTOP, "1366"), (HD, "1080")):
            desk.set_viewport_size(size)
            desk.wait_for_timeout(150)
            shot(desk, f"screens-workstation-{name}-{label}", full_page=False)
            where = f"workstation {name} {label}"
            assert_no_horizontal_overflow(desk, where)
            big = one(desk, "button.ow-ws-big")
            assert big["height"] >= 64 and big["font"] >= 22, (where, big)
            # The big action is on the first screenful, in the same place for every state.
            assert big["bottom"] <= size["height"], (where, big)
            assert one(desk, ".ow-ws-number")["font"] >= 72
            assert_not_clipped(desk, ".ow-ws-number, .ow-ws-side .list-group-item", where)
            places.setdefault(label, []).append(round(big["top"]))

    places: dict[str, list[int]] = {}
    desk.goto(f"{base}/workstation/")
    assert desk.locator("#ws-side .list-group-numbered .list-group-item").count() >= 8
    check("idle")
    desk.keyboard.press("F1")
    desk.wait_for_function("document.querySelector('[data-testid=current-code]') !== null")
    desk.wait_for_timeout(600)
    check("called")
    desk.locator("button.ow-ws-big").click()
    desk.wait_for_function("document.body.innerText.includes('完成办理')")
    desk.wait_for_timeout(600)
    check("serving")
    for label, tops in places.items():
        assert max(tops) - min(tops) <= 60, f"the big action moves about at {label}: {tops}"

    # The guide desk issues a ticket for a visitor (a clerk of the hall with the guide role).
    guide = _clerk(busy_hall["hall"], "guide", "咨询导办员刘芳", role="guide")
    assert guide.pk and clerk.pk and window.pk
    page = context.new_page()
    login(page, base, "guide")
    page.set_viewport_size(HD)
    page.goto(f"{base}/kiosk/guangan/desk/")
    page.select_option("#id_queue", label=page.locator("#id_queue option").nth(1).inner_text())
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/desk/?issued=*")
    shot(page, "screens-guide-desk-issued", full_page=False)
    assert_no_horizontal_overflow(page, "guide desk")
    assert one(page, "[data-ticket-code]")["font"] >= 48
    context.close()


# --- phone pages: ticket status, booking, hall status -------------------------------------------


def test_phone_and_status_screens(
    live_server: Any, busy_hall: dict[str, Any], browser: Any, shot: Any
) -> None:
    base = live_server.url
    hall, queues = busy_hall["hall"], busy_hall["queues"]
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1
    )
    phone = context.new_page()

    waiting = Ticket.objects.filter(hall=hall, status="waiting").order_by("-pk").first()
    called = Ticket.objects.filter(hall=hall, status="called").first()
    for ticket, name in ((waiting, "waiting"), (called, "called")):
        phone.goto(f"{base}/kiosk/ticket/{ticket_token(ticket)}/")
        shot(phone, f"screens-status-phone-{name}")
        assert_no_horizontal_overflow(phone, f"status {name}")
        assert one(phone, ".status-number")["font"] >= 56
        assert_min_font(phone, ".status-card p, .status-card dd", 14, f"status {name}")
        assert_not_clipped(phone, ".status-card *", f"status {name}")

    # Booking: slots over the coming days, one full.
    today = timezone.localdate()
    for offset in range(1, 6):
        for hour in (9, 10, 14, 15):
            AppointmentSlot.objects.create(
                queue=queues["A"],
                day=today + datetime.timedelta(days=offset),
                starts_at=datetime.time(hour, 0),
                ends_at=datetime.time(hour, 30),
                capacity=3,
                booked=3 if (offset == 1 or hour == 9) else 0,
            )
    AppointmentSlot.objects.create(
        queue=queues["B"],
        day=today + datetime.timedelta(days=2),
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(9, 30),
        capacity=2,
    )
    phone.goto(f"{base}/booking/guangan/")
    shot(phone, "screens-booking-phone-start")
    booking_checks(phone, "booking start")
    phone.locator(".ow-book-choice").first.click()
    phone.wait_for_load_state()
    phone.fill("#ow-book-q", "养老保险")
    phone.locator("button[value=search]").click()
    phone.wait_for_load_state()
    phone.locator(".ow-book-day:not(.full)").first.click()
    phone.wait_for_load_state()
    phone.locator(".ow-book-slot input:not([disabled]) + label").first.click()
    phone.fill("input[name=phone]", "13912345678")
    shot(phone, "screens-booking-phone-book")
    booking_checks(phone, "booking form")
    assert_min_height(phone, ".ow-book-day, .ow-book-slot label", 48, "booking form")
    phone.locator("button[value=book]").click()
    phone.wait_for_url("**/done/**")
    shot(phone, "screens-booking-phone-done")
    booking_checks(phone, "booking done")
    assert_not_clipped(phone, ".ow-book-code", "booking done")
    code = phone.locator("[data-code]").inner_text().strip()
    phone.goto(f"{base}/booking/guangan/lookup/")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=phone]", "13912345678")
    phone.locator("button[value=find]").click()
    phone.wait_for_load_state()
    shot(phone, "screens-booking-phone-lookup")
    booking_checks(phone, "booking lookup")

    # The live hall status for the manager: at 1080p and on a phone.
    _clerk(hall, "manager", "大厅管理员欧阳慧", role="hall_manager")
    manager = context.new_page()
    login(manager, base, "manager")
    for size, label in ((HD, "1080"), (PHONE, "phone")):
        manager.set_viewport_size(size)
        manager.goto(f"{base}/manage/status/")
        shot(manager, f"screens-hall-status-{label}", full_page=label == "phone")
        assert_no_horizontal_overflow(manager, f"hall status {label}")
        assert manager.locator("tr[data-window]").count() >= 8
    context.close()


def booking_checks(page: Any, where: str) -> None:
    assert_no_horizontal_overflow(page, where)
    assert_min_height(page, ".ow-book .btn-lg, .ow-book-choice", 44, where)
    assert_min_font(page, ".ow-book p, .ow-book dd, .ow-book label", 16, where)
