"""The item versions page and the snapshot diff behind it."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.catalog import services
from onewindow.catalog.models import HandlingKind, ServiceItem
from onewindow.catalog.tests.manage_factories import make_item, make_material, make_scenario

pytestmark = pytest.mark.django_db


def test_diff_reports_fields_and_materials():
    old = {
        "name": "甲",
        "promised_limit_days": 5,
        "scenarios": [
            {
                "code": "S01",
                "name": "新办",
                "materials": [
                    {"code": "M01", "name": "申请书", "copies": 0},
                    {"code": "M02", "name": "身份证", "copies": 1},
                ],
            }
        ],
        "review_points": [],
    }
    new = {
        "name": "甲",
        "promised_limit_days": 3,
        "scenarios": [
            {
                "code": "S01",
                "name": "新办",
                "materials": [
                    {"code": "M01", "name": "申请书", "copies": 2},
                    {"code": "M03", "name": "营业执照", "copies": 1},
                ],
            }
        ],
        "review_points": [{"code": "P01", "text": "核对", "material": ""}],
    }
    diff = services.diff_item_snapshots(old, new)
    assert diff["fields"] == [("promised_limit_days", 5, 3)]
    assert diff["scenarios"] == {"added": [], "removed": [], "changed": []}
    materials = diff["materials"]
    assert [m["name"] for m in materials["added"]] == ["营业执照"]
    assert [m["name"] for m in materials["removed"]] == ["身份证"]
    assert materials["changed"] == [
        {"key": "S01/M01", "name": "申请书", "fields": [("copies", 0, 2)]}
    ]
    assert [p["code"] for p in diff["review_points"]["added"]] == ["P01"]


def test_versions_page_lists_versions_and_shows_the_diff(client_for, hall_manager, department):
    item = make_item(department, name="设立登记", promised_limit_days=10)
    scenario = make_scenario(item, name="新办")
    material = make_material(scenario, name="申请书")
    with time_machine.travel(datetime.datetime(2026, 3, 5, 6, 30, tzinfo=datetime.UTC)):
        services.record_item_version(item=item, actor=hall_manager, note="首次发布")
    item.promised_limit_days = 5
    item.save()
    material.name = "设立登记申请书"
    material.save()
    make_material(scenario, name="章程")
    services.record_item_version(item=item, actor=hall_manager, note="调整材料")

    client = client_for(hall_manager)
    response = client.get(reverse("catalog:manage-item-versions", args=[item.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert [v.number for v in response.context["versions"]] == [2, 1]
    # 06:30 UTC is 14:30 in Asia/Shanghai.
    assert "2026-03-05 14:30" in content
    assert hall_manager.display_name in content
    assert "调整材料" in content
    diff = response.context["diff"]
    [(label, before, after)] = diff["fields"]
    assert (before, after) == ("10", "5")
    assert [m["name"] for m in diff["materials"]["added"]] == ["章程"]
    assert diff["materials"]["changed"][0]["name"] == "设立登记申请书"
    assert "设立登记申请书" in content and "章程" in content

    first = client.get(reverse("catalog:manage-item-versions", args=[item.pk]), {"v": 1})
    assert first.context["selected"].number == 1
    assert first.context["diff"] is None


def test_versions_page_shows_choice_labels_not_codes(client_for, hall_manager, department):
    item = make_item(department, handling_kind="promised", promised_limit_days=5)
    services.record_item_version(item=item)
    item.handling_kind = "immediate"
    item.promised_limit_days = None
    item.save()
    services.record_item_version(item=item, note="catalog.item.updated")
    response = client_for(hall_manager).get(reverse("catalog:manage-item-versions", args=[item.pk]))
    with translation.override("zh-hans"):
        kind = str(ServiceItem._meta.get_field("handling_kind").verbose_name)
        promised, immediate = str(HandlingKind.PROMISED.label), str(HandlingKind.IMMEDIATE.label)
        note = str(_("Item details changed"))
    shown = {label: (before, after) for label, before, after in response.context["diff"]["fields"]}
    assert shown[kind] == (promised, immediate)
    assert "immediate" not in response.content.decode()
    assert note in response.content.decode()
