"""Every change to a complaint: one transaction, the complaint row locked, one event written.

The complainant is told by SMS, after commit, the complaint's number and query code when it is
registered, and the reply when it is given. Who may act is checked here as well as in the views:
a handler who belongs to a department acts only on complaints assigned to that department.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Role
from onewindow.cases import clock
from onewindow.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintCause,
    ComplaintChannel,
    ComplaintCounter,
    ComplaintEvent,
    ComplaintStatus,
    Satisfaction,
    local_day,
)
from onewindow.core import audit, validators
from onewindow.core.calendar import UnknownCalendarYear, WorkingCalendar, shared_calendar
from onewindow.tickets import sms


class ComplaintError(Exception):
    """A complaint action that cannot be done; `message` is for staff or the citizen, `field`
    names the input at fault."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def reply_limit_days() -> int:
    return int(getattr(settings, "ONEWINDOW_COMPLAINT_REPLY_DAYS", 10))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the complainant ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Complainant:
    name: str
    phone: str
    id_number: str = ""


def _validated(check: Any, value: str, field: str) -> None:
    try:
        check(value)
    except Exception as exc:  # django ValidationError: its message is already translated
        messages = getattr(exc, "messages", None) or [str(exc)]
        raise ComplaintError(str(messages[0]), code="invalid", field=field) from None


def clean_complainant(data: Complainant) -> Complainant:
    """Normalise and check the complainant; ComplaintError names the first bad field."""
    name = data.name.strip()
    if not name:
        raise ComplaintError(
            _("The complainant's name is required."), code="required", field="name"
        )
    if len(name) > 50:
        raise ComplaintError(_("The name is too long."), code="invalid", field="name")
    phone = validators.normalize_mobile(data.phone)
    _validated(validators.validate_mobile, phone, "phone")
    id_number = ""
    if data.id_number.strip():
        id_number = validators.normalize_id_number(data.id_number)
        _validated(validators.validate_id_number, id_number, "id_number")
    return Complainant(name=name, phone=phone, id_number=id_number)


def _clean_content(content: str) -> str:
    content = content.strip()
    if len(content) < 5:
        raise ComplaintError(
            _("Please describe what could not get done (at least 5 characters)."),
            code="required",
            field="content",
        )
    if len(content) > 5000:
        raise ComplaintError(
            _("The description may have at most 5000 characters."), code="invalid", field="content"
        )
    return content


# --- helpers ------------------------------------------------------------------------------------


def _next_number(day: datetime.date) -> str:
    """The day's next complaint number, e.g. TS2026112900001.

    One upsert counts and reads: the counter row stays locked until the complaint's
    transaction commits, so two windows never get the same number (as for case numbers).
    """
    table = connection.ops.quote_name(ComplaintCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [day],
        )
        (number,) = cursor.fetchone()
    return f"TS{day:%Y%m%d}{number:05d}"


def _due_on(
    start: datetime.date, days: int, calendar: WorkingCalendar | None = None
) -> datetime.date:
    try:
        return (calendar or shared_calendar()).add_working_days(start, days)
    except UnknownCalendarYear:
        # No calendar yet for that year: count plain weekdays rather than refuse a complaint.
        current = start
        for _i in range(days):
            current += datetime.timedelta(days=1)
            while current.weekday() >= 5:
                current += datetime.timedelta(days=1)
        return current


def _lock(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("hall", "department", "handler")
        .get(pk=complaint.pk)
    )


def _event(
    complaint: Complaint,
    action: str,
    *,
    actor: Any,
    at: datetime.datetime,
    from_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        action=action,
        from_status=from_status,
        to_status=complaint.status,
        at=at,
        actor=_user(actor),
        note=note,
        data=data or {},
    )
    audit.record(
        action=action,
        actor=actor,
        obj=complaint,
        before={"status": from_status} if from_status else None,
        after={"status": complaint.status},
        note=note,
    )
    return event


