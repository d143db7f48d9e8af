"""The public /ask/ page: answers, items, “was this helpful?” and knowledge gaps."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from onewindow.catalog.models import Answer
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap

ASK = "/ask/"


def test_ask_url() -> None:
    assert reverse("knowledge:ask") == ASK


def test_empty_box_shows_popular_general_answers(
    client: Client, answers: dict[str, Answer], django_assert_max_num_queries: Any
) -> None:
    AnswerFeedback.objects.create(answer=answers["parking"], helpful=5)
    with django_assert_max_num_queries(6):
        response = client.get(ASK)
    assert response.status_code == 200
    popular = list(response.context["popular"])
    assert popular[0] == answers["parking"]  # the most helpful first
    assert answers["licence_time"] not in popular  # item answers are not "general"
    assert KnowledgeGap.objects.count() == 0


def test_a_question_shows_the_answer_with_source_date_and_guide_link(
    client: Client, answers: dict[str, Answer], licence: Any
) -> None:
    response = client.get(ASK, {"q": "个体工商户设立登记多长时间"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "办营业执照要多长时间？收费吗？" in html
    assert "《市场主体登记管理条例》" in html
    assert "2026年5月20日" in html
    assert reverse("catalog:guide-item", args=[licence.pk]) in html
    assert KnowledgeGap.objects.count() == 0


def test_a_question_that_finds_nothing_is_logged_as_a_gap(
    client: Client, answers: dict[str, Answer]
) -> None:
    client.get(ASK, {"q": "火星 移民？"})
    client.get(ASK, {"q": "火星移民"})
    gap = KnowledgeGap.objects.get()
    assert gap.query == "火星移民"  # normalised: no spaces or punctuation
    assert gap.count == 2
    assert gap.first_seen <= gap.last_seen
    assert not gap.resolved


def test_gaps_never_store_numbers_that_may_be_personal(
    client: Client, answers: dict[str, Answer]
) -> None:
    client.get(ASK, {"q": "13812345678火星"})
    client.get(ASK, {"q": "511602199001011234"})
    assert KnowledgeGap.objects.count() == 0


def test_feedback_counts_one_vote_per_answer_per_session(
    client: Client, answers: dict[str, Answer]
) -> None:
    answer = answers["parking"]
    url = reverse("knowledge:feedback", args=[answer.pk])
    response = client.post(url, {"helpful": "yes", "q": "停车"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    client.post(url, {"helpful": "no"})
    feedback = AnswerFeedback.objects.get(answer=answer)
    assert (feedback.helpful, feedback.not_helpful) == (1, 0)
    # Another browser counts again.
    Client().post(url, {"helpful": "no"})
    feedback.refresh_from_db()
    assert (feedback.helpful, feedback.not_helpful) == (1, 1)
    # The page thanks instead of asking again.
    html = client.get(ASK, {"q": "停车"}).content.decode()
    assert "感谢您的反馈" in html or "Thank you for your feedback" in html


def test_feedback_with_htmx_returns_the_fragment(
    client: Client, answers: dict[str, Answer]
) -> None:
    answer = answers["hours"]
    url = reverse("knowledge:feedback", args=[answer.pk])
    response = client.post(url, {"helpful": "no"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="feedback-{answer.pk}"' in response.content.decode()
    assert AnswerFeedback.objects.get(answer=answer).not_helpful == 1


def test_feedback_needs_a_valid_choice_and_post(client: Client, answers: dict[str, Answer]) -> None:
    url = reverse("knowledge:feedback", args=[answers["hours"].pk])
    assert client.post(url, {"helpful": "maybe"}).status_code == 400
    assert client.get(url).status_code == 405
    assert (
        client.post(reverse("knowledge:feedback", args=[999999]), {"helpful": "yes"}).status_code
        == 404
    )
    assert not AnswerFeedback.objects.exists()


def test_feedback_requires_csrf(answers: dict[str, Answer]) -> None:
    strict = Client(enforce_csrf_checks=True)
    url = reverse("knowledge:feedback", args=[answers["hours"].pk])
    assert strict.post(url, {"helpful": "yes"}).status_code == 403
    assert not AnswerFeedback.objects.exists()


def test_item_only_results_are_shown_without_a_gap(
    client: Client, answers: dict[str, Answer], department: Any
) -> None:
    from onewindow.catalog.tests.manage_factories import make_item

    item = make_item(department, name="结婚登记", status="published")
    html = client.get(ASK, {"q": "结婚登记"}).content.decode()
    assert reverse("catalog:guide-item", args=[item.pk]) in html
    assert not KnowledgeGap.objects.exists()


def test_a_search_costs_a_fixed_number_of_queries(
    client: Client, answers: dict[str, Answer], django_assert_max_num_queries: Any
) -> None:
    client.get(ASK, {"q": "停车"})  # builds the indexes
    # Two index fingerprints, the answers shown, the hall (no item matches, no gap).
    with django_assert_max_num_queries(5):
        response = client.get(ASK, {"q": "大厅几点上班"})
    assert response.status_code == 200
    assert len(response.context["result"].answers) >= 1
