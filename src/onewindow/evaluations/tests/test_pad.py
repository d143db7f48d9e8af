"""The rating pad at a window: it offers the service just finished, asks reasons after a bad
level, and lets an unrated service time out as not rated."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.evaluations import tokens
from onewindow.evaluations.models import Evaluation, RatingChannel, RectificationStatus
from onewindow.evaluations.tests.test_rating import served_ticket
from onewindow.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def just_finished(seconds_ago: int = 5) -> Ticket:
    ticket = served_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(
        finished_at=timezone.now() - datetime.timedelta(seconds=seconds_ago)
    )
    return Ticket.objects.select_related("window", "clerk").get(pk=ticket.pk)


def pad_urls(ticket: Ticket) -> tuple[str, str]:
    token = tokens.for_pad(ticket.window_id)
    return reverse("evaluations:pad", args=[token]), reverse("evaluations:pad-state", args=[token])


def test_a_forged_pad_address_is_not_found(client: Any):
    assert client.get(reverse("evaluations:pad", args=["1"])).status_code == 404
    assert client.get(reverse("evaluations:pad-state", args=["x:y"])).status_code == 404


def test_the_pad_offers_the_service_just_finished_with_nothing_chosen(client: Any):
    ticket = just_finished()
    page_url, state_url = pad_urls(ticket)
    page = client.get(page_url).content.decode()
    assert 'data-pad="form"' in page and page.count('name="level"') == 5
    assert " checked" not in page and ticket.code in page
    assert ticket.clerk.display_name in page
    assert 'data-pad="form"' in client.get(state_url).content.decode()


def test_a_bad_level_asks_for_reasons_then_opens_a_rectification(client: Any):
    ticket = just_finished()
    page_url, state_url = pad_urls(ticket)
    response = client.post(page_url, {"ticket": ticket.pk, "level": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请告诉我们" in body and 'value="1" checked' in body.replace(" data-bad", "")
    assert not Evaluation.objects.exists()
    response = client.post(page_url, {"ticket": ticket.pk, "level": "1", "reasons": ["waiting"]})
    assert response.status_code == 200 and 'data-pad="thanks"' in response.content.decode()
    evaluation = Evaluation.objects.get()
    assert evaluation.channel == RatingChannel.PAD and evaluation.window_id == ticket.window_id
    assert evaluation.rectification.status == RectificationStatus.VERIFYING
    # Rated: the pad goes back to waiting, and a double tap records nothing more.
    assert 'data-pad="idle"' in client.get(state_url).content.decode()
    again = client.post(page_url, {"ticket": ticket.pk, "level": "5"})
    assert again.status_code == 400 and Evaluation.objects.count() == 1


def test_an_unrated_service_times_out_as_not_rated(client: Any, settings: Any):
    ticket = just_finished(seconds_ago=settings.ONEWINDOW_RATING_PAD_SECONDS + 5)
    page_url, state_url = pad_urls(ticket)
    assert 'data-pad="idle"' in client.get(state_url).content.decode()
    response = client.post(page_url, {"ticket": ticket.pk, "level": "5"})
    assert response.status_code == 400 and "未评价" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_the_timeout_is_built_into_the_form(client: Any, settings: Any):
    ticket = just_finished(seconds_ago=30)
    _page_url, state_url = pad_urls(ticket)
    body = client.get(state_url).content.decode()
    remaining = int(body.split('data-pad-timeout="')[1].split('"')[0])
    assert (
        settings.ONEWINDOW_RATING_PAD_SECONDS - 31
        <= remaining
        <= settings.ONEWINDOW_RATING_PAD_SECONDS - 29
    )


def test_a_clerk_signed_in_on_the_pad_cannot_rate(client_for: Any, make_user: Any):
    ticket = just_finished()
    page_url, _state_url = pad_urls(ticket)
    clerk = client_for(make_user(Role.CLERK, hall=ticket.hall))
    response = clerk.post(page_url, {"ticket": ticket.pk, "level": "5"})
    assert response.status_code == 400 and not Evaluation.objects.exists()


def test_the_hall_manager_finds_each_windows_pad_address(client_for: Any, make_user: Any):
    ticket = just_finished()
    manager = make_user(Role.HALL_MANAGER, hall=ticket.hall)
    page = client_for(manager).get(reverse("ratings:pads")).content.decode()
    assert reverse("evaluations:pad", args=[tokens.for_pad(ticket.window_id)]) in page
    clerk = make_user(Role.CLERK, hall=ticket.hall)
    assert client_for(clerk).get(reverse("ratings:pads")).status_code == 403
