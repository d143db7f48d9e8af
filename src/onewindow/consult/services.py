"""Consultation actions: record a consultation, take and answer an online question.

Each is one transaction that writes its audit event; SMS go out after commit.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalog.models import Answer, Department, ServiceItem
from onewindow.consult.models import (
    Channel,
    Chat,
    ChatMessage,
    ChatStatus,
    Consultation,
    GuideDuty,
    OnlineQuestion,
    Outcome,
    QuestionCounter,
    Sender,
)
from onewindow.core import audit
from onewindow.core.calendar import shared_calendar
from onewindow.core.validators import is_valid_mobile, normalize_mobile
from onewindow.tickets import sms

MAX_QUESTION_CHARS = 2000
MAX_ANSWER_CHARS = 4000
# A consultation that "started" longer ago than this was left open on a screen: its duration
# would only distort the averages.
MAX_DURATION = datetime.timedelta(hours=4)


class ConsultError(Exception):
    """A consultation action that cannot be done; `message` is for the user, `field` the input."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


# --- consultation records ------------------------------------------------------------------------


def record_consultation(
    *,
    hall: Any,
    actor: Any,
    channel: str,
    outcome: str,
    question: str = "",
    item: ServiceItem | None = None,
    answer: Answer | None = None,
    answer_text: str = "",
    department: Department | None = None,
    ticket: Any = None,
    started_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    transcript: str = "",
) -> Consultation:
    """Record one consultation that has just ended (at `now`)."""
    now = now or timezone.now()
    if hall is None:
        raise ConsultError(
            _("Your account belongs to no hall; ask the administrator."), code="no_hall"
        )
    if channel not in Channel.values:
        raise ConsultError(_("Choose the channel."), code="channel", field="channel")
    if outcome not in Outcome.values:
        raise ConsultError(_("Choose the outcome."), code="outcome", field="outcome")
    question, answer_text = question.strip(), answer_text.strip()
    if not question and item is None:
        raise ConsultError(
            _("Write down what was asked, or choose the item it was about."),
            code="question",
            field="question",
        )
    if outcome == Outcome.DEPARTMENT and department is None:
        raise ConsultError(
            _("Choose the department the matter was passed to."),
            code="department",
            field="department",
        )
    if outcome == Outcome.ANSWERED and answer is None and not answer_text and not transcript:
        raise ConsultError(
            _("Choose an answer from the knowledge base or write the answer given."),
            code="answer",
            field="answer_text",
        )
    if answer is not None and None not in (answer.item_id, item) and answer.item_id != item.pk:
        raise ConsultError(
            _("This answer belongs to another item."), code="answer_item", field="answer"
        )
    if ticket is not None and ticket.hall_id != hall.pk:
        raise ConsultError(_("This ticket is of another hall."), code="ticket_hall", field="ticket")
    if started_at is None or started_at > now or now - started_at > MAX_DURATION:
        started_at = None
    with transaction.atomic():
        consultation = Consultation.objects.create(
            hall=hall,
            channel=channel,
            ticket=ticket,
            item=item,
            question=question[:MAX_QUESTION_CHARS],
            answer=answer,
            answer_text=answer_text[:MAX_ANSWER_CHARS],
            staff=actor,
            started_at=started_at or now,
            ended_at=now if started_at else None,
            outcome=outcome,
            department=department if outcome == Outcome.DEPARTMENT else None,
            transcript=transcript,
        )
        audit.record(
            action="consult.consultation.recorded",
            actor=actor,
            obj=consultation,
            after={
                "channel": channel,
                "outcome": outcome,
                "item": item.pk if item else None,
                "answer": answer.pk if answer else None,
                "department": department.pk if department and outcome == "department" else None,
                "ticket": ticket.pk if ticket else None,
            },
        )
    return consultation


# --- online questions ----------------------------------------------------------------------------


def answer_days() -> int:
    return int(getattr(settings, "ONEWINDOW_QUESTION_ANSWER_DAYS", 3))


def _next_question_number(day: datetime.date) -> str:
    """The day's next question number, e.g. ZX20261128001 (see cases' case numbers: one
    upsert statement; the counter row stays locked until the question's transaction ends)."""
    table = connection.ops.quote_name(QuestionCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [day],
        )
        (number,) = cursor.fetchone()
    return f"ZX{day:%Y%m%d}{number:03d}"


