"""Queues and tickets (取号叫号), per DOMAIN-RULES §7."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class QueueKind(models.TextChoices):
    NATURAL = "natural", _("Natural persons")
    LEGAL = "legal", _("Legal persons")
    CONSULTATION = "consultation", _("Consultation")
    COMPLAINT = "complaint", _("Things that could not get done")
    ASSISTANCE = "assistance", _("Assisted handling")
    CERTIFICATE = "certificate", _("Certificate collection")
    DEPARTMENT = "department", _("Department")


class Queue(models.Model):
    """A line of tickets with its own prefix: A 自然人, B 法人, C 咨询 …"""

    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="queues"
    )
    prefix = models.CharField(_("Prefix"), max_length=2)
    name = models.CharField(_("Name"), max_length=50)
    kind = models.CharField(_("Kind"), max_length=15, choices=QueueKind.choices)
    daily_quota = models.PositiveIntegerField(
        _("Daily quota"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    issue_from = models.TimeField(_("Tickets from"), default=datetime.time(8, 30))
    issue_until = models.TimeField(_("Tickets until"), default=datetime.time(17, 0))
    # Used for wait estimates until the queue has its own recent service times.
    default_service_minutes = models.PositiveSmallIntegerField(
        _("Typical service time (minutes)"), default=8
    )
    sort_order = models.PositiveIntegerField(_("Order"), default=0)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        verbose_name = _("Queue")
        verbose_name_plural = _("Queues")
        ordering = ["hall", "sort_order", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "prefix"], name="tickets_queue_prefix_unique"),
            models.CheckConstraint(
                condition=Q(issue_until__gt=models.F("issue_from")),
                name="tickets_queue_hours_order",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class WindowQueue(models.Model):
    """A queue a window serves, in the window's order of preference."""

    window = models.ForeignKey(
        "halls.Window",
        verbose_name=_("Window"),
        on_delete=models.CASCADE,
        related_name="queue_links",
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("Queue"), on_delete=models.CASCADE, related_name="window_links"
    )
    order = models.PositiveSmallIntegerField(_("Order"), default=0)
    overflow_only = models.BooleanField(
        _("Only when its own queues are empty"),
        default=False,
        help_text=_("Take tickets of this queue only when the window's other queues are empty."),
    )

    class Meta:
        verbose_name = _("Queue served by a window")
        verbose_name_plural = _("Queues served by windows")
        ordering = ["window", "overflow_only", "order"]
        constraints = [
            models.UniqueConstraint(fields=["window", "queue"], name="tickets_windowqueue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.window} · {self.queue}"


class DailyCounter(models.Model):
    """The last number issued in a queue on a day. Locked when a ticket is issued."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="counters")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "day"], name="tickets_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.day} #{self.last_number}"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    PARKED = "parked", _("Parked")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    TicketStatus.WAITING,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
    TicketStatus.PARKED,
)


class Priority(models.TextChoices):
    NONE = "", _("No priority")
    ELDERLY = "elderly", _("Aged 70 or over")
    DISABLED = "disabled", _("Person with a disability")
    PREGNANT = "pregnant", _("Pregnant")
    MILITARY = "military", _("Military and veterans")


class Channel(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    GUIDE_DESK = "guide_desk", _("Guide desk")
    APPOINTMENT = "appointment", _("Appointment")
    API = "api", _("Device API")


class Ticket(models.Model):
    """One visit's number (号票), e.g. A023, from issue to finish."""

    # Allowed status changes; services raise on anything else (django-oscar style).
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        TicketStatus.WAITING: (TicketStatus.CALLED, TicketStatus.CANCELLED),
        TicketStatus.CALLED: (
            TicketStatus.CALLED,  # recall
            TicketStatus.SERVING,
            TicketStatus.NO_SHOW,
            TicketStatus.WAITING,  # transfer
            TicketStatus.PARKED,
        ),
        TicketStatus.SERVING: (TicketStatus.DONE, TicketStatus.WAITING, TicketStatus.PARKED),
        TicketStatus.PARKED: (TicketStatus.SERVING, TicketStatus.WAITING),
        TicketStatus.NO_SHOW: (TicketStatus.WAITING,),  # reactivate
        TicketStatus.DONE: (),
        TicketStatus.CANCELLED: (),
    }

    # Every step of a ticket rewrites its row and the indexes on it: these three foreign keys
    # get no index of their own, as each leads a composite index below (hall_day, the number's
    # unique constraint, waiting).
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("Hall"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    # The queue that gave the number (never changes) and the queue it waits in now.
    issued_queue = models.ForeignKey(
        Queue,
        verbose_name=_("Issued in queue"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("Queue"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    day = models.DateField(_("Day"))
    number = models.PositiveIntegerField(_("Number"))
    code = models.CharField(_("Ticket number"), max_length=10)
    status = models.CharField(
        _("Status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    channel = models.CharField(
        _("Channel"), max_length=12, choices=Channel.choices, default=Channel.KIOSK
    )
    priority = models.CharField(
        _("Priority group"), max_length=10, choices=Priority.choices, blank=True, default=""
    )
    priority_verified = models.BooleanField(_("Priority verified at the window"), default=False)
    phone = models.CharField(_("Mobile number"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    matters = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("Matters"), blank=True, related_name="+"
    )
    appointment = models.OneToOneField(
        "tickets.Appointment",
        verbose_name=_("Appointment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField(_("Issued at"))
    # Ordering key in the waiting line; a transfer keeps it (the original issue time).
    queued_at = models.DateTimeField(_("In line since"))
    window = models.ForeignKey(
        "halls.Window",
        verbose_name=_("Window"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # A transfer to a specific window: only that window may call it.
    reserved_window = models.ForeignKey(
        "halls.Window", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    call_count = models.PositiveSmallIntegerField(_("Calls"), default=0)
    first_called_at = models.DateTimeField(_("First called at"), null=True, blank=True)
    called_at = models.DateTimeField(_("Last called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("Service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    outcome = models.CharField(_("Outcome"), max_length=20, blank=True)
    notified_at = models.DateTimeField(_("Notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Ticket")
        verbose_name_plural = _("Tickets")
        ordering = ["day", "queued_at", "id"]
        permissions = [
            ("serve_ticket", _("Can call and serve tickets at a window")),
            ("view_hall_status", _("Can see the live hall status")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issued_queue", "day", "number"], name="tickets_number_unique_per_day"
            ),
            models.UniqueConstraint(
                fields=["hall", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="tickets_idempotency_key_unique",
            ),
            models.UniqueConstraint(
                fields=["queue", "day", "id_number"],
                condition=~Q(id_number="") & Q(status__in=OPEN_STATUSES),
                name="tickets_one_open_ticket_per_id",
                violation_error_message=_("This ID number already holds a ticket in this queue."),
            ),
            # A window has at most one citizen in front of it.
            models.UniqueConstraint(
                fields=["window"],
                condition=Q(status__in=[TicketStatus.CALLED, TicketStatus.SERVING]),
                name="tickets_one_active_ticket_per_window",
            ),
        ]
        indexes = [
            models.Index(
                fields=["queue", "status", "day", "queued_at"], name="tickets_waiting_idx"
            ),
            models.Index(fields=["hall", "day", "status"], name="tickets_hall_day_idx"),
            # Each queue's waiting line in calling order (arrival, then id), and the two short
            # slices that go first (queries.line_tiers): the head of a line is read off the
            # index, never found by sorting everybody, whatever the planner believes about
            # today's rows (their statistics are a day old every morning).
            models.Index(
                fields=["day", "queue", "queued_at", "id"],
                condition=Q(status="waiting"),
                name="tickets_queue_line_idx",
            ),
            models.Index(
                fields=["day", "queued_at", "queue"],
                condition=Q(status="waiting") & ~Q(priority=""),
                name="tickets_line_priority_idx",
            ),
            models.Index(
                fields=["day", "queued_at", "queue"],
                condition=Q(status="waiting") & Q(appointment__isnull=False),
                name="tickets_line_appointment_idx",
            ),
            # Waiting tickets with a phone number still to be told their turn is near.
            models.Index(
                fields=["queue", "day"],
                condition=Q(status="waiting", notified_at__isnull=True) & ~Q(phone=""),
                name="tickets_to_notify_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, ())


class TicketEvent(models.Model):
    """Every step of a ticket, with time, window and clerk: the source of all queue measures."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CALLED = "called", _("Called")
        RECALLED = "recalled", _("Called again")
        CALLED_OUT_OF_ORDER = "called_out_of_order", _("Called out of order")
        NO_SHOW = "no_show", _("Marked no-show")
        REACTIVATED = "reactivated", _("Reactivated")
        STARTED = "started", _("Service started")
        FINISHED = "finished", _("Finished")
        TRANSFERRED = "transferred", _("Transferred")
        PARKED = "parked", _("Parked")
        RESUMED = "resumed", _("Resumed")
        CANCELLED = "cancelled", _("Cancelled")
        NOTIFIED = "notified", _("Notified by SMS")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(db_index=True)
    window = models.ForeignKey(
        "halls.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("Ticket event")
        verbose_name_plural = _("Ticket events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.action}"


class AppointmentSlot(models.Model):
    """A bookable time window of a queue on a day, with its capacity."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField(_("Day"))
    starts_at = models.TimeField(_("From"))
    ends_at = models.TimeField(_("Until"))
    capacity = models.PositiveSmallIntegerField(_("Capacity"))
    booked = models.PositiveSmallIntegerField(_("Booked"), default=0)

    class Meta:
        verbose_name = _("Appointment slot")
        verbose_name_plural = _("Appointment slots")
        ordering = ["day", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "day", "starts_at"], name="tickets_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="tickets_slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="tickets_slot_time_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.day} {self.starts_at:%H:%M}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        MISSED = "missed", _("Missed")

    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    code = models.CharField(_("Booking code"), max_length=12, unique=True)
    phone = models.CharField(_("Mobile number"), max_length=20)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("Item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(_("Booked at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("Checked in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Appointment")
        verbose_name_plural = _("Appointments")
        ordering = ["slot__day", "slot__starts_at", "id"]

    def __str__(self) -> str:
        return self.code
