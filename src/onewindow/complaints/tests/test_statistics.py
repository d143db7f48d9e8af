"""Statistics against seeded complaints: counts by channel, department, cause, status; on-time
and satisfaction rates; and who may see them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.complaints import queries, services

from .conftest import TZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(
    make_complaint: Any,
    hall_manager: Any,
    department: Any,
    other_department: Any,
    time_machine: Any,
    make_user: Any,
    other_hall: Any,
) -> None:
    def run(c: Any, dept: Any, satisfaction: str = "", late: bool = False) -> None:
        services.assign_complaint(complaint=c, department=dept, actor=hall_manager)
        services.start_handling(complaint=c, actor=hall_manager)
        if late:
            time_machine.move_to(datetime.datetime(2026, 12, 18, 9, 0, tzinfo=TZ))
        services.reply_to_complainant(complaint=c, reply="已答复群众", actor=hall_manager)
        if satisfaction:
            services.record_satisfaction(complaint=c, satisfaction=satisfaction, actor=hall_manager)
        time_machine.move_to(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TZ))

    run(make_complaint(cause="buck_passing"), department, "satisfied")
    run(make_complaint(cause="buck_passing", channel="phone"), department, "basically")
    run(make_complaint(cause="overdue"), other_department, "dissatisfied", late=True)
    run(make_complaint(cause="system_fault", channel="phone"), other_department, late=True)
    make_complaint(cause="policy")  # still registered
    services.register_complaint(
        hall=other_hall,
        channel="window",
        complainant=services.Complainant(name="外厅", phone="13900139000"),
        content="另一个大厅的投诉",
        actor=None,
    )


def test_statistics_count_the_seeded_complaints(seeded: Any, hall: Any) -> None:
    stats = queries.statistics(hall_id=hall.pk)
    assert stats.total == 5
    channels = dict(
        zip(("window", "web", "phone", "hotline"), [n for _l, n in stats.by_channel], strict=True)
    )
    assert channels == {"window": 3, "web": 0, "phone": 2, "hotline": 0}
    departments = dict(stats.by_department)
    assert (departments["区市监局"], departments["区人社局"]) == (2, 2)
    assert stats.by_department[-1][1] == 1  # the one not assigned yet
    causes = [n for _l, n in stats.by_cause]
    # unclear_materials, buck_passing, overdue, system_fault, policy, attitude, other
    assert causes == [0, 2, 1, 1, 1, 0, 0]
    statuses = [n for _l, n in stats.by_status]
    # registered, assigned, handling, replied, closed, reopened
    assert statuses == [1, 0, 0, 4, 0, 0]
    assert (stats.replied, stats.replied_on_time, stats.on_time_percent) == (4, 2, 50.0)
    assert stats.rated == 3
    assert [n for _l, n in stats.by_satisfaction] == [1, 1, 1]
    assert stats.satisfied_percent == 66.7


def test_statistics_period(seeded: Any, hall: Any) -> None:
    assert queries.statistics(hall_id=hall.pk, start=datetime.date(2026, 12, 3)).total == 0
    assert queries.statistics(hall_id=hall.pk, end=datetime.date(2026, 12, 2)).total == 5


def test_statistics_page(
    seeded: Any,
    client_for: Any,
    hall_manager: Any,
    supervisor: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for user in (hall_manager, supervisor):
        client = client_for(user)
        client.get(reverse("complaints:statistics"))
        with django_assert_max_num_queries(12):
            response = client.get(reverse("complaints:statistics"))
        html = response.content.decode()
        assert 'data-stat="total">5<' in html
        assert "50.0%" in html and "66.7%" in html
    bad = client_for(hall_manager).get(reverse("complaints:statistics") + "?start=notadate")
    assert bad.status_code == 400


def test_statistics_forbidden_for_handlers(client_for: Any, make_user: Any) -> None:
    for role in (Role.COMPLAINT_HANDLER, Role.REVIEWER, Role.GUIDE):
        assert client_for(make_user(role)).get(reverse("complaints:statistics")).status_code == 403
