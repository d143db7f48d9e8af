"""在线人工客服: duty, opening (or not, when nobody is on duty), accepting once, messages both
ways, hand-over, closing with the transcript on a consultation; and the pages per role."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.consult import services
from onewindow.consult.models import Chat, ChatStatus, Consultation, Outcome
from onewindow.consult.services import ConsultError

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_duty_guide(guide: Any) -> Any:
    services.set_available(actor=guide, available=True)
    return guide


def test_nobody_on_duty_means_no_chat(hall, guide):
    with pytest.raises(ConsultError) as error:
        services.open_chat(hall=hall, name="王大爷", question="社保卡怎么补？")
    assert error.value.code == "no_guide"
    services.set_available(
        actor=guide,
        available=True,
        now=timezone.now() - datetime.timedelta(minutes=services.PRESENCE_MINUTES + 1),
    )
    with pytest.raises(ConsultError):  # marked available, but the desk is not open any more
        services.open_chat(hall=hall, name="王大爷", question="社保卡怎么补？")
    assert not Chat.objects.exists()


def test_a_whole_chat_with_hand_over_and_transcript(hall, on_duty_guide, make_user):
    other = make_user(Role.GUIDE, full_name="陈导办")
    services.set_available(actor=other, available=True)
    chat = services.open_chat(hall=hall, name="王大爷", question="社保卡怎么补？")
    assert chat.status == ChatStatus.WAITING
    services.accept_chat(chat=chat, actor=on_duty_guide)
    with pytest.raises(ConsultError) as error:  # a second guide clicked too late
        services.accept_chat(chat=chat, actor=other)
    assert error.value.code == "taken"
    services.post_message(chat=chat, text="带身份证到2号窗口。", actor=on_duty_guide)
    services.post_message(chat=chat, text="要照片吗？")
    with pytest.raises(ConsultError):  # not in charge
        services.post_message(chat=chat, text="我来答", actor=other)
    services.hand_over_chat(chat=chat, actor=on_duty_guide, to=other)
    with pytest.raises(ConsultError):  # no longer in charge
        services.post_message(chat=chat, text="还在吗", actor=on_duty_guide)
    services.post_message(chat=chat, text="不用带照片，现场拍。", actor=other)
    services.close_chat(chat=chat, actor=other, outcome=Outcome.ANSWERED)
    chat.refresh_from_db()
    assert chat.status == ChatStatus.CLOSED
    c = chat.consultation
    assert c.channel == "online" and c.staff == other and c.question == "社保卡怎么补？"
    for line in (
        "王大爷: 社保卡怎么补？",
        "带身份证到2号窗口。",
        "王大爷: 要照片吗？",
        "陈导办: 不用带照片",
    ):
        assert line in c.transcript
    with pytest.raises(ConsultError):
        services.post_message(chat=chat, text="谢谢")


def test_hand_over_only_to_a_guide_on_duty_of_the_hall(hall, other_hall, on_duty_guide, make_user):
    off_duty = make_user(Role.GUIDE)
    elsewhere = make_user(Role.GUIDE, hall=other_hall)
    services.set_available(actor=elsewhere, available=True)
    chat = services.open_chat(hall=hall, name="张女士", question="问题")
    services.accept_chat(chat=chat, actor=on_duty_guide)
    for to in (off_duty, elsewhere, on_duty_guide):
        with pytest.raises(ConsultError):
            services.hand_over_chat(chat=chat, actor=on_duty_guide, to=to)
    chat.refresh_from_db()
    assert chat.guide == on_duty_guide


def test_a_guide_of_another_hall_cannot_accept(hall, other_hall, on_duty_guide, make_user):
    chat = services.open_chat(hall=hall, name="张女士", question="问题")
    with pytest.raises(ConsultError) as error:
        services.accept_chat(chat=chat, actor=make_user(Role.GUIDE, hall=other_hall))
    assert error.value.code == "hall"


# --- pages ---------------------------------------------------------------------------------------


def test_chat_desk_per_role(any_persona, client_for):
    response = client_for(any_persona).get(reverse("consult:chat-desk"))
    if any_persona is None:
        assert response.status_code == 302
    elif any_persona.has_role(Role.GUIDE, Role.HALL_MANAGER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_the_public_page_offers_a_question_when_nobody_is_on_duty(hall, guide, client):
    page = client.get(reverse("consult:chat-start")).content.decode()
    assert "data-no-guide" in page and reverse("consult:ask") in page
    response = client.post(reverse("consult:chat-start"), {"name": "王", "question": "问"})
    assert response.status_code == 400 and not Chat.objects.exists()


def test_a_chat_through_the_pages(hall, guide, client, client_for):
    desk = client_for(guide)
    desk.post(reverse("consult:chat-duty"), {"available": "1"})
    assert "data-on-duty" in desk.get(reverse("consult:chat-desk")).content.decode()
    response = client.post(
        reverse("consult:chat-start"), {"name": "王大爷", "question": "社保卡怎么补？"}
    )
    assert response.status_code == 302
    chat = Chat.objects.get()
    queue = desk.get(reverse("consult:chat-desk"), headers={"HX-Request": "true"})
    assert f'data-chat="{chat.pk}"' in queue.content.decode()
    assert desk.post(reverse("consult:chat-accept", args=[chat.pk])).status_code == 302
    guide_url = reverse("consult:chat-guide", args=[chat.pk])
    desk.post(
        guide_url, {"action": "message", "text": "您好，请讲。"}, headers={"HX-Request": "true"}
    )
    citizen_url = reverse("consult:chat", args=[chat.token])
    log = client.get(reverse("consult:chat-messages", args=[chat.token])).content.decode()
    assert "您好，请讲。" in log
    client.post(citizen_url, {"text": "要带什么？"})
    log = desk.get(reverse("consult:chat-guide-messages", args=[chat.pk])).content.decode()
    assert "要带什么？" in log
    response = desk.post(
        guide_url, {"action": "close", "outcome": Outcome.DEPARTMENT, "summary": ""}
    )
    assert response.status_code == 400  # the department is missing: said next to it
    assert response.context["close_form"].errors["department"]
    response = desk.post(guide_url, {"action": "close", "outcome": Outcome.ANSWERED})
    assert response.status_code == 302
    c = Consultation.objects.get()
    assert "要带什么？" in c.transcript
    assert 'data-chat-status="closed"' in client.get(citizen_url).content.decode()
    polled = client.get(
        reverse("consult:chat-messages", args=[chat.token]), headers={"HX-Request": "true"}
    )
    assert polled.status_code == 286  # htmx stops polling a closed chat


def test_a_guide_of_another_hall_sees_no_chat_of_this_hall(
    hall, other_hall, guide, make_user, client, client_for
):
    services.set_available(actor=guide, available=True)
    chat = services.open_chat(hall=hall, name="王大爷", question="本厅的对话")
    stranger = client_for(make_user(Role.GUIDE, hall=other_hall))
    assert "本厅的对话" not in stranger.get(reverse("consult:chat-desk")).content.decode()
    assert stranger.post(reverse("consult:chat-accept", args=[chat.pk])).status_code == 404
    assert stranger.get(reverse("consult:chat-guide", args=[chat.pk])).status_code == 404


def test_a_wrong_token_finds_no_chat(client):
    assert client.get(reverse("consult:chat", args=["nothing"])).status_code == 404


def test_the_desk_pins_its_queries(
    hall, guide, make_user, client_for, django_assert_max_num_queries
):
    services.set_available(actor=guide, available=True)
    for n in range(8):
        chat = services.open_chat(hall=hall, name=f"群众{n}", question=f"问题{n}")
        if n % 2:
            services.accept_chat(chat=chat, actor=guide)
    desk = client_for(guide)
    desk.get(reverse("consult:chat-desk"))
    with django_assert_max_num_queries(10):
        response = desk.get(reverse("consult:chat-desk"), headers={"HX-Request": "true"})
    assert response.content.decode().count("data-chat=") == 8