def ask_question(
    *,
    hall: Any,
    phone: str,
    text: str,
    name: str = "",
    item: ServiceItem | None = None,
    now: datetime.datetime | None = None,
) -> OnlineQuestion:
    """A citizen's question (their number already confirmed by SMS code): number, query code and
    the day it is due, `ONEWINDOW_QUESTION_ANSWER_DAYS` working days on."""
    now = now or timezone.now()
    text, name = text.strip(), name.strip()
    phone = normalize_mobile(phone)
    if not text:
        raise ConsultError(_("Write your question."), code="text", field="text")
    if len(text) > MAX_QUESTION_CHARS:
        raise ConsultError(
            _("Please keep the question under %(n)s characters.") % {"n": MAX_QUESTION_CHARS},
            code="text_long",
            field="text",
        )
    if not is_valid_mobile(phone):
        raise ConsultError(
            _("Enter an 11-digit mobile number starting with 1, e.g. 13812345678."),
            code="phone",
            field="phone",
        )
    day = _local_day(now)
    with transaction.atomic():
        question = OnlineQuestion.objects.create(
            number=_next_question_number(day),
            query_code=f"{secrets.randbelow(10**6):06d}",
            hall=hall,
            item=item,
            name=name[:50],
            phone=phone,
            text=text,
            asked_at=now,
            due_on=shared_calendar().add_working_days(day, answer_days()),
        )
        audit.record(
            action="consult.question.asked",
            obj=question,
            after={"hall": hall.pk, "item": item.pk if item else None, "due_on": question.due_on},
        )
        message = _(
            "Your question %(number)s has been received. Query code: %(code)s. We will answer "
            "by %(date)s and tell you by SMS."
        ) % {
            "number": question.number,
            "code": question.query_code,
            "date": question.due_on.strftime("%Y-%m-%d"),
        }
        transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))
    return question


def answer_question(
    *,
    question: OnlineQuestion,
    actor: Any,
    answer_text: str,
    answer: Answer | None = None,
    outcome: str = Outcome.ANSWERED,
    department: Department | None = None,
    now: datetime.datetime | None = None,
) -> OnlineQuestion:
    """Answer an online question, once: the citizen is told by SMS, and the answer is recorded
    as a consultation on the online channel."""
    now = now or timezone.now()
    answer_text = answer_text.strip()
    if not answer_text and answer is not None:
        answer_text = answer.answer
    if not answer_text:
        raise ConsultError(_("Write the answer."), code="answer", field="answer_text")
    if len(answer_text) > MAX_ANSWER_CHARS:
        raise ConsultError(
            _("Please keep the answer under %(n)s characters.") % {"n": MAX_ANSWER_CHARS},
            code="answer_long",
            field="answer_text",
        )
    with transaction.atomic():
        locked = OnlineQuestion.objects.select_for_update().get(pk=question.pk)
        if locked.answered_at is not None:
            raise ConsultError(
                _("This question was already answered."), code="answered", field="answer_text"
            )
        if actor.hall_id != locked.hall_id:
            raise ConsultError(
                _("This question belongs to another hall."), code="hall", field="answer_text"
            )
        consultation = record_consultation(
            hall=locked.hall,
            actor=actor,
            channel=Channel.ONLINE,
            outcome=outcome,
            question=locked.text,
            item=locked.item,
            answer=answer,
            answer_text=answer_text,
            department=department,
            now=now,
        )
        locked.answered_at = now
        locked.answer_text = answer_text
        locked.answered_by = actor
        locked.consultation = consultation
        locked.save(update_fields=["answered_at", "answer_text", "answered_by", "consultation"])
        audit.record(
            action="consult.question.answered",
            actor=actor,
            obj=locked,
            after={"consultation": consultation.pk, "outcome": outcome},
        )
        phone, number = locked.phone, locked.number
        message = _(
            "Your question %(number)s has been answered. Read the answer on the service hall's "
            "website with your question number and query code."
        ) % {"number": number}
        transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))
    question.refresh_from_db()
    return question


