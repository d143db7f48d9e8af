"""Fixtures for the device API: two halls with queues, windows, clerks and tokens."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from onewindow.accounts.models import User
from onewindow.api.models import ApiToken
from onewindow.api.services import create_token
from onewindow.tickets.tests.factories import HallSetup, at, make_setup

NOW = at(10)  # Wednesday 2 December 2026, 10:00 in the hall's time zone


@pytest.fixture(autouse=True)
def _clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@dataclass
class Site:
    setup: HallSetup
    keys: dict[str, str]

    @property
    def hall(self) -> Any:
        return self.setup.hall

    def clerk(self, index: int = 0) -> User:
        return self.setup.clerk(index)

    def token(self, kind: str) -> ApiToken:
        return ApiToken.objects.get(key_hash=ApiToken.hash_key(self.keys[kind]))


def _site() -> Site:
    setup = make_setup(windows=2)
    hall = setup.hall
    keys = {}
    for kind in ("kiosk", "display", "rating_pad"):
        keys[kind] = create_token(hall=hall, kind=kind, name=f"{kind} 1", actor=None)[1]
    keys["staff"] = create_token(
        hall=hall, kind="staff", name="clerk 1", user=setup.clerk(0), actor=None
    )[1]
    keys["staff2"] = create_token(
        hall=hall, kind="staff", name="clerk 2", user=setup.clerk(1), actor=None
    )[1]
    return Site(setup=setup, keys=keys)


@pytest.fixture
def site(db: Any) -> Site:
    return _site()


@pytest.fixture
def other_site(db: Any) -> Site:
    return _site()


class Api:
    """A JSON client for /api/v1/."""

    def __init__(self, key: str | None = None, client: Client | None = None) -> None:
        self.key = key
        self.client = client or Client()

    def _headers(self, key: str | None, idem: str | None, extra: dict[str, str]) -> dict[str, str]:
        headers = dict(extra)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if idem:
            headers["Idempotency-Key"] = idem
        return headers

    def post(self, path: str, body: Any = None, *, idem: str | None = None, **extra: str) -> Any:
        return self.client.post(
            "/api/v1" + path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(self.key, idem, extra),
        )

    def get(self, path: str, **extra: str) -> Any:
        return self.client.get("/api/v1" + path, headers=self._headers(self.key, None, extra))


@pytest.fixture
def api() -> type[Api]:
    return Api


def later(minutes: int) -> datetime.datetime:
    return NOW + datetime.timedelta(minutes=minutes)
