"""The window workstation: every action through the views, plain POST and htmx, and access."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.catalog.models import Department, ServiceItem
from onewindow.core.models import AuditEvent
from onewindow.halls.models import Window, WindowState
from onewindow.tickets import services
from onewindow.tickets.models import Priority, Ticket, TicketEvent, TicketStatus
from onewindow.tickets.tests.factories import at, make_clerk, make_setup, make_window

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.tickets.tests.workstation_urls")]

WINDOW_STAFF = {Role.GUIDE, Role.CLERK, Role.CERTIFICATE_CLERK, Role.HELPER, Role.COMPLAINT_HANDLER}
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: Any) -> str:
    return reverse(f"workstation:{name}", args=args)


@pytest.fixture(autouse=True)
def _clock() -> Any:
    # The views use the real clock: fix it at 10:00 on the factories' day.
    with time_machine.travel(at(10), tick=False):
        yield


@pytest.fixture
def setup() -> Any:
    return make_setup(windows=2)


@pytest.fixture
def desk(setup: Any) -> Client:
    """The clerk at window 1."""
    client = Client()
    client.force_login(setup.clerk(0))
    return client


def issue(setup: Any, prefix: str = "A", minute: int = 0, **kw: Any) -> Ticket:
    return services.issue_ticket(
        hall=setup.hall, queue=setup.queues[prefix], now=at(9, minute), **kw
    )


def called(setup: Any, ticket: Ticket, calls: int = 1) -> Ticket:
    """`ticket` called at window 1 (`calls` times)."""
    window, clerk = setup.windows[0], setup.clerk(0)
    services.call_ticket(window=window, ticket=ticket, actor=clerk, reason="测试", now=at(9, 50))
    for _ in range(calls - 1):
        services.recall(ticket=ticket, actor=clerk, now=at(9, 55))
    ticket.refresh_from_db()
    return ticket


def serving(setup: Any, ticket: Ticket) -> Ticket:
    called(setup, ticket)
    services.start_service(ticket=ticket, actor=setup.clerk(0), now=at(9, 52))
    ticket.refresh_from_db()
    return ticket


def state() -> tuple[Any, ...]:
    return (
        list(Ticket.objects.order_by("id").values_list("status", "window_id", "call_count")),
        TicketEvent.objects.count(),
        AuditEvent.objects.count(),
        list(Window.objects.order_by("id").values_list("state", "pause_reason")),
    )


# --- access -----------------------------------------------------------------------------------


def test_only_window_staff_open_the_workstation(any_persona, client_for):
    response = client_for(any_persona).get(url("page"))
    if any_persona is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif any_persona.role_codes() & WINDOW_STAFF:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_other_roles_cannot_act(any_persona, client_for, hall):
    if any_persona is not None and any_persona.role_codes() & WINDOW_STAFF:
        return
    window = make_window(hall, 1, clerk=any_persona) if any_persona else None
    response = client_for(any_persona).post(url("call-next"))
    assert response.status_code in (302, 403)
    if any_persona is not None:
        assert response.status_code == 403
    if window is not None:
        assert not Ticket.objects.filter(window=window).exists()


def test_a_clerk_without_a_window_is_sent_to_sign_in(client_for, clerk):
    response = client_for(clerk).get(url("page"))
    assert response.status_code == 200
    assert response.context["window"] is None
    assert reverse("halls:my-window") in response.content.decode()


def test_a_clerk_without_a_window_cannot_call(setup):
    client = Client()
    client.force_login(make_clerk(setup.hall))
    issue(setup)
    response = client.post(url("call-next"))
    assert response.status_code == 409
    assert response.context["error"]
    assert Ticket.objects.get().status == TicketStatus.WAITING


def test_tickets_of_another_hall_are_not_found(setup, desk):
    other = make_setup(windows=0)
    ticket = issue(other)
    for name in ("call", "recall", "no-show", "reactivate", "start", "finish", "park", "resume"):
        assert desk.post(url(name, ticket.pk), {"reason": "x"}).status_code == 404
    assert Ticket.objects.get().status == TicketStatus.WAITING


def test_actions_need_post(desk, setup):
    assert desk.get(url("call-next")).status_code == 405


# --- calling ----------------------------------------------------------------------------------


def test_call_next_plain_post_redirects_and_the_page_shows_the_ticket(setup, desk):
    ticket = issue(setup)
    response = desk.post(url("call-next"))
    assert response.status_code == 302
    assert response["Location"] == url("page")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.window == setup.windows[0]
    page = desk.get(url("page"))
    assert page.context["ticket"] == ticket
    assert 'data-testid="current-code">A001<' in page.content.decode()


def test_call_next_with_htmx_answers_with_the_main_panel(setup, desk):
    issue(setup)
    response = desk.post(url("call-next"), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="ws-main"')
    assert "<html" not in body
    assert "A001" in body
    assert response["HX-Trigger"] == "workstation-changed"
    # The next action is to start the service, in the big button's place.
    assert reverse("workstation:start", args=[Ticket.objects.get().pk]) in body


def test_call_next_with_nobody_waiting_says_so(setup, desk):
    response = desk.post(url("call-next"), **HTMX)
    assert response.status_code == 200
    assert response.context["notice"]
    assert response.context["ticket"] is None


def test_call_next_while_a_ticket_is_at_the_window_is_refused_and_changes_nothing(setup, desk):
    called(setup, issue(setup))
    issue(setup, minute=1)
    before = state()
    response = desk.post(url("call-next"), **HTMX)
    assert response.status_code == 200
    assert response.context["error"]
    assert 'data-testid="ws-error"' in response.content.decode()
    assert state() == before
    plain = desk.post(url("call-next"))
    assert plain.status_code == 409
    assert plain.context["error"]
    assert state() == before


def test_call_out_of_order_needs_a_reason(setup, desk):
    issue(setup)
    second = issue(setup, minute=1)
    before = state()
    response = desk.post(url("call", second.pk), {"reason": "  "}, **HTMX)
    assert response.context["error"]
    assert state() == before
    desk.post(url("call", second.pk), {"reason": "老人行动不便"})
    second.refresh_from_db()
    assert second.status == TicketStatus.CALLED
    event = second.events.get(action=TicketEvent.Action.CALLED_OUT_OF_ORDER)
    assert event.reason == "老人行动不便"


def test_recall_then_no_show_only_after_the_halls_number_of_calls(setup, desk):
    ticket = called(setup, issue(setup))
    page = desk.get(url("page"))
    assert page.context["can_no_show"] is False
    assert "disabled" in page.content.decode().split('data-ow-key="F3"')[1][:20]
    before = state()
    refused = desk.post(url("no-show", ticket.pk), **HTMX)
    assert refused.context["error"]
    assert state() == before

    desk.post(url("recall", ticket.pk))
    desk.post(url("recall", ticket.pk))
    ticket.refresh_from_db()
    assert ticket.call_count == 3
    page = desk.get(url("page"))
    assert page.context["can_no_show"] is True
    assert page.context["needed_calls"] == 3

    response = desk.post(url("no-show", ticket.pk), **HTMX)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW
    assert response.context["ticket"] is None
    assert response.context["no_shows"] == [ticket]


def test_reactivate_a_no_show(setup, desk):
    ticket = called(setup, issue(setup), calls=3)
    services.mark_no_show(ticket=ticket, actor=setup.clerk(0), now=at(9, 58))
    response = desk.post(url("reactivate", ticket.pk))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert desk.get(url("page")).context["no_shows"] == []


# --- serving ----------------------------------------------------------------------------------


def test_start_records_the_priority_check(setup, desk):
    ticket = called(setup, issue(setup, priority=Priority.ELDERLY))
    page = desk.get(url("page")).content.decode()
    assert 'name="priority_verified"' in page
    desk.post(url("start", ticket.pk), {"priority_verified": "1"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
    assert ticket.priority_verified is True


def test_start_without_priority_leaves_the_check_alone(setup, desk):
    ticket = called(setup, issue(setup))
    desk.post(url("start", ticket.pk), {"priority_verified": "1"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
    assert ticket.priority_verified is False


@pytest.fixture
def items() -> list[ServiceItem]:
    department = Department.objects.create(name="区人社局", codes="1151130108778239R")
    return [
        ServiceItem.objects.create(
            department=department, implementation_code=f"WS-{i}", name=name, item_type="1"
        )
        for i, name in enumerate(["社保卡补办", "灵活就业登记", "失业登记"])
    ]


def test_finish_with_outcome_and_the_matters_handled(setup, desk, items):
    ticket = serving(setup, issue(setup, matters=items[:2]))
    page = desk.get(url("page")).content.decode()
    for item in items[:2]:
        assert f'value="{item.pk}" id="ws-matter-{item.pk}" checked' in page
    # Only one matter was handled; a matter the ticket did not carry is ignored.
    response = desk.post(
        url("finish", ticket.pk),
        {"outcome": "partly", "matters": [items[0].pk, items[2].pk]},
        **HTMX,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE
    assert ticket.outcome == "partly"
    assert list(ticket.matters.all()) == [items[0]]
    assert response.context["ticket"] is None


def test_finish_needs_an_outcome(setup, desk):
    ticket = serving(setup, issue(setup))
    before = state()
    response = desk.post(url("finish", ticket.pk), {"outcome": "bogus"}, **HTMX)
    assert response.context["error"]
    assert state() == before


def test_transfer_to_another_queue_keeps_the_place(setup, desk):
    ticket = serving(setup, issue(setup))
    response = desk.post(
        url("transfer", ticket.pk), {"to_queue": setup.queues["B"].pk, "reason": "法人业务"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.queue == setup.queues["B"]
    assert ticket.queued_at == at(9)


def test_transfer_to_a_window(setup, desk):
    ticket = called(setup, issue(setup))
    desk.post(
        url("transfer", ticket.pk),
        {"to_queue": "", "to_window": setup.windows[1].pk, "reason": "专窗办理"},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.reserved_window == setup.windows[1]


def test_transfer_needs_a_reason_and_a_target_of_this_hall(setup, desk):
    ticket = called(setup, issue(setup))
    other = make_setup(windows=0)
    before = state()
    for data in (
        {"to_queue": setup.queues["B"].pk, "reason": ""},
        {"to_queue": other.queues["B"].pk, "reason": "x"},
        {"reason": "x"},
    ):
        response = desk.post(url("transfer", ticket.pk), data, **HTMX)
        assert response.context["error"], data
    assert state() == before


def test_park_and_resume(setup, desk):
    ticket = serving(setup, issue(setup))
    assert desk.post(url("park", ticket.pk), {"reason": ""}, **HTMX).context["error"]
    response = desk.post(url("park", ticket.pk), {"reason": "回去取材料"}, **HTMX)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PARKED
    assert response.context["parked"] == [ticket]
    assert response.context["ticket"] is None

    response = desk.post(url("resume", ticket.pk), **HTMX)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
    assert response.context["ticket"] == ticket


def test_pause_with_a_reason_and_open_again(setup, desk):
    window = setup.windows[0]
    before = state()
    response = desk.post(url("pause"), {"reason": "other", "detail": ""}, **HTMX)
    assert response.context["error"]
    assert state() == before

    desk.post(url("pause"), {"reason": "system", "detail": "叫号器无响应"})
    window.refresh_from_db()
    assert window.state == WindowState.PAUSED
    assert window.pause_reason.endswith("叫号器无响应")
    page = desk.get(url("page"))
    assert reverse("workstation:open") in page.content.decode()
    issue(setup)
    assert desk.post(url("call-next"), **HTMX).context["error"]

    desk.post(url("open"))
    window.refresh_from_db()
    assert window.state == WindowState.OPEN


# --- side panel -------------------------------------------------------------------------------


def test_side_panel_counts_the_windows_queues_and_lists_the_next_tickets(setup, desk):
    a1 = issue(setup)
    issue(setup, "B", minute=1)
    elderly = issue(setup, minute=2, priority=Priority.ELDERLY)
    issue(setup, "C", minute=3)  # not served by this window
    reserved = called(setup, issue(setup, minute=4))
    services.transfer(
        ticket=reserved,
        actor=setup.clerk(0),
        reason="专窗",
        to_window=setup.windows[1],
        now=at(9, 59),
    )
    side = desk.get(url("side"))
    assert side.status_code == 200
    body = side.content.decode()
    assert body.lstrip().startswith('<aside id="ws-side"')
    assert [code in body for code in (a1.code, elderly.code, "B001", "C001", reserved.code)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    response = desk.get(url("page"))  # the same context, inspectable
    counts = {row["queue"].prefix: row["waiting"] for row in response.context["served_queues"]}
    assert counts == {"A": 3, "B": 1}
    codes = [t.code for t in response.context["next_waiting"]]
    assert codes == [elderly.code, a1.code, "B001"]  # reserved for window 2: not listed


def test_side_panel_shows_the_clerks_figures_today(setup, desk):
    for minute in (0, 1):
        ticket = issue(setup, minute=minute)
        services.call_next(window=setup.windows[0], actor=setup.clerk(0), now=at(9, 10))
        services.start_service(ticket=ticket, actor=setup.clerk(0), now=at(9, 10))
        services.finish_service(
            ticket=ticket, actor=setup.clerk(0), outcome="handled", now=at(9, 13 + 2 * minute)
        )
    assert 'data-testid="served-today">2<' in desk.get(url("side")).content.decode()
    response = desk.get(url("page"))
    assert response.context["served_today"] == 2
    assert response.context["average_service"] == "04:00"  # 3 and 5 minutes


# --- query counts -----------------------------------------------------------------------------


def test_page_query_count_is_fixed(setup, desk, items, django_assert_num_queries):
    for minute in range(12):
        issue(setup, minute=minute, matters=items)
    serving(setup, Ticket.objects.order_by("id").last())
    with django_assert_num_queries(PAGE_QUERIES):
        response = desk.get(url("page"))
    assert response.status_code == 200
    assert len(response.context["next_waiting"]) == 10


def test_side_panel_query_count_is_fixed(setup, desk, django_assert_num_queries):
    for minute in range(12):
        issue(setup, minute=minute)
    with django_assert_num_queries(SIDE_QUERIES):
        response = desk.get(url("side"))
    assert response.content.decode().count('name="reason"') == 10


# Session, user, 2 × permissions, hall, window; the current ticket and its matters, parked,
# no-shows, transfer queues and windows; figures, served queues, waiting counts, next in line
# (two slices of the line: appointments due and priority groups, then everybody).
PAGE_QUERIES = 17
# Session, user, 2 × permissions, hall, window, figures, served queues, counts, next in line (2).
SIDE_QUERIES = 11


# --- works without JavaScript -----------------------------------------------------------------


def _forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", html)


@pytest.mark.parametrize("status", ["idle", "called", "serving"])
def test_every_htmx_form_is_also_a_plain_post_form(setup, desk, status):
    ticket = issue(setup)
    issue(setup, minute=1)
    if status == "called":
        called(setup, ticket)
    elif status == "serving":
        serving(setup, ticket)
    html = desk.get(url("page")).content.decode()
    forms = _forms(html.split('<div id="ws"', 1)[1])  # not the navigation bar's forms
    assert len(forms) >= 3
    for tag in forms:
        hx_post = re.search(r'hx-post="([^"]+)"', tag)
        assert hx_post is not None, tag
        assert f'action="{hx_post.group(1)}"' in tag
        assert 'method="post"' in tag
    # Destructive actions ask first.
    confirming = [tag for tag in forms if "hx-confirm=" in tag]
    if status == "called":
        assert {re.search(r'action="([^"]+)"', t).group(1) for t in confirming} == {
            url("no-show", ticket.pk),
            url("transfer", ticket.pk),
        }
    # The side panel polls itself.
    assert f'hx-get="{url("side")}"' in html
