"""Every change to an assistance request: one transaction, the request row locked, one
`AssistEvent` written, SMS to the applicant only after commit.

Assisted handling is free of charge. The applicant's ID number is kept on the request so the
helper can check it when the applicant confirms, at the window, that the matter is done; an
applicant who is not at the window confirms online with the request number and query code.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Role, User
from onewindow.assist.models import (
    AssistAppointment,
    AssistCounter,
    AssistedItem,
    AssistEvent,
    AssistMode,
    AssistRequest,
    Confirmation,
    RequestChannel,
    RequestStatus,
)
from onewindow.catalog.models import ServiceItem
from onewindow.core import audit, validators
from onewindow.core.calendar import shared_calendar
from onewindow.tickets import sms


class AssistError(Exception):
    """An action that cannot be done; `message` is for the user, `field` names the input."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(
    request: AssistRequest,
    action: str,
    *,
    actor: Any,
    at: datetime.datetime,
    from_status: str = "",
    note: str = "",
    **data: Any,
) -> AssistEvent:
    return AssistEvent.objects.create(
        request=request,
        action=action,
        from_status=from_status,
        to_status=request.status if from_status else "",
        at=at,
        actor=_user(actor),
        note=note,
        data=data,
    )


def _notify(phone: str, message: str) -> None:
    transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))


# --- assisted items -------------------------------------------------------------------------------


def save_assisted_item(
    *,
    hall: Any,
    item: ServiceItem,
    modes: list[str],
    note: str = "",
    active: bool = True,
    sort_order: int = 0,
    actor: Any,
    assisted: AssistedItem | None = None,
) -> AssistedItem:
    """Publish (or change) an item of the hall's list of assisted items."""
    modes = [m for m in modes if m in AssistMode.values]
    if not modes:
        raise AssistError(_("Choose at least one mode."), code="no_mode", field="modes")
    with transaction.atomic():
        clash = AssistedItem.objects.filter(hall=hall, item=item)
        if assisted is not None:
            assisted = AssistedItem.objects.select_for_update().get(pk=assisted.pk)
            clash = clash.exclude(pk=assisted.pk)
        if clash.exists():
            raise AssistError(
                _("This item is already in the list of assisted items."),
                code="duplicate",
                field="item",
            )
        before = audit.snapshot(assisted) if assisted is not None else None
        row = assisted or AssistedItem(hall=hall)
        row.item = item
        row.offers_help = AssistMode.HELP in modes
        row.offers_act = AssistMode.ACT in modes
        row.offers_accompany = AssistMode.ACCOMPANY in modes
        row.note = note.strip()
        row.active = active
        row.sort_order = sort_order
        row.save()
        audit.record(
            action="assist.item.changed" if before else "assist.item.added",
            actor=actor,
            obj=row,
            before=before,
            after=audit.snapshot(row),
        )
    return row


def offered_items(hall: Any) -> list[AssistedItem]:
    """The hall's published assisted items, in order."""
    return list(
        AssistedItem.objects.filter(hall=hall, active=True)
        .select_related("item__department")
        .order_by("sort_order", "id")
    )


# --- requests -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    name: str
    phone: str
    id_number: str


def clean_applicant(data: Applicant) -> Applicant:
    name = data.name.strip()
    if not name:
        raise AssistError(_("Enter the applicant's name."), code="name", field="applicant_name")
    phone = validators.normalize_mobile(data.phone)
    id_number = validators.normalize_id_number(data.id_number)
    for validate, value, field in (
        (validators.validate_mobile, phone, "phone"),
        (validators.validate_id_number, id_number, "id_number"),
    ):
        try:
            validate(value)
        except ValidationError as error:
            raise AssistError(error.messages[0], code="invalid", field=field) from error
    return Applicant(name=name, phone=phone, id_number=id_number)


def _next_number(day: datetime.date) -> str:
    # One upsert takes the day's counter row lock (both PostgreSQL and SQLite ≥ 3.35).
    table = connection.ops.quote_name(AssistCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [day],
        )
        (number,) = cursor.fetchone()
    return f"BB{day:%Y%m%d}{number:04d}"


