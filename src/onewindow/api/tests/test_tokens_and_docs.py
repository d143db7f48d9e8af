"""Tokens (service, admin, command, authentication) and the OpenAPI description and docs."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from onewindow.api.models import ApiToken
from onewindow.api.services import TokenError, create_token, deactivate_token
from onewindow.api.tests.conftest import NOW, Api, Site
from onewindow.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.api.tests.api_urls")]

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//|https?://""", re.I)


# Service --------------------------------------------------------------------------------------


def test_create_token_stores_only_the_hash_and_audits(site: Site, administrator: Any) -> None:
    token, key = create_token(hall=site.hall, kind="kiosk", name="Kiosk 2", actor=administrator)
    assert key.startswith("ow_")
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in token.key_hash
    assert token.prefix == key[:8]
    event = AuditEvent.objects.get(action="api.token.created", object_id=str(token.pk))
    assert event.actor == administrator
    assert key not in str(event.after) and token.key_hash not in str(event.after)


@pytest.mark.parametrize(
    ("kind", "with_user", "name"),
    [("staff", False, "x"), ("kiosk", True, "x"), ("kiosk", False, " "), ("robot", False, "x")],
)
def test_create_token_refuses_bad_combinations(
    site: Site, kind: str, with_user: bool, name: str
) -> None:
    count = ApiToken.objects.count()
    with pytest.raises(TokenError):
        create_token(
            hall=site.hall,
            kind=kind,
            name=name,
            user=site.clerk(0) if with_user else None,
            actor=None,
        )
    assert ApiToken.objects.count() == count


def test_staff_token_user_must_belong_to_the_hall(site: Site, other_site: Site) -> None:
    with pytest.raises(TokenError):
        create_token(hall=site.hall, kind="staff", name="x", user=other_site.clerk(0), actor=None)


# Authentication ---------------------------------------------------------------------------------


def test_deactivated_token_is_401(site: Site) -> None:
    path = f"/halls/{site.hall.code}/display"
    assert Api(site.keys["display"]).get(path).status_code == 200
    deactivate_token(token=site.token("display"), actor=None)
    response = Api(site.keys["display"]).get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert AuditEvent.objects.filter(action="api.token.deactivated").count() == 1


def test_inactive_staff_member_is_401(site: Site) -> None:
    clerk = site.clerk(0)
    clerk.is_active = False
    clerk.save()
    response = Api(site.keys["staff"]).post(f"/windows/{site.setup.windows[0].pk}/call-next")
    assert response.status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(
    site: Site, _clock: time_machine.Coordinates
) -> None:
    path = f"/halls/{site.hall.code}/display"
    display = Api(site.keys["display"])
    assert site.token("display").last_used_at is None
    display.get(path)
    assert site.token("display").last_used_at == NOW
    _clock.move_to(NOW + datetime.timedelta(seconds=30))
    display.get(path)
    assert site.token("display").last_used_at == NOW
    _clock.move_to(NOW + datetime.timedelta(seconds=61))
    display.get(path)
    assert site.token("display").last_used_at == NOW + datetime.timedelta(seconds=61)


def test_a_basic_auth_header_is_not_a_token(site: Site) -> None:
    response = Client().get(
        f"/api/v1/halls/{site.hall.code}/display", headers={"Authorization": "Basic abc"}
    )
    assert response.status_code == 401


# Admin and command ------------------------------------------------------------------------------


def test_admin_creates_a_token_and_shows_the_key_once(site: Site, administrator: Any) -> None:
    administrator.is_superuser = True
    administrator.is_staff = True
    administrator.save()
    client = Client()
    client.force_login(administrator)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"hall": site.hall.pk, "kind": "display", "name": "Big screen", "user": ""},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Big screen")
    shown = [str(m) for m in response.context["messages"]]
    keys = [k for m in shown for k in re.findall(r"ow_[\w-]+", m)]
    assert len(keys) == 1
    assert ApiToken.hash_key(keys[0]) == token.key_hash
    assert AuditEvent.objects.filter(action="api.token.created", actor=administrator).exists()
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert keys[0] not in page


def test_admin_refuses_a_staff_token_without_user(site: Site, administrator: Any) -> None:
    administrator.is_superuser = True
    administrator.is_staff = True
    administrator.save()
    client = Client()
    client.force_login(administrator)
    count = ApiToken.objects.count()
    response = client.post(
        "/admin/api/apitoken/add/",
        {"hall": site.hall.pk, "kind": "staff", "name": "Nobody", "user": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    assert ApiToken.objects.count() == count


def test_admin_action_deactivates(site: Site, administrator: Any) -> None:
    administrator.is_superuser = True
    administrator.is_staff = True
    administrator.save()
    client = Client()
    client.force_login(administrator)
    token = site.token("kiosk")
    client.post(
        "/admin/api/apitoken/",
        {"action": "deactivate", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.is_active is False


def test_command_creates_a_token(site: Site) -> None:
    out = io.StringIO()
    call_command("create_api_token", site.hall.code, "kiosk", "Kiosk 9", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(name="Kiosk 9")
    assert token.key_hash == ApiToken.hash_key(key)
    response = Api(key).get(f"/halls/{site.hall.code}/display")
    assert response.status_code == 200


def test_command_staff_token_needs_a_user(site: Site) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_token", site.hall.code, "staff", "x", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_token", "nowhere", "kiosk", "x", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "create_api_token",
        site.hall.code,
        "staff",
        "desk",
        user=site.clerk(0).username,
        stdout=out,
    )
    assert ApiToken.objects.filter(name="desk", user=site.clerk(0)).exists()


# OpenAPI and docs -------------------------------------------------------------------------------

ENDPOINTS = {
    ("post", "/api/v1/halls/{hall_code}/tickets"),
    ("post", "/api/v1/halls/{hall_code}/appointments/check-in"),
    ("get", "/api/v1/halls/{hall_code}/display"),
    ("get", "/api/v1/tickets/{token}"),
    ("post", "/api/v1/windows/{window_id}/call-next"),
    ("post", "/api/v1/windows/{window_id}/recall"),
    ("post", "/api/v1/windows/{window_id}/no-show"),
    ("post", "/api/v1/windows/{window_id}/start"),
    ("post", "/api/v1/windows/{window_id}/finish"),
    ("post", "/api/v1/windows/{window_id}/transfer"),
    ("get", "/api/v1/cases/"),
    ("get", "/api/v1/cases/{number}"),
    ("post", "/api/v1/cases/{number}/claim"),
    ("post", "/api/v1/cases/{number}/decision"),
    ("get", "/api/v1/cases/{number}/export"),
    ("post", "/api/v1/complaints/hotline"),
    ("get", "/api/v1/ratings/pad/{pad_token}"),
    ("post", "/api/v1/ratings/"),
    ("get", "/api/v1/ratings/export"),
}


def test_openapi_lists_every_endpoint() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"] == {
        "title": "OneWindow device API",
        "version": "1",
        "description": schema["info"]["description"],
    }
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert listed == ENDPOINTS
    security = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in security.values())


def test_docs_page_loads_nothing_from_outside() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert '"validatorUrl": null' in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert Client().get(src).status_code == 200, src


def test_docs_assets_are_whitelisted() -> None:
    assert Client().get("/api/v1/docs/assets/swagger-ui.css").status_code == 200
    assert Client().get("/api/v1/docs/assets/redoc.standalone.js").status_code == 404
    assert Client().get("/api/v1/docs/assets/..%2F..%2F__init__.py").status_code == 404
