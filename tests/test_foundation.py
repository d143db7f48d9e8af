"""Foundation: entry point, roles, error pages, settings."""

import subprocess
import sys

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from onewindow.accounts.models import Role
from onewindow.accounts.roles import role_permissions


def test_python_m_onewindow_runs_management_commands(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "onewindow", "check"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "ONEWINDOW_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_each_role_is_a_group_with_exactly_its_permissions() -> None:
    table = role_permissions()
    for role in Role:
        group = Group.objects.get(name=role.value)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(table[role]), role


@pytest.mark.django_db
def test_only_hall_managers_may_change_the_catalog(any_persona) -> None:
    may = any_persona is not None and any_persona.has_perm("catalog.change_serviceitem")
    assert may == (any_persona is not None and any_persona.has_role(Role.HALL_MANAGER))


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_not_found_page_is_chinese() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_forbidden_page_is_chinese(clerk, client_for) -> None:
    response = client_for(clerk).get("/staff/history/1/1/")
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert "没有权限" in response.content.decode()


@pytest.mark.django_db
def test_csrf_failure_page_is_chinese(hall_manager) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


@pytest.mark.django_db
def test_wrong_password_message_is_chinese(hall_manager) -> None:
    response = Client().post(
        "/accounts/login/", {"username": hall_manager.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_staff_home_requires_login_and_shows_role(clerk, client_for) -> None:
    assert Client().get("/staff/").status_code == 302
    body = client_for(clerk).get("/staff/").content.decode()
    assert "综合受理员" in body


@pytest.mark.django_db
def test_agreement_scans_are_only_for_staff_with_permission(
    settings, tmp_path, any_persona, client_for
) -> None:
    scans = settings.MEDIA_ROOT / "catalog" / "agreements"
    scans.mkdir(parents=True)
    (scans / "a.pdf").write_bytes(b"%PDF-1.4 signed")
    forms = settings.MEDIA_ROOT / "catalog" / "forms"
    forms.mkdir(parents=True)
    (forms / "f.pdf").write_bytes(b"%PDF-1.4 blank form")
    client = client_for(any_persona)
    response = client.get("/media/catalog/agreements/a.pdf")
    _close_file(response)
    if any_persona is None:
        assert response.status_code == 302
    elif any_persona.has_perm("catalog.view_delegationagreement"):
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    # Blank forms are for citizens.
    response = client.get("/media/catalog/forms/f.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 blank form"


def _close_file(response) -> None:
    # Reading a streamed file to the end closes it (response.close() itself would also fire
    # request_finished and close the test's database connection).
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.django_db
def test_administrators_are_reminded_of_a_missing_next_year(
    administrator, hall_manager, client_for
) -> None:
    import time_machine

    # The seeded holiday library knows 2026 but not 2027.
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        body = client_for(administrator).get("/staff/").content.decode()
        assert "2027年工作日历尚未录入" in body
        assert (
            "2027年工作日历尚未录入" not in client_for(hall_manager).get("/staff/").content.decode()
        )
    with time_machine.travel("2026-06-01 10:00 +0800", tick=False):
        body = client_for(administrator).get("/staff/").content.decode()
        assert "工作日历尚未录入" not in body
