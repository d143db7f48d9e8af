"""好差评 over the API (/api/v1/ratings/): the rating pad's calls and the province export.

The pad (or any rating client) acts for the applicant: it needs no token — the signed rating
token of the service or case is the authority, as on the public page — and anything that
identifies staff (a staff token, a signed-in session) is refused, since staff never enter a
rating. The export is for staff allowed to see results, of their own hall.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from onewindow.api.auth import (
    ApiError,
    Caller,
    _lookup,
    caller_has_perm,
    session_auth,
    token_auth,
)
from onewindow.api.models import ApiToken
from onewindow.api.schemas import ErrorOut
from onewindow.evaluations import services, tokens
from onewindow.evaluations.models import Evaluation, RatingChannel
from onewindow.halls.models import Window
from onewindow.tickets.models import Ticket

router = Router(tags=["ratings"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
EXPORT_LIMIT = 5000


class PadServiceOut(Schema):
    rating_token: str = Field(description="Pass back to POST /ratings/ to rate this service.")
    code: str = Field(description="The ticket number, e.g. A023.")
    clerk: str = Field(description="Who served, as shown on the window's badge.")
    finished_at: datetime.datetime
    expires_in: int = Field(description="Seconds left to rate; then it stays not rated.")


class PadOut(Schema):
    window: int
    hall: str
    service: PadServiceOut | None = Field(
        None, description="The service just finished at this window and not yet rated."
    )


class RateIn(Schema):
    token: str = Field(description="The rating token (from the pad, a QR code or an SMS link).")
    level: int = Field(description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.")
    channel: str = Field(description="pad, qr, sms or online.")
    reasons: list[str] = Field(default_factory=list, description="Reason tags (bad levels).")
    comment: str = ""
    phone: str = Field("", description="The rater's number for a call-back (optional).")


class RatedOut(Schema):
    level: int
    attempt: int
    rectification: bool = Field(description="Whether a rectification was opened.")


def _refuse_staff(request: HttpRequest) -> None:
    """Staff signed in, or calling with a staff token, may not rate."""
    header = request.headers.get("Authorization", "")
    token = None
    if header[:7].lower() == "bearer " and header[7:].strip():
        token = _lookup(ApiToken.hash_key(header[7:].strip()))
    staff_token = token is not None and token.kind == ApiToken.Kind.STAFF
    if getattr(request.user, "is_authenticated", False) or staff_token:
        raise ApiError(
            403,
            _("Staff cannot enter ratings. Please hand the device to the applicant."),
            code="staff",
        )


@router.get("/pad/{pad_token}", response={200: PadOut, **ERRORS}, summary="Rating pad state")
def pad_state(request: HttpRequest, pad_token: str) -> dict[str, Any]:
    """What a window's rating pad shows now: the service just finished there, if unrated."""
    pk = tokens.pad_window(pad_token)
    window = Window.objects.select_related("hall").filter(pk=pk, is_active=True).first()
    if not pk or window is None:
        raise ApiError(404, _("This rating link is not valid."), code="not_found")
    limit = settings.ONEWINDOW_RATING_PAD_SECONDS
    since = timezone.now() - datetime.timedelta(seconds=limit)
    ticket = (
        Ticket.objects.filter(window=window, status="done", finished_at__gte=since)
        .select_related("clerk")
        .order_by("-finished_at")
        .first()
    )
    service = None
    if ticket is not None and not Evaluation.objects.filter(ticket=ticket).exists():
        age = (timezone.now() - ticket.finished_at).total_seconds()
        service = {
            "rating_token": tokens.for_ticket(ticket.pk),
            "code": ticket.code,
            "clerk": ticket.clerk.display_name if ticket.clerk else "",
            "finished_at": ticket.finished_at,
            "expires_in": max(1, int(limit - age)),
        }
    return {"window": window.number, "hall": window.hall.name, "service": service}


@router.post("/", response={201: RatedOut, **ERRORS}, summary="Rate a service or a case")
def rate(request: HttpRequest, payload: RateIn) -> Status:
    """The applicant's own rating; once per service or case (and once more after a
    rectification was reported back). A reused token gets 409 and records nothing."""
    _refuse_staff(request)
    subject = tokens.subject(payload.token)
    if subject is None:
        raise ApiError(404, _("This rating link is not valid."), code="not_found", field="token")
    if payload.channel not in RatingChannel.values:
        raise ApiError(400, _("Unknown rating channel."), code="channel", field="channel")
    try:
        evaluation = services.rate(
            kind=subject.kind,
            pk=subject.pk,
            level=payload.level,
            channel=payload.channel,
            reasons=payload.reasons,
            comment=payload.comment,
            phone=payload.phone,
        )
    except services.RatingError as error:
        status = 409 if error.code in ("already_rated", "not_finished") else 400
        if error.code == "not_found":
            status = 404
        raise ApiError(status, error.message, code=error.code, field=error.field) from None
    return Status(
        201,
        {
            "level": evaluation.level,
            "attempt": evaluation.attempt,
            "rectification": hasattr(evaluation, "rectification"),
        },
    )


class ExportRow(Schema):
    """One rating in the national 好差评 fields."""

    case_number: str = Field(description="办件编号 (empty for a service at a window).")
    ticket: str = Field(description="号票 of a service at a window (empty for a case).")
    item_code: str = Field(description="事项实施编码.")
    channel: str
    level: int
    reasons: list[str]
    comment: str
    rated_at: datetime.datetime
    attempt: int
    rectification_status: str = Field(description="verifying, rectifying, reported or empty.")
    excluded: bool


@router.get(
    "/export",
    response={200: list[ExportRow], **ERRORS},
    auth=[token_auth, session_auth],
    summary="Ratings for the provincial platform",
)
def export(request: HttpRequest, date_from: str = "", date_to: str = "") -> list[dict[str, Any]]:
    """The hall's ratings of a period (local dates, default the last 7 days), oldest first, in
    the national fields; the rater's identity is never exported."""
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, Caller)
    if caller.user is None or not caller_has_perm(caller, "evaluations.view_results"):
        raise ApiError(403, _("This needs a staff member who may see rating results."), code="perm")
    today = timezone.localdate()
    end = parse_date(date_to) if date_to else today
    start = parse_date(date_from) if date_from else (end or today) - datetime.timedelta(days=6)
    if start is None or end is None or start > end:
        raise ApiError(
            400, _("Give the dates as YYYY-MM-DD, the first not after the last."), code="dates"
        )
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    rows = (
        Evaluation.objects.filter(
            hall_id=caller.user.hall_id, rated_at__gte=since, rated_at__lt=until
        )
        .select_related("case", "ticket", "item", "rectification")
        .order_by("rated_at", "id")[:EXPORT_LIMIT]
    )
    return [
        {
            "case_number": e.case.number if e.case else "",
            "ticket": e.ticket.code if e.ticket else "",
            "item_code": e.item.implementation_code if e.item else "",
            "channel": e.channel,
            "level": e.level,
            "reasons": e.reasons,
            "comment": e.comment,
            "rated_at": e.rated_at,
            "attempt": e.attempt,
            "rectification_status": getattr(getattr(e, "rectification", None), "status", ""),
            "excluded": e.excluded,
        }
        for e in rows
    ]
