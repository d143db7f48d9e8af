"""Synonyms: add, edit, delete with confirmation; audit events; search index revision."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onewindow.catalog import services
from onewindow.catalog.models import Synonym
from onewindow.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = reverse("catalog:synonym-list")


@pytest.fixture
def manager_client(client_for, hall_manager):
    return client_for(hall_manager)


def test_add_synonym_audits_and_bumps_the_revision(manager_client, hall_manager):
    revision = services.current_revision()
    response = manager_client.post(
        URL, {"action": "save", "term": "社保卡", "canonical": "社会保障卡", "note": "群众常用"}
    )
    assert response.status_code == 302
    synonym = Synonym.objects.get()
    assert synonym.canonical == "社会保障卡"
    event = AuditEvent.objects.get(action="catalog.synonym.created")
    assert event.after["term"] == "社保卡" and event.actor == hall_manager
    assert services.current_revision() == revision + 1


def test_edit_synonym(manager_client):
    synonym = Synonym.objects.create(term="开饭店", canonical="食品经营许可")
    page = manager_client.get(URL, {"edit": synonym.pk})
    assert page.context["form"].instance == synonym
    manager_client.post(
        URL, {"action": "save", "id": synonym.pk, "term": "开饭店", "canonical": "食品经营"}
    )
    synonym.refresh_from_db()
    assert synonym.canonical == "食品经营"
    event = AuditEvent.objects.get(action="catalog.synonym.updated")
    assert (event.before["canonical"], event.after["canonical"]) == ("食品经营许可", "食品经营")


def test_invalid_synonyms_are_refused(manager_client):
    Synonym.objects.create(term="社保卡", canonical="社会保障卡")
    duplicate = manager_client.post(URL, {"action": "save", "term": "社保卡", "canonical": "别的"})
    assert "term" in duplicate.context["form"].errors
    same = manager_client.post(URL, {"action": "save", "term": "医保", "canonical": "医保"})
    assert "canonical" in same.context["form"].errors
    assert Synonym.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_delete_synonym_asks_first(manager_client):
    synonym = Synonym.objects.create(term="营业执照", canonical="营业执照办理")
    revision = services.current_revision()
    page = manager_client.get(URL, {"delete": synonym.pk})
    assert page.status_code == 200
    assert 'name="confirmed" value="1"' in page.content.decode()
    manager_client.post(URL, {"action": "delete", "id": synonym.pk})
    assert Synonym.objects.filter(pk=synonym.pk).exists()
    manager_client.post(URL, {"action": "delete", "id": synonym.pk, "confirmed": "1"})
    assert not Synonym.objects.filter(pk=synonym.pk).exists()
    event = AuditEvent.objects.get(action="catalog.synonym.deleted")
    assert event.before["term"] == "营业执照"
    assert services.current_revision() == revision + 1


def test_search_filter(manager_client):
    Synonym.objects.create(term="社保卡", canonical="社会保障卡")
    Synonym.objects.create(term="开饭店", canonical="食品经营许可")
    response = manager_client.get(URL, {"q": "食品"})
    assert [s.term for s in response.context["page"].object_list] == ["开饭店"]
    partial = manager_client.get(URL, {"q": "社保"}, headers={"HX-Request": "true"})
    content = partial.content.decode()
    assert "社保卡" in content and "开饭店" not in content and "<html" not in content
