"""The device API (/api/v1/): kiosks, hall displays, window actions and cases (`api.cases`).

Errors are JSON {"detail": <message in Chinese>, "code": <slug>, "field": <field or null>}
with status 400 (bad input), 401 (no or bad token), 403 (wrong hall or kind of token), 404
and 409 (the queue refused: closed, quota, wrong ticket state …). Nothing changes on an error.
See docs/api.md.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Status
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import DocsBase

from onewindow.api.auth import ApiError, Caller, caller_has_perm, session_auth, token_auth
from onewindow.api.models import ApiToken
from onewindow.api.schemas import (
    CheckInIn,
    ErrorOut,
    FinishIn,
    IssueIn,
    TicketOut,
    TransferIn,
    WindowResultOut,
)
from onewindow.catalog.models import ServiceItem
from onewindow.core.localcache import LocalCache
from onewindow.halls.models import Hall, Window
from onewindow.tickets import queries, services
from onewindow.tickets.display import hall_feed
from onewindow.tickets.models import Channel, Queue, Ticket, TicketStatus
from onewindow.tickets.services import QueueError
from onewindow.tickets.views.kiosk import ticket_from_token, ticket_token

IDEMPOTENCY_TTL = 24 * 60 * 60
IDEMPOTENCY_MAX = 64
IDEMPOTENCY_LOCK_SECONDS = 60
RUNNING = "running"  # an Idempotency-Key whose request is still being handled
MAX_MATTERS = 10

# QueueError codes that mean "your input is wrong" (400) rather than "not now" (409).
BAD_INPUT_CODES = {
    "phone",
    "id_number",
    "priority",
    "channel",
    "outcome",
    "reason_required",
    "no_target",
    "same",
    "window_queue",
}
FORBIDDEN_CODES = {"not_signed_in", "not_your_ticket"}
# Service field names → the API's field names.
FIELD_NAMES = {"to_queue": "to_queue_prefix", "to_window": "to_window_number"}

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class LocalSwagger(DocsBase):
    """Swagger UI from django-ninja's bundled files, served by us: the hall is offline."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,  # the default badge would load from validator.swagger.io
        }
        return render(
            request,
            "api/docs.html",
            {
                "api": api,
                "swagger_settings": json.dumps(settings),
                "openapi_url": settings["url"],
            },
        )


api = NinjaAPI(
    title="OneWindow device API",
    version="1",
    description="Kiosks, hall displays and window actions of OneWindow. See docs/api.md.",
    urls_namespace="api-1",
    docs=LocalSwagger(),
)


# Errors -----------------------------------------------------------------------------------------


def _error(request: HttpRequest, status: int, detail: str, code: str, field: str | None = None):
    return api.create_response(
        request, {"detail": detail, "code": code, "field": field}, status=status
    )


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, exc.detail, exc.code, exc.field)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    where = ("body", "payload", "query", "path")
    loc = [str(part) for part in first.get("loc", ()) if part not in where]
    field = loc[0] if loc else None
    name = ".".join(loc) or "body"
    if first.get("type") == "missing":
        detail = _("%(field)s is required.") % {"field": name}
    else:
        detail = _("%(field)s has an invalid value.") % {"field": name}
    return _error(request, 400, detail, "invalid", field)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 401:
        return _error(request, 401, _("A valid API token is required."), "unauthorized")
    if status == 400:
        return _error(request, 400, _("The request body is not valid JSON."), "bad_request")
    if status == 403:
        return _error(request, 403, _("You may not do this."), "forbidden")
    return _error(request, status, _("The request could not be handled."), "error")


def _from_queue_error(exc: QueueError) -> ApiError:
    code = exc.code
    field = FIELD_NAMES.get(exc.field, exc.field) if exc.field else None
    if code == "not_found":
        status = 404
    elif code in FORBIDDEN_CODES or (code == "other_hall" and field is None):
        status = 403
    elif code in BAD_INPUT_CODES or (code == "other_hall" and field is not None):
        status = 400
    else:
        status = 409
    return ApiError(status, exc.message, code=code, field=field)


# Helpers ----------------------------------------------------------------------------------------


def _caller(request: HttpRequest) -> Caller:
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, Caller)
    return caller


def _forbidden(detail: str, code: str = "forbidden") -> ApiError:
    return ApiError(403, detail, code=code)


def _hall(hall_code: str, caller: Caller | None = None) -> Hall:
    token = caller.token if caller is not None else None
    if token is not None and token.hall.code == hall_code:
        return token.hall  # loaded with the token, and checked active there
    hall = Hall.objects.filter(code=hall_code, is_active=True).first()
    if hall is None:
        raise ApiError(404, _("No such hall."), code="hall_not_found")
    return hall


