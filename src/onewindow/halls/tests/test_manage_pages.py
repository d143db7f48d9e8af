"""The hall manager's set-up pages: access, hall scoping, validation and audit events."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.core.models import AuditEvent
from onewindow.halls.models import Hall, Window, Zone
from onewindow.tickets.models import Queue, WindowQueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(hall: Hall) -> dict[str, Any]:
    zone = Zone.objects.create(hall=hall, name="自然人综合服务区", floor="1F")
    window = Window.objects.create(hall=hall, number=1, kind="natural", zone=zone)
    queue = Queue.objects.create(hall=hall, prefix="A", name="自然人业务", kind="natural")
    return {"zone": zone, "window": window, "queue": queue}


@pytest.fixture
def manager(client_for: Any, hall_manager: Any) -> Any:
    return client_for(hall_manager)


def _pages(o: dict[str, Any]) -> list[str]:
    return [
        reverse("halls:settings"),
        reverse("halls:zone-list"),
        reverse("halls:zone-create"),
        reverse("halls:zone-edit", args=[o["zone"].pk]),
        reverse("halls:zone-delete", args=[o["zone"].pk]),
        reverse("halls:window-list"),
        reverse("halls:window-create"),
        reverse("halls:window-edit", args=[o["window"].pk]),
        reverse("halls:window-queues", args=[o["window"].pk]),
        reverse("halls:queue-list"),
        reverse("halls:queue-create"),
        reverse("halls:queue-edit", args=[o["queue"].pk]),
    ]


def test_only_the_hall_manager_opens_the_set_up_pages(any_persona, client_for, setup):
    client = client_for(any_persona)
    for url in _pages(setup):
        response = client.get(url)
        if any_persona is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url
        elif any_persona.has_role(Role.HALL_MANAGER):
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url


def test_posts_by_other_roles_change_nothing(any_persona, client_for, setup):
    client = client_for(any_persona)
    if any_persona is not None and any_persona.has_role(Role.HALL_MANAGER):
        return
    client.post(reverse("halls:zone-create"), {"name": "法人综合服务区", "sort_order": 2})
    client.post(reverse("halls:queue-defaults"))
    client.post(reverse("halls:window-set-active", args=[setup["window"].pk]), {"active": "0"})
    assert Zone.objects.count() == 1
    assert Queue.objects.count() == 1
    assert Window.objects.get().is_active
    assert not AuditEvent.objects.exists()


def test_a_manager_of_another_hall_does_not_find_this_halls_objects(
    make_user, client_for, other_hall, setup
):
    foreign = client_for(make_user(Role.HALL_MANAGER, hall=other_hall))
    object_pages = [
        reverse("halls:zone-edit", args=[setup["zone"].pk]),
        reverse("halls:zone-delete", args=[setup["zone"].pk]),
        reverse("halls:window-edit", args=[setup["window"].pk]),
        reverse("halls:window-queues", args=[setup["window"].pk]),
        reverse("halls:queue-edit", args=[setup["queue"].pk]),
    ]
    for url in object_pages:
        assert foreign.get(url).status_code == 404, url
        assert foreign.post(url, {"name": "改名"}).status_code == 404, url
    response = foreign.post(
        reverse("halls:window-set-active", args=[setup["window"].pk]), {"active": "0"}
    )
    assert response.status_code == 404
    # Their lists show their own hall only.
    assert list(foreign.get(reverse("halls:zone-list")).context["zones"]) == []
    assert list(foreign.get(reverse("halls:window-list")).context["windows"]) == []
    assert foreign.get(reverse("halls:queue-list")).context["rows"] == []
    assert Zone.objects.get().name == "自然人综合服务区"


def test_a_manager_without_a_hall_is_told_why(make_user, client_for):
    manager = make_user(Role.HALL_MANAGER, hall=None)
    response = client_for(manager).get(reverse("halls:settings"))
    assert response.status_code == 403
    assert "halls/no_hall.html" in [t.name for t in response.templates]


# --- Hall settings ----------------------------------------------------------------------------


def _settings_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "示范区政务服务中心",
        "address": "示范路1号",
        "phone": "0826-1234567",
        "opening_hours": "周一至周五 9:00-17:00",
        "no_show_after_calls": 3,
        "notify_when_ahead": 3,
        "announcement_template": "请{number}号到{window}号窗口办理",
        "announcement_repeat": 2,
    }
    data.update(changes)
    return data


def test_settings_save_with_an_audit_event(manager, hall, hall_manager):
    response = manager.post(
        reverse("halls:settings"),
        _settings_data(no_show_after_calls=2, announcement_template="请{number}号到{window}号窗口"),
    )
    assert response.status_code == 302
    hall.refresh_from_db()
    assert hall.no_show_after_calls == 2 and hall.address == "示范路1号"
    event = AuditEvent.objects.get(action="halls.hall.updated")
    assert event.actor == hall_manager
    assert event.before["no_show_after_calls"] == 3 and event.after["no_show_after_calls"] == 2


def test_saving_unchanged_settings_writes_no_event(manager, hall):
    manager.post(reverse("halls:settings"), _settings_data())
    hall.refresh_from_db()
    manager.post(reverse("halls:settings"), _settings_data())
    assert AuditEvent.objects.filter(action="halls.hall.updated").count() == 1


@pytest.mark.parametrize(
    "template",
    [
        "请{number}号办理",
        "请到{window}号窗口",
        "请{number}号到{window}号窗口{extra}",
        "请{0}号{number}{window}",
    ],
)
def test_the_announcement_needs_number_and_window_only(manager, hall, template):
    data = _settings_data(announcement_template=template)
    response = manager.post(reverse("halls:settings"), data)
    assert response.status_code == 200
    assert "announcement_template" in response.context["form"].errors
    hall.refresh_from_db()
    assert hall.announcement_template == "请{number}号到{window}号窗口办理"


def test_the_settings_page_previews_the_announcement(manager, hall):
    Hall.objects.filter(pk=hall.pk).update(announcement_template="请{number}号到{window}号窗口")
    response = manager.get(reverse("halls:settings"))
    assert response.context["preview"] == "请A023号到3号窗口"
    assert "请A023号到3号窗口" in response.content.decode()


def test_settings_numbers_are_bounded(manager, hall):
    response = manager.post(
        reverse("halls:settings"), _settings_data(no_show_after_calls=0, announcement_repeat=9)
    )
    errors = response.context["form"].errors
    assert "no_show_after_calls" in errors and "announcement_repeat" in errors


# --- Zones ------------------------------------------------------------------------------------


def test_zone_create_edit_and_unique_name(manager, hall, setup):
    response = manager.post(
        reverse("halls:zone-create"), {"name": "法人综合服务区", "floor": "2F", "sort_order": 2}
    )
    assert response.status_code == 302
    zone = Zone.objects.get(name="法人综合服务区")
    assert zone.hall == hall
    assert AuditEvent.objects.get(action="halls.zone.created").after["name"] == "法人综合服务区"

    response = manager.post(
        reverse("halls:zone-edit", args=[zone.pk]), {"name": "自然人综合服务区", "sort_order": 2}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    manager.post(reverse("halls:zone-edit", args=[zone.pk]), {"name": "法人区", "sort_order": 3})
    zone.refresh_from_db()
    assert zone.name == "法人区"
    event = AuditEvent.objects.get(action="halls.zone.updated")
    assert event.before["name"] == "法人综合服务区" and event.after["name"] == "法人区"


def test_the_same_zone_name_is_fine_in_another_hall(manager, other_hall, setup):
    Zone.objects.create(hall=other_hall, name="咨询引导区")
    response = manager.post(reverse("halls:zone-create"), {"name": "咨询引导区", "sort_order": 0})
    assert response.status_code == 302
    assert Zone.objects.filter(name="咨询引导区").count() == 2


def test_a_zone_with_windows_is_not_deleted(manager, setup):
    zone = setup["zone"]
    page = manager.get(reverse("halls:zone-delete", args=[zone.pk]))
    assert page.context["zone"].n_windows == 1
    manager.post(reverse("halls:zone-delete", args=[zone.pk]))
    assert Zone.objects.filter(pk=zone.pk).exists()
    assert not AuditEvent.objects.filter(action="halls.zone.deleted").exists()

    Window.objects.filter(zone=zone).update(zone=None)
    response = manager.post(reverse("halls:zone-delete", args=[zone.pk]))
    assert response.status_code == 302
    assert not Zone.objects.filter(pk=zone.pk).exists()
    assert AuditEvent.objects.get(action="halls.zone.deleted").before["name"] == zone.name


# --- Windows ----------------------------------------------------------------------------------


def test_window_create_then_choose_its_queues(manager, hall, setup):
    response = manager.post(
        reverse("halls:window-create"),
        {"number": 2, "name": "综合受理", "kind": "legal", "zone": setup["zone"].pk},
    )
    window = Window.objects.get(number=2)
    assert response["Location"] == reverse("halls:window-queues", args=[window.pk])
    assert window.hall == hall and window.state == "closed"
    assert AuditEvent.objects.get(action="halls.window.created").after["kind"] == "legal"


def test_window_numbers_are_unique_per_hall(manager, other_hall, setup):
    Window.objects.create(hall=other_hall, number=5, kind="natural")
    response = manager.post(reverse("halls:window-create"), {"number": 1, "kind": "natural"})
    assert "number" in response.context["form"].errors
    response = manager.post(reverse("halls:window-create"), {"number": 5, "kind": "natural"})
    assert response.status_code == 302


def test_a_department_window_needs_its_department_and_only_it_has_one(manager, setup, department):
    response = manager.post(reverse("halls:window-create"), {"number": 7, "kind": "department"})
    form = response.context["form"]
    assert list(form.errors) == ["department"]
    assert len(form.errors["department"]) == 1
    assert not form.non_field_errors()
    response = manager.post(
        reverse("halls:window-create"),
        {"number": 7, "kind": "natural", "department": department.pk},
    )
    assert list(response.context["form"].errors) == ["department"]
    response = manager.post(
        reverse("halls:window-create"),
        {"number": 7, "kind": "department", "department": department.pk},
    )
    assert response.status_code == 302
    assert Window.objects.get(number=7).department == department


def test_a_zone_of_another_hall_cannot_be_chosen(manager, other_hall, setup):
    foreign_zone = Zone.objects.create(hall=other_hall, name="外厅")
    response = manager.post(
        reverse("halls:window-edit", args=[setup["window"].pk]),
        {"number": 1, "kind": "natural", "zone": foreign_zone.pk},
    )
    assert "zone" in response.context["form"].errors


def test_window_edit_audits_before_and_after(manager, setup):
    window = setup["window"]
    manager.post(
        reverse("halls:window-edit", args=[window.pk]),
        {"number": 11, "name": "老年人绿色通道", "kind": "natural", "zone": setup["zone"].pk},
    )
    window.refresh_from_db()
    assert window.number == 11
    event = AuditEvent.objects.get(action="halls.window.updated")
    assert event.before["number"] == 1 and event.after["number"] == 11


def test_window_deactivation(manager, setup, clerk):
    window = setup["window"]
    url = reverse("halls:window-set-active", args=[window.pk])
    Window.objects.filter(pk=window.pk).update(clerk=clerk)
    manager.post(url, {"active": "0"})
    window.refresh_from_db()
    assert window.is_active  # a clerk is still signed in
    Window.objects.filter(pk=window.pk).update(clerk=None)
    manager.post(url, {"active": "0"})
    window.refresh_from_db()
    assert not window.is_active
    assert AuditEvent.objects.filter(action="halls.window.deactivated").count() == 1
    manager.post(url, {"active": "1"})
    window.refresh_from_db()
    assert window.is_active
    assert manager.get(url).status_code == 405


def test_window_list_shows_state_clerk_and_queues(
    manager, setup, clerk, django_assert_max_num_queries
):
    window = setup["window"]
    WindowQueue.objects.create(window=window, queue=setup["queue"], order=1)
    Window.objects.filter(pk=window.pk).update(clerk=clerk, state="paused", pause_reason="系统故障")
    for n in range(2, 8):
        w = Window.objects.create(hall=window.hall, number=n, kind="natural", zone=setup["zone"])
        WindowQueue.objects.create(window=w, queue=setup["queue"])
    with django_assert_max_num_queries(12):
        response = manager.get(reverse("halls:window-list"))
    html = response.content.decode()
    assert clerk.display_name in html and "系统故障" in html and "自然人业务" in html


# --- Queues -----------------------------------------------------------------------------------


def _queue_data(**changes: Any) -> dict[str, Any]:
    data = {
        "prefix": "b",
        "name": "法人业务",
        "kind": "legal",
        "daily_quota": "",
        "issue_from": "08:30",
        "issue_until": "17:00",
        "default_service_minutes": 10,
        "sort_order": 20,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_queue_create_uppercases_the_prefix(manager, hall, setup):
    response = manager.post(reverse("halls:queue-create"), _queue_data())
    assert response.status_code == 302
    queue = Queue.objects.get(prefix="B")
    assert queue.hall == hall and queue.daily_quota is None
    assert AuditEvent.objects.get(action="tickets.queue.created").after["prefix"] == "B"


@pytest.mark.parametrize("prefix", ["A", "a", "ABC", "1", "Ä", "A1"])
def test_queue_prefix_rules(manager, setup, prefix):
    response = manager.post(reverse("halls:queue-create"), _queue_data(prefix=prefix))
    assert response.status_code == 200
    assert "prefix" in response.context["form"].errors


def test_the_same_prefix_is_fine_in_another_hall(manager, other_hall, setup):
    Queue.objects.create(hall=other_hall, prefix="B", name="法人", kind="legal")
    assert manager.post(reverse("halls:queue-create"), _queue_data()).status_code == 302


def test_queue_hours_must_be_in_order(manager, setup):
    response = manager.post(
        reverse("halls:queue-create"), _queue_data(issue_from="12:00", issue_until="12:00")
    )
    form = response.context["form"]
    assert list(form.errors) == ["issue_until"]
    assert not Queue.objects.filter(prefix="B").exists()


def test_queue_edit_audits(manager, setup):
    queue = setup["queue"]
    data = _queue_data(prefix="A", name="自然人业务", kind="natural", daily_quota=200)
    manager.post(reverse("halls:queue-edit", args=[queue.pk]), data)
    queue.refresh_from_db()
    assert queue.daily_quota == 200 and queue.issue_until == datetime.time(17, 0)
    event = AuditEvent.objects.get(action="tickets.queue.updated")
    assert event.before["daily_quota"] is None and event.after["daily_quota"] == 200


def test_default_queues_button_only_for_a_hall_without_queues(manager, hall, setup):
    assert "queue-defaults" not in manager.get(reverse("halls:queue-list")).content.decode()
    manager.post(reverse("halls:queue-defaults"))
    assert Queue.objects.filter(hall=hall).count() == 1
    Queue.objects.all().delete()
    page = manager.get(reverse("halls:queue-list")).content.decode()
    assert reverse("halls:queue-defaults") in page
    response = manager.post(reverse("halls:queue-defaults"))
    assert response.status_code == 302
    prefixes = list(Queue.objects.filter(hall=hall).values_list("prefix", flat=True))
    assert prefixes == ["A", "B", "C", "D", "E", "F"]


# --- Which queues a window serves ---------------------------------------------------------------


def test_window_queues_page_saves_order_and_overflow(manager, hall, setup):
    window, a = setup["window"], setup["queue"]
    b = Queue.objects.create(hall=hall, prefix="B", name="法人业务", kind="legal")
    c = Queue.objects.create(hall=hall, prefix="C", name="咨询", kind="consultation")
    url = reverse("halls:window-queues", args=[window.pk])
    page = manager.get(url)
    assert [row["queue"] for row in page.context["rows"]] == [a, b, c]
    data = {
        f"serve_{a.pk}": "on",
        f"order_{a.pk}": 1,
        f"serve_{b.pk}": "on",
        f"order_{b.pk}": 2,
        f"overflow_{b.pk}": "on",
        f"order_{c.pk}": 3,
    }
    assert manager.post(url, data).status_code == 302
    links = {wq.queue_id: wq for wq in WindowQueue.objects.filter(window=window)}
    assert set(links) == {a.pk, b.pk}
    assert links[b.pk].overflow_only and not links[a.pk].overflow_only
    event = AuditEvent.objects.get(action="tickets.windowqueue.updated")
    assert event.before == {"queues": []}
    assert {q["queue"] for q in event.after["queues"]} == {a.pk, b.pk}

    data = {f"serve_{c.pk}": "on", f"order_{a.pk}": 1, f"order_{b.pk}": 2, f"order_{c.pk}": 5}
    manager.post(url, data)
    assert list(WindowQueue.objects.filter(window=window).values_list("queue", "order")) == [
        (c.pk, 5)
    ]


def test_window_queues_rejects_a_bad_order(manager, setup):
    window, a = setup["window"], setup["queue"]
    url = reverse("halls:window-queues", args=[window.pk])
    response = manager.post(url, {f"serve_{a.pk}": "on", f"order_{a.pk}": "-1"})
    assert response.status_code == 200
    assert not WindowQueue.objects.exists()


def test_the_manager_signs_out_a_clerk_who_left(
    manager, setup, clerk, make_user, client_for, other_hall
):
    window = setup["window"]
    Window.objects.filter(pk=window.pk).update(clerk=clerk, state="open")
    url = reverse("halls:window-release", args=[window.pk])
    assert client_for(clerk).post(url).status_code == 403
    assert manager.post(url).status_code == 302
    window.refresh_from_db()
    assert window.clerk is None and window.state == "closed"
    assert AuditEvent.objects.filter(action="halls.window.released").count() == 1
    foreign = client_for(make_user(Role.HALL_MANAGER, hall=other_hall))
    assert foreign.post(url).status_code == 404
