"""The “my window” page: window staff sign in, open, pause with a reason, close, sign out."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.core.models import AuditEvent
from onewindow.halls.models import Window, WindowState

pytestmark = pytest.mark.django_db

PAGE = reverse("halls:my-window")
WINDOW_STAFF = {Role.GUIDE, Role.CLERK, Role.CERTIFICATE_CLERK, Role.HELPER, Role.COMPLAINT_HANDLER}


@pytest.fixture
def window(hall: Any) -> Window:
    return Window.objects.create(hall=hall, number=3, kind="natural", name="综合受理")


@pytest.fixture
def at_window(client_for: Any, clerk: Any, window: Window) -> Any:
    client = client_for(clerk)
    client.post(reverse("halls:my-window-sign-in"), {"window": window.pk})
    return client


def test_only_window_staff_open_the_page(any_persona, client_for, window):
    response = client_for(any_persona).get(PAGE)
    if any_persona is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif any_persona.role_codes() & WINDOW_STAFF:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_other_roles_cannot_sign_in(any_persona, client_for, window):
    if any_persona is not None and any_persona.role_codes() & WINDOW_STAFF:
        return
    client_for(any_persona).post(reverse("halls:my-window-sign-in"), {"window": window.pk})
    window.refresh_from_db()
    assert window.clerk is None


def test_staff_without_a_hall_are_told_why(make_user, client_for):
    response = client_for(make_user(Role.CLERK, hall=None)).get(PAGE)
    assert response.status_code == 403
    assert "halls/no_hall.html" in [t.name for t in response.templates]


def test_the_page_lists_the_halls_active_windows(client_for, clerk, window, other_hall, hall):
    Window.objects.create(hall=other_hall, number=8, kind="natural")
    Window.objects.create(hall=hall, number=9, kind="natural", is_active=False)
    response = client_for(clerk).get(PAGE)
    assert [w.number for w in response.context["windows"]] == [3]
    assert response.context["window"] is None


def test_sign_in_open_pause_close_sign_out(at_window, clerk, window):
    window.refresh_from_db()
    assert window.clerk == clerk
    assert at_window.get(PAGE).context["window"] == window

    at_window.post(reverse("halls:my-window-open"))
    window.refresh_from_db()
    assert window.state == WindowState.OPEN

    at_window.post(reverse("halls:my-window-pause"), {"reason": "system", "detail": "叫号器无响应"})
    window.refresh_from_db()
    assert window.state == WindowState.PAUSED
    assert window.pause_reason.endswith("叫号器无响应")
    assert window.pause_reason != "叫号器无响应"  # the chosen reason comes first

    at_window.post(reverse("halls:my-window-close"))
    window.refresh_from_db()
    assert window.state == WindowState.CLOSED and window.clerk == clerk

    at_window.post(reverse("halls:my-window-sign-out"))
    window.refresh_from_db()
    assert window.clerk is None
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "halls.window.signed_in",
        "halls.window.opened",
        "halls.window.paused",
        "halls.window.closed",
        "halls.window.signed_out",
    ]


def test_pause_reason_other_needs_details(at_window, window):
    at_window.post(reverse("halls:my-window-open"))
    response = at_window.post(reverse("halls:my-window-pause"), {"reason": "other", "detail": ""})
    assert response.status_code == 400
    assert "detail" in response.context["pause_form"].errors
    window.refresh_from_db()
    assert window.state == WindowState.OPEN
    at_window.post(reverse("halls:my-window-pause"), {"reason": "other", "detail": "培训"})
    window.refresh_from_db()
    assert window.state == WindowState.PAUSED and window.pause_reason == "培训"


def test_pause_with_an_unknown_reason_is_refused(at_window, window):
    at_window.post(reverse("halls:my-window-open"))
    response = at_window.post(reverse("halls:my-window-pause"), {"reason": "lunch"})
    assert response.status_code == 400
    window.refresh_from_db()
    assert window.state == WindowState.OPEN


def test_a_taken_window_names_who_is_there(at_window, clerk, make_user, client_for, window):
    second = client_for(make_user(Role.CLERK, full_name="王五"))
    response = second.post(reverse("halls:my-window-sign-in"), {"window": window.pk})
    assert response.status_code == 409
    errors = response.context["sign_in_form"].errors["window"]
    assert clerk.display_name in errors[0]
    window.refresh_from_db()
    assert window.clerk == clerk


def test_a_window_of_another_hall_cannot_be_chosen(client_for, clerk, other_hall):
    foreign = Window.objects.create(hall=other_hall, number=1, kind="natural")
    response = client_for(clerk).post(reverse("halls:my-window-sign-in"), {"window": foreign.pk})
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.clerk is None


def test_actions_without_a_window_say_so(client_for, clerk, window):
    client = client_for(clerk)
    response = client.post(reverse("halls:my-window-open"), follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not AuditEvent.objects.exists()


def test_open_is_a_post(at_window):
    assert at_window.get(reverse("halls:my-window-open")).status_code == 405