def _move(complaint: Complaint, status: str) -> str:
    if not complaint.may_become(status):
        raise ComplaintError(
            _("A complaint that is “%(now)s” cannot become “%(then)s”.")
            % {
                "now": ComplaintStatus(complaint.status).label,
                "then": ComplaintStatus(status).label,
            },
            code="transition",
        )
    old, complaint.status = complaint.status, status
    return old


def _notify(phone: str, message: str) -> None:
    transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))


# --- who may act --------------------------------------------------------------------------------


def in_scope(complaint: Complaint, user: Any) -> bool:
    """Whether `user` may see this complaint at all (their hall; a department's staff only the
    complaints assigned to their department)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if user.department_id is not None:
        return complaint.department_id == user.department_id and (
            user.hall_id is None or complaint.hall_id == user.hall_id
        )
    return user.hall_id is not None and complaint.hall_id == user.hall_id


def may_handle(complaint: Complaint, user: Any) -> bool:
    """Handle, reply, record satisfaction, close, reopen."""
    return in_scope(complaint, user) and user.has_perm("complaints.handle_complaint")


def may_assign(complaint: Complaint, user: Any) -> bool:
    return (
        in_scope(complaint, user)
        and user.department_id is None
        and user.has_perm("complaints.assign_complaint")
    )


def sees_identity(complaint: Complaint, user: Any) -> bool:
    """The complainant's name, phone and ID in full: only the assigned handler and the hall's
    managers (everyone else sees them masked)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if complaint.handler_id is not None and complaint.handler_id == user.pk:
        return True
    return user.has_role(Role.HALL_MANAGER) and complaint.hall_id == user.hall_id


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ComplaintError(message, code="forbidden")


def _require_handler(complaint: Complaint, actor: Any) -> None:
    if actor is None:
        return  # system actions (the hotline, escalation) are checked where they come from
    _require(
        may_handle(complaint, actor),
        _("You may act only on complaints assigned to your own department.")
        if getattr(actor, "department_id", None)
        else _("You may not act on this complaint."),
    )


# --- registration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """What the complaint concerns (all optional)."""

    case: Any = None
    item: Any = None
    window: Any = None
    clerk: Any = None
    ticket: Any = None


def register_complaint(
    *,
    hall: Any,
    channel: str,
    complainant: Complainant,
    content: str,
    actor: Any,
    cause: str = ComplaintCause.OTHER,
    links: Links | None = None,
    hotline_number: str = "",
    submission_token: str = "",
    now: datetime.datetime | None = None,
) -> Complaint:
    """Register a complaint; tells the complainant its number and query code by SMS.

    A 12345 intake with a hotline ticket number already registered, or a public form posted
    twice with the same token, returns the existing complaint instead of a second one.
    """
    return register_or_find(
        hall=hall,
        channel=channel,
        complainant=complainant,
        content=content,
        actor=actor,
        cause=cause,
        links=links,
        hotline_number=hotline_number,
        submission_token=submission_token,
        now=now,
    )[0]


