"""The kiosk (自助取号), the ticket printout, the ticket's live status page and the guide desk.

The kiosk pages are public: a touch screen in the hall. Every step is a plain form post (the
flow's state travels in hidden fields), so taking a ticket works without JavaScript; kiosk.js
only adds the on-screen keypads, the clock, the idle timer and printing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.permissions import staff_permission_required
from onewindow.halls.models import Hall
from onewindow.tickets import queries
from onewindow.tickets.forms import CheckInForm, DeskTicketForm, KioskTicketForm
from onewindow.tickets.models import Channel, Queue, Ticket, TicketStatus
from onewindow.tickets.qr import qr_svg
from onewindow.tickets.services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    QueueError,
    check_in_appointment,
    issue_ticket,
)

TOKEN_SALT = "onewindow.tickets.ticket-link"
ELDERLY_SESSION_KEY = "kiosk_elderly"
PAPER_WIDTHS = ("58", "80")
IDLE_SECONDS = 60
TICKET_SCREEN_SECONDS = 15
STATUS_REFRESH_SECONDS = 10


# Ticket links ---------------------------------------------------------------------------------


def ticket_token(ticket: Ticket) -> str:
    """An unguessable, tamper-proof reference to a ticket for URLs and QR codes."""
    return signing.dumps(ticket.pk, salt=TOKEN_SALT, compress=True)


def ticket_from_token(token: str) -> Ticket:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise Http404 from None
    if not isinstance(pk, int):
        raise Http404
    return get_object_or_404(
        Ticket.objects.select_related("hall", "queue", "issued_queue", "window"), pk=pk
    )


def _ticket_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    token = ticket_token(ticket)
    status_url = request.build_absolute_uri(reverse("kiosk:status", args=[token]))
    is_open = ticket.status in (TicketStatus.WAITING, TicketStatus.PARKED)
    ahead = queries.people_ahead(ticket) if is_open else 0
    return {
        "ticket": ticket,
        "token": token,
        "hall": ticket.hall,
        "qr": qr_svg(status_url, scale=4),
        "people_ahead": ahead,
        "wait_minutes": queries.estimate_wait_minutes(ticket, ahead=ahead) if is_open else 0,
        "is_waiting": ticket.status == TicketStatus.WAITING,
    }


def _paper(request: HttpRequest) -> str:
    paper = request.GET.get("paper", "80")
    return paper if paper in PAPER_WIDTHS else "80"


# Kiosk screens -------------------------------------------------------------------------------


def _hall(hall_code: str) -> Hall:
    return get_object_or_404(Hall, code=hall_code, is_active=True)


def _kiosk(
    request: HttpRequest, hall: Hall, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("hall", hall)
    context["elderly"] = bool(request.session.get(ELDERLY_SESSION_KEY))
    context["idle_seconds"] = IDLE_SECONDS
    context["start_url"] = reverse("kiosk:start", args=[hall.code]) + "?reset=1"
    return render(request, template, context, status=status)


def _is_issuing_now(queue: Queue) -> bool:
    now = timezone.localtime().time()
    return queue.issue_from <= now < queue.issue_until


@require_GET
def start(request: HttpRequest, hall_code: str) -> HttpResponse:
    """The start screen: one huge button per active queue, and appointment check-in."""
    hall = _hall(hall_code)
    if request.GET.get("reset"):
        # The idle timer and the end of a ticket screen: the next visitor starts afresh.
        request.session.pop(ELDERLY_SESSION_KEY, None)
        return redirect("kiosk:start", hall.code)
    queues = [
        {"queue": q, "open": _is_issuing_now(q)}
        for q in Queue.objects.filter(hall=hall, is_active=True)
    ]
    return _kiosk(
        request,
        hall,
        "tickets/kiosk/start.html",
        {"queues": queues, "now": timezone.localtime()},
    )


@require_POST
def elderly_mode(request: HttpRequest, hall_code: str) -> HttpResponse:
    hall = _hall(hall_code)
    request.session[ELDERLY_SESSION_KEY] = request.POST.get("on") == "1"
    return redirect("kiosk:start", hall.code)


def _step_response(
    request: HttpRequest, hall: Hall, queue: Queue, form: KioskTicketForm, step: str
) -> HttpResponse:
    steps = form.steps()
    index = steps.index(step)
    summary: dict[str, Any] = {}
    if form.is_bound:
        data = getattr(form, "cleaned_data", {})
        summary = {
            "matters": data.get("matters") or [],
            "priority": data.get("priority") or "",
            "phone": data.get("phone") or "",
            "id_number": data.get("id_number") or "",
        }
    return _kiosk(
        request,
        hall,
        f"tickets/kiosk/step_{step}.html",
        {
            "queue": queue,
            "form": form,
            "step": step,
            "step_number": index + 1,
            "step_count": len(steps),
            "summary": summary,
            "priority_choices": [c for c in form.fields["priority"].choices if c[0]],
        },
    )


@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, hall_code: str, queue_id: int) -> HttpResponse:
    """The optional steps after choosing a queue, then 取号 (issue) on the last one."""
    hall = _hall(hall_code)
    queue = get_object_or_404(Queue, pk=queue_id, hall=hall, is_active=True)
    if request.method == "GET":
        # The idempotency key is made once, when the flow starts; every step carries it on.
        form = KioskTicketForm(initial={"key": uuid.uuid4()}, queue=queue)
        return _step_response(request, hall, queue, form, form.steps()[0])

    data = request.POST.copy()
    probe = KioskTicketForm(queue=queue)
    steps = probe.steps()
    step = data.get("step") if data.get("step") in steps else steps[0]
    # A tap posts the button's action; "back" and "skip" win over a default "next".
    actions = set(data.getlist("action"))
    action = next((a for a in ("back", "skip", "issue") if a in actions), "next")
    if action == "skip":
        for name in ("matters", "priority", "phone", "id_number"):
            if name == step:
                data.setlist(name, [])
    form = KioskTicketForm(data, queue=queue)
    form.is_valid()
    if "key" in form.errors:
        # A tampered or lost flow: start again.
        return redirect("kiosk:start", hall.code)
    if action == "back":
        index = steps.index(step)
        if index == 0:
            return redirect("kiosk:start", hall.code)
        return _step_response(request, hall, queue, form, steps[index - 1])
    error_step = form.first_error_step(upto=step)
    if error_step:
        return _step_response(request, hall, queue, form, error_step)
    if step != "confirm":
        return _step_response(request, hall, queue, form, steps[steps.index(step) + 1])
    if not form.is_valid():  # an error in a later step can only come from a forged post
        return _step_response(request, hall, queue, form, form.first_error_step(upto="confirm"))

    data = form.cleaned_data
    try:
        ticket = issue_ticket(
            hall=hall,
            queue=queue,
            channel=Channel.KIOSK,
            phone=data["phone"],
            id_number=data["id_number"],
            priority=data["priority"] or "",
            matters=data["matters"],
            idempotency_key=str(data["key"]),
        )
    except QueueError as error:
        return _refused(request, hall, error)
    return redirect("kiosk:issued", hall.code, ticket_token(ticket))


def _refused(request: HttpRequest, hall: Hall, error: QueueError) -> HttpResponse:
    return _kiosk(
        request,
        hall,
        "tickets/kiosk/refused.html",
        {"message": str(error), "code": getattr(error, "code", "")},
        status=409,
    )


@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, hall_code: str) -> HttpResponse:
    """Appointment check-in: the booking code on a keypad turns into a ticket."""
    hall = _hall(hall_code)
    if request.method == "GET":
        form = CheckInForm(initial={"key": uuid.uuid4()})
        return _kiosk(request, hall, "tickets/kiosk/check_in.html", _check_in_context(form))
    form = CheckInForm(request.POST)
    if not form.is_valid():
        if "key" in form.errors:
            return redirect("kiosk:check-in", hall.code)
        return _kiosk(request, hall, "tickets/kiosk/check_in.html", _check_in_context(form))
    try:
        ticket = check_in_appointment(
            hall=hall, code=form.cleaned_data["code"], idempotency_key=str(form.cleaned_data["key"])
        )
    except QueueError as error:
        if getattr(error, "field", None) != "code":
            return _refused(request, hall, error)
        # Unknown, used or another day's code: say so beside the code, so it can be re-entered.
        form.add_error("code", str(error))
        return _kiosk(request, hall, "tickets/kiosk/check_in.html", _check_in_context(form))
    return redirect("kiosk:issued", hall.code, ticket_token(ticket))


def _check_in_context(form: CheckInForm) -> dict[str, Any]:
    return {"form": form, "code_keys": list(CODE_ALPHABET), "code_length": CODE_LENGTH}


@require_GET
def issued(request: HttpRequest, hall_code: str, token: str) -> HttpResponse:
    """The kiosk screen after issuing: the ticket, what to do next, printing, back to start."""
    hall = _hall(hall_code)
    ticket = ticket_from_token(token)
    if ticket.hall_id != hall.pk:
        raise Http404
    context = _ticket_context(request, ticket)
    context.update(
        {
            "paper": _paper(request),
            "autoprint": request.GET.get("noprint") != "1",
            "return_seconds": TICKET_SCREEN_SECONDS,
        }
    )
    return _kiosk(request, hall, "tickets/kiosk/issued.html", context)


# Ticket pages reached by link or QR code ------------------------------------------------------


@require_GET
def print_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The printable ticket for 58 mm or 80 mm thermal paper."""
    ticket = ticket_from_token(token)
    context = _ticket_context(request, ticket)
    context["paper"] = _paper(request)
    context["autoprint"] = request.GET.get("autoprint") == "1"
    return render(request, "tickets/kiosk/print.html", context)


