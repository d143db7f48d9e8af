"""The one search over answers and items."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from onewindow.catalog import services as catalog_services
from onewindow.catalog.models import Answer, ServiceItem, Synonym
from onewindow.knowledge import search
from onewindow.knowledge.search import ask, expand_initials, search_answers


@pytest.fixture
def licence_synonym(db: Any) -> Synonym:
    return Synonym.objects.create(term="营业执照", canonical="个体工商户设立登记")


def test_ask_finds_answers_and_items(
    answers: dict[str, Answer], licence: ServiceItem, licence_synonym: Synonym
) -> None:
    result = ask("办营业执照要多久")
    assert result.answers[0].answer == answers["licence_time"]
    assert result.answers[0].answer.item == licence
    assert [h.item for h in result.items] == [licence]
    assert result.found


def test_general_answers_are_found_in_citizens_words(answers: dict[str, Answer]) -> None:
    assert search_answers("大厅几点上班")[0].answer == answers["hours"]
    assert search_answers("停车")[0].answer == answers["parking"]


def test_nothing_found_for_unrelated_words(answers: dict[str, Answer]) -> None:
    result = ask("火星移民")
    assert not result.found
    assert ask("   ").answers == []


def test_answers_of_unpublished_items_are_not_found(
    answers: dict[str, Answer], licence: ServiceItem
) -> None:
    ServiceItem.objects.filter(pk=licence.pk).update(status="suspended")
    catalog_services.bump_revision()
    assert all(h.answer.item_id != licence.pk for h in search_answers("营业执照多长时间"))


def test_index_follows_new_answers(answers: dict[str, Answer]) -> None:
    assert search_answers("狗证年审") == []
    new = Answer.objects.create(code="G09", question="狗证需要每年年检吗？", answer="不需要。")
    assert search_answers("狗证年审")[0].answer == new


def test_a_query_costs_one_cheap_query_once_the_index_is_built(
    answers: dict[str, Answer], django_assert_max_num_queries: Any
) -> None:
    search_answers("停车")
    with django_assert_max_num_queries(2):  # fingerprint + the answers fetched
        search_answers("停车")


def test_pinyin_initials_inside_a_question_are_spelled_out(
    answers: dict[str, Answer], licence_synonym: Synonym
) -> None:
    assert expand_initials("yyzz要多久") == "营业执照要多久"
    assert expand_initials("yyzz") == "yyzz"  # letters alone go to the pinyin search
    assert expand_initials("停车") == "停车"
    assert ask("yyzz要多久").answers[0].answer == answers["licence_time"]


@pytest.fixture
def demo_catalog(db: Any) -> None:
    from onewindow import demo

    search.invalidate_index()
    call_command("load_synonyms", stdout=io.StringIO())
    call_command("import_catalog", str(demo.REAL_CATALOG), stdout=io.StringIO())
    call_command("import_catalog", str(demo.DEMO_CATALOG), stdout=io.StringIO())


def test_labelled_citizen_questions_reach_the_accuracy_target(demo_catalog: None) -> None:
    """The shipped question set (citizens' words, typos, pinyin, synonyms): top-3 ≥ 90%."""
    path = Path(search.__file__).parent / "data" / "answer_questions.tsv"
    out = io.StringIO()
    call_command("search_eval", str(path), "--kind", "answers", stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    assert result["queries"] >= 60
    assert result["top3"] >= 0.90, result


def test_search_eval_defaults_to_the_shipped_answer_set(demo_catalog: None) -> None:
    out = io.StringIO()
    call_command("search_eval", "--kind", "answers", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["queries"] >= 60


def test_a_question_an_item_answers_well_is_not_a_gap(
    answers: dict[str, Answer], department: Any
) -> None:
    from onewindow.catalog.tests.manage_factories import make_item

    make_item(department, name="结婚登记", status="published")
    strong = ask("结婚登记")
    assert strong.answers == [] and strong.items
    assert not strong.is_gap
    assert ask("火星移民").is_gap
