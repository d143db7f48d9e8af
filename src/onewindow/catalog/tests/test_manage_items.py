"""Item list, item create and edit: filters, validation, audit events and versions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from onewindow.catalog.forms import ITEM_FIELDS
from onewindow.catalog.models import ItemVersion, ServiceItem
from onewindow.catalog.tests.manage_factories import make_item, make_material, make_scenario
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def item_data(item: ServiceItem, **overrides: Any) -> dict[str, Any]:
    """The edit form's POST data for `item` as it is, with `overrides`."""
    data: dict[str, Any] = {}
    for name in ITEM_FIELDS:
        value = getattr(item, "department_id" if name == "department" else name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    for name, value in overrides.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


@pytest.fixture
def manager_client(client_for, hall_manager):
    return client_for(hall_manager)


# --- List ---------------------------------------------------------------------------------------


def test_list_shows_items_with_completeness(manager_client, department, other_department):
    complete = make_item(department, name="设立登记")
    make_material(make_scenario(complete), name="申请书")
    make_item(other_department, name="失业登记")
    response = manager_client.get(reverse("catalog:manage-items"))
    assert response.status_code == 200
    rows = {i.name: i for i in response.context["page"].object_list}
    assert rows["设立登记"].has_materials is True
    assert rows["失业登记"].has_materials is False
    content = response.content.decode()
    assert "设立登记" in content and "失业登记" in content
    assert "区人社局" in content


def test_list_filters(manager_client, department, other_department):
    make_item(department, name="食品经营许可", item_type="1", status="published")
    make_item(department, name="个体户登记", item_type="7", status="suspended")
    make_item(other_department, name="社保卡申领", item_type="20", aliases="社保卡")
    url = reverse("catalog:manage-items")

    def names(**params: Any) -> set[str]:
        return {i.name for i in manager_client.get(url, params).context["page"].object_list}

    assert names(department=department.pk) == {"食品经营许可", "个体户登记"}
    assert names(item_type="7") == {"个体户登记"}
    assert names(status="suspended") == {"个体户登记"}
    assert names(q="社保") == {"社保卡申领"}
    assert names(q="社保", department=department.pk) == set()
    assert names(completeness="complete") == set()
    assert len(names(completeness="incomplete")) == 3


def test_list_paginates_by_50(manager_client, department):
    ServiceItem.objects.bulk_create(
        [
            ServiceItem(
                department=department,
                name=f"事项{n:03d}",
                implementation_code=f"C{n}",
                item_type="1",
            )
            for n in range(51)
        ]
    )
    first = manager_client.get(reverse("catalog:manage-items"))
    assert len(first.context["page"].object_list) == 50
    second = manager_client.get(reverse("catalog:manage-items"), {"page": 2})
    assert [i.name for i in second.context["page"].object_list] == ["事项050"]


def test_list_query_count_does_not_grow_with_rows(
    manager_client, department, django_assert_num_queries
):
    def add(n: int) -> None:
        for _ in range(n):
            item = make_item(department)
            make_material(make_scenario(item))

    url = reverse("catalog:manage-items")
    add(3)
    manager_client.get(url)  # warm the session
    # session, user, user and group permissions, the user's hall (navbar), departments (filter),
    # count, page
    with django_assert_num_queries(8):
        manager_client.get(url)
    add(40)
    with django_assert_num_queries(8):
        manager_client.get(url)


def test_list_htmx_returns_only_the_results(manager_client, department):
    make_item(department, name="设立登记")
    response = manager_client.get(
        reverse("catalog:manage-items"), {"q": "设立"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert 'id="results"' in content
    assert "<html" not in content
    assert "设立登记" in content


def test_list_exports_the_filtered_list_as_csv(manager_client, department, other_department):
    make_item(department, name="设立登记")
    make_item(other_department, name="失业登记")
    response = manager_client.get(
        reverse("catalog:manage-items"), {"department": department.pk, "export": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "设立登记" in text
    assert "失业登记" not in text


# --- Create and edit -----------------------------------------------------------------------------


def test_create_item_records_audit_event_and_version_1(manager_client, hall_manager, department):
    template = ServiceItem(department=department, item_type="1")
    data = item_data(
        template,
        name="食品经营许可（新办）",
        implementation_code="NEW-0001",
        max_visits=1,
        visit_reason="现场核验原件",
        statutory_limit_days=20,
        promised_limit_days=5,
    )
    response = manager_client.post(reverse("catalog:manage-item-create"), data)
    item = ServiceItem.objects.get(implementation_code="NEW-0001")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:manage-scenarios", args=[item.pk])
    assert item.version == 1
    assert ItemVersion.objects.filter(item=item, number=1, created_by=hall_manager).exists()
    event = AuditEvent.objects.for_object(item).get(action="catalog.item.created")
    assert event.actor == hall_manager
    assert event.before == {}
    assert event.after["name"] == "食品经营许可（新办）"
    assert event.after["promised_limit_days"] == 5


def test_edit_item_records_before_and_after(manager_client, hall_manager, department):
    item = make_item(department, name="旧名称", promised_limit_days=10, statutory_limit_days=20)
    url = reverse("catalog:manage-item-edit", args=[item.pk])
    response = manager_client.post(url, item_data(item, name="新名称", promised_limit_days=3))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "新名称"
    assert item.version == 1
    event = AuditEvent.objects.for_object(item).get(action="catalog.item.updated")
    assert event.before["name"] == "旧名称" and event.after["name"] == "新名称"
    assert event.before["promised_limit_days"] == 10 and event.after["promised_limit_days"] == 3
    assert event.actor == hall_manager
    version = item.versions.get(number=1)
    assert version.snapshot["name"] == "新名称"

    # Saving again without a change creates no event and no version.
    manager_client.post(url, item_data(item))
    item.refresh_from_db()
    assert item.version == 1
    assert AuditEvent.objects.for_object(item).filter(action="catalog.item.updated").count() == 1


def test_edit_page_shows_version_and_links(manager_client, department):
    item = make_item(department, name="设立登记")
    manager_client.post(
        reverse("catalog:manage-item-edit", args=[item.pk]), item_data(item, name="设立登记（改）")
    )
    item.refresh_from_db()
    response = manager_client.get(reverse("catalog:manage-item-edit", args=[item.pk]))
    content = response.content.decode()
    content_type = ContentType.objects.get_for_model(ServiceItem)
    assert reverse("core:history", args=[content_type.id, item.pk]) in content
    assert reverse("catalog:guide-item", args=[item.pk]) in content
    assert reverse("catalog:manage-item-versions", args=[item.pk]) in content
    assert f"v{item.version}" in content
    # Seven fieldsets, every editable field in one of them.
    assert content.count("<legend") == 7
    fields = [f.name for _title, group in response.context["form"].fieldsets() for f in group]
    assert sorted(fields) == sorted(ITEM_FIELDS)
    editable = {
        f.name
        for f in ServiceItem._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "version"
    }
    assert set(fields) == editable
    assert len(fields) == len(editable)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"statutory_limit_days": 5, "promised_limit_days": 8}, "promised_limit_days"),
        ({"handling_kind": "immediate", "promised_limit_days": 3}, "promised_limit_days"),
        ({"handling_kind": "immediate", "statutory_limit_days": 1}, "statutory_limit_days"),
        ({"one_window": False, "one_window_exclusion_basis": ""}, "one_window_exclusion_basis"),
        ({"confidential": True}, "confidential"),
        ({"max_visits": 3}, "max_visits"),
        ({"max_visits": 2, "visit_reason": ""}, "visit_reason"),
    ],
)
def test_edit_validation_errors_are_shown_next_to_the_field(
    manager_client, department, overrides, field
):
    item = make_item(department, name="设立登记")
    url = reverse("catalog:manage-item-edit", args=[item.pk])
    response = manager_client.post(url, item_data(item, name="不应保存", **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert 'aria-invalid="true"' in response.content.decode()
    item.refresh_from_db()
    assert item.name == "设立登记"
    assert not AuditEvent.objects.for_object(item).exists()


def test_setting_one_visit_asks_for_the_reason(manager_client, department):
    item = make_item(department, max_visits=0, visit_reason="")
    url = reverse("catalog:manage-item-edit", args=[item.pk])
    response = manager_client.post(url, item_data(item, max_visits=1, visit_reason=""))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["visit_reason"]


def test_unrelated_edit_of_an_imported_item_needs_no_visit_reason(manager_client, department):
    # Imported items have one visit and no reason; renaming one must not be blocked by that.
    item = make_item(department, max_visits=1, visit_reason="")
    url = reverse("catalog:manage-item-edit", args=[item.pk])
    response = manager_client.post(url, item_data(item, name="新名称"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "新名称"


def test_valid_edge_cases_are_accepted(manager_client, department):
    item = make_item(department)
    url = reverse("catalog:manage-item-edit", args=[item.pk])
    cases = [
        {"handling_kind": "immediate", "statutory_limit_days": 0, "promised_limit_days": ""},
        {"handling_kind": "promised", "statutory_limit_days": 20, "promised_limit_days": 20},
        {"one_window": False, "one_window_exclusion_basis": "涉及国家秘密", "confidential": True},
        {"max_visits": 0, "visit_reason": ""},
    ]
    for overrides in cases:
        response = manager_client.post(url, item_data(item, **overrides))
        assert response.status_code == 302, response.context["form"].errors
        item.refresh_from_db()


# --- The Django admin fallback ------------------------------------------------------------------


def test_admin_edits_are_audited_and_versioned(rf, hall_manager, department):
    from django.contrib.admin.sites import site

    from onewindow.catalog.models import Material

    item = make_item(department, name="旧名称")
    material = make_material(make_scenario(item), name="申请书")
    request = rf.post("/")
    request.user = hall_manager

    item.name = "新名称"
    site._registry[ServiceItem].save_model(request, item, None, True)
    event = AuditEvent.objects.get(action="catalog.item.updated")
    assert (event.before["name"], event.after["name"]) == ("旧名称", "新名称")
    assert event.actor == hall_manager
    item.refresh_from_db()
    assert item.version == 1

    site._registry[Material].delete_model(request, material)
    assert AuditEvent.objects.get(action="catalog.material.deleted").before["name"] == "申请书"
    item.refresh_from_db()
    assert item.version == 2
    assert item.versions.get(number=2).snapshot["scenarios"][0]["materials"] == []


def test_admin_pages_of_every_catalog_model_open(admin_client, department):
    from django.contrib.admin.sites import site

    item = make_item(department)
    make_material(make_scenario(item))
    models = [m for m in site._registry if m._meta.app_label == "catalog"]
    assert len(models) >= 10
    for model in models:
        url = reverse(f"admin:catalog_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
    url = reverse("admin:catalog_serviceitem_change", args=[item.pk])
    assert admin_client.get(url).status_code == 200