def _check_hall(caller: Caller, hall_id: int) -> None:
    if caller.hall_id != hall_id:
        raise _forbidden(_("This token is for another hall."), "other_hall")


def _idempotency_key(request: HttpRequest, *, required: bool) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if required and not key:
        raise ApiError(
            400, _("The Idempotency-Key header is required."), code="idempotency_key_required"
        )
    if len(key) > IDEMPOTENCY_MAX:
        raise ApiError(
            400,
            _("The Idempotency-Key header may have at most %(n)s characters.")
            % {"n": IDEMPOTENCY_MAX},
            code="idempotency_key",
        )
    return key


def _key_used(hall: Hall, key: str) -> bool:
    """Whether a ticket was issued for this key already (a retry: 200, not 201).

    A concurrent retry that passes this check before the first request commits still gets the
    first ticket from the service; the caller then tells them apart by the ticket's issue time.
    """
    return bool(key) and Ticket.objects.filter(hall=hall, idempotency_key=key).exists()


def _matters(ids: list[int], field: str = "matters") -> list[ServiceItem]:
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_MATTERS:
        raise ApiError(
            400,
            _("At most %(n)s matters per ticket.") % {"n": MAX_MATTERS},
            code="matters",
            field=field,
        )
    items = list(ServiceItem.objects.published().filter(pk__in=ids))
    if len(items) != len(ids):
        raise ApiError(400, _("Unknown service item."), code="matters", field=field)
    return items


