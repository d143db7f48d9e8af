"""The statistics page's figures against seeded consultations and questions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.consult import queries, services
from onewindow.consult.models import Channel, Outcome
from onewindow.consult.tests.helpers import ask, at, item_with_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(hall, other_hall, guide, make_user, department, other_department):
    """Within 2026-11-23 (Mon) … 2026-11-27 (Fri) in `hall`:
    window ×3 (6, 10, 2 min; two about 营业执照办理), phone ×1 (passed to other_department),
    hotline ×1 (escalated); outside the range or in the other hall: one each, not counted.
    Online questions: asked Mon, answered Wed (2 working days, on time); asked Mon, answered the
    next Mon (5 working days, late); asked Thu, unanswered (due Tue 12-01: not overdue on 11-27).
    """
    item, answer = item_with_answer(department)
    other_item, _ = item_with_answer(other_department, "社保卡补办")

    def rec(day, start, minutes, **fields):
        fields.setdefault("channel", Channel.WINDOW)
        fields.setdefault("outcome", Outcome.ANSWERED)
        fields.setdefault("answer_text", "答复")
        fields.setdefault("question", "问题")
        fields.setdefault("hall", hall)
        begin = at(day, start)
        return services.record_consultation(
            actor=guide,
            started_at=begin,
            now=begin + datetime.timedelta(minutes=minutes),
            **fields,
        )

    rec("2026-11-23", "09:00", 6, item=item, answer=answer)
    rec("2026-11-24", "10:00", 10, item=item)
    rec("2026-11-25", "11:00", 2, item=other_item, outcome=Outcome.GUIDED)
    rec(
        "2026-11-26",
        "14:00",
        4,
        channel=Channel.PHONE,
        outcome=Outcome.DEPARTMENT,
        department=other_department,
    )
    rec("2026-11-27", "15:00", 8, channel=Channel.HOTLINE, outcome=Outcome.COMPLAINT)
    rec("2026-11-20", "09:00", 30)  # before the range
    rec("2026-11-24", "09:00", 30, hall=other_hall)  # another hall

    on_time = ask(hall, when=at("2026-11-23", "09:00"))
    services.answer_question(
        question=on_time, actor=guide, answer_text="答复", now=at("2026-11-25", "16:00")
    )
    late = ask(hall, when=at("2026-11-23", "10:00"))
    services.answer_question(
        question=late, actor=guide, answer_text="答复", now=at("2026-11-30", "09:00")
    )
    ask(hall, when=at("2026-11-26", "10:00"))
    return item


def test_statistics_figures(hall, seeded):
    stats = queries.statistics(
        hall_id=hall.pk,
        start=datetime.date(2026, 11, 23),
        end=datetime.date(2026, 11, 27),
        today=datetime.date(2026, 11, 27),
    )
    by_channel = {t.key: t.count for t in stats.by_channel}
    # The late answer is recorded on 11-30 (outside); the on-time one on 11-25 (inside).
    assert by_channel == {"window": 3, "phone": 1, "online": 1, "hotline": 1}
    assert stats.total == 6
    outcomes = {t.key: t.count for t in stats.by_outcome}
    assert outcomes == {"answered": 3, "guided": 1, "complaint": 1, "department": 1}
    by_item = {t.label: t.count for t in stats.by_item if t.key}
    assert by_item == {"营业执照办理": 2, "社保卡补办": 1}
    assert [t.count for t in stats.by_item if not t.key] == [3]  # general questions
    departments = {t.label: t.count for t in stats.by_department}
    assert departments["区市监局"] == 2
    assert departments["区人社局"] == 2  # one item of it, one passed to it
    # Average over the five timed ones (the online answer has no duration): 30 / 5.
    assert stats.average_minutes == 6.0
    assert (stats.questions, stats.answered, stats.answered_on_time) == (3, 2, 1)
    assert stats.on_time_rate == 50.0
    assert stats.average_answer_days == 3.5  # (2 + 5) / 2
    assert stats.unanswered_overdue == 0


def test_statistics_page_shows_the_figures_of_the_own_hall(
    hall,
    other_hall,
    seeded,
    hall_manager,
    supervisor,
    make_user,
    client_for,
    django_assert_max_num_queries,
):
    url = reverse("consult:statistics") + "?from=2026-11-23&to=2026-11-27"
    client = client_for(hall_manager)
    client.get(url)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    page = response.content.decode()
    assert 'data-figure="total">6<' in page
    assert 'data-figure="on-time">50.0%<' in page
    assert 'data-figure="answer-days">3.5<' in page
    assert client_for(supervisor).get(url).status_code == 200
    elsewhere = client_for(make_user(Role.HALL_MANAGER, hall=other_hall)).get(url)
    assert 'data-figure="total">1<' in elsewhere.content.decode()