def expected_completion(day: datetime.date) -> datetime.date:
    return shared_calendar().add_working_days(day, settings.ONEWINDOW_ASSIST_DAYS)


def submit_request(
    *,
    hall: Any,
    item: ServiceItem,
    mode: str,
    applicant: Applicant,
    channel: str,
    preferred_time: str = "",
    note: str = "",
    actor: Any = None,
    now: datetime.datetime | None = None,
) -> AssistRequest:
    """Register a request (online, phone confirmed by the view; or at the 帮办代办 window)."""
    now = now or timezone.now()
    applicant = clean_applicant(applicant)
    offered = AssistedItem.objects.filter(hall=hall, item=item, active=True).first()
    if offered is None:
        raise AssistError(
            _("This hall does not offer assisted handling for this item."),
            code="not_offered",
            field="item",
        )
    if mode not in offered.modes:
        raise AssistError(
            _("This item is offered as: %(modes)s.") % {"modes": "、".join(offered.mode_labels())},
            code="mode",
            field="mode",
        )
    if channel not in RequestChannel.values:
        raise AssistError(_("Unknown channel."), code="channel")
    day = timezone.localdate(now)
    with transaction.atomic():
        request = AssistRequest.objects.create(
            number=_next_number(day),
            query_code=f"{secrets.randbelow(10**6):06d}",
            hall=hall,
            item=item,
            mode=mode,
            channel=channel,
            applicant_name=applicant.name,
            phone=applicant.phone,
            id_number=applicant.id_number,
            preferred_time=preferred_time.strip()[:100],
            note=note.strip(),
            created_at=now,
            due_on=expected_completion(day),
        )
        _event(
            request,
            "assist.requested",
            actor=actor,
            at=now,
            from_status="-",
            channel=channel,
        )
        _notify(
            request.phone,
            _(
                "Your request for free assisted handling (%(item)s) is registered: number "
                "%(number)s, query code %(code)s. A helper will contact you."
            )
            % {"item": item.name, "number": request.number, "code": request.query_code},
        )
    return request


def _locked(request: AssistRequest) -> AssistRequest:
    return AssistRequest.objects.select_for_update().select_related("item").get(pk=request.pk)


def _move(request: AssistRequest, status: str) -> str:
    if not request.may_become(status):
        raise AssistError(
            _("The request is %(status)s: this cannot be done now.")
            % {"status": request.status_label},
            code="status",
        )
    before = request.status
    request.status = status
    return before


def _require_own(request: AssistRequest, actor: Any) -> None:
    if request.helper_id != getattr(actor, "pk", None):
        raise AssistError(
            _("Only the helper the request is assigned to can do this."), code="not_helper"
        )


def helpers_of(hall: Any) -> list[User]:
    return list(
        User.objects.filter(hall=hall, is_active=True, groups__name=Role.HELPER)
        .distinct()
        .order_by("full_name", "username")
    )


def assign_request(
    *, request: AssistRequest, helper: Any, actor: Any, now: datetime.datetime | None = None
) -> AssistRequest:
    """A hall manager gives the request to a helper of the hall (or to another helper)."""
    now = now or timezone.now()
    if (
        helper is None
        or not isinstance(helper, User)
        or helper.hall_id != request.hall_id
        or not helper.has_role(Role.HELPER)
    ):
        raise AssistError(_("Choose a helper of this hall."), code="helper", field="helper")
    with transaction.atomic():
        request = _locked(request)
        if request.helper_id == helper.pk:
            raise AssistError(
                _("The request is already assigned to %(name)s.") % {"name": helper},
                code="same_helper",
                field="helper",
            )
        target = (
            RequestStatus.ASSIGNED if request.status == RequestStatus.REQUESTED else request.status
        )
        before = _move(request, target)
        previous = request.helper_id
        request.helper = helper
        request.assigned_at = now
        request.save(update_fields=["status", "helper", "assigned_at"])
        _event(
            request,
            "assist.assigned",
            actor=actor,
            at=now,
            from_status=before,
            helper=helper.pk,
            helper_name=str(helper),
            previous_helper=previous,
        )
        _notify(
            request.phone,
            _("Request %(number)s: your helper is %(name)s%(phone)s.")
            % {
                "number": request.number,
                "name": helper.display_name,
                "phone": f" ({helper.phone})" if helper.phone else "",
            },
        )
    return request


