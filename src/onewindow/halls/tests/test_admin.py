"""Zones and windows in the admin site: visible, not editable (set-up has its own pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onewindow.accounts.models import User
from onewindow.halls.models import Window, Zone

pytestmark = pytest.mark.django_db


def test_admin_lists_zones_and_windows_read_only(client_for, hall, clerk):
    zone = Zone.objects.create(hall=hall, name="咨询引导区")
    Window.objects.create(hall=hall, number=1, kind="natural", zone=zone, clerk=clerk)
    root = User.objects.create_superuser("root", password="pw-for-tests-123")
    client = client_for(root)
    for model in ("zone", "window"):
        response = client.get(reverse(f"admin:halls_{model}_changelist"))
        assert response.status_code == 200
        assert client.get(reverse(f"admin:halls_{model}_add")).status_code == 403
    assert "咨询引导区" in client.get(reverse("admin:halls_zone_changelist")).content.decode()
