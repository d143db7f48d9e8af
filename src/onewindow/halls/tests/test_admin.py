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


@pytest.mark.parametrize("code", ["ticket", "manage", "window", "Ticket"])
def test_a_hall_cannot_take_a_code_used_by_the_system_addresses(client_for, code):
    from onewindow.halls.models import Hall

    root = User.objects.create_superuser("root", password="pw-for-tests-123")
    response = client_for(root).post(
        reverse("admin:halls_hall_add"),
        {"code": code, "name": "测试大厅", "no_show_after_calls": 3},
    )
    assert response.status_code == 200  # the form again, with the reason next to the code
    assert "系统地址" in response.content.decode()
    assert not Hall.objects.filter(code__iexact=code).exists()
