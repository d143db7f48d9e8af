"""The delegation matrix: rows per item, five powers, agreement warnings, bulk save."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from onewindow.catalog.models import Delegation, Power, ServiceItem
from onewindow.catalog.tests.manage_factories import make_agreement, make_item
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = reverse("catalog:delegation-matrix")
ALL = list(Power.values)


@pytest.fixture
def manager_client(client_for, hall_manager):
    return client_for(hall_manager)


def test_matrix_without_department_asks_to_choose(manager_client, department):
    response = manager_client.get(URL)
    assert response.status_code == 200
    assert response.context["department"] is None
    assert department.name in response.content.decode()  # in the department select


def test_matrix_rows_summary_and_warnings(manager_client, department, other_department):
    valid = make_agreement(department, number="WT-VALID")
    expired = make_agreement(
        department,
        number="WT-OLD",
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2021, 1, 1),
    )
    unscanned = make_agreement(department, number="WT-NOSCAN", scan=False)
    full = make_item(department, name="全部授权事项")
    partial = make_item(department, name="部分授权事项")
    make_item(department, name="未授权事项")
    old = make_item(department, name="委托书过期事项")
    bare = make_item(department, name="无委托书事项")
    noscan = make_item(department, name="缺扫描件事项")
    make_item(other_department, name="别的部门事项")
    Delegation.objects.bulk_create(
        [Delegation(item=full, power=p, agreement=valid) for p in ALL]
        + [
            Delegation(item=partial, power=Power.RECEIVE, agreement=valid),
            Delegation(item=old, power=Power.RECEIVE, agreement=expired),
            Delegation(item=bare, power=Power.RECEIVE, agreement=None),
            Delegation(item=noscan, power=Power.RECEIVE, agreement=unscanned),
        ]
    )
    response = manager_client.get(URL, {"department": department.pk})
    assert response.status_code == 200
    rows = {r.item.name: r for r in response.context["rows"]}
    assert "别的部门事项" not in rows
    assert rows["全部授权事项"].powers == set(ALL)
    assert rows["全部授权事项"].problems == []
    assert list(rows["全部授权事项"].agreements) == ["WT-VALID"]
    assert rows["委托书过期事项"].problems
    assert rows["无委托书事项"].problems
    assert rows["缺扫描件事项"].problems
    assert response.context["summary"] == {
        "items": 6,
        "all": 1,
        "partial": 4,
        "none": 1,
        "lacking_items": 3,
        "lacking_delegations": 3,
    }
    content = response.content.decode()
    assert content.count("badge text-bg-danger") == 3  # a red badge with a word, per row
    assert content.count(f'value="{full.pk}:receive" data-power="receive" checked') == 1
    assert f'value="{partial.pk}:verify_original" data-power="verify_original" aria' in content


def test_matrix_query_count_does_not_grow_with_items(
    manager_client, department, django_assert_num_queries
):
    agreement = make_agreement(department)

    def add(n: int) -> None:
        for _ in range(n):
            item = make_item(department)
            Delegation.objects.create(item=item, power=Power.RECEIVE, agreement=agreement)

    add(2)
    manager_client.get(URL, {"department": department.pk})
    # session, user, 2 permission queries, hall (navbar), department (picker), departments
    # (select), items, delegations with agreements, agreements
    with django_assert_num_queries(10):
        manager_client.get(URL, {"department": department.pk})
    add(30)
    with django_assert_num_queries(10):
        manager_client.get(URL, {"department": department.pk})


def test_save_matrix_grants_and_withdraws_with_agreement(manager_client, hall_manager, department):
    agreement = make_agreement(department, number="WT-2026-01")
    a, b = make_item(department), make_item(department)
    Delegation.objects.create(item=b, power=Power.RECEIVE, agreement=None)
    response = manager_client.post(
        URL,
        {
            "department": department.pk,
            "agreement": agreement.pk,
            "action": "save",
            "grant": [f"{a.pk}:receive", f"{a.pk}:deliver_result", f"{b.pk}:receive"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?department={department.pk}"
    got = set(Delegation.objects.values_list("item_id", "power", "agreement__number"))
    assert got == {
        (a.pk, "receive", "WT-2026-01"),
        (a.pk, "deliver_result", "WT-2026-01"),
        (b.pk, "receive", None),  # kept grants keep their agreement
    }
    event = AuditEvent.objects.get(action="catalog.delegation.changed", object_id=str(a.pk))
    assert event.before == {"powers": []}
    assert event.after == {"powers": ["deliver_result", "receive"], "agreement": "WT-2026-01"}
    assert event.actor == hall_manager

    # Unticking withdraws.
    manager_client.post(
        URL, {"department": department.pk, "action": "save", "grant": [f"{b.pk}:receive"]}
    )
    assert set(Delegation.objects.values_list("item_id", "power")) == {(b.pk, "receive")}


def test_relink_attaches_the_agreement_to_unbacked_grants(manager_client, department):
    agreement = make_agreement(department)
    item = make_item(department)
    Delegation.objects.create(item=item, power=Power.RECEIVE, agreement=None)
    manager_client.post(
        URL,
        {
            "department": department.pk,
            "agreement": agreement.pk,
            "relink": "1",
            "action": "save",
            "grant": [f"{item.pk}:receive"],
        },
    )
    assert Delegation.objects.get().agreement == agreement
    event = AuditEvent.objects.get(action="catalog.delegation.relinked")
    assert event.after["agreement"] == agreement.number


def test_grant_all_works_without_javascript(manager_client, department, other_department):
    agreement = make_agreement(department)
    items = [make_item(department) for _ in range(3)]
    make_item(other_department)
    manager_client.post(
        URL, {"department": department.pk, "agreement": agreement.pk, "action": "grant_all"}
    )
    assert Delegation.objects.count() == 3 * 5
    assert set(Delegation.objects.values_list("item_id", flat=True)) == {i.pk for i in items}
    assert not Delegation.objects.filter(agreement=None).exists()


def test_save_refuses_items_and_agreements_of_another_department(
    manager_client, department, other_department
):
    foreign_item = make_item(other_department)
    foreign_agreement = make_agreement(other_department)
    make_item(department)
    manager_client.post(
        URL,
        {"department": department.pk, "action": "save", "grant": [f"{foreign_item.pk}:receive"]},
    )
    manager_client.post(
        URL,
        {"department": department.pk, "agreement": foreign_agreement.pk, "action": "grant_all"},
    )
    bad = manager_client.post(
        URL, {"department": department.pk, "action": "save", "grant": ["x:receive"]}
    )
    assert bad.status_code == 400
    assert not Delegation.objects.exists()
    assert not AuditEvent.objects.exists()


def test_matrix_shows_all_rows_of_a_big_department(manager_client, department):
    ServiceItem.objects.bulk_create(
        [
            ServiceItem(
                department=department,
                name=f"事项{n:03d}",
                implementation_code=f"B{n}",
                item_type="1",
            )
            for n in range(344)
        ]
    )
    response = manager_client.get(URL, {"department": department.pk})
    assert len(response.context["rows"]) == 344
    assert response.content.decode().count('name="grant"') == 344 * 5
