"""The consultation services: recording, asking, answering once, SMS after commit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onewindow.consult import services
from onewindow.consult.models import Channel, Consultation, OnlineQuestion, Outcome
from onewindow.consult.services import ConsultError
from onewindow.consult.tests.helpers import PHONE, ask, at, item_with_answer
from onewindow.core.models import AuditEvent
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> None:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()


def test_record_a_window_consultation_with_duration_and_audit(hall, guide, department):
    item, answer = item_with_answer(department)
    c = services.record_consultation(
        hall=hall,
        actor=guide,
        channel=Channel.WINDOW,
        outcome=Outcome.ANSWERED,
        item=item,
        answer=answer,
        question="开店要什么材料",
        started_at=at("2026-11-26", "09:00"),
        now=at("2026-11-26", "09:06"),
    )
    assert c.duration == datetime.timedelta(minutes=6)
    assert c.duration_minutes == 6.0
    assert c.staff == guide and c.answer == answer and c.item == item
    event = AuditEvent.objects.get(action="consult.consultation.recorded")
    assert event.after["channel"] == "window" and event.actor == guide


def test_a_start_left_open_for_hours_records_no_duration(hall, guide):
    c = services.record_consultation(
        hall=hall,
        actor=guide,
        channel=Channel.PHONE,
        outcome=Outcome.ANSWERED,
        question="几点下班",
        answer_text="下午五点",
        started_at=at("2026-11-26", "08:00"),
        now=at("2026-11-26", "15:00"),
    )
    assert c.ended_at is None and c.duration is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"question": ""}, "question"),
        ({"outcome": Outcome.DEPARTMENT}, "department"),
        ({"answer_text": ""}, "answer_text"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(hall, guide, fields, field):
    values: dict[str, Any] = {
        "hall": hall,
        "actor": guide,
        "channel": Channel.WINDOW,
        "outcome": Outcome.ANSWERED,
        "question": "问题",
        "answer_text": "答复",
    }
    values.update(fields)
    with pytest.raises(ConsultError) as error:
        services.record_consultation(**values)
    assert error.value.field == field
    assert Consultation.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="consult.").exists()


def test_passed_to_a_department_keeps_the_department(hall, guide, department):
    c = services.record_consultation(
        hall=hall,
        actor=guide,
        channel=Channel.HOTLINE,
        outcome=Outcome.DEPARTMENT,
        question="社保断缴怎么补",
        department=department,
    )
    assert c.department == department


def test_an_answer_of_another_item_is_refused(hall, guide, department):
    item, _answer = item_with_answer(department, "事项甲")
    _other, other_answer = item_with_answer(department, "事项乙")
    with pytest.raises(ConsultError) as error:
        services.record_consultation(
            hall=hall,
            actor=guide,
            channel=Channel.WINDOW,
            outcome=Outcome.ANSWERED,
            item=item,
            answer=other_answer,
        )
    assert error.value.field == "answer"


def test_asking_numbers_the_question_sets_its_due_day_and_texts_the_code(
    hall, settings, django_capture_on_commit_callbacks
):
    settings.ONEWINDOW_QUESTION_ANSWER_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        # Thursday 2026-11-26: three working days on is Tuesday 2026-12-01.
        first = ask(hall, when=at("2026-11-26"))
        second = ask(hall, when=at("2026-11-26", "11:00"))
    assert first.number == "ZX20261126001" and second.number == "ZX20261126002"
    assert first.due_on == datetime.date(2026, 12, 1)
    assert len(first.query_code) == 6 and first.query_code.isdigit()
    assert [m.phone for m in sms.outbox] == [PHONE, PHONE]
    assert first.number in sms.outbox[0].text and first.query_code in sms.outbox[0].text


def test_a_question_needs_text_and_a_valid_mobile(hall):
    with pytest.raises(ConsultError) as error:
        services.ask_question(hall=hall, phone=PHONE, text="  ")
    assert error.value.field == "text"
    with pytest.raises(ConsultError) as error:
        services.ask_question(hall=hall, phone="12345", text="问题")
    assert error.value.field == "phone"
    assert OnlineQuestion.objects.count() == 0


def test_answering_records_an_online_consultation_and_texts_after_commit(
    hall, guide, django_capture_on_commit_callbacks
):
    question = ask(hall, when=at("2026-11-26"))
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.answer_question(
            question=question, actor=guide, answer_text="请带身份证到二楼窗口办理。"
        )
    assert sms.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    question.refresh_from_db()
    assert question.is_answered and question.answered_by == guide
    c = question.consultation
    assert c.channel == Channel.ONLINE and c.outcome == Outcome.ANSWERED
    assert c.question == question.text and c.answer_text == question.answer_text
    assert c.ended_at is None  # the time spent is unknown: not in the average duration
    assert len(sms.outbox) == 1 and question.number in sms.outbox[0].text
    assert AuditEvent.objects.filter(action="consult.question.answered").count() == 1


def test_a_question_is_answered_once(hall, guide, make_user):
    question = ask(hall, when=at("2026-11-26"))
    services.answer_question(question=question, actor=guide, answer_text="第一次答复")
    stale = OnlineQuestion.objects.get(pk=question.pk)
    stale.answered_at = None  # a page opened before the first answer
    other = make_user("guide")
    with pytest.raises(ConsultError) as error:
        services.answer_question(question=stale, actor=other, answer_text="第二次答复")
    assert error.value.code == "answered"
    question.refresh_from_db()
    assert question.answer_text == "第一次答复" and question.answered_by == guide
    assert Consultation.objects.count() == 1


def test_a_guide_of_another_hall_cannot_answer(hall, other_hall, make_user):
    question = ask(hall, when=at("2026-11-26"))
    stranger = make_user("guide", hall=other_hall)
    with pytest.raises(ConsultError) as error:
        services.answer_question(question=question, actor=stranger, answer_text="答复")
    assert error.value.code == "hall"
    assert Consultation.objects.count() == 0


def test_a_knowledge_base_answer_is_used_when_no_text_is_written(hall, guide, department):
    item, answer = item_with_answer(department)
    question = services.ask_question(
        hall=hall, phone=PHONE, text="要带什么？", item=item, now=at("2026-11-26")
    )
    services.answer_question(question=question, actor=guide, answer_text="", answer=answer)
    question.refresh_from_db()
    assert question.answer_text == answer.answer
    assert question.consultation.answer == answer and question.consultation.item == item
