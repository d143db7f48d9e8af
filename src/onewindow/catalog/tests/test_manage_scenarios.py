"""Scenarios, materials, review points and Q&A: every save is audited and versioned once."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.catalog import services
from onewindow.catalog.models import Answer, Material, ReviewPoint, Scenario, ServiceItem
from onewindow.catalog.tests.manage_factories import (
    PNG_BYTES,
    docx_bytes,
    make_item,
    make_material,
    make_scenario,
    management_data,
    pdf_upload,
)
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client_for, hall_manager):
    return client_for(hall_manager)


@pytest.fixture
def item(department):
    return make_item(department, name="食品经营许可")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def version_of(item: ServiceItem) -> int:
    item.refresh_from_db()
    return item.version


# --- Scenarios ---------------------------------------------------------------------------------


def scenario_row(prefix: str, scenario: Scenario | None, **values: Any) -> dict[str, Any]:
    data = {
        "id": scenario.pk if scenario else "",
        "item": scenario.item_id if scenario else "",
        "code": scenario.code if scenario else "",
        "name": scenario.name if scenario else "",
        "promised_limit_days": "",
        "sort_order": scenario.sort_order if scenario else 0,
        "description": scenario.description if scenario else "",
        "conditions": scenario.conditions if scenario else "",
    }
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_add_scenario_numbers_its_code_and_records_a_version(manager_client, item, hall_manager):
    url = reverse("catalog:manage-scenarios", args=[item.pk])
    data = {"action": "scenarios", **management_data("scenarios", 1, 0)}
    data.update(scenario_row("scenarios-0", None, name="新办", sort_order=1))
    response = manager_client.post(url, data)
    assert response.status_code == 302
    scenario = item.scenarios.get()
    assert (scenario.code, scenario.name) == ("S01", "新办")
    assert version_of(item) == 1
    [event] = events("catalog.scenario.created")
    assert event.actor == hall_manager
    assert event.before is None
    assert event.after["name"] == "新办" and event.after["code"] == "S01"


def test_editing_two_scenarios_is_one_version_and_two_events(manager_client, item):
    first, second = make_scenario(item, name="新办"), make_scenario(item, name="变更")
    services.record_item_version(item=item)
    start = version_of(item)
    url = reverse("catalog:manage-scenarios", args=[item.pk])
    data = {"action": "scenarios", **management_data("scenarios", 3, 2)}
    data.update(scenario_row("scenarios-0", first, name="首次申请"))
    data.update(scenario_row("scenarios-1", second, name="变更登记"))
    data.update(scenario_row("scenarios-2", None))  # the empty extra row
    response = manager_client.post(url, data)
    assert response.status_code == 302
    assert version_of(item) == start + 1
    updated = events("catalog.scenario.updated")
    assert [(e.before["name"], e.after["name"]) for e in updated] == [
        ("新办", "首次申请"),
        ("变更", "变更登记"),
    ]


def test_scenario_page_lists_materials_and_links_to_their_editor(manager_client, item):
    scenario = make_scenario(item, name="新办")
    make_material(scenario, name="营业执照复印件")
    response = manager_client.get(reverse("catalog:manage-scenarios", args=[item.pk]))
    content = response.content.decode()
    assert "营业执照复印件" in content
    assert reverse("catalog:manage-materials", args=[item.pk, scenario.pk]) in content


def test_delete_scenario_asks_first_then_deletes_with_audit(manager_client, item):
    scenario = make_scenario(item, name="注销")
    make_material(scenario, name="注销申请书")
    url = reverse("catalog:manage-scenarios", args=[item.pk])

    page = manager_client.get(url, {"delete": f"scenario:{scenario.pk}"})
    assert page.status_code == 200
    assert "注销" in page.content.decode()
    assert 'name="confirmed" value="1"' in page.content.decode()

    unconfirmed = {"action": "delete", "kind": "scenario", "id": scenario.pk}
    assert manager_client.post(url, unconfirmed).status_code == 200
    assert Scenario.objects.filter(pk=scenario.pk).exists()

    response = manager_client.post(url, {**unconfirmed, "confirmed": "1"})
    assert response.status_code == 302
    assert not Scenario.objects.filter(pk=scenario.pk).exists()
    assert not Material.objects.filter(name="注销申请书").exists()
    [event] = events("catalog.scenario.deleted")
    assert event.before["name"] == "注销"
    assert event.before["materials"] == ["注销申请书"]
    assert event.after is None
    assert version_of(item) == 1


def test_htmx_delete_redirects_on_the_client(manager_client, item):
    scenario = make_scenario(item)
    response = manager_client.post(
        reverse("catalog:manage-scenarios", args=[item.pk]),
        {"action": "delete", "kind": "scenario", "id": scenario.pk, "confirmed": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("catalog:manage-scenarios", args=[item.pk])
    assert not Scenario.objects.filter(pk=scenario.pk).exists()


def test_cannot_delete_a_scenario_of_another_item(manager_client, item, department):
    other = make_scenario(make_item(department))
    response = manager_client.post(
        reverse("catalog:manage-scenarios", args=[item.pk]),
        {"action": "delete", "kind": "scenario", "id": other.pk, "confirmed": "1"},
    )
    assert response.status_code == 302
    assert Scenario.objects.filter(pk=other.pk).exists()


# --- Materials ---------------------------------------------------------------------------------


def material_row(prefix: str, material: Material | None, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": material.pk if material else "",
        "scenario": material.scenario_id if material else "",
        "name": material.name if material else "",
        "code": material.code if material else "",
        "required": "on",
        "required_note": "",
        "originals": material.originals if material else 0,
        "copies": material.copies if material else 0,
        "medium": "paper",
        "source": "applicant",
        "source_note": "",
        "filling_notes": "",
        "submission": "",
        "defer_days": "",
        "trust_level": "C",
        "sort_order": 0,
    }
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items() if v is not None}


def post_materials(client: Any, scenario: Scenario, rows: list[dict[str, Any]], initial: int):
    data: dict[str, Any] = {
        "action": "materials",
        **management_data("materials", len(rows), initial),
    }
    for row in rows:
        data.update(row)
    return client.post(
        reverse("catalog:manage-materials", args=[scenario.item_id, scenario.pk]), data
    )


def test_add_material_with_blank_form_upload(manager_client, item, hall_manager):
    scenario = make_scenario(item)
    row = material_row(
        "materials-0",
        None,
        name="食品经营许可申请书",
        trust_level="D",
        blank_form=pdf_upload("申请书.pdf"),
        sample=pdf_upload("sample.docx", docx_bytes()),
    )
    response = post_materials(manager_client, scenario, [row], 0)
    assert response.status_code == 302, response.context["formset"].errors
    material = scenario.materials.get()
    assert material.code == "M01"
    assert material.trust_level == "D"
    assert material.blank_form.name.startswith("catalog/forms/")
    with material.blank_form.open("rb") as stored:
        assert stored.read().startswith(b"%PDF-")
    [event] = events("catalog.material.created")
    assert event.actor == hall_manager
    assert event.after["name"] == "食品经营许可申请书"
    assert event.after["blank_form"] == material.blank_form.name
    assert version_of(item) == 1


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (pdf_upload("fake.pdf", b"MZ\x90\x00 this is an exe"), "content"),
        (pdf_upload("virus.exe", b"MZ\x90\x00"), "extension"),
        (pdf_upload("photo.png", b"%PDF-1.4 not a png"), "content"),
        (pdf_upload("form.docx", b"PK\x03\x04 broken zip"), "content"),
        (pdf_upload("image.jpg", PNG_BYTES), "content"),
    ],
)
def test_uploads_are_checked_by_content(manager_client, item, upload, code):
    scenario = make_scenario(item)
    row = material_row("materials-0", None, name="申请书", blank_form=upload)
    response = post_materials(manager_client, scenario, [row], 0)
    assert response.status_code == 200
    [error] = response.context["formset"].forms[0].errors.as_data()["blank_form"]
    assert error.code == code
    assert not scenario.materials.exists()
    assert not AuditEvent.objects.exists()


def test_uploads_larger_than_the_limit_are_refused(manager_client, item, settings):
    settings.MAX_UPLOAD_MB = 1
    scenario = make_scenario(item)
    big = pdf_upload("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    response = post_materials(
        manager_client, scenario, [material_row("materials-0", None, name="申请书", sample=big)], 0
    )
    [error] = response.context["formset"].forms[0].errors.as_data()["sample"]
    assert error.code == "size"
    assert "1 MB" in response.context["formset"].forms[0].errors["sample"][0]
    assert not scenario.materials.exists()


def test_deferral_days_only_with_deferral(manager_client, item):
    scenario = make_scenario(item)
    no_days = material_row("materials-0", None, name="申请书", may_defer="on")
    response = post_materials(manager_client, scenario, [no_days], 0)
    assert "defer_days" in response.context["formset"].forms[0].errors
    days_only = material_row("materials-0", None, name="申请书", defer_days=5)
    response = post_materials(manager_client, scenario, [days_only], 0)
    assert "defer_days" in response.context["formset"].forms[0].errors
    ok = material_row("materials-0", None, name="申请书", may_defer="on", defer_days=5)
    assert post_materials(manager_client, scenario, [ok], 0).status_code == 302
    assert scenario.materials.get().defer_days == 5


def test_edit_material_records_before_after_and_one_version(manager_client, item):
    scenario = make_scenario(item)
    first = make_material(scenario, name="身份证复印件")
    second = make_material(scenario, name="营业执照")
    services.record_item_version(item=item)
    start = version_of(item)
    rows = [
        material_row("materials-0", first, name="法定代表人身份证复印件", copies=2),
        material_row("materials-1", second, name="营业执照副本"),
        material_row("materials-2", None),
    ]
    response = post_materials(manager_client, scenario, rows, 2)
    assert response.status_code == 302, response.context["formset"].errors
    assert version_of(item) == start + 1
    updated = events("catalog.material.updated")
    assert len(updated) == 2
    assert updated[0].before["name"] == "身份证复印件"
    assert updated[0].after["name"] == "法定代表人身份证复印件"
    assert (updated[0].before["copies"], updated[0].after["copies"]) == (0, 2)


def test_two_new_materials_without_codes_get_distinct_codes(manager_client, item):
    scenario = make_scenario(item)
    make_material(scenario, code="M01")
    rows = [
        material_row("materials-0", scenario.materials.get()),
        material_row("materials-1", None, name="甲"),
        material_row("materials-2", None, name="乙"),
    ]
    response = post_materials(manager_client, scenario, rows, 1)
    assert response.status_code == 302, response.context["formset"].errors
    assert sorted(scenario.materials.values_list("code", flat=True)) == ["M01", "M02", "M03"]


def test_delete_material_asks_first(manager_client, item):
    scenario = make_scenario(item)
    material = make_material(scenario, name="委托书")
    url = reverse("catalog:manage-materials", args=[item.pk, scenario.pk])
    page = manager_client.get(url, {"delete": material.pk})
    assert "委托书" in page.content.decode()
    assert Material.objects.filter(pk=material.pk).exists()
    manager_client.post(url, {"action": "delete", "id": material.pk, "confirmed": "1"})
    assert not Material.objects.filter(pk=material.pk).exists()
    [event] = events("catalog.material.deleted")
    assert event.before["name"] == "委托书"
    assert event.before["review_points"] == []


def test_material_of_another_scenario_is_a_404(manager_client, item, department):
    scenario = make_scenario(make_item(department))
    response = manager_client.get(reverse("catalog:manage-materials", args=[item.pk, scenario.pk]))
    assert response.status_code == 404


def test_public_guide_shows_a_renamed_material(manager_client, client_for, item):
    scenario = make_scenario(item, name="新办")
    material = make_material(scenario, name="旧的材料名称")
    services.record_item_version(item=item)
    row = material_row("materials-0", material, name="新的材料名称")
    assert post_materials(manager_client, scenario, [row], 1).status_code == 302
    assert Material.objects.get(pk=material.pk).name == "新的材料名称"
    assert version_of(item) == 2
    assert item.versions.get(number=2).snapshot["scenarios"][0]["materials"][0]["name"] == (
        "新的材料名称"
    )
    guide = client_for(None).get(reverse("catalog:guide-item", args=[item.pk]))
    assert guide.status_code == 200
    content = guide.content.decode()
    assert "新的材料名称" in content
    assert "旧的材料名称" not in content


# --- Review points and Q&A -----------------------------------------------------------------------


def test_add_review_point_tied_to_a_material(manager_client, item, hall_manager):
    material = make_material(make_scenario(item), name="营业执照")
    data: dict[str, Any] = {"action": "points", **management_data("points", 1, 0)}
    data.update(
        {
            "points-0-id": "",
            "points-0-item": "",
            "points-0-code": "",
            "points-0-material": material.pk,
            "points-0-text": "核对营业执照经营范围包含食品销售",
            "points-0-sort_order": 0,
        }
    )
    response = manager_client.post(reverse("catalog:manage-scenarios", args=[item.pk]), data)
    assert response.status_code == 302
    point = ReviewPoint.objects.get(item=item)
    assert (point.code, point.material) == ("P01", material)
    [event] = events("catalog.reviewpoint.created")
    assert event.after["text"] == "核对营业执照经营范围包含食品销售"
    assert event.actor == hall_manager
    assert version_of(item) == 1


def test_review_point_cannot_use_a_material_of_another_item(manager_client, item, department):
    foreign = make_material(make_scenario(make_item(department)))
    data: dict[str, Any] = {"action": "points", **management_data("points", 1, 0)}
    data.update(
        {"points-0-material": foreign.pk, "points-0-text": "核对", "points-0-sort_order": 0}
    )
    response = manager_client.post(reverse("catalog:manage-scenarios", args=[item.pk]), data)
    assert response.status_code == 200
    assert "material" in response.context["points"].forms[0].errors
    assert not ReviewPoint.objects.exists()


def test_add_and_edit_answer_with_audit_and_search_revision(manager_client, item):
    url = reverse("catalog:manage-scenarios", args=[item.pk])
    revision = services.current_revision()
    data: dict[str, Any] = {"action": "answers", **management_data("answers", 1, 0)}
    data.update(
        {
            "answers-0-question": "可以代办吗？",
            "answers-0-answer": "可以，需提交授权委托书。",
            "answers-0-source": "区市监局",
            "answers-0-reviewed_at": "2026-03-05",
            "answers-0-sort_order": 0,
        }
    )
    assert manager_client.post(url, data).status_code == 302
    answer = Answer.objects.get(item=item)
    assert answer.code == "Q01"
    assert services.current_revision() > revision
    data = {"action": "answers", **management_data("answers", 1, 1)}
    data.update(
        {
            "answers-0-id": answer.pk,
            "answers-0-item": item.pk,
            "answers-0-code": "Q01",
            "answers-0-question": "可以代办吗？",
            "answers-0-answer": "可以，需提交授权委托书和代理人身份证。",
            "answers-0-source": "区市监局",
            "answers-0-reviewed_at": "2026-03-05",
            "answers-0-sort_order": 0,
        }
    )
    assert manager_client.post(url, data).status_code == 302
    [created] = events("catalog.answer.created")
    [updated] = events("catalog.answer.updated")
    assert created.after["question"] == "可以代办吗？"
    assert updated.before["answer"] == "可以，需提交授权委托书。"
    assert updated.after["answer"] == "可以，需提交授权委托书和代理人身份证。"


def test_scenario_page_query_count_is_bounded(manager_client, item, django_assert_max_num_queries):
    for _ in range(4):
        scenario = make_scenario(item)
        for _ in range(5):
            make_material(scenario)
    with django_assert_max_num_queries(20):
        response = manager_client.get(reverse("catalog:manage-scenarios", args=[item.pk]))
    assert response.status_code == 200
