"""Delegation agreements: list with status, create and edit with a checked scan upload."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.catalog.models import Delegation, DelegationAgreement, Power
from onewindow.catalog.tests.manage_factories import (
    PNG_BYTES,
    make_agreement,
    make_item,
    pdf_upload,
)
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client_for, hall_manager):
    return client_for(hall_manager)


def agreement_data(department: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "department": department.pk,
        "number": "区市监授〔2026〕1号",
        "title": "区市场监管局授权委托书",
        "delegate": "区政务服务中心综合受理窗口",
        "scope": "食品经营许可等事项的收件、原件核验",
        "rights_and_duties": "",
        "signed_on": "2026-01-05",
        "valid_from": "2026-01-10",
        "valid_until": "2028-01-09",
    }
    data.update(overrides)
    return data


def test_list_shows_status_and_delegation_count(manager_client, department):
    today = datetime.date.today()
    valid = make_agreement(department, number="WT-A")
    make_agreement(department, number="WT-B", valid_until=today - datetime.timedelta(days=1))
    make_agreement(department, number="WT-C", valid_from=today + datetime.timedelta(days=3))
    make_agreement(department, number="WT-D", scan=False)
    item = make_item(department)
    Delegation.objects.create(item=item, power=Power.RECEIVE, agreement=valid)
    Delegation.objects.create(item=item, power=Power.VERIFY_ORIGINAL, agreement=valid)
    response = manager_client.get(reverse("catalog:agreement-list"))
    rows = {a.number: (a, status) for a, status in response.context["rows"]}
    assert {n: s.code for n, (_a, s) in rows.items()} == {
        "WT-A": "valid",
        "WT-B": "expired",
        "WT-C": "pending",
        "WT-D": "no_scan",
    }
    assert rows["WT-A"][0].n_delegations == 2
    assert valid.scan.url in response.content.decode()


def test_create_agreement_with_scan(manager_client, hall_manager, department):
    data = agreement_data(department, scan=pdf_upload("委托书.pdf"))
    response = manager_client.post(reverse("catalog:agreement-create"), data)
    agreement = DelegationAgreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:agreement-edit", args=[agreement.pk])
    assert agreement.scan.name.startswith("catalog/agreements/")
    assert agreement.is_valid_on(datetime.date(2026, 6, 1))
    event = AuditEvent.objects.get(action="catalog.agreement.created")
    assert event.actor == hall_manager
    assert event.after["number"] == "区市监授〔2026〕1号"
    assert event.after["scan"] == agreement.scan.name


def test_png_scan_is_accepted_and_fake_files_are_not(manager_client, department):
    url = reverse("catalog:agreement-create")
    ok = manager_client.post(
        url, agreement_data(department, scan=pdf_upload("scan.png", PNG_BYTES))
    )
    assert ok.status_code == 302
    for name, content in [
        ("scan.pdf", b"<html>not a pdf</html>"),
        ("scan.docx", b"PK\x03\x04"),
        ("scan.jpg", b"%PDF-1.4"),
    ]:
        response = manager_client.post(
            url, agreement_data(department, number=f"N-{name}", scan=pdf_upload(name, content))
        )
        assert response.status_code == 200
        assert "scan" in response.context["form"].errors
    assert DelegationAgreement.objects.count() == 1


def test_edit_agreement_records_before_and_after(manager_client, department):
    agreement = make_agreement(department, number="WT-1", title="旧标题")
    data = agreement_data(department, number="WT-1", title="新标题")
    response = manager_client.post(reverse("catalog:agreement-edit", args=[agreement.pk]), data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "新标题"
    assert agreement.scan  # kept: no new file uploaded
    event = AuditEvent.objects.get(action="catalog.agreement.updated")
    assert (event.before["title"], event.after["title"]) == ("旧标题", "新标题")


def test_end_before_start_is_an_error_next_to_the_field(manager_client, department):
    response = manager_client.post(
        reverse("catalog:agreement-create"),
        agreement_data(department, valid_from="2026-05-01", valid_until="2026-04-01"),
    )
    assert list(response.context["form"].errors) == ["valid_until"]
    assert not DelegationAgreement.objects.exists()


def test_department_of_a_used_agreement_cannot_change(manager_client, department, other_department):
    agreement = make_agreement(department, number="WT-1")
    Delegation.objects.create(item=make_item(department), power=Power.RECEIVE, agreement=agreement)
    response = manager_client.post(
        reverse("catalog:agreement-edit", args=[agreement.pk]),
        agreement_data(other_department, number="WT-1"),
    )
    assert "department" in response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.department == department
