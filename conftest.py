"""Shared fixtures: one persona per role, scoped to a hall and (for reviewers) a department."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from onewindow.accounts.models import Role, User
from onewindow.catalog.models import Department
from onewindow.halls.models import Hall

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashers cost ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Displays' feeds are cached for half a second per process; tests read them fresh.
    settings.ONEWINDOW_DISPLAY_CACHE_SECONDS = 0
    settings.ONEWINDOW_API_TOKEN_CACHE_SECONDS = 0
    # Calendar and delegations too (their caches have their own tests).
    settings.ONEWINDOW_CALENDAR_CACHE_SECONDS = 0
    settings.ONEWINDOW_DELEGATION_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Any:
    # The search index is per process; a test must never see another test's catalog.
    from onewindow.catalog import search

    search.invalidate_index()
    yield
    search.invalidate_index()


@pytest.fixture(autouse=True)
def _fresh_queue_pace() -> Any:
    # Wait estimates reuse a queue's pace for a few seconds, per process.
    from onewindow.tickets import estimates

    estimates.forget_pace()
    yield
    estimates.forget_pace()


@pytest.fixture
def hall(db: Any) -> Hall:
    return Hall.objects.create(code="demo", name="示范区政务服务中心")


@pytest.fixture
def other_hall(db: Any) -> Hall:
    return Hall.objects.create(code="town", name="示范镇便民服务中心")


@pytest.fixture
def department(db: Any) -> Department:
    return Department.objects.create(name="区市监局", codes="11511301MB1550442U")


@pytest.fixture
def other_department(db: Any) -> Department:
    return Department.objects.create(name="区人社局", codes="1151130108778239R")


@pytest.fixture
def make_user(db: Any, hall: Hall) -> Callable[..., User]:
    def make(role: str | None = None, **fields: Any) -> User:
        n = next(_counter)
        fields.setdefault("username", f"{role or 'user'}{n}")
        fields.setdefault("full_name", f"测试{n}")
        fields.setdefault("hall", hall)
        user = User.objects.create_user(password="pw-for-tests-123", **fields)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def guide(make_user: Callable[..., User]) -> User:
    return make_user(Role.GUIDE)


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    return make_user(Role.CLERK)


@pytest.fixture
def reviewer(make_user: Callable[..., User], department: Department) -> User:
    return make_user(Role.REVIEWER, department=department)


@pytest.fixture
def reviewer_other_department(make_user: Callable[..., User], other_department: Department) -> User:
    return make_user(Role.REVIEWER, department=other_department)


@pytest.fixture
def certificate_clerk(make_user: Callable[..., User]) -> User:
    return make_user(Role.CERTIFICATE_CLERK)


@pytest.fixture
def helper(make_user: Callable[..., User]) -> User:
    return make_user(Role.HELPER)


@pytest.fixture
def complaint_handler(make_user: Callable[..., User]) -> User:
    return make_user(Role.COMPLAINT_HANDLER)


@pytest.fixture
def hall_manager(make_user: Callable[..., User]) -> User:
    return make_user(Role.HALL_MANAGER)


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUPERVISOR)


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """A test client signed in as `user` (anonymous for None)."""

    def make(user: User | None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


ALL_ROLES = [r.value for r in Role]


@pytest.fixture(params=[None, *ALL_ROLES], ids=["anonymous", *ALL_ROLES])
def any_persona(
    request: Any, make_user: Callable[..., User], department: Department
) -> User | None:
    """Parametrised over anonymous and every role: use for access tests."""
    if request.param is None:
        return None
    extra = {"department": department} if request.param == Role.REVIEWER else {}
    return make_user(request.param, **extra)
