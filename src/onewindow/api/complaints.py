"""12345 hotline intake (/api/v1/complaints/hotline): the hotline files a “办不成事” complaint.

The hotline's system calls with a staff token whose account holds the permission
`complaints.hotline_intake` (an account made for the hotline, in the token's hall). The call is
idempotent on the hotline's own ticket number: the same number again answers 200 with the
complaint already registered, never a second one (also under concurrent retries: the number is
unique in the database).
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from onewindow.api.auth import ApiError, Caller, caller_has_perm, token_auth
from onewindow.api.schemas import ErrorOut
from onewindow.catalog.models import ServiceItem
from onewindow.complaints import services
from onewindow.complaints.models import Complaint, ComplaintCause, ComplaintChannel

router = Router(tags=["complaints"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


class HotlineComplaintIn(Schema):
    hotline_number: str = Field(
        description="The 12345 hotline's own ticket number (工单号); the idempotency key.",
        max_length=40,
    )
    name: str = Field(description="The complainant's name.", max_length=50)
    phone: str = Field(description="The complainant's mobile number.", max_length=20)
    id_number: str = Field("", description="Resident ID number (optional).", max_length=20)
    content: str = Field(description="What could not get done.", max_length=5000)
    item_code: str = Field(
        "", description="The service item's implementation code (optional).", max_length=100
    )
    cause: str = Field(
        "other",
        description="One of unclear_materials, buck_passing, overdue, system_fault, policy, "
        "attitude, other.",
        max_length=20,
    )


class ComplaintOut(Schema):
    number: str = Field(description="The complaint number, e.g. TS2026120200001.")
    hotline_number: str
    status: str
    status_label: str
    registered_at: datetime.datetime
    due_on: datetime.date = Field(description="The reply is due by this day.")
    created: bool = Field(description="False when the hotline number was registered before.")


def _out(complaint: Complaint, *, created: bool) -> dict[str, object]:
    return {
        "number": complaint.number,
        "hotline_number": complaint.hotline_number,
        "status": complaint.status,
        "status_label": str(complaint.get_status_display()),
        "registered_at": complaint.registered_at,
        "due_on": complaint.due_on,
        "created": created,
    }


@router.post(
    "/hotline",
    auth=[token_auth],
    response={200: ComplaintOut, 201: ComplaintOut, **ERRORS},
    summary="File a complaint from the 12345 hotline (idempotent on hotline_number)",
)
def hotline_intake(request: HttpRequest, payload: HotlineComplaintIn) -> Status:
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, Caller)
    if caller.user is None or not caller_has_perm(caller, "complaints.hotline_intake"):
        raise ApiError(403, _("This token may not file hotline complaints."), code="forbidden")
    number = payload.hotline_number.strip()
    if not number:
        raise ApiError(
            400, _("The 12345 ticket number is required."), code="required", field="hotline_number"
        )
    existing = Complaint.objects.filter(hotline_number=number).first()
    if existing is not None:
        return Status(200, _out(existing, created=False))
    item = None
    if payload.item_code.strip():
        item = ServiceItem.objects.filter(implementation_code=payload.item_code.strip()).first()
        if item is None:
            raise ApiError(400, _("Unknown service item."), code="invalid", field="item_code")
    if payload.cause not in ComplaintCause.values:
        raise ApiError(400, _("Unknown cause."), code="invalid", field="cause")
    try:
        complaint, created = services.register_or_find(
            hall=caller.token.hall,  # type: ignore[union-attr]
            channel=ComplaintChannel.HOTLINE,
            complainant=services.Complainant(
                name=payload.name, phone=payload.phone, id_number=payload.id_number
            ),
            content=payload.content,
            cause=payload.cause,
            links=services.Links(item=item),
            hotline_number=number,
            actor=caller.user,
        )
    except services.ComplaintError as error:
        raise ApiError(400, error.message, code=error.code, field=error.field) from None
    return Status(201 if created else 200, _out(complaint, created=created))
