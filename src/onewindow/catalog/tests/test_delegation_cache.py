"""The delegated powers each server process keeps (ONEWINDOW_DELEGATION_CACHE_SECONDS)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.catalog import delegations, services
from onewindow.catalog.models import Delegation, Power
from onewindow.catalog.tests.manage_factories import make_agreement, make_item
from onewindow.core import localcache

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def cached(settings: Any) -> None:
    settings.ONEWINDOW_DELEGATION_CACHE_SECONDS = 10
    delegations.forget_delegations()
    yield
    delegations.forget_delegations()


@pytest.fixture
def granted(department: Any) -> Any:
    item = make_item(department)
    agreement = make_agreement(department, valid_until=TODAY + datetime.timedelta(days=5))
    for power in (Power.RECEIVE, Power.VERIFY_ORIGINAL):
        Delegation.objects.create(item=item, power=power, agreement=agreement)
    return item, agreement


def test_a_second_question_costs_no_query(cached: None, granted: Any):
    item, _agreement = granted
    assert delegations.delegated_powers(item.pk, TODAY) == {Power.RECEIVE, Power.VERIFY_ORIGINAL}
    with CaptureQueriesContext(connection) as captured:
        assert Power.RECEIVE in delegations.delegated_powers(item.pk, TODAY)
    assert len(captured) == 0


def test_validity_by_date_is_exact(cached: None, granted: Any):
    item, _agreement = granted
    last = TODAY + datetime.timedelta(days=5)
    assert delegations.delegated_powers(item.pk, last)
    assert delegations.delegated_powers(item.pk, last + datetime.timedelta(days=1)) == set()


def test_withdrawing_a_power_here_is_seen_at_once(
    cached: None, granted: Any, department: Any, make_user: Any
):
    item, agreement = granted
    assert Power.VERIFY_ORIGINAL in delegations.delegated_powers(item.pk, TODAY)
    services.set_delegations(
        department=department,
        grants=[(item.pk, Power.RECEIVE)],
        agreement=agreement,
        actor=make_user(),
    )
    assert delegations.delegated_powers(item.pk, TODAY) == {Power.RECEIVE}
    Delegation.objects.filter(item=item).delete()  # a direct delete sends its signal too
    assert delegations.delegated_powers(item.pk, TODAY) == set()


def test_an_agreement_cut_short_here_is_seen_at_once(cached: None, granted: Any, make_user: Any):
    item, agreement = granted
    assert delegations.delegated_powers(item.pk, TODAY)
    agreement.valid_until = TODAY - datetime.timedelta(days=1)
    services.save_agreement(agreement=agreement, actor=make_user())
    assert delegations.delegated_powers(item.pk, TODAY) == set()


def test_another_process_change_shows_within_the_lifetime(
    cached: None, granted: Any, monkeypatch: Any
):
    item, agreement = granted
    assert delegations.delegated_powers(item.pk, TODAY)
    # A write made elsewhere: no signal reaches this process.
    yesterday = TODAY - datetime.timedelta(days=1)
    type(agreement).objects.filter(pk=agreement.pk).update(valid_until=yesterday)
    assert delegations.delegated_powers(item.pk, TODAY)
    later = localcache.time.monotonic() + 11
    monkeypatch.setattr(localcache.time, "monotonic", lambda: later)
    assert delegations.delegated_powers(item.pk, TODAY) == set()


def test_with_the_cache_off_each_question_reads_the_table(granted: Any):
    item, _agreement = granted
    with CaptureQueriesContext(connection) as captured:
        delegations.delegated_powers(item.pk, TODAY)
        delegations.delegated_powers(item.pk, TODAY)
    assert len(captured) == 2