# --- online human service (在线人工客服) ---------------------------------------------------------

# A guide marked available counts as on duty while their chat desk polled this recently.
PRESENCE_MINUTES = 3
MAX_MESSAGE_CHARS = 1000
MAX_OPEN_CHATS_PER_HALL = 50  # waiting chats; more means abuse, not citizens


def on_duty(*, hall_id: int | None, now: datetime.datetime | None = None) -> Any:
    """The guides of a hall who take live chats now."""
    now = now or timezone.now()
    return GuideDuty.objects.filter(
        hall_id=hall_id,
        available=True,
        seen_at__gte=now - datetime.timedelta(minutes=PRESENCE_MINUTES),
        user__is_active=True,
    )


def set_available(
    *, actor: Any, available: bool, now: datetime.datetime | None = None
) -> GuideDuty:
    """A guide starts or stops taking live chats."""
    now = now or timezone.now()
    if actor.hall_id is None:
        raise ConsultError(
            _("Your account belongs to no hall; ask the administrator."), code="no_hall"
        )
    with transaction.atomic():
        duty, _created = GuideDuty.objects.select_for_update().get_or_create(
            user=actor, defaults={"hall_id": actor.hall_id, "seen_at": now}
        )
        before = duty.available
        duty.available, duty.seen_at, duty.hall_id = available, now, actor.hall_id
        duty.save(update_fields=["available", "seen_at", "hall"])
        if before != available:
            audit.record(
                action="consult.chat.duty." + ("started" if available else "ended"),
                actor=actor,
                obj=duty,
            )
    return duty


def seen(*, actor: Any, now: datetime.datetime | None = None) -> None:
    """The guide's chat desk is open (called by its polling): keeps them on duty."""
    GuideDuty.objects.filter(user=actor, available=True).update(seen_at=now or timezone.now())


def _message(chat: Chat, sender: str, text: str, now: datetime.datetime, author: Any = None) -> Any:
    return ChatMessage.objects.create(chat=chat, sender=sender, author=author, text=text, at=now)


def open_chat(*, hall: Any, name: str, question: str, now: datetime.datetime | None = None) -> Chat:
    """A citizen asks for a guide; refused when nobody is on duty (leave a question then)."""
    now = now or timezone.now()
    name, question = name.strip(), question.strip()
    if not name:
        raise ConsultError(_("Tell us how to address you."), code="name", field="name")
    if not question:
        raise ConsultError(_("Write your question."), code="question", field="question")
    if len(question) > MAX_MESSAGE_CHARS:
        raise ConsultError(
            _("Please keep the question under %(n)s characters.") % {"n": MAX_MESSAGE_CHARS},
            code="question_long",
            field="question",
        )
    with transaction.atomic():
        if not on_duty(hall_id=hall.pk, now=now).exists():
            raise ConsultError(
                _("No guide is on duty now. Please leave a question instead."), code="no_guide"
            )
        waiting = Chat.objects.filter(hall=hall, status=ChatStatus.WAITING).count()
        if waiting >= MAX_OPEN_CHATS_PER_HALL:
            raise ConsultError(
                _("All guides are busy. Please leave a question instead."), code="busy"
            )
        chat = Chat.objects.create(
            hall=hall,
            token=secrets.token_urlsafe(24),
            name=name[:50],
            question=question,
            created_at=now,
        )
        _message(chat, Sender.CITIZEN, question, now)
        audit.record(action="consult.chat.opened", obj=chat, after={"hall": hall.pk})
    return chat


def _locked(chat: Chat) -> Chat:
    return Chat.objects.select_for_update().get(pk=chat.pk)


