"""Maintenance pages: access per role, writing and reviewing answers, gaps, statistics."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from onewindow.accounts.models import Role, User
from onewindow.catalog.models import Answer, CatalogRevision, ServiceItem
from onewindow.core.models import AuditEvent
from onewindow.knowledge import services
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap

MAINTAINERS = {Role.GUIDE, Role.HALL_MANAGER}
QUICK = {
    Role.GUIDE,
    Role.CLERK,
    Role.CERTIFICATE_CLERK,
    Role.HELPER,
    Role.COMPLAINT_HANDLER,
    Role.HALL_MANAGER,
}
GAPS = {Role.HALL_MANAGER}
STATS = {Role.HALL_MANAGER, Role.SUPERVISOR}


def _expect(client: Client, url: str, persona: User | None, allowed: set[str]) -> None:
    response = client.get(url)
    if persona is None:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    elif persona.has_role(*allowed):
        assert response.status_code == 200, url
    else:
        assert response.status_code == 403, url


def test_access_per_role(
    any_persona: User | None, client_for: Callable[..., Client], answers: dict[str, Answer]
) -> None:
    client = client_for(any_persona)
    answer = answers["hours"]
    answer.refresh_from_db()
    gap = KnowledgeGap.objects.create(
        query="火星移民", first_seen="2026-05-01T00:00Z", last_seen="2026-05-01T00:00Z"
    )
    _expect(client, reverse("knowledge:manage-answers"), any_persona, MAINTAINERS)
    _expect(client, reverse("knowledge:manage-answer-create"), any_persona, MAINTAINERS)
    _expect(
        client, reverse("knowledge:manage-answer-edit", args=[answer.pk]), any_persona, MAINTAINERS
    )
    _expect(client, reverse("knowledge:quick-answers") + "?q=停车", any_persona, QUICK)
    _expect(client, reverse("knowledge:manage-gaps"), any_persona, GAPS)
    _expect(client, reverse("knowledge:statistics"), any_persona, STATS)
    # Posts change nothing for those who may not.
    before = answer.reviewed_at
    response = client.post(reverse("knowledge:manage-answer-reviewed", args=[answer.pk]))
    response_gap = client.post(reverse("knowledge:manage-gap-resolve", args=[gap.pk]))
    answer.refresh_from_db()
    gap.refresh_from_db()
    if any_persona is None or not any_persona.has_role(*MAINTAINERS):
        assert response.status_code in (302, 403)
        assert answer.reviewed_at == before
    if any_persona is None or not any_persona.has_role(*GAPS):
        assert response_gap.status_code in (302, 403)
        assert not gap.resolved
    # The public page is for everyone.
    assert client.get(reverse("knowledge:ask")).status_code == 200


def test_answer_list_filters_and_flags_stale_answers(
    client_for: Callable[..., Client],
    guide: User,
    answers: dict[str, Answer],
    settings: Any,
    django_assert_max_num_queries: Any,
) -> None:
    settings.ONEWINDOW_ANSWER_REVIEW_DAYS = 100
    client = client_for(guide)
    url = reverse("knowledge:manage-answers")
    with time_machine.travel(datetime.datetime(2026, 7, 1, 4, tzinfo=datetime.UTC)):
        for n in range(20):
            Answer.objects.create(
                code=f"G{n + 20}", question=f"问题{n}", answer="答", reviewed_at="2026-01-01"
            )
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("data-stale") == 20 + 2  # hours (Feb), parking (never); not May
        stale = client.get(url, {"review": "1"}).context["page"].object_list
        assert answers["licence_time"] not in stale and answers["parking"] in stale
    general = client.get(url, {"kind": "general"}).context["page"].object_list
    assert answers["licence_time"] not in general and answers["hours"] in general
    items = client.get(url, {"kind": "item"}).context["page"].object_list
    assert list(items) == [answers["licence_time"]]
    found = client.get(url, {"q": "停车"}).context["page"].object_list
    assert list(found) == [answers["parking"]]
    by_item = client.get(url, {"item": answers["licence_time"].item_id})
    assert list(by_item.context["page"].object_list) == [answers["licence_time"]]
    assert by_item.context["item_filter"] == answers["licence_time"].item


def test_guide_writes_an_item_answer_with_audit_and_revision(
    client_for: Callable[..., Client], guide: User, licence: ServiceItem, answers: dict[str, Answer]
) -> None:
    client = client_for(guide)
    revision = CatalogRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0
    response = client.post(
        reverse("knowledge:manage-answer-create"),
        {
            "item": licence.pk,
            "question": "个体户可以网上办吗？",
            "answer": "可以。",
            "source": "指南",
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(question="个体户可以网上办吗？")
    assert answer.item == licence
    assert answer.code == "Q02"
    assert answer.reviewed_by == guide
    assert answer.reviewed_at is not None
    assert AuditEvent.objects.filter(action="knowledge.answer.created").count() == 1
    assert CatalogRevision.objects.get(pk=1).revision > revision


def test_invalid_answer_shows_errors_next_to_fields_and_changes_nothing(
    client_for: Callable[..., Client], guide: User, answers: dict[str, Answer]
) -> None:
    client = client_for(guide)
    count = Answer.objects.count()
    response = client.post(
        reverse("knowledge:manage-answer-create"), {"question": "", "answer": "x"}
    )
    assert response.status_code == 400
    assert response.context["errors"]["question"]
    response = client.post(
        reverse("knowledge:manage-answer-create"), {"question": "问", "answer": " "}
    )
    assert response.status_code == 400
    assert response.context["errors"]["answer"]
    response = client.post(
        reverse("knowledge:manage-answer-create"),
        {"question": "来大厅办事可以停车吗？", "answer": "可以"},
    )
    assert response.status_code == 400
    assert "question" in response.context["errors"]
    response = client.post(
        reverse("knowledge:manage-answer-create"),
        {"item": "99999", "question": "问", "answer": "答"},
    )
    assert response.status_code == 400
    assert response.context["errors"]["item"]
    assert Answer.objects.count() == count
    assert not AuditEvent.objects.filter(action__startswith="knowledge.").exists()


def test_edit_an_answer_records_before_and_after(
    client_for: Callable[..., Client], hall_manager: User, answers: dict[str, Answer]
) -> None:
    answer = answers["parking"]
    client = client_for(hall_manager)
    url = reverse("knowledge:manage-answer-edit", args=[answer.pk])
    assert client.get(url).context["values"]["question"] == answer.question
    response = client.post(
        url, {"question": answer.question, "answer": "免费停车2小时。", "source": "公告"}
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.answer == "免费停车2小时。"
    event = AuditEvent.objects.get(action="knowledge.answer.updated")
    assert event.before["answer"] == "中心设有办事群众免费停车位。"


def test_reviewed_today(
    client_for: Callable[..., Client], guide: User, answers: dict[str, Answer]
) -> None:
    answer = answers["parking"]
    with time_machine.travel(datetime.datetime(2026, 7, 1, 20, tzinfo=datetime.UTC)):
        response = client_for(guide).post(
            reverse("knowledge:manage-answer-reviewed", args=[answer.pk])
        )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.reviewed_at == datetime.date(2026, 7, 2)  # Asia/Shanghai
    assert answer.reviewed_by == guide
    assert AuditEvent.objects.filter(action="knowledge.answer.reviewed").count() == 1


def test_manager_writes_an_answer_for_a_gap(
    client_for: Callable[..., Client], hall_manager: User, answers: dict[str, Answer]
) -> None:
    gap = services.log_gap(query="电动车上牌")
    services.log_gap(query="电动车 上牌")
    client = client_for(hall_manager)
    page = client.get(reverse("knowledge:manage-gaps"))
    assert "电动车上牌" in page.content.decode()
    form = client.get(reverse("knowledge:manage-answer-create"), {"gap": gap.pk})
    assert form.context["values"]["question"] == "电动车上牌"  # prefilled
    response = client.post(
        reverse("knowledge:manage-answer-create"),
        {"gap": gap.pk, "question": "电动车怎么上牌？", "answer": "到交警大队车管所办理。"},
    )
    assert response.status_code == 302
    gap.refresh_from_db()
    assert gap.resolved and gap.answer.question == "电动车怎么上牌？"
    assert gap.resolved_by == hall_manager
    assert "电动车上牌" not in client.get(reverse("knowledge:manage-gaps")).content.decode()


def test_manager_resolves_a_gap(
    client_for: Callable[..., Client], hall_manager: User, django_assert_max_num_queries: Any
) -> None:
    gap = services.log_gap(query="火星移民")
    for n in range(10):
        services.log_gap(query=f"问题{n}号")
    client = client_for(hall_manager)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("knowledge:manage-gaps")).status_code == 200
    response = client.post(reverse("knowledge:manage-gap-resolve", args=[gap.pk]))
    assert response.status_code == 302
    gap.refresh_from_db()
    assert gap.resolved and gap.answer is None
    assert AuditEvent.objects.filter(action="knowledge.gap.resolved").count() == 1
    # Asked again, nothing found again: open again.
    services.log_gap(query="火星移民")
    gap.refresh_from_db()
    assert not gap.resolved and gap.count == 2


def test_statistics_count_seeded_data(
    client_for: Callable[..., Client],
    hall_manager: User,
    answers: dict[str, Answer],
    settings: Any,
    django_assert_max_num_queries: Any,
) -> None:
    settings.ONEWINDOW_ANSWER_REVIEW_DAYS = 100
    AnswerFeedback.objects.create(answer=answers["hours"], helpful=3, not_helpful=1)
    AnswerFeedback.objects.create(answer=answers["parking"], helpful=1, not_helpful=4)
    services.log_gap(query="火星移民")
    services.log_gap(query="火星移民")
    services.log_gap(query="月球旅游")
    client = client_for(hall_manager)
    # Session, user, permissions, the page's 5 figures queries, the calendar banner.
    with (
        time_machine.travel(datetime.datetime(2026, 7, 1, 4, tzinfo=datetime.UTC)),
        django_assert_max_num_queries(10),
    ):
        response = client.get(reverse("knowledge:statistics"))
    stats = response.context["stats"]
    assert stats["total"] == 3
    assert stats["general"] == 2
    assert stats["for_items"] == 1
    assert stats["items"] == 1
    assert stats["stale"] == 2
    assert (stats["helpful"], stats["not_helpful"]) == (4, 5)
    assert [g.query for g in stats["top_gaps"]] == ["火星移民", "月球旅游"]
    assert stats["least_helpful"][0].answer == answers["parking"]
    [row] = stats["by_department"]
    assert (row["answers"], row["items"], row["stale"]) == (1, 1, 0)


@pytest.mark.parametrize("htmx", [False, True])
def test_quick_answers_panel(
    client_for: Callable[..., Client], clerk: User, answers: dict[str, Answer], htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(clerk).get(
        reverse("knowledge:quick-answers"), {"q": "停车"}, headers=headers
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "来大厅办事可以停车吗？" in html
    assert ("<html" in html) is not htmx
    # Staff searches are not citizens' gaps.
    client_for(clerk).get(reverse("knowledge:quick-answers"), {"q": "火星移民"})
    assert not KnowledgeGap.objects.exists()


def test_panel_is_embedded_in_the_workstation_and_intake(
    client_for: Callable[..., Client], clerk: User, answers: dict[str, Answer]
) -> None:
    client = client_for(clerk)
    for url in (reverse("workstation:page"), reverse("cases:intake-pick")):
        html = client.get(url).content.decode()
        assert 'id="ow-quick-q"' in html, url
        assert reverse("knowledge:quick-answers") in html, url
