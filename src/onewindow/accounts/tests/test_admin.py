"""The administrator manages staff accounts in the admin; changes are audited."""

import pytest
from django.contrib.auth.models import Group

from onewindow.accounts.models import Role, User
from onewindow.core.models import AuditEvent


@pytest.fixture
def admin_client(administrator, client_for):
    administrator.is_staff = True
    administrator.save()
    return client_for(administrator)


@pytest.mark.django_db
def test_administrator_lists_staff(admin_client, clerk):
    response = admin_client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert clerk.username in response.content.decode()


@pytest.mark.django_db
def test_other_roles_cannot_open_the_accounts_admin(hall_manager, client_for):
    hall_manager.is_staff = True
    hall_manager.save()
    assert client_for(hall_manager).get("/admin/accounts/user/").status_code == 403


def _change(admin_client, user, **overrides):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": "",
        "hall": user.hall_id or "",
        "department": user.department_id or "",
        "groups": [g.pk for g in user.groups.all()],
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(overrides)
    return admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)


@pytest.mark.django_db
def test_a_reviewer_needs_a_department(admin_client, clerk):
    reviewer_group = Group.objects.get(name=Role.REVIEWER)
    response = _change(admin_client, clerk, groups=[reviewer_group.pk], department="")
    assert response.status_code == 200
    assert "后台审批人员必须属于一个部门" in response.content.decode()
    assert not clerk.groups.filter(name=Role.REVIEWER).exists()


@pytest.mark.django_db
def test_role_and_department_changes_are_audited(admin_client, clerk, department):
    reviewer_group = Group.objects.get(name=Role.REVIEWER)
    response = _change(admin_client, clerk, groups=[reviewer_group.pk], department=department.pk)
    assert response.status_code == 302, response.content.decode()[:2000]
    clerk = User.objects.get(pk=clerk.pk)
    assert clerk.department == department
    event = AuditEvent.objects.get(action="accounts.user.updated")
    assert event.before["roles"] == [Role.CLERK]
    assert event.after["roles"] == [Role.REVIEWER]
    assert event.after["department"] == department.pk