def accept_chat(*, chat: Chat, actor: Any, now: datetime.datetime | None = None) -> Chat:
    """A guide takes a waiting chat; another guide who clicked at the same time is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(chat)
        if locked.hall_id != actor.hall_id:
            raise ConsultError(_("This chat belongs to another hall."), code="hall")
        if locked.status != ChatStatus.WAITING:
            raise ConsultError(_("Another guide has already taken this chat."), code="taken")
        locked.status, locked.guide, locked.accepted_at = ChatStatus.ACTIVE, actor, now
        locked.save(update_fields=["status", "guide", "accepted_at"])
        _message(
            locked,
            Sender.SYSTEM,
            _("Guide %(name)s has joined the conversation.") % {"name": actor.display_name},
            now,
        )
        audit.record(action="consult.chat.accepted", actor=actor, obj=locked)
    return locked


def post_message(
    *, chat: Chat, text: str, actor: Any = None, now: datetime.datetime | None = None
) -> ChatMessage:
    """A message from the citizen (actor None) or from the chat's guide."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ConsultError(_("Write a message."), code="text", field="text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ConsultError(
            _("Please keep the message under %(n)s characters.") % {"n": MAX_MESSAGE_CHARS},
            code="text_long",
            field="text",
        )
    with transaction.atomic():
        locked = _locked(chat)
        if locked.status == ChatStatus.CLOSED:
            raise ConsultError(_("This conversation has ended."), code="closed", field="text")
        if actor is not None and locked.guide_id != actor.pk:
            raise ConsultError(
                _("Only the guide in charge of this chat can write in it."),
                code="not_guide",
                field="text",
            )
        sender = Sender.CITIZEN if actor is None else Sender.GUIDE
        return _message(locked, sender, text, now, author=actor)


def hand_over_chat(
    *, chat: Chat, actor: Any, to: Any, now: datetime.datetime | None = None
) -> Chat:
    """The guide in charge passes the conversation to another guide of the hall on duty."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(chat)
        if locked.status != ChatStatus.ACTIVE or locked.guide_id != actor.pk:
            raise ConsultError(
                _("Only the guide in charge can hand this chat over."), code="not_guide"
            )
        if to is None or to.pk == actor.pk or to.hall_id != locked.hall_id:
            raise ConsultError(_("Choose another guide of the hall."), code="to", field="to")
        if not on_duty(hall_id=locked.hall_id, now=now).filter(user=to).exists():
            raise ConsultError(
                _("%(name)s is not on duty for live chats now.") % {"name": to.display_name},
                code="to_off_duty",
                field="to",
            )
        locked.guide = to
        locked.save(update_fields=["guide"])
        _message(
            locked,
            Sender.SYSTEM,
            _("%(old)s handed the conversation over to guide %(new)s.")
            % {"old": actor.display_name, "new": to.display_name},
            now,
        )
        audit.record(
            action="consult.chat.handed_over",
            actor=actor,
            obj=locked,
            before={"guide": actor.pk},
            after={"guide": to.pk},
        )
    return locked


def transcript_of(chat: Chat) -> str:
    lines = []
    for m in chat.messages.select_related("author").order_by("at", "id"):
        if m.sender == Sender.CITIZEN:
            who = chat.name
        elif m.sender == Sender.GUIDE:
            who = m.author.display_name if m.author else str(Sender.GUIDE.label)
        else:
            who = "—"
        lines.append(f"[{timezone.localtime(m.at):%H:%M:%S}] {who}: {m.text}")
    return "\n".join(lines)


def close_chat(
    *,
    chat: Chat,
    actor: Any,
    outcome: str = Outcome.ANSWERED,
    item: ServiceItem | None = None,
    department: Department | None = None,
    summary: str = "",
    now: datetime.datetime | None = None,
) -> Chat:
    """The guide in charge ends the conversation; its transcript is stored on a consultation
    record (channel online)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(chat)
        if locked.status != ChatStatus.ACTIVE or locked.guide_id != actor.pk:
            raise ConsultError(_("Only the guide in charge can close this chat."), code="not_guide")
        _message(locked, Sender.SYSTEM, _("The guide has ended the conversation."), now)
        consultation = record_consultation(
            hall=locked.hall,
            actor=actor,
            channel=Channel.ONLINE,
            outcome=outcome,
            question=locked.question,
            item=item,
            answer_text=summary,
            department=department,
            started_at=locked.accepted_at,
            now=now,
            transcript=transcript_of(locked),
        )
        locked.status, locked.closed_at, locked.consultation = ChatStatus.CLOSED, now, consultation
        locked.save(update_fields=["status", "closed_at", "consultation"])
        audit.record(
            action="consult.chat.closed",
            actor=actor,
            obj=locked,
            after={"consultation": consultation.pk, "outcome": outcome},
        )
    return locked
