"""The per-process caches that keep busy devices cheap: tokens, permissions, display feeds.

Tests run with both caches off (conftest); these turn them on and pin what they may and may not
remember.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group

from onewindow.api import api as api_module
from onewindow.api import auth
from onewindow.api.services import deactivate_token
from onewindow.api.tests.conftest import Api, Site
from onewindow.tickets import display

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def caches_on(settings: Any) -> Iterator[None]:
    settings.ONEWINDOW_API_TOKEN_CACHE_SECONDS = 10
    settings.ONEWINDOW_DISPLAY_CACHE_SECONDS = 10
    for clear in (
        auth.forget_tokens,
        display.forget_feeds,
        api_module._windows.clear,
        api_module._queues.clear,
    ):
        clear()
    yield
    for clear in (
        auth.forget_tokens,
        display.forget_feeds,
        api_module._windows.clear,
        api_module._queues.clear,
    ):
        clear()


def _feed(site: Site) -> Any:
    return Api(site.keys["display"]).get(f"/halls/{site.hall.code}/display")


def test_a_cached_token_and_feed_cost_no_query(
    site: Site, caches_on: None, django_assert_num_queries: Any
) -> None:
    assert _feed(site).status_code == 200
    with django_assert_num_queries(0):
        assert _feed(site).status_code == 200


def test_a_revoked_token_is_refused_at_once_in_this_process(site: Site, caches_on: None) -> None:
    assert _feed(site).status_code == 200
    deactivate_token(token=site.token("display"), actor=None)
    assert _feed(site).status_code == 401


def test_unknown_keys_are_not_remembered(site: Site, caches_on: None) -> None:
    for n in range(3):
        assert Api(f"ow_wrong-{n}").get(f"/halls/{site.hall.code}/display").status_code == 401
    assert len(auth.tokens) == 0


def test_a_withdrawn_permission_counts_once_the_cache_is_forgotten(
    site: Site, caches_on: None
) -> None:
    clerk = site.clerk(0)
    window = site.setup.windows[0]
    staff = Api(site.keys["staff"])
    assert staff.post(f"/windows/{window.pk}/call-next", idem="a").status_code == 200
    clerk.groups.remove(Group.objects.get(name="clerk"))
    # Still allowed from the cache (within ONEWINDOW_API_TOKEN_CACHE_SECONDS) …
    assert staff.post(f"/windows/{window.pk}/recall", idem="b").status_code in (200, 409)
    auth.forget_tokens()
    # … and refused once the cache is gone.
    assert staff.post(f"/windows/{window.pk}/recall", idem="c").status_code == 403


def test_the_display_feed_is_reused_then_refreshed(site: Site, caches_on: None) -> None:
    issue = f"/halls/{site.hall.code}/tickets"
    before = _feed(site).json()
    Api(site.keys["kiosk"]).post(issue, {"queue_prefix": "A"}, idem="x")
    again = _feed(site).json()
    assert again["waiting"] == before["waiting"]  # within the cache time: the same answer
    display.forget_feeds()
    fresh = {row["prefix"]: row["count"] for row in _feed(site).json()["waiting"]}
    assert fresh["A"] == 1


def test_a_cached_window_still_checks_the_hall_and_the_clerk(
    site: Site, other_site: Site, caches_on: None
) -> None:
    window = site.setup.windows[0]
    staff = Api(site.keys["staff"])
    Api(site.keys["kiosk"]).post(
        f"/halls/{site.hall.code}/tickets", {"queue_prefix": "A"}, idem="t"
    )
    called = staff.post(f"/windows/{window.pk}/call-next", idem="a")
    assert called.json()["ticket"]["code"] == "A001"
    # Another hall's clerk is refused for this (now cached) window …
    theirs = Api(other_site.keys["staff"]).post(f"/windows/{window.pk}/call-next", idem="b")
    assert theirs.status_code == 403
    # … and a closed window is seen at once: the state is read under lock, not from the cache.
    from onewindow.halls import services as hall_services

    assert staff.post(f"/windows/{window.pk}/start", idem="c").status_code == 200
    assert (
        staff.post(f"/windows/{window.pk}/finish", {"outcome": "handled"}, idem="d").status_code
        == 200
    )
    hall_services.close_window(window=window, actor=site.clerk(0))
    refused = staff.post(f"/windows/{window.pk}/call-next", idem="e")
    assert refused.status_code in (403, 409), refused.json()


def test_a_deactivated_queue_is_refused_once_the_cache_time_has_passed(
    site: Site, caches_on: None, settings: Any
) -> None:
    issue = f"/halls/{site.hall.code}/tickets"
    kiosk = Api(site.keys["kiosk"])
    assert kiosk.post(issue, {"queue_prefix": "A"}, idem="1").status_code == 201
    queue = site.setup.a
    queue.is_active = False
    queue.save(update_fields=["is_active"])
    api_module._queues.clear()  # what the cache time does in at most 10 s
    refused = kiosk.post(issue, {"queue_prefix": "A"}, idem="2")
    assert refused.status_code == 409, refused.json()


def test_the_public_wall_feed_is_encoded_once_and_keeps_a_fresh_clock(
    site: Site, caches_on: None, django_assert_num_queries: Any
) -> None:
    import datetime

    import time_machine
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    url = reverse("display:hall-feed", args=[site.hall.code])
    first = Client().get(url)
    body = first.json()
    assert body["hall"]["code"] == site.hall.code and body["build"] and body["now"]
    later = timezone.now() + datetime.timedelta(seconds=5)
    with time_machine.travel(later, tick=False), django_assert_num_queries(0):
        second = Client().get(url)
    assert second["ETag"] == first["ETag"]  # the content did not change, only the clock
    assert second.json()["now"] != body["now"]
    assert {k: v for k, v in second.json().items() if k != "now"} == {
        k: v for k, v in body.items() if k != "now"
    }
