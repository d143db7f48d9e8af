"""Who may open and change the hall manager's catalog pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.catalog.models import Delegation, DelegationAgreement, ServiceItem, Synonym
from onewindow.catalog.tests.manage_factories import (
    make_agreement,
    make_item,
    make_material,
    make_scenario,
)
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(department: Any) -> dict[str, Any]:
    item = make_item(department)
    scenario = make_scenario(item)
    material = make_material(scenario)
    agreement = make_agreement(department)
    synonym = Synonym.objects.create(term="社保卡", canonical="社会保障卡")
    return {
        "item": item,
        "scenario": scenario,
        "material": material,
        "agreement": agreement,
        "synonym": synonym,
        "department": department,
    }


def _url(name: str, o: dict[str, Any]) -> str:
    args: dict[str, list[Any]] = {
        "manage-item-edit": [o["item"].pk],
        "manage-scenarios": [o["item"].pk],
        "manage-materials": [o["item"].pk, o["scenario"].pk],
        "manage-item-versions": [o["item"].pk],
        "agreement-edit": [o["agreement"].pk],
    }
    return reverse(f"catalog:{name}", args=args.get(name, []))


PAGES = [
    "manage-items",
    "manage-item-create",
    "manage-item-edit",
    "manage-scenarios",
    "manage-materials",
    "manage-item-versions",
    "delegation-matrix",
    "agreement-list",
    "agreement-create",
    "agreement-edit",
    "synonym-list",
]


def test_only_the_hall_manager_opens_manager_pages(any_persona, client_for, objects):
    client = client_for(any_persona)
    for name in PAGES:
        url = _url(name, objects)
        if name == "delegation-matrix":
            url += f"?department={objects['department'].pk}"
        response = client.get(url)
        if any_persona is None:
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("accounts:login")), name
        elif any_persona.has_role(Role.HALL_MANAGER):
            assert response.status_code == 200, name
        else:
            assert response.status_code == 403, name


def _posts(o: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    item, scenario, material = o["item"], o["scenario"], o["material"]
    return [
        (_url("manage-item-create", o), {"name": "新事项", "implementation_code": "X1"}),
        (_url("manage-item-edit", o), {"name": "改名"}),
        (
            _url("manage-scenarios", o),
            {"action": "delete", "kind": "scenario", "id": scenario.pk, "confirmed": "1"},
        ),
        (
            _url("manage-materials", o),
            {"action": "delete", "kind": "material", "id": material.pk, "confirmed": "1"},
        ),
        (
            _url("delegation-matrix", o),
            {"department": o["department"].pk, "action": "grant_all"},
        ),
        (_url("agreement-create", o), {"number": "WT-NEW"}),
        (_url("agreement-edit", o), {"number": "WT-CHANGED"}),
        (_url("synonym-list", o), {"action": "delete", "id": o["synonym"].pk, "confirmed": "1"}),
        (_url("synonym-list", o), {"action": "save", "term": "新词", "canonical": "新说法"}),
        (reverse("catalog:manage-scenarios", args=[item.pk]), {"action": "scenarios"}),
    ]


def _state() -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(),
        list(ServiceItem.objects.values_list("name", "version").order_by("pk")),
        Delegation.objects.count(),
        list(DelegationAgreement.objects.values_list("number", flat=True).order_by("pk")),
        list(Synonym.objects.values_list("term", flat=True).order_by("pk")),
    )


@pytest.mark.parametrize("persona", [None, *[r.value for r in Role if r != Role.HALL_MANAGER]])
def test_other_roles_cannot_change_anything(persona, make_user, client_for, objects, department):
    user = None
    if persona is not None:
        user = make_user(
            persona, **({"department": department} if persona == Role.REVIEWER else {})
        )
    client = client_for(user)
    before = _state()
    for url, data in _posts(objects):
        response = client.post(url, data)
        if user is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code in {403, 405}, url
    assert _state() == before
    assert objects["scenario"].__class__.objects.filter(pk=objects["scenario"].pk).exists()
    assert objects["material"].__class__.objects.filter(pk=objects["material"].pk).exists()


def test_manager_navigation_links_to_the_pages(client_for, hall_manager):
    response = client_for(hall_manager).get(reverse("core:home"))
    content = response.content.decode()
    for name in ("manage-items", "delegation-matrix", "agreement-list", "synonym-list"):
        assert reverse(f"catalog:{name}") in content
