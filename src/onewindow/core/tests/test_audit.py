"""The append-only audit log and the history page."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from onewindow.accounts.models import Role
from onewindow.catalog.models import ItemType, ServiceItem
from onewindow.core import audit
from onewindow.core.models import AuditEvent, AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(department) -> ServiceItem:
    return ServiceItem.objects.create(
        implementation_code="11511602MB1550442U4000117001",
        name="食品经营许可（新办）",
        item_type=ItemType.LICENSING,
        department=department,
        statutory_limit_days=20,
        promised_limit_days=5,
    )


@pytest.fixture
def event(item, hall_manager) -> AuditEvent:
    return audit.record(
        action="catalog.item.updated",
        actor=hall_manager,
        obj=item,
        before={"name": "食品经营许可", "promised_limit_days": 10, "fee_required": False},
        after={"name": "食品经营许可（新办）", "promised_limit_days": 5, "fee_required": False},
        note="按2026年清单调整",
    )


def history_url(obj) -> str:
    content_type = ContentType.objects.get_for_model(type(obj))
    return reverse("core:history", args=[content_type.pk, obj.pk])


# --- record ------------------------------------------------------------------------------------


def test_record_stores_who_what_and_the_before_and_after(event, item, hall_manager) -> None:
    event.refresh_from_db()
    assert event.action == "catalog.item.updated"
    assert event.actor == hall_manager
    assert event.actor_name == hall_manager.display_name
    assert event.content_type == ContentType.objects.get_for_model(ServiceItem)
    assert event.object_id == str(item.pk)
    assert event.object_repr == str(item)
    assert event.before["promised_limit_days"] == 10
    assert event.after["promised_limit_days"] == 5
    assert event.note == "按2026年清单调整"
    assert event.created_at is not None


def test_changes_lists_only_the_differences(event) -> None:
    assert event.changes() == [
        ("name", "食品经营许可", "食品经营许可（新办）"),
        ("promised_limit_days", 10, 5),
    ]


def test_changes_of_a_creation_and_of_added_or_removed_keys() -> None:
    created = audit.record(action="x.created", after={"a": 1, "b": None})
    assert created.changes() == [("a", None, 1)]
    changed = audit.record(
        action="x.changed", before={"a": 1, "gone": "x"}, after={"a": 1, "new": 2}
    )
    assert changed.changes() == [("gone", "x", None), ("new", None, 2)]
    assert audit.record(action="x.none").changes() == []


def test_record_makes_values_json_safe(item) -> None:
    event = audit.record(
        action="x.values",
        obj=item,
        after={
            "day": datetime.date(2026, 2, 14),
            "at": datetime.datetime(2026, 2, 14, 9, 30, tzinfo=datetime.UTC),
            "fee": decimal.Decimal("12.50"),
            "department": item.department,
            "tags": ("a", "b"),
        },
    )
    event.refresh_from_db()
    assert event.after == {
        "day": "2026-02-14",
        "at": "2026-02-14T09:30:00+00:00",
        "fee": "12.50",
        "department": item.department_id,
        "tags": ["a", "b"],
    }


def test_snapshot_leaves_out_timestamps_and_uses_ids(item) -> None:
    data = audit.snapshot(item)
    assert data["name"] == "食品经营许可（新办）"
    assert data["department"] == item.department_id
    assert "updated_at" not in data and "created_at" not in data
    assert audit.snapshot(item, fields=["name"]) == {"name": "食品经营许可（新办）"}


def test_anonymous_actor_is_recorded_as_nobody() -> None:
    event = audit.record(action="x.anonymous", actor=AnonymousUser())
    assert event.actor is None and event.actor_name == ""


def test_history_for_lists_the_objects_events_newest_first(item, event) -> None:
    later = audit.record(action="catalog.item.suspended", obj=item)
    audit.record(action="x.other")
    assert list(audit.history_for(item)) == [later, event]


# --- Append-only --------------------------------------------------------------------------------


def test_an_event_cannot_be_saved_again(event) -> None:
    event.action = "tampered"
    with translation.override("zh-hans"), pytest.raises(AuditLogIsAppendOnly) as caught:
        event.save()
    with translation.override("zh-hans"):
        assert str(caught.value) == "审计日志只能追加，不能修改。"
    event.refresh_from_db()
    assert event.action == "catalog.item.updated"


def test_an_event_cannot_be_deleted(event) -> None:
    with translation.override("zh-hans"), pytest.raises(AuditLogIsAppendOnly) as caught:
        event.delete()
    with translation.override("zh-hans"):
        assert str(caught.value) == "审计日志只能追加，不能删除。"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_querysets_cannot_update_or_delete(event) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().update(note="")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    event.action = "tampered"
    # bulk_update raises inside its own atomic block; the savepoint keeps the test usable.
    with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    event.refresh_from_db()
    assert event.action == "catalog.item.updated"
    assert AuditEvent.objects.count() == 1


def test_update_or_create_cannot_change_an_event(event) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"action": "tampered"})
    event.refresh_from_db()
    assert event.action == "catalog.item.updated"


# --- The history page -----------------------------------------------------------------------------


def test_history_page_for_a_hall_manager(item, event, hall_manager, client_for) -> None:
    response = client_for(hall_manager).get(history_url(item))
    assert response.status_code == 200
    page = response.content.decode()
    assert "catalog.item.updated" in page
    assert "按2026年清单调整" in page
    assert "<del" in page and "食品经营许可</del>" in page
    assert "食品经营许可（新办）</ins>" in page
    assert "10</del>" in page and "5</ins>" in page
    # Unchanged fields are not listed.
    assert "fee_required" not in page
    assert f"<td>{hall_manager.display_name}</td>" in page


def test_history_page_access(any_persona, item, event, client_for) -> None:
    response = client_for(any_persona).get(history_url(item))
    if any_persona is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif any_persona.has_role(Role.HALL_MANAGER, Role.SUPERVISOR):
        assert response.status_code == 200
        assert "catalog.item.updated" in response.content.decode()
    else:
        assert response.status_code == 403


def test_history_page_is_403_for_a_clerk(item, event, clerk, client_for) -> None:
    response = client_for(clerk).get(history_url(item))
    assert response.status_code == 403
    assert "catalog.item.updated" not in response.content.decode()


def test_history_page_404s(item, hall_manager, client_for) -> None:
    client = client_for(hall_manager)
    content_type = ContentType.objects.get_for_model(ServiceItem)
    assert client.get(reverse("core:history", args=[content_type.pk, 999999])).status_code == 404
    assert client.get(reverse("core:history", args=[999999, item.pk])).status_code == 404


def test_history_of_an_object_the_user_may_not_see_is_403(hall_manager, client_for) -> None:
    # The hall manager may read the audit log but has no permission on users.
    target = hall_manager
    assert client_for(hall_manager).get(history_url(target)).status_code == 403
