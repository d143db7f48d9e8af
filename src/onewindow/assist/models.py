"""帮办代办: the assisted items a hall publishes, requests for help and their event log.

A request moves requested → assigned → in progress → completed (with the applicant's
confirmation) or cancelled, only through `assist.services`; every step leaves one `AssistEvent`
that is never changed or deleted.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssistMode(models.TextChoices):
    HELP = "help", _("Help (帮办)")
    ACT = "act", _("Act on behalf (代办)")
    ACCOMPANY = "accompany", _("Accompany (陪办)")


class AssistedItem(models.Model):
    """A catalog item the hall offers free assisted handling for, and in which modes."""

    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+"
    )
    offers_help = models.BooleanField(_("Help (帮办)"), default=False)
    offers_act = models.BooleanField(_("Act on behalf (代办)"), default=False)
    offers_accompany = models.BooleanField(_("Accompany (陪办)"), default=False)
    note = models.CharField(_("Note"), max_length=300, blank=True)
    active = models.BooleanField(_("Published"), default=True)
    sort_order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Assisted item")
        verbose_name_plural = _("Assisted items")
        ordering = ["hall", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "item"], name="assist_item_once_per_hall"),
            models.CheckConstraint(
                condition=Q(offers_help=True) | Q(offers_act=True) | Q(offers_accompany=True),
                name="assist_item_has_a_mode",
            ),
        ]

    def __str__(self) -> str:
        return str(self.item_id)

    @property
    def modes(self) -> list[str]:
        flags = {
            AssistMode.HELP: self.offers_help,
            AssistMode.ACT: self.offers_act,
            AssistMode.ACCOMPANY: self.offers_accompany,
        }
        return [str(mode) for mode, on in flags.items() if on]

    def mode_labels(self) -> list[str]:
        return [str(AssistMode(m).label) for m in self.modes]


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Allowed changes of status (from → to); `services` refuses anything else. Re-assigning a
# request keeps it where it is.
TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.REQUESTED: frozenset({RequestStatus.ASSIGNED, RequestStatus.CANCELLED}),
    RequestStatus.ASSIGNED: frozenset(
        {RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS, RequestStatus.CANCELLED}
    ),
    RequestStatus.IN_PROGRESS: frozenset(
        {RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED, RequestStatus.CANCELLED}
    ),
    RequestStatus.COMPLETED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}
OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS)


class RequestChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    WINDOW = "window", _("At the window")


class Confirmation(models.TextChoices):
    WINDOW = "window", _("At the window, ID checked")
    ONLINE = "online", _("Online with the query code")


class AssistCounter(models.Model):
    """The last request number of a day; its row lock serialises numbering."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last_number}"


class AssistRequest(models.Model):
    number = models.CharField(_("Request number"), max_length=20, unique=True)
    query_code = models.CharField(_("Query code"), max_length=8)
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("Mode"), max_length=10, choices=AssistMode.choices)
    channel = models.CharField(_("Channel"), max_length=10, choices=RequestChannel.choices)
    status = models.CharField(
        _("Status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    applicant_name = models.CharField(_("Applicant"), max_length=50)
    phone = models.CharField(_("Mobile number"), max_length=20)
    id_number = models.CharField(_("ID number"), max_length=30)
    preferred_time = models.CharField(_("Preferred time"), max_length=100, blank=True)
    note = models.TextField(_("What do you need help with?"), blank=True)
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Helper"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Requested at"))
    due_on = models.DateField(_("Expected completion"))
    assigned_at = models.DateTimeField(_("Assigned at"), null=True, blank=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    confirmation_asked_at = models.DateTimeField(
        _("Applicant asked to confirm at"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("Closed at"), null=True, blank=True)
    confirmation = models.CharField(
        _("Confirmation"), max_length=10, choices=Confirmation.choices, blank=True
    )
    cancel_reason = models.CharField(_("Why cancelled"), max_length=300, blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("Linked cases"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Assistance request")
        verbose_name_plural = _("Assistance requests")
        ordering = ["-created_at"]
        permissions: ClassVar = [
            ("register_request", _("Register assistance requests at the window")),
            ("assign_request", _("Assign assistance requests to helpers")),
            ("handle_request", _("Handle assistance requests assigned to oneself")),
            ("view_assist_statistics", _("View statistics of assisted handling")),
        ]
        indexes = [
            models.Index(fields=["hall", "status"], name="assist_request_hall_status"),
            models.Index(fields=["helper", "status", "due_on"], name="assist_request_helper"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def may_become(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    @property
    def status_label(self) -> str:
        return str(RequestStatus(self.status).label)

    @property
    def mode_label(self) -> str:
        return str(AssistMode(self.mode).label)


class AssistAppointment(models.Model):
    """A meeting the helper agreed with the applicant (date, time and place)."""

    request = models.ForeignKey(
        AssistRequest,
        verbose_name=_("Request"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    starts_at = models.DateTimeField(_("Date and time"))
    place = models.CharField(_("Place"), max_length=200)
    note = models.CharField(_("Note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Made by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Appointment")
        verbose_name_plural = _("Appointments")
        ordering = ["request", "starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.starts_at}"


EVENT_LABELS = {
    "assist.requested": _("Requested"),
    "assist.assigned": _("Assigned to a helper"),
    "assist.started": _("Work started"),
    "assist.note": _("Note"),
    "assist.appointment": _("Appointment made"),
    "assist.case_linked": _("Case linked"),
    "assist.confirmation_asked": _("Applicant asked to confirm online"),
    "assist.completed": _("Completed"),
    "assist.cancelled": _("Cancelled"),
}


class AssistEvent(models.Model):
    """One step of a request; written once by `assist.services`, never changed."""

    request = models.ForeignKey(
        AssistRequest, verbose_name=_("Request"), on_delete=models.CASCADE, related_name="events"
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
        verbose_name = _("Assistance event")
        verbose_name_plural = _("Assistance events")
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))
