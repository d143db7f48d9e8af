"""“办不成事” complaints: registration, assignment, handling, reply, satisfaction, closure.

Every change of status goes through `complaints.services` and leaves one `ComplaintEvent`
(who, when, from → to, a note); events are never changed or deleted. A complaint must be
answered within `ONEWINDOW_COMPLAINT_REPLY_DAYS` working days of its registration (or of its
reopening); an overdue one is escalated to the hall manager once.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")  # 已登记
    ASSIGNED = "assigned", _("Dispatched")  # 已分派
    HANDLING = "handling", _("Being handled")  # 办理中
    REPLIED = "replied", _("Replied")  # 已答复
    CLOSED = "closed", _("Concluded")  # 已办结
    REOPENED = "reopened", _("Reopened")  # 重新办理


# The allowed changes of status (from → to). `services` refuses anything else.
TRANSITIONS: dict[str, frozenset[str]] = {
    ComplaintStatus.REGISTERED: frozenset({ComplaintStatus.ASSIGNED}),
    ComplaintStatus.ASSIGNED: frozenset({ComplaintStatus.ASSIGNED, ComplaintStatus.HANDLING}),
    ComplaintStatus.HANDLING: frozenset({ComplaintStatus.ASSIGNED, ComplaintStatus.REPLIED}),
    ComplaintStatus.REPLIED: frozenset({ComplaintStatus.CLOSED, ComplaintStatus.REOPENED}),
    ComplaintStatus.REOPENED: frozenset({ComplaintStatus.ASSIGNED, ComplaintStatus.HANDLING}),
    ComplaintStatus.CLOSED: frozenset(),
}
# Waiting for a reply: the deadline runs and an overdue one is escalated.
OPEN_STATUSES = frozenset(
    {
        ComplaintStatus.REGISTERED,
        ComplaintStatus.ASSIGNED,
        ComplaintStatus.HANDLING,
        ComplaintStatus.REOPENED,
    }
)


class ComplaintChannel(models.TextChoices):
    WINDOW = "window", _("“Could not get it done” window")  # 办不成事窗口
    WEB = "web", _("Website")  # 网站
    PHONE = "phone", _("Telephone")  # 电话
    HOTLINE = "hotline", _("12345 hotline")  # 12345热线


class ComplaintCause(models.TextChoices):
    """Why it could not get done, for statistics."""

    UNCLEAR_MATERIALS = "unclear_materials", _("Unclear material requirements")  # 材料要求不明确
    BUCK_PASSING = "buck_passing", _("Departments passing the buck")  # 部门推诿
    OVERDUE = "overdue", _("Not done in time")  # 超时未办
    SYSTEM_FAULT = "system_fault", _("System failure")  # 系统故障
    POLICY = "policy", _("Not allowed by policy")  # 政策不允许
    ATTITUDE = "attitude", _("Service attitude")  # 服务态度
    OTHER = "other", _("Other")  # 其他


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY = "basically", _("Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


class ComplaintCounter(models.Model):
    """The last complaint number of a day; its row lock serialises numbering."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last_number}"


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Complaint(models.Model):
    number = models.CharField(_("Complaint number"), max_length=20, unique=True)
    query_code = models.CharField(
        _("Query code"),
        max_length=8,
        help_text=_("Sent to the complainant; with the number it opens the public page."),
    )
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="complaints"
    )
    channel = models.CharField(
        _("Complaint channel"), max_length=10, choices=ComplaintChannel.choices
    )
    hotline_number = models.CharField(_("12345 ticket number"), max_length=40, blank=True)
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.REGISTERED,
    )

    # The complainant (shown in full only to the assigned handler and hall managers).
    name = models.CharField(_("Complainant"), max_length=50)
    phone = models.CharField(_("Mobile number"), max_length=20)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)

    content = models.TextField(_("What could not get done"))
    cause = models.CharField(
        _("Cause"), max_length=20, choices=ComplaintCause.choices, default=ComplaintCause.OTHER
    )

    # What it concerns (all optional).
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("Related case"),
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
        on_delete=models.SET_NULL,
        related_name="+",
    )
    window = models.ForeignKey(
        "halls.Window",
        verbose_name=_("Window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Clerk concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("Ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Who deals with it.
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # The clock: registration (or reopening) → reply, in working days.
    registered_at = models.DateTimeField(_("Registered at"))
    clock_started_on = models.DateField(_("Deadline counted from"))
    reply_limit_days = models.PositiveSmallIntegerField(_("Reply limit (working days)"))
    due_on = models.DateField(_("Reply due on"))
    replied_at = models.DateTimeField(_("Replied at"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("Replied on time"), null=True, blank=True)
    reply = models.TextField(_("Reply to the complainant"), blank=True)
    satisfaction = models.CharField(
        _("Satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    closed_at = models.DateTimeField(_("Closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("Escalated at"), null=True, blank=True)
    times_reopened = models.PositiveSmallIntegerField(_("Times reopened"), default=0)
    # The public form's one-time token: a double-submitted form makes one complaint.
    submission_token = models.CharField(max_length=64, blank=True)

    objects: ClassVar[ComplaintQuerySet] = ComplaintQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Complaint")
        verbose_name_plural = _("Could-not-get-done complaints")
        ordering = ["-registered_at", "-id"]
        permissions = [
            ("register_complaint", _("Can register complaints")),
            ("assign_complaint", _("Can assign complaints")),
            ("handle_complaint", _("Can handle and reply to complaints")),
            ("view_complaint_statistics", _("Can see complaint statistics")),
            ("hotline_intake", _("Can file complaints from the 12345 hotline")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["hotline_number"],
                condition=~Q(hotline_number=""),
                name="complaints_hotline_number_unique",
            ),
            models.UniqueConstraint(
                fields=["submission_token"],
                condition=~Q(submission_token=""),
                name="complaints_submission_token_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "status", "due_on"], name="complaints_hall_status_due"),
            models.Index(fields=["department", "status"], name="complaints_dept_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def may_become(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())


EVENT_LABELS = {
    "complaint.registered": _("Registered"),
    "complaint.assigned": _("Dispatched"),
    "complaint.handling": _("Handling started"),
    "complaint.replied": _("Replied to the complainant"),
    "complaint.satisfaction": _("Satisfaction recorded"),
    "complaint.closed": _("Concluded"),
    "complaint.reopened": _("Reopened"),
    "complaint.escalated": _("Escalated to the hall manager"),
}


class ComplaintEvent(models.Model):
    """One step of a complaint; written once by `complaints.services`, never changed."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("Complaint"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("Action"), max_length=40)
    from_status = models.CharField(_("From"), max_length=12, blank=True)
    to_status = models.CharField(_("To"), max_length=12, blank=True)
    at = models.DateTimeField(_("Time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("Note"), blank=True)
    data = models.JSONField(_("Details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Complaint event")
        verbose_name_plural = _("Complaint events")
        ordering = ["complaint", "at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Complaint events are never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


def local_day(value: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(value).date()