def register_or_find(
    *,
    hall: Any,
    channel: str,
    complainant: Complainant,
    content: str,
    actor: Any,
    cause: str = ComplaintCause.OTHER,
    links: Links | None = None,
    hotline_number: str = "",
    submission_token: str = "",
    now: datetime.datetime | None = None,
) -> tuple[Complaint, bool]:
    """`register_complaint`, also saying whether the complaint is new (False: the hotline
    number or form token was registered before)."""
    now = now or timezone.now()
    if channel not in ComplaintChannel.values:
        raise ComplaintError(_("Choose the channel."), code="invalid", field="channel")
    if cause not in ComplaintCause.values:
        raise ComplaintError(_("Choose the cause."), code="invalid", field="cause")
    hotline_number = hotline_number.strip()
    if channel == ComplaintChannel.HOTLINE and not hotline_number:
        raise ComplaintError(
            _("The 12345 ticket number is required."), code="required", field="hotline_number"
        )
    if len(hotline_number) > 40:
        raise ComplaintError(
            _("The 12345 ticket number may have at most 40 characters."),
            code="invalid",
            field="hotline_number",
        )
    person = clean_complainant(complainant)
    content = _clean_content(content)
    links = links or Links()
    if links.window is not None and links.window.hall_id != hall.pk:
        raise ComplaintError(_("That window is in another hall."), code="invalid", field="window")
    if links.case is not None and links.case.hall_id != hall.pk:
        raise ComplaintError(_("That case is of another hall."), code="invalid", field="case")
    if existing := _existing(hotline_number, submission_token):
        return existing, False
    day = local_day(now)
    limit = reply_limit_days()
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                number=_next_number(day),
                query_code=f"{secrets.randbelow(10**6):06d}",
                hall=hall,
                channel=channel,
                hotline_number=hotline_number,
                name=person.name,
                phone=person.phone,
                id_number=person.id_number,
                content=content,
                cause=cause,
                case=links.case,
                item=links.item or (links.case.item if links.case is not None else None),
                window=links.window,
                clerk=links.clerk,
                ticket=links.ticket,
                registered_by=_user(actor),
                registered_at=now,
                clock_started_on=day,
                reply_limit_days=limit,
                due_on=_due_on(day, limit),
                submission_token=submission_token,
            )
            _event(
                complaint,
                "complaint.registered",
                actor=actor,
                at=now,
                data={"channel": channel, "hotline_number": hotline_number},
            )
            _notify(
                complaint.phone,
                _(
                    "Your complaint has been registered as %(number)s; query code %(code)s. "
                    "We will reply within %(days)s working days."
                )
                % {"number": complaint.number, "code": complaint.query_code, "days": limit},
            )
    except IntegrityError:
        # The same hotline number or form token won a race with us: answer with that one.
        existing = _existing(hotline_number, submission_token)
        if existing is None:
            raise
        return existing, False
    return complaint, True


def _existing(hotline_number: str, submission_token: str) -> Complaint | None:
    if hotline_number:
        found = Complaint.objects.filter(hotline_number=hotline_number).first()
        if found is not None:
            return found
    if submission_token:
        return Complaint.objects.filter(submission_token=submission_token).first()
    return None


# --- the lifecycle ------------------------------------------------------------------------------


