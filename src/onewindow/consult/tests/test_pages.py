"""The staff pages (access per role, hall scoping, errors next to fields, query counts) and the
public online-question pages (SMS code, reading the answer with the query code, throttling)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.consult import services
from onewindow.consult.models import Channel, Consultation, OnlineQuestion, Outcome
from onewindow.consult.tests.helpers import PHONE, ask, item_with_answer
from onewindow.halls.models import Hall
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db

ALLOWED = {
    "consult:record": {Role.GUIDE, Role.HALL_MANAGER},
    "consult:question-queue": {Role.GUIDE, Role.HALL_MANAGER},
    "consult:records": {Role.HALL_MANAGER, Role.SUPERVISOR},
    "consult:statistics": {Role.HALL_MANAGER, Role.SUPERVISOR},
}


@pytest.fixture(autouse=True)
def _sms_and_throttles(settings: Any) -> Any:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    cache.clear()
    yield
    cache.clear()


def _role(user: Any) -> str | None:
    return next(iter(user.role_codes()), None) if user else None


@pytest.mark.parametrize("url_name", sorted(ALLOWED))
def test_staff_pages_per_role(url_name, any_persona, client_for):
    response = client_for(any_persona).get(reverse(url_name))
    if any_persona is None:
        assert response.status_code == 302
    elif _role(any_persona) in ALLOWED[url_name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_question_page_per_role(hall, any_persona, client_for):
    question = ask(hall, when=timezone.now())
    url = reverse("consult:question-detail", args=[question.number])
    response = client_for(any_persona).get(url)
    if any_persona is None:
        assert response.status_code == 302
    elif _role(any_persona) in ALLOWED["consult:question-queue"]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("url_name", ["consult:ask", "consult:ask-find", "consult:chat-start"])
def test_public_pages_need_no_account(url_name, hall, any_persona, client_for):
    assert client_for(any_persona).get(reverse(url_name)).status_code == 200


# --- the consultation window ---------------------------------------------------------------------


def _record_data(**extra: Any) -> dict[str, Any]:
    data = {
        "channel": Channel.WINDOW,
        "question": "开饭店要办哪些证",
        "answer_text": "先办营业执照，再办食品经营许可证。",
        "outcome": Outcome.ANSWERED,
        "started": (timezone.now() - timezone.timedelta(minutes=4)).isoformat(),
    }
    data.update(extra)
    return data


def test_a_guide_records_a_consultation_with_item_and_answer(guide, department, client_for):
    item, answer = item_with_answer(department)
    client = client_for(guide)
    page = client.get(reverse("consult:record"), {"q": item.name, "item": item.pk})
    assert page.status_code == 200
    assert answer.question in page.content.decode()
    response = client.post(
        reverse("consult:record"), _record_data(item=item.pk, answer=answer.pk, answer_text="")
    )
    assert response.status_code == 302
    c = Consultation.objects.get()
    assert (c.item, c.answer, c.staff, c.hall_id) == (item, answer, guide, guide.hall_id)
    assert 3.5 < c.duration_minutes < 5
    today = client.get(reverse("consult:record")).content.decode()
    assert f'data-consultation="{c.pk}"' in today


def test_errors_show_next_to_the_field_and_change_nothing(guide, client_for):
    client = client_for(guide)
    response = client.post(
        reverse("consult:record"), _record_data(outcome=Outcome.DEPARTMENT, department="")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["department"]
    response = client.post(reverse("consult:record"), _record_data(ticket="Z999"))
    assert response.status_code == 400
    assert response.context["form"].errors["ticket"]
    assert Consultation.objects.count() == 0


def test_guides_of_another_hall_see_nothing_of_this_hall(
    hall, other_hall, guide, make_user, client_for
):
    mine = services.record_consultation(
        hall=hall,
        actor=guide,
        channel=Channel.PHONE,
        outcome=Outcome.ANSWERED,
        question="本厅的咨询",
        answer_text="答复",
    )
    stranger = make_user(Role.GUIDE, hall=other_hall)
    manager_elsewhere = make_user(Role.HALL_MANAGER, hall=other_hall)
    page = client_for(stranger).get(reverse("consult:record")).content.decode()
    assert f'data-consultation="{mine.pk}"' not in page and "本厅的咨询" not in page
    records = client_for(manager_elsewhere).get(reverse("consult:records")).content.decode()
    assert "本厅的咨询" not in records
    question = ask(hall, when=timezone.now(), text="本厅的留言")
    queue = client_for(stranger).get(reverse("consult:question-queue")).content.decode()
    assert question.number not in queue
    detail = reverse("consult:question-detail", args=[question.number])
    assert client_for(stranger).get(detail).status_code == 404
    assert (
        client_for(stranger).post(detail, {"answer_text": "x", "outcome": "answered"}).status_code
        == 404
    )
    assert not OnlineQuestion.objects.get().is_answered


def test_hall_managers_see_every_consultation_of_their_hall(
    hall, guide, hall_manager, make_user, client_for
):
    other_guide = make_user(Role.GUIDE)
    for actor in (guide, other_guide):
        services.record_consultation(
            hall=hall,
            actor=actor,
            channel=Channel.WINDOW,
            outcome=Outcome.GUIDED,
            question=f"{actor.username}的咨询",
        )
    page = client_for(hall_manager).get(reverse("consult:records")).content.decode()
    assert f"{guide.username}的咨询" in page and f"{other_guide.username}的咨询" in page


def test_record_and_records_pages_pin_their_queries(
    hall, guide, hall_manager, department, client_for, django_assert_max_num_queries
):
    item, answer = item_with_answer(department)
    for n in range(15):
        services.record_consultation(
            hall=hall,
            actor=guide,
            channel=Channel.WINDOW,
            outcome=Outcome.DEPARTMENT if n % 3 == 0 else Outcome.ANSWERED,
            item=item,
            answer=answer,
            department=department,
            question=f"问题{n}",
        )
    guide_client, manager_client = client_for(guide), client_for(hall_manager)
    guide_client.get(reverse("consult:record"))  # warm the session and permissions
    manager_client.get(reverse("consult:records"))
    with django_assert_max_num_queries(12):
        assert guide_client.get(reverse("consult:record")).status_code == 200
    with django_assert_max_num_queries(10):
        assert manager_client.get(reverse("consult:records")).status_code == 200


# --- online questions: staff side ----------------------------------------------------------------


def test_queue_orders_by_deadline_with_lights_and_masks_phones(
    hall, guide, client_for, django_assert_max_num_queries
):
    now = timezone.now()
    for _n in range(12):
        ask(hall, when=now)
    overdue = ask(hall, when=now - timezone.timedelta(days=30), text="很久以前的问题")
    client = client_for(guide)
    client.get(reverse("consult:question-queue"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("consult:question-queue"))
    page = response.content.decode()
    numbers = re.findall(r'data-question="(ZX\d+)" data-light="(\w+)"', page)
    assert numbers[0] == (overdue.number, "red")
    assert len(numbers) == 13
    assert PHONE not in page and "138****5678" in page


def test_a_guide_answers_on_the_page_and_a_second_answer_is_refused(
    hall, guide, make_user, client_for, django_capture_on_commit_callbacks
):
    question = ask(hall, when=timezone.now())
    sms.outbox.clear()
    url = reverse("consult:question-detail", args=[question.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(guide).post(
            url, {"answer_text": "请到二楼3号窗口办理。", "outcome": Outcome.ANSWERED}
        )
    assert response.status_code == 302
    assert len(sms.outbox) == 1 and question.number in sms.outbox[0].text
    response = client_for(make_user(Role.GUIDE)).post(
        url, {"answer_text": "另一个答复", "outcome": Outcome.ANSWERED}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["answer_text"]
    question.refresh_from_db()
    assert question.answer_text == "请到二楼3号窗口办理。"


def test_an_empty_answer_is_refused_next_to_the_field(hall, guide, client_for):
    question = ask(hall, when=timezone.now())
    url = reverse("consult:question-detail", args=[question.number])
    response = client_for(guide).post(url, {"answer_text": " ", "outcome": Outcome.ANSWERED})
    assert response.status_code == 400
    assert response.context["form"].errors["answer_text"]
    assert not OnlineQuestion.objects.get().is_answered


# --- online questions: the citizen's side --------------------------------------------------------


def _code_from_sms() -> str:
    match = re.search(r"\b(\d{6})\b", sms.outbox[-1].text)
    assert match
    return match.group(1)


def test_a_citizen_asks_confirms_by_code_and_reads_the_answer(
    hall, guide, department, client, django_capture_on_commit_callbacks
):
    item, _answer = item_with_answer(department)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consult:ask") + f"?item={item.pk}",
            {"text": "个体户营业执照要带什么？", "name": "李阿姨", "phone": PHONE, "item": item.pk},
        )
    assert response.status_code == 302
    confirm_url = response["Location"]
    wrong = client.post(confirm_url, {"action": "verify", "code": "000000"})
    assert wrong.status_code == 400 and OnlineQuestion.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url, {"action": "verify", "code": _code_from_sms()})
    assert response.status_code == 302
    question = OnlineQuestion.objects.get()
    assert question.item == item and question.hall == hall and question.name == "李阿姨"
    sent = client.get(response["Location"]).content.decode()
    assert question.number in sent and question.query_code in sent
    # Sent twice (back button): still one question.
    client.post(confirm_url, {"action": "verify", "code": "123456"})
    assert OnlineQuestion.objects.count() == 1

    services.answer_question(question=question, actor=guide, answer_text="带身份证即可。")
    fresh = client.__class__()
    url = reverse("consult:ask-answer", args=[question.number])
    page = fresh.get(url).content.decode()
    assert "带身份证即可。" not in page
    response = fresh.post(url, {"code": question.query_code})
    assert response.status_code == 302
    assert "带身份证即可。" in fresh.get(url).content.decode()


def test_the_find_form_opens_the_answer(hall, client):
    question = ask(hall, when=timezone.now())
    response = client.post(
        reverse("consult:ask-find"),
        {"number": question.number.lower(), "code": question.query_code},
    )
    assert response.status_code == 302
    assert question.text in client.get(response["Location"]).content.decode()


def test_wrong_query_codes_are_throttled(hall, client):
    question = ask(hall, when=timezone.now())
    url = reverse("consult:ask-answer", args=[question.number])
    wrong = "000000" if question.query_code != "000000" else "111111"
    for _n in range(10):
        assert client.post(url, {"code": wrong}).status_code == 404
    response = client.post(url, {"code": question.query_code})
    assert response.status_code == 429
    assert question.text not in response.content.decode()


def test_the_question_form_shows_errors_next_to_the_fields(hall, client):
    response = client.post(reverse("consult:ask"), {"text": "", "phone": "123"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "text" in errors and "phone" in errors
    assert sms.outbox == []


def test_several_halls_ask_the_citizen_to_choose(hall, other_hall, client):
    response = client.post(reverse("consult:ask"), {"text": "问题", "phone": PHONE})
    assert response.status_code == 400 and "hall" in response.context["form"].errors
    response = client.post(
        reverse("consult:ask"), {"text": "问题", "phone": PHONE, "hall": other_hall.pk}
    )
    assert response.status_code == 302
    assert Hall.objects.count() == 2


def test_the_ticket_of_the_visit_is_linked(hall, guide, client_for):
    from onewindow.halls import services as hall_services
    from onewindow.tickets import services as ticket_services
    from onewindow.tickets.models import Queue

    hall_services.create_default_queues(hall=hall, actor=None)
    queue = Queue.objects.filter(hall=hall).order_by("pk").first()
    Queue.objects.filter(pk=queue.pk).update(
        issue_from=datetime.time(0, 0), issue_until=datetime.time(23, 59, 59)
    )
    queue.refresh_from_db()
    ticket = ticket_services.issue_ticket(hall=hall, queue=queue)
    response = client_for(guide).post(
        reverse("consult:record"), _record_data(ticket=ticket.code.lower())
    )
    assert response.status_code == 302
    assert Consultation.objects.get().ticket == ticket