@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket's live status on the holder's phone; refreshes itself."""
    ticket = ticket_from_token(token)
    context = _ticket_context(request, ticket)
    context["refresh_seconds"] = STATUS_REFRESH_SECONDS
    context["now"] = timezone.localtime()
    return render(request, "tickets/kiosk/status.html", context)


# Guide desk -----------------------------------------------------------------------------------


@staff_permission_required("tickets.add_ticket")
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, hall_code: str) -> HttpResponse:
    """Staff at the guide desk issue tickets for visitors (channel "guide_desk")."""
    hall = _hall(hall_code)
    if not request.user.is_superuser and request.user.hall_id != hall.pk:
        raise PermissionDenied
    ticket = None
    error = ""
    if request.method == "POST":
        form = DeskTicketForm(request.POST, hall=hall)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = issue_ticket(
                    hall=hall,
                    queue=data["queue"],
                    channel=Channel.GUIDE_DESK,
                    actor=request.user,
                    phone=data["phone"],
                    id_number=data["id_number"],
                    priority=data["priority"] or "",
                    matters=data["matters"],
                    idempotency_key=str(data["key"]),
                )
            except QueueError as exc:
                field = getattr(exc, "field", None)
                if field and field in form.fields:
                    form.add_error(field, str(exc))
                else:
                    error = str(exc)
        if ticket is not None:
            return HttpResponseRedirect(
                reverse("kiosk:desk", args=[hall.code]) + "?issued=" + ticket_token(ticket)
            )
    else:
        form = DeskTicketForm(initial={"key": uuid.uuid4()}, hall=hall)
        token = request.GET.get("issued")
        if token:
            ticket = ticket_from_token(token)
            if ticket.hall_id != hall.pk:
                raise Http404
    return render(
        request,
        "tickets/kiosk/desk.html",
        {
            "hall": hall,
            "form": form,
            "error": error,
            "ticket": ticket,
            "token": ticket_token(ticket) if ticket else "",
            "paper_widths": PAPER_WIDTHS,
        },
    )