def start_request(
    *, request: AssistRequest, actor: Any, now: datetime.datetime | None = None
) -> AssistRequest:
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request)
        _require_own(request, actor)
        if request.status != RequestStatus.ASSIGNED:
            raise AssistError(
                _("The request is %(status)s: this cannot be done now.")
                % {"status": request.status_label},
                code="status",
            )
        before = _move(request, RequestStatus.IN_PROGRESS)
        request.started_at = now
        request.save(update_fields=["status", "started_at"])
        _event(request, "assist.started", actor=actor, at=now, from_status=before)
    return request


def add_note(
    *, request: AssistRequest, actor: Any, note: str, now: datetime.datetime | None = None
) -> AssistEvent:
    now = now or timezone.now()
    note = note.strip()
    if not note:
        raise AssistError(_("Write the note."), code="note", field="note")
    with transaction.atomic():
        request = _locked(request)
        _require_own(request, actor)
        if not request.is_open:
            raise AssistError(_("The request is closed."), code="closed")
        return _event(request, "assist.note", actor=actor, at=now, note=note)


def add_appointment(
    *,
    request: AssistRequest,
    actor: Any,
    starts_at: datetime.datetime,
    place: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> AssistAppointment:
    """Agree a meeting with the applicant; they get it by SMS."""
    now = now or timezone.now()
    place = place.strip()
    if not place:
        raise AssistError(_("Enter the place."), code="place", field="place")
    if starts_at <= now:
        raise AssistError(
            _("The appointment must be in the future."), code="past", field="starts_at"
        )
    with transaction.atomic():
        request = _locked(request)
        _require_own(request, actor)
        if not request.is_open:
            raise AssistError(_("The request is closed."), code="closed")
        appointment = AssistAppointment.objects.create(
            request=request, starts_at=starts_at, place=place, note=note.strip(), created_by=actor
        )
        local = timezone.localtime(starts_at)
        _event(
            request,
            "assist.appointment",
            actor=actor,
            at=now,
            note=note.strip(),
            starts_at=local.isoformat(timespec="minutes"),
            place=place,
        )
        _notify(
            request.phone,
            _("Request %(number)s: your helper will meet you on %(when)s at %(place)s.")
            % {
                "number": request.number,
                "when": local.strftime("%Y-%m-%d %H:%M"),
                "place": place,
            },
        )
    return appointment


def link_case(
    *, request: AssistRequest, case: Any, actor: Any, now: datetime.datetime | None = None
) -> AssistRequest:
    """Link a case the helper started as the applicant's agent to the request."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request)
        _require_own(request, actor)
        if not request.is_open:
            raise AssistError(_("The request is closed."), code="closed")
        if case.item_id != request.item_id:
            raise AssistError(
                _("The case is for another item than the request."), code="item", field="case"
            )
        if case.hall_id != request.hall_id or case.hall_id != getattr(actor, "hall_id", None):
            raise AssistError(
                _("The case was received in another hall."), code="hall", field="case"
            )
        if request.cases.filter(pk=case.pk).exists():
            raise AssistError(_("The case is already linked."), code="linked", field="case")
        request.cases.add(case)
        _event(request, "assist.case_linked", actor=actor, at=now, case=case.number)
    return request


def ask_online_confirmation(
    *, request: AssistRequest, actor: Any, now: datetime.datetime | None = None
) -> AssistRequest:
    """The helper is done; the applicant (not at the window) confirms with the query code."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request)
        _require_own(request, actor)
        if request.status != RequestStatus.IN_PROGRESS:
            raise AssistError(_("Start the request first."), code="status")
        request.confirmation_asked_at = now
        request.save(update_fields=["confirmation_asked_at"])
        _event(request, "assist.confirmation_asked", actor=actor, at=now)
        _notify(
            request.phone,
            _(
                "Request %(number)s: your helper reports the matter is done. Please confirm it "
                "online with your request number and query code."
            )
            % {"number": request.number},
        )
    return request


def _complete(
    request: AssistRequest, *, actor: Any, now: datetime.datetime, how: str, note: str = ""
) -> None:
    before = _move(request, RequestStatus.COMPLETED)
    request.closed_at = now
    request.confirmation = how
    request.save(update_fields=["status", "closed_at", "confirmation"])
    _event(
        request,
        "assist.completed",
        actor=actor,
        at=now,
        from_status=before,
        note=note,
        confirmation=how,
    )
    _notify(
        request.phone,
        _("Request %(number)s is completed. Thank you; assisted handling is free of charge.")
        % {"number": request.number},
    )


def complete_at_window(
    *,
    request: AssistRequest,
    actor: Any,
    applicant_confirmed: bool,
    id_number: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> AssistRequest:
    """The applicant confirms at the window: the helper ticks it and checks their ID."""
    now = now or timezone.now()
    if not applicant_confirmed:
        raise AssistError(
            _("Tick that the applicant confirmed the matter is done."),
            code="not_confirmed",
            field="applicant_confirmed",
        )
    with transaction.atomic():
        request = _locked(request)
        _require_own(request, actor)
        if validators.normalize_id_number(id_number) != request.id_number:
            raise AssistError(
                _("The ID number does not match the applicant of this request."),
                code="id_mismatch",
                field="id_number",
            )
        _complete(request, actor=actor, now=now, how=Confirmation.WINDOW, note=note.strip())
    return request


def find_request(number: str, query_code: str) -> AssistRequest | None:
    """The request with this number if the query code matches (None otherwise)."""
    request = (
        AssistRequest.objects.select_related("item", "hall", "helper")
        .filter(number=number.strip().upper())
        .first()
    )
    if request is None or not hmac.compare_digest(request.query_code, query_code.strip()):
        return None
    return request


def complete_online(
    *, request: AssistRequest, query_code: str, now: datetime.datetime | None = None
) -> AssistRequest:
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request)
        if not hmac.compare_digest(request.query_code, query_code.strip()):
            raise AssistError(_("The query code is not right."), code="code", field="query_code")
        if request.status != RequestStatus.IN_PROGRESS or request.confirmation_asked_at is None:
            raise AssistError(
                _("Your helper has not reported the matter as done yet."), code="not_asked"
            )
        _complete(request, actor=None, now=now, how=Confirmation.ONLINE)
    return request


def cancel_request(
    *,
    request: AssistRequest,
    reason: str,
    actor: Any = None,
    query_code: str | None = None,
    now: datetime.datetime | None = None,
) -> AssistRequest:
    """Cancelled by staff (the helper or a hall manager) or by the applicant with the code."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise AssistError(_("Say why the request is cancelled."), code="reason", field="reason")
    with transaction.atomic():
        request = _locked(request)
        if query_code is not None:
            if not hmac.compare_digest(request.query_code, query_code.strip()):
                raise AssistError(_("The query code is not right."), code="code")
        elif not (
            getattr(actor, "pk", None) == request.helper_id
            or (actor is not None and actor.has_perm("assist.assign_request"))
        ):
            raise AssistError(
                _("Only the helper or a hall manager can cancel the request."), code="not_allowed"
            )
        before = _move(request, RequestStatus.CANCELLED)
        request.closed_at = now
        request.cancel_reason = reason[:300]
        request.save(update_fields=["status", "closed_at", "cancel_reason"])
        _event(
            request,
            "assist.cancelled",
            actor=actor,
            at=now,
            from_status=before,
            note=reason,
            by_applicant=query_code is not None,
        )
        if query_code is None:
            _notify(
                request.phone,
                _("Request %(number)s was cancelled: %(reason)s")
                % {"number": request.number, "reason": reason},
            )
    return request