def ticket_out(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The ticket as answered; `ticket.queue` (and `ticket.window`, if any) should be loaded."""
    is_open = ticket.status in (TicketStatus.WAITING, TicketStatus.PARKED)
    ahead = queries.people_ahead(ticket) if is_open else 0
    return {
        "code": ticket.code,
        "queue": ticket.queue.prefix,
        "queue_name": ticket.queue.name,
        "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label),
        "issued_at": ticket.issued_at,
        "people_ahead": ahead,
        "estimated_wait_minutes": (
            queries.estimate_wait_minutes(ticket, ahead=ahead) if is_open else 0
        ),
        "window_number": ticket.window.number if ticket.window_id else None,
        "call_count": ticket.call_count,
        "status_url": request.build_absolute_uri(
            reverse("kiosk:status", args=[ticket_token(ticket)])
        ),
    }


def _reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("queue", "window").get(pk=ticket.pk)


# Kiosks and displays ----------------------------------------------------------------------------


@api.post(
    "/halls/{hall_code}/tickets",
    response={200: TicketOut, 201: TicketOut, **ERRORS},
    auth=[token_auth, session_auth],
    summary="Issue a ticket",
    tags=["kiosk"],
)
def issue(request: HttpRequest, hall_code: str, payload: IssueIn) -> Status:
    """Kiosk token of the hall (Idempotency-Key required), or staff with `tickets.add_ticket`.

    201: a new ticket; 200: the ticket already issued for this Idempotency-Key.
    """
    caller = _caller(request)
    if caller.kind == ApiToken.Kind.KIOSK:
        channel, actor = Channel.KIOSK, None
    elif caller.user is not None and caller_has_perm(caller, "tickets.add_ticket"):
        channel, actor = Channel.GUIDE_DESK, caller.user
    else:
        raise _forbidden(_("This token may not issue tickets."))
    hall = _hall(hall_code, caller)
    _check_hall(caller, hall.pk)
    key = _idempotency_key(request, required=caller.kind == ApiToken.Kind.KIOSK)
    queue = _load_queue(hall, payload.queue_prefix.strip().upper(), caller)
    if queue is None:
        raise ApiError(400, _("No such queue in this hall."), code="queue", field="queue_prefix")
    matters = _matters(payload.matters) if payload.matters else []
    try:
        ticket, created = services.take_number(
            hall=hall,
            queue=queue,
            channel=channel,
            actor=actor,
            phone=payload.phone,
            id_number=payload.id_number,
            priority=payload.priority or "",
            matters=matters,
            idempotency_key=key,
        )
    except QueueError as exc:
        raise _from_queue_error(exc) from None
    return Status(
        201 if created else 200, ticket_out(request, ticket if created else _reload(ticket))
    )


@api.post(
    "/halls/{hall_code}/appointments/check-in",
    response={200: TicketOut, 201: TicketOut, **ERRORS},
    auth=[token_auth],
    summary="Check in an appointment",
    tags=["kiosk"],
)
def check_in(request: HttpRequest, hall_code: str, payload: CheckInIn) -> Status:
    """Kiosk token of the hall: the booking code becomes a ticket (201; 200 on a repeated key)."""
    caller = _caller(request)
    if caller.kind != ApiToken.Kind.KIOSK:
        raise _forbidden(_("Only a kiosk token may check in appointments."))
    hall = _hall(hall_code)
    _check_hall(caller, hall.pk)
    key = _idempotency_key(request, required=False)
    existed = _key_used(hall, key)
    now = timezone.now()
    try:
        ticket = services.check_in_appointment(
            hall=hall, code=payload.code, idempotency_key=key, now=now
        )
    except QueueError as exc:
        raise _from_queue_error(exc) from None
    return Status(
        201 if not existed and ticket.issued_at == now else 200,
        ticket_out(request, _reload(ticket)),
    )


@api.get(
    "/halls/{hall_code}/display",
    response={200: dict[str, Any], **ERRORS},
    auth=[token_auth],
    summary="Hall display feed",
    tags=["display"],
)
def display(request: HttpRequest, hall_code: str) -> dict[str, Any]:
    """Display or kiosk token of the hall: windows, recent calls and waiting counts."""
    caller = _caller(request)
    if caller.kind not in (ApiToken.Kind.DISPLAY, ApiToken.Kind.KIOSK):
        raise _forbidden(_("Only a display or kiosk token may read the display feed."))
    hall = _hall(hall_code, caller)
    _check_hall(caller, hall.pk)
    feed = hall_feed(hall.code)
    if feed is None:
        raise ApiError(404, _("No such hall."), code="hall_not_found")
    return feed


@api.get(
    "/tickets/{token}",
    response={200: TicketOut, **ERRORS},
    auth=None,
    summary="Ticket status",
    tags=["public"],
)
def ticket_status(request: HttpRequest, token: str) -> dict[str, Any]:
    """Public: the signed token from the ticket's QR code (status_url)."""
    return ticket_out(request, _reload(ticket_from_token(token)))


# Window actions ---------------------------------------------------------------------------------


# Windows by id for token callers (their number and hall; the services read the state
# itself under lock), kept as long as tokens are.
_windows: LocalCache[Window | None] = LocalCache(seconds="ONEWINDOW_API_TOKEN_CACHE_SECONDS")


def _load_window(window_id: int, caller: Caller) -> Window | None:
    def load() -> Window | None:
        return Window.objects.select_related("hall").filter(pk=window_id).first()

    window = _windows.get_or_set(window_id, load) if caller.token is not None else load()
    # A copy per request: the services refresh its state from the locked row.
    return copy.copy(window) if window is not None else None


# A hall's queues by prefix for token callers (a kiosk asks for the same few all day), kept as
# long as tokens are: a changed issuing time or quota reaches every kiosk within that time.
_queues: LocalCache[Queue | None] = LocalCache(seconds="ONEWINDOW_API_TOKEN_CACHE_SECONDS")


def _load_queue(hall: Hall, prefix: str, caller: Caller) -> Queue | None:
    def load() -> Queue | None:
        return Queue.objects.filter(hall=hall, prefix=prefix).first()

    if caller.token is None:
        return load()
    queue = _queues.get_or_set((hall.pk, prefix), load)
    return copy.copy(queue) if queue is not None else None


def _window(request: HttpRequest, window_id: int) -> tuple[Caller, Window]:
    caller = _caller(request)
    if caller.user is None:
        raise _forbidden(_("Window actions need a staff token or a signed-in clerk."), "staff_only")
    window = _load_window(window_id, caller)
    if window is None:
        raise ApiError(404, _("No such window."), code="window_not_found")
    _check_hall(caller, window.hall_id)
    if not caller_has_perm(caller, "tickets.serve_ticket"):
        raise _forbidden(_("You may not serve tickets."))
    return caller, window


def _current(window: Window) -> Ticket:
    ticket = (
        Ticket.objects.filter(window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
        .order_by("-called_at", "-pk")
        .first()
    )
    if ticket is None:
        raise ApiError(
            409, _("Window %(n)s has no current ticket.") % {"n": window.number}, code="no_ticket"
        )
    return ticket


def _window_action(
    request: HttpRequest, window_id: int, act: Callable[[Caller, Window], Ticket | None]
) -> dict[str, Any]:
    """Run a window action once per Idempotency-Key (the answer is replayed for 24 hours).

    The keys live in Django's cache: with several server processes it must be a shared cache
    (database or Redis), or a retry may reach a process that has not seen the key.
    """
    caller, window = _window(request, window_id)
    key = _idempotency_key(request, required=False)
    cache_key = ""
    if key:
        digest = hashlib.sha256(key.encode()).hexdigest()
        cache_key = f"onewindow.api.idempotency:{caller.cache_id}:{digest}"
        # Claim the key; a request that finds it claimed is a repeat, running or done.
        if not cache.add(cache_key, RUNNING, IDEMPOTENCY_LOCK_SECONDS):
            stored = cache.get(cache_key)
            if stored is None or stored == RUNNING:
                # A retry arriving while the first request still runs must not run it twice.
                raise ApiError(
                    409,
                    _("The same request is still being handled. Please try again shortly."),
                    code="idempotency_in_progress",
                )
            if stored["path"] != request.path:
                raise ApiError(
                    409,
                    _("This Idempotency-Key was already used for another request."),
                    code="idempotency_key_reused",
                )
            return stored["body"]
    try:
        try:
            ticket = act(caller, window)
        except QueueError as exc:
            raise _from_queue_error(exc) from None
        if ticket is not None and ticket.window_id == window.pk:
            ticket.window = window  # loaded already: no query for the answer
        body = {
            "window_id": window.pk,
            "window_number": window.number,
            "ticket": ticket_out(request, ticket) if ticket is not None else None,
            "detail": "" if ticket is not None else _("Nobody is waiting for this window."),
        }
    except BaseException:
        if cache_key:
            cache.delete(cache_key)  # nothing was done: a retry may run again
        raise
    if cache_key:
        cache.set(cache_key, {"path": request.path, "body": body}, IDEMPOTENCY_TTL)
    return body


WINDOW = {
    "response": {200: WindowResultOut, **ERRORS},
    "auth": [token_auth, session_auth],
    "tags": ["window"],
}


@api.post("/windows/{window_id}/call-next", summary="Call the next ticket", **WINDOW)
def call_next(request: HttpRequest, window_id: int) -> dict[str, Any]:
    """The clerk signed in at the window calls the next ticket; `ticket` is null if none waits."""
    return _window_action(
        request, window_id, lambda c, w: services.call_next(window=w, actor=c.user)
    )


@api.post("/windows/{window_id}/recall", summary="Call the current ticket again", **WINDOW)
def recall(request: HttpRequest, window_id: int) -> dict[str, Any]:
    return _window_action(
        request, window_id, lambda c, w: services.recall(ticket=_current(w), actor=c.user)
    )


@api.post("/windows/{window_id}/no-show", summary="Mark the current ticket a no-show", **WINDOW)
def no_show(request: HttpRequest, window_id: int) -> dict[str, Any]:
    return _window_action(
        request, window_id, lambda c, w: services.mark_no_show(ticket=_current(w), actor=c.user)
    )


@api.post("/windows/{window_id}/start", summary="Start serving the current ticket", **WINDOW)
def start(request: HttpRequest, window_id: int) -> dict[str, Any]:
    return _window_action(
        request, window_id, lambda c, w: services.start_service(ticket=_current(w), actor=c.user)
    )


@api.post("/windows/{window_id}/finish", summary="Finish the current ticket", **WINDOW)
def finish(request: HttpRequest, window_id: int, payload: FinishIn) -> dict[str, Any]:
    """outcome: handled, partly, not_handled or redirected; matters: the items handled."""

    def act(caller: Caller, window: Window) -> Ticket:
        matters = _matters(payload.matters)
        return services.finish_service(
            ticket=_current(window), actor=caller.user, outcome=payload.outcome, matters=matters
        )

    return _window_action(request, window_id, act)


@api.post("/windows/{window_id}/transfer", summary="Transfer the current ticket", **WINDOW)
def transfer(request: HttpRequest, window_id: int, payload: TransferIn) -> dict[str, Any]:
    """To another queue (prefix) and/or a window (number) of the hall; a reason is required."""

    def act(caller: Caller, window: Window) -> Ticket:
        to_queue = None
        if payload.to_queue_prefix.strip():
            to_queue = Queue.objects.filter(
                hall_id=window.hall_id, prefix=payload.to_queue_prefix.strip().upper()
            ).first()
            if to_queue is None:
                raise ApiError(
                    400, _("No such queue in this hall."), code="queue", field="to_queue_prefix"
                )
        to_window = None
        if payload.to_window_number is not None:
            to_window = Window.objects.filter(
                hall_id=window.hall_id, number=payload.to_window_number
            ).first()
            if to_window is None:
                raise ApiError(
                    400,
                    _("No such window in this hall."),
                    code="window",
                    field="to_window_number",
                )
        return services.transfer(
            ticket=_current(window),
            actor=caller.user,
            reason=payload.reason,
            to_queue=to_queue,
            to_window=to_window,
        )

    return _window_action(request, window_id, act)


# Cases (back office and front desk): see `onewindow.api.cases`.
from onewindow.api.cases import router as cases_router  # noqa: E402

api.add_router("/cases", cases_router)

# The 12345 hotline files complaints: see `onewindow.api.complaints`.
from onewindow.api.complaints import router as complaints_router  # noqa: E402

api.add_router("/complaints", complaints_router)

# Ratings (好差评): the rating pad and the provincial export; see `onewindow.api.ratings`.
from onewindow.api.ratings import router as ratings_router  # noqa: E402

api.add_router("/ratings", ratings_router)
