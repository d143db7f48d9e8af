"""Consultation records (咨询记录) on every channel, and citizens' online questions (留言咨询)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WINDOW = "window", _("Consultation window")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("On the web")
    HOTLINE = "hotline", _("12345 hotline")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    GUIDED = "guided", _("Guided to apply")
    COMPLAINT = "complaint", _("Escalated to a complaint")
    DEPARTMENT = "department", _("Passed to a department")


class Consultation(models.Model):
    """One consultation: who asked what on which channel, what they were told, and the outcome.

    `ended_at` is empty when the length of the conversation is unknown (an answered online
    question): such records do not count in the average duration.
    """

    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("Consultation channel"), max_length=10, choices=Channel.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("Queue ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("Item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    question = models.TextField(_("Question"), blank=True)
    answer = models.ForeignKey(
        "catalog.Answer",
        verbose_name=_("Answer from the knowledge base"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer_text = models.TextField(_("Answer given"), blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Handled by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("Started"))
    ended_at = models.DateTimeField(_("Ended"), null=True, blank=True)
    outcome = models.CharField(_("Outcome"), max_length=12, choices=Outcome.choices)
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Passed to department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transcript = models.TextField(_("Transcript"), blank=True)
    created_at = models.DateTimeField(_("Recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("Consultation")
        verbose_name_plural = _("Consultations")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["hall", "started_at"], name="consult_hall_started")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="department") | models.Q(department__isnull=False),
                name="consult_department_when_passed",
            ),
        ]
        permissions = [
            ("record_consultation", _("Can record consultations")),
            ("view_hall_consultations", _("Can see all consultations of the hall")),
            ("view_consult_statistics", _("Can see consultation statistics")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> datetime.timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None

    @property
    def duration_minutes(self) -> float | None:
        duration = self.duration
        return round(duration.total_seconds() / 60, 1) if duration is not None else None


class QuestionCounter(models.Model):
    """The last online question number of a day; its row lock serialises numbering."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last_number}"


class QuestionQuerySet(models.QuerySet["OnlineQuestion"]):
    def unanswered(self) -> QuestionQuerySet:
        return self.filter(answered_at__isnull=True)


class OnlineQuestion(models.Model):
    """留言咨询: a question a citizen left on the public site, with a verified mobile number."""

    number = models.CharField(_("Question number"), max_length=20, unique=True)
    query_code = models.CharField(
        _("Query code"),
        max_length=8,
        help_text=_("With the number it opens the answer on the public site."),
    )
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("Item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("Name"), max_length=50, blank=True)
    phone = models.CharField(_("Mobile number"), max_length=20)
    text = models.TextField(_("Question"))
    asked_at = models.DateTimeField(_("Asked"))
    due_on = models.DateField(_("To be answered by"))
    answered_at = models.DateTimeField(_("Answered"), null=True, blank=True)
    answer_text = models.TextField(_("Answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consultation = models.OneToOneField(
        Consultation,
        verbose_name=_("Consultation record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="online_question",
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Online question")
        verbose_name_plural = _("Online questions")
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(
                fields=["hall", "due_on", "asked_at"],
                condition=models.Q(answered_at__isnull=True),
                name="consult_question_open",
            ),
        ]
        permissions = [("answer_question", _("Can answer online questions"))]

    def __str__(self) -> str:
        return self.number

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


# --- online human service (在线人工客服) ---------------------------------------------------------


class GuideDuty(models.Model):
    """Whether a guide takes live chats. A guide counts as on duty while marked available and
    their chat desk was open (it polls) within the last `consult.services.PRESENCE_MINUTES`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Guide"),
        on_delete=models.CASCADE,
        related_name="chat_duty",
    )
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="+"
    )
    available = models.BooleanField(_("Takes live chats"), default=False)
    seen_at = models.DateTimeField(_("Last seen"))

    class Meta:
        verbose_name = _("Chat duty")
        verbose_name_plural = _("Chat duties")

    def __str__(self) -> str:
        return str(self.user)


class ChatStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a guide")
    ACTIVE = "active", _("In conversation")
    CLOSED = "closed", _("Closed")


class Chat(models.Model):
    """A live chat between a citizen on the public site and a guide."""

    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="+"
    )
    # The citizen's page is reached only with this random token (no account).
    token = models.CharField(max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=50)
    question = models.TextField(_("Question"))
    status = models.CharField(
        _("Status"), max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING
    )
    guide = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Guide"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Opened"))
    accepted_at = models.DateTimeField(_("Accepted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Closed"), null=True, blank=True)
    consultation = models.OneToOneField(
        Consultation,
        verbose_name=_("Consultation record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat",
    )

    class Meta:
        verbose_name = _("Live chat")
        verbose_name_plural = _("Live chats")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["hall", "status"], name="consult_chat_hall_status")]
        permissions = [("chat_with_citizens", _("Can chat with citizens online"))]

    def __str__(self) -> str:
        return f"{self.name} {self.created_at:%Y-%m-%d %H:%M}"


class Sender(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    GUIDE = "guide", _("Guide")
    SYSTEM = "system", _("System")


class ChatMessage(models.Model):
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:30]}"
