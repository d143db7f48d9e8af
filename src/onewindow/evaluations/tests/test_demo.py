"""The demo's ratings: a realistic spread, a rectification in each state, marked as demo."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onewindow import demo
from onewindow.accounts.models import User
from onewindow.evaluations import queries
from onewindow.evaluations.demo import install_demo
from onewindow.evaluations.models import Appeal, AppealStatus, Evaluation, RectificationStatus
from onewindow.halls.models import Hall

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_spread_of_ratings_and_each_state_of_the_loop():
    hall = Hall.objects.create(**demo.DEMO_HALLS[0])
    demo._set_up_queues()
    for username, role in (("clerk", "clerk"), ("manager", "hall_manager")):
        user = User.objects.create_user(username=username, hall=hall, full_name=username)
        user.groups.add(Group.objects.get(name=role))
    install_demo()
    ratings = Evaluation.objects.all()
    assert ratings.count() > 80 and not ratings.filter(demo=False).exists()
    levels = set(ratings.values_list("level", flat=True))
    assert levels == {1, 2, 3, 4, 5}
    states = set(
        ratings.filter(rectification__isnull=False).values_list("rectification__status", flat=True)
    )
    assert states == {
        RectificationStatus.VERIFYING,
        RectificationStatus.RECTIFYING,
        RectificationStatus.REPORTED,
    }
    assert ratings.filter(attempt=2).count() == 1
    assert set(Appeal.objects.values_list("status", flat=True)) == {
        AppealStatus.UPHELD,
        AppealStatus.PENDING,
    }
    assert ratings.filter(excluded=True).count() == 1
    assert ratings.filter(clerk__username="clerk").exists()
    today = timezone.localdate()
    data = queries.results(hall.pk, today - timezone.timedelta(days=30), today)
    assert 80 < data.total.good_rate < 100 and len(data.by["window"]) == 3
    # Again: nothing more.
    count = ratings.count()
    install_demo()
    assert Evaluation.objects.count() == count