def assign_complaint(
    *,
    complaint: Complaint,
    department: Any,
    actor: Any,
    handler: Any = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Complaint:
    """Assign (or re-assign) to a department and, optionally, a person of it."""
    now = now or timezone.now()
    if department is None:
        raise ComplaintError(_("Choose the department."), code="required", field="department")
    with transaction.atomic():
        complaint = _lock(complaint)
        if actor is not None:
            _require(may_assign(complaint, actor), _("You may not assign this complaint."))
        if handler is not None:
            if not handler.is_active or handler.hall_id != complaint.hall_id:
                raise ComplaintError(
                    _("The handler must be active staff of this hall."),
                    code="invalid",
                    field="handler",
                )
            if handler.department_id not in (None, department.pk):
                raise ComplaintError(
                    _("%(name)s belongs to another department.") % {"name": handler},
                    code="invalid",
                    field="handler",
                )
            if not handler.has_perm("complaints.handle_complaint"):
                raise ComplaintError(
                    _("%(name)s may not handle complaints.") % {"name": handler},
                    code="invalid",
                    field="handler",
                )
        old = _move(complaint, ComplaintStatus.ASSIGNED)
        complaint.department = department
        complaint.handler = handler
        complaint.save(update_fields=["status", "department", "handler"])
        _event(
            complaint,
            "complaint.assigned",
            actor=actor,
            at=now,
            from_status=old,
            note=note.strip(),
            data={
                "department": department.name,
                "handler": str(handler) if handler is not None else "",
            },
        )
    return complaint


def start_handling(
    *, complaint: Complaint, actor: Any, now: datetime.datetime | None = None
) -> Complaint:
    """The handler takes the complaint up; an unassigned person takes it as theirs."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_handler(complaint, actor)
        if complaint.department_id is None:
            raise ComplaintError(
                _("Assign the complaint to a department first."), code="unassigned"
            )
        old = _move(complaint, ComplaintStatus.HANDLING)
        fields = ["status"]
        if complaint.handler_id is None and actor is not None:
            complaint.handler = actor
            fields.append("handler")
        complaint.save(update_fields=fields)
        _event(complaint, "complaint.handling", actor=actor, at=now, from_status=old)
    return complaint


def reply_to_complainant(
    *,
    complaint: Complaint,
    reply: str,
    actor: Any,
    cause: str = "",
    now: datetime.datetime | None = None,
) -> Complaint:
    """Record the reply (and, if given, the cause found); the complainant is sent it by SMS."""
    now = now or timezone.now()
    reply = reply.strip()
    if len(reply) < 5:
        raise ComplaintError(
            _("Write the reply to the complainant (at least 5 characters)."),
            code="required",
            field="reply",
        )
    if cause and cause not in ComplaintCause.values:
        raise ComplaintError(_("Choose the cause."), code="invalid", field="cause")
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_handler(complaint, actor)
        old = _move(complaint, ComplaintStatus.REPLIED)
        complaint.reply = reply
        complaint.replied_at = now
        complaint.replied_on_time = local_day(now) <= complaint.due_on
        complaint.cause = cause or complaint.cause
        complaint.save(update_fields=["status", "reply", "replied_at", "replied_on_time", "cause"])
        _event(complaint, "complaint.replied", actor=actor, at=now, from_status=old, note=reply)
        _notify(
            complaint.phone,
            _("Reply to your complaint %(number)s: %(reply)s")
            % {"number": complaint.number, "reply": reply[:300]},
        )
    return complaint


def record_satisfaction(
    *,
    complaint: Complaint,
    satisfaction: str,
    actor: Any,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Complaint:
    """What the complainant said of the reply (asked by phone, or on the public page)."""
    now = now or timezone.now()
    if satisfaction not in Satisfaction.values:
        raise ComplaintError(
            _("Choose the complainant's satisfaction."), code="required", field="satisfaction"
        )
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_handler(complaint, actor)
        if complaint.status != ComplaintStatus.REPLIED:
            raise ComplaintError(_("Satisfaction is recorded after the reply."), code="transition")
        complaint.satisfaction = satisfaction
        complaint.save(update_fields=["satisfaction"])
        _event(
            complaint,
            "complaint.satisfaction",
            actor=actor,
            at=now,
            note=note.strip(),
            data={"satisfaction": satisfaction},
        )
    return complaint


def close_complaint(
    *, complaint: Complaint, actor: Any, note: str = "", now: datetime.datetime | None = None
) -> Complaint:
    """Close once the complainant's satisfaction is known; a dissatisfied complainant's
    complaint is closed only with a note saying why it is not reopened."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_handler(complaint, actor)
        if complaint.status == ComplaintStatus.REPLIED and not complaint.satisfaction:
            raise ComplaintError(
                _("Record the complainant's satisfaction before closing."),
                code="no_satisfaction",
            )
        if complaint.satisfaction == Satisfaction.DISSATISFIED and not note.strip():
            raise ComplaintError(
                _(
                    "The complainant is dissatisfied: reopen the complaint, or say why it is "
                    "closed all the same."
                ),
                code="reason_required",
                field="note",
            )
        old = _move(complaint, ComplaintStatus.CLOSED)
        complaint.closed_at = now
        complaint.save(update_fields=["status", "closed_at"])
        _event(complaint, "complaint.closed", actor=actor, at=now, from_status=old, note=note)
    return complaint


def reopen_complaint(
    *, complaint: Complaint, actor: Any, note: str = "", now: datetime.datetime | None = None
) -> Complaint:
    """A dissatisfied complainant: back to handling, with a fresh reply deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint)
        _require_handler(complaint, actor)
        if complaint.status == ComplaintStatus.REPLIED and (
            complaint.satisfaction != Satisfaction.DISSATISFIED
        ):
            raise ComplaintError(
                _("Only a complaint whose complainant is dissatisfied is reopened."),
                code="not_dissatisfied",
            )
        old = _move(complaint, ComplaintStatus.REOPENED)
        day = local_day(now)
        complaint.times_reopened += 1
        complaint.satisfaction = ""
        complaint.clock_started_on = day
        complaint.due_on = _due_on(day, complaint.reply_limit_days)
        complaint.replied_at = None
        complaint.replied_on_time = None
        complaint.escalated_at = None
        complaint.save(
            update_fields=[
                "status",
                "times_reopened",
                "satisfaction",
                "clock_started_on",
                "due_on",
                "replied_at",
                "replied_on_time",
                "escalated_at",
            ]
        )
        _event(complaint, "complaint.reopened", actor=actor, at=now, from_status=old, note=note)
    return complaint


# --- deadlines and escalation -------------------------------------------------------------------


def complaint_clock(
    complaint: Complaint, today: datetime.date, *, calendar: WorkingCalendar | None = None
) -> clock.ClockState | None:
    """The reply clock as of `today`; None once replied or closed (or an unknown year)."""
    if complaint.status not in OPEN_STATUSES:
        return None
    try:
        return clock.clock_state(
            started_on=complaint.clock_started_on,
            limit_days=complaint.reply_limit_days,
            pauses=[],
            today=today,
            yellow_share=settings.ONEWINDOW_CASE_YELLOW_SHARE,
            calendar=calendar,
        )
    except (UnknownCalendarYear, ValueError):
        return None


def last_working_day(
    today: datetime.date, calendar: WorkingCalendar | None = None
) -> datetime.date:
    """`today` if it is a working day, else the working day before it."""
    calendar = calendar or shared_calendar()
    day = today
    try:
        for _i in range(40):
            if calendar.is_workday(day):
                return day
            day -= datetime.timedelta(days=1)
    except UnknownCalendarYear:
        pass
    return today


def escalate_overdue(*, now: datetime.datetime | None = None) -> list[Complaint]:
    """Escalate every overdue, unreplied complaint to its hall manager, once.

    Overdue means a working day beyond the limit has begun (the clock's RED). Idempotent: an
    escalated complaint keeps `escalated_at` until it is reopened.
    """
    now = now or timezone.now()
    today = local_day(now)
    calendar = shared_calendar()
    # Overdue ⇔ a working day d with due_on < d ≤ today.
    cutoff = last_working_day(today, calendar)
    candidates = list(
        Complaint.objects.open()
        .filter(escalated_at__isnull=True, due_on__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    escalated = []
    for pk in candidates:
        with transaction.atomic():
            complaint = (
                Complaint.objects.select_for_update(of=("self",))
                .select_related("hall")
                .filter(pk=pk, escalated_at__isnull=True, status__in=OPEN_STATUSES)
                .first()
            )
            if complaint is None or complaint.due_on >= cutoff:
                continue
            complaint.escalated_at = now
            complaint.save(update_fields=["escalated_at"])
            _event(
                complaint,
                "complaint.escalated",
                actor=None,
                at=now,
                note=_("Not replied to by %(due)s.") % {"due": complaint.due_on.isoformat()},
            )
            for phone in _manager_phones(complaint.hall_id):
                _notify(
                    phone,
                    _("Complaint %(number)s is overdue and has been escalated to you.")
                    % {"number": complaint.number},
                )
            escalated.append(complaint)
    return escalated


def _manager_phones(hall_id: int) -> list[str]:
    from onewindow.accounts.models import User

    return [
        p
        for p in User.objects.filter(
            hall_id=hall_id, is_active=True, groups__name=Role.HALL_MANAGER
        )
        .exclude(phone="")
        .values_list("phone", flat=True)
        .distinct()
        if validators.is_valid_mobile(p)
    ]
