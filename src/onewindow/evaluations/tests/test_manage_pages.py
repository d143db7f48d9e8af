"""The staff pages of 好差评: who may use them, the loop through the pages, and the results'
figures against seeded ratings."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.evaluations import queries, services
from onewindow.evaluations.models import (
    Appeal,
    AppealStatus,
    Evaluation,
    Level,
    RatingChannel,
    RectificationStatus,
)
from onewindow.evaluations.tests.test_rating import rate_ticket, served_ticket
from onewindow.tickets import services as queue
from onewindow.tickets.models import Ticket
from onewindow.tickets.services import Outcome
from onewindow.tickets.tests.factories import at as queue_at
from onewindow.tickets.tests.factories import make_setup

pytestmark = pytest.mark.django_db

PAGES = {
    "ratings:results": "evaluations.view_results",
    "ratings:rectifications": "evaluations.handle_rectification",
    "ratings:appeals": "evaluations.decide_appeal",
    "ratings:mine": "evaluations.file_appeal",
}


def test_each_page_for_each_role(any_persona: Any, client_for: Any):
    for name, perm in PAGES.items():
        response = client_for(any_persona).get(reverse(name))
        if any_persona is None:
            assert response.status_code == 302, name
        elif any_persona.has_perm(perm):
            assert response.status_code == 200, (name, any_persona.username)
        else:
            assert response.status_code == 403, (name, any_persona.username)


def test_roles_that_may_use_them(make_user: Any):
    manager, supervisor, clerk = (
        make_user(Role.HALL_MANAGER),
        make_user(Role.SUPERVISOR),
        make_user(Role.CLERK),
    )
    assert manager.has_perm("evaluations.handle_rectification")
    assert manager.has_perm("evaluations.decide_appeal")
    assert supervisor.has_perm("evaluations.view_results")
    assert not supervisor.has_perm("evaluations.handle_rectification")
    assert clerk.has_perm("evaluations.file_appeal") and not clerk.has_perm(
        "evaluations.view_results"
    )
    # Nobody may add or change a rating through Django's permissions either.
    for user in (manager, supervisor, clerk):
        assert not user.has_perm("evaluations.add_evaluation")
        assert not user.has_perm("evaluations.change_evaluation")


def served_tickets(n: int) -> list[Ticket]:
    """n services finished at one window of one hall."""
    setup = make_setup(windows=1)
    window, clerk = setup.windows[0], setup.clerk(0)
    done = []
    for i in range(n):
        queue.issue_ticket(hall=setup.hall, queue=setup.a, now=queue_at(9, i))
    for i in range(n):
        ticket = queue.call_next(window=window, actor=clerk, now=queue_at(10, 3 * i))
        queue.start_service(ticket=ticket, actor=clerk, now=queue_at(10, 3 * i + 1))
        queue.finish_service(
            ticket=ticket, actor=clerk, outcome=Outcome.HANDLED, now=queue_at(10, 3 * i + 2)
        )
        done.append(Ticket.objects.select_related("hall", "clerk").get(pk=ticket.pk))
    return done


def manager_of(ticket: Ticket, make_user: Any) -> Any:
    return make_user(Role.HALL_MANAGER, hall=ticket.hall)


def test_the_manager_walks_a_bad_rating_through_the_pages(make_user: Any, client_for: Any):
    ticket = served_ticket()
    evaluation = rate_ticket(ticket, Level.DISSATISFIED, reasons=["waiting"], phone="13800138000")
    client = client_for(manager_of(ticket, make_user))
    listing = client.get(reverse("ratings:rectifications")).content.decode()
    r = evaluation.rectification
    url = reverse("ratings:rectification", args=[r.pk])
    assert url in listing and "等候时间长" in listing
    page = client.get(url).content.decode()
    assert "13800138000" in page  # the handler sees the number to call back
    response = client.post(url, {"action": "verify", "note": ""})
    assert response.status_code == 400 and "请记录回访情况" in response.content.decode()
    assert client.post(url, {"action": "verify", "note": "已电话回访"}).status_code == 302
    response = client.post(url, {"action": "report", "measures": "增开窗口", "report": ""})
    assert response.status_code == 400 and "请填写反馈内容" in response.content.decode()
    response = client.post(url, {"action": "report", "measures": "增开窗口", "report": "已告知"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == RectificationStatus.REPORTED
    assert (
        str(r.pk)
        not in client.get(reverse("ratings:rectifications"))
        .content.decode()
        .split("data-rectifications")[1]
        .split("</table>")[0]
        or "No bad ratings" in ""
    )


def test_another_halls_manager_cannot_open_it(make_user: Any, client_for: Any, other_hall: Any):
    ticket = served_ticket()
    r = rate_ticket(ticket, Level.DISSATISFIED, reasons=["slow"]).rectification
    stranger = make_user(Role.HALL_MANAGER, hall=other_hall)
    url = reverse("ratings:rectification", args=[r.pk])
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(stranger).post(url, {"action": "verify", "note": "x"}).status_code == 404


def test_a_clerk_sees_their_ratings_without_the_rater_and_appeals(make_user: Any, client_for: Any):
    ticket = served_ticket()
    evaluation = rate_ticket(
        ticket, Level.VERY_DISSATISFIED, reasons=["attitude"], phone="13912345678"
    )
    client = client_for(ticket.clerk)
    page = client.get(reverse("ratings:mine")).content.decode()
    assert "非常不满意" in page and "13912345678" not in page
    response = client.post(
        reverse("ratings:mine"),
        {"evaluation": evaluation.pk, "ground": "mistaken", "statement": ""},
    )
    assert response.status_code == 400 and not Appeal.objects.exists()
    client.post(
        reverse("ratings:mine"),
        {"evaluation": evaluation.pk, "ground": "mistaken", "statement": "评价人办理的是8号窗口"},
    )
    appeal = Appeal.objects.get()
    manager = client_for(manager_of(ticket, make_user))
    response = manager.post(
        reverse("ratings:appeals"), {"appeal": appeal.pk, "decision": "uphold", "reasons": ""}
    )
    assert response.status_code == 400
    manager.post(
        reverse("ratings:appeals"),
        {"appeal": appeal.pk, "decision": "uphold", "reasons": "查看监控属实"},
    )
    assert Appeal.objects.get().status == AppealStatus.UPHELD
    evaluation.refresh_from_db()
    assert evaluation.excluded
    # Excluded: not counted, still listed for supervisors.
    supervisor = client_for(make_user(Role.SUPERVISOR, hall=ticket.hall))
    results = supervisor.get(reverse("ratings:results")).content.decode()
    assert "data-excluded" in results


def test_another_clerks_rating_cannot_be_appealed(make_user: Any, client_for: Any):
    ticket = served_ticket()
    evaluation = rate_ticket(ticket, Level.DISSATISFIED, reasons=["slow"])
    other = make_user(Role.CLERK, hall=ticket.hall)
    response = client_for(other).post(
        reverse("ratings:mine"),
        {"evaluation": evaluation.pk, "ground": "mistaken", "statement": "x"},
    )
    assert response.status_code == 404 and not Appeal.objects.exists()


def test_the_results_figures_match_the_seeded_ratings(make_user: Any):
    """Six services: levels 5, 5, 4, 3, 2 (named, verified and reported on time) and 1 (named,
    not yet verified); the 2 is re-rated 4, so it counts as 4; one more 1 is excluded."""
    hall_tickets = served_tickets(7)
    hall = hall_tickets[0].hall
    now = timezone.now()
    for t, level in zip(hall_tickets[:4], (5, 5, 4, 3), strict=True):
        rate_ticket(t, level, now=now)
    bad = rate_ticket(hall_tickets[4], 2, reasons=["slow"], phone="13800138000", now=now)
    rate_ticket(hall_tickets[5], 1, reasons=["attitude"], phone="13800138001", now=now)
    manager = make_user(Role.HALL_MANAGER, hall=hall)
    services.verify(rectification=bad.rectification, actor=manager, note="已回访")
    services.report_back(
        rectification=bad.rectification, actor=manager, measures="培训", report="已告知"
    )
    rate_ticket(hall_tickets[4], 4, now=now)
    excluded = rate_ticket(hall_tickets[6], 1, comment="乱评", now=now)
    appeal = services.file_appeal(
        evaluation=excluded, actor=hall_tickets[6].clerk, ground="malicious", statement="恶意"
    )
    services.decide_appeal(appeal=appeal, actor=manager, upheld=True, decision="属实")
    today = timezone.localdate()
    data = queries.results(hall.pk, today - datetime.timedelta(days=1), today)
    # Counted: 5, 5, 4, 3, 4 (re-rated), 1 → 6 ratings, 5 satisfied, 1 bad.
    assert data.total.n == 6 and data.total.good == 5 and data.total.bad == 1
    assert data.total.good_rate == 83.3
    assert data.total.score == round((5 + 5 + 4 + 3 + 4 + 1) / 6, 2)
    assert dict(data.levels) == {
        "非常满意": 2,
        "满意": 2,
        "基本满意": 1,
        "不满意": 0,
        "非常不满意": 1,
    }
    # 实名差评回访率: two named bad first ratings, one verified.
    assert (data.named_bad, data.named_bad_verified, data.callback_rate) == (2, 1, 50.0)
    assert (data.reported, data.reported_on_time, data.on_time_rate) == (1, 1, 100.0)
    assert data.open_lights["green"] + data.open_lights["yellow"] + data.open_lights["red"] == 1
    assert [e.pk for e in data.excluded] == [excluded.pk]
    by_channel = {line.key: line.n for line in data.by["channel"]}
    assert by_channel == {RatingChannel.QR: 6}
    assert sum(line.n for line in data.by["clerk"]) == 6
    assert Evaluation.objects.count() == 8  # nothing deleted: 7 first ratings and 1 re-rating
