"""The window workstation (窗口工作台): the clerk at a window calls, serves and hands on tickets.

One page with two parts: the main panel (the current ticket, the big action, the tools) and the
side panel (waiting counts, the next tickets in line, the clerk's figures today), which the page
polls every few seconds. Every action is a plain form POST that redirects back to the page; with
htmx the same POST answers with the main panel only (and an `HX-Trigger` so the side panel
refreshes at once). A refused action (`QueueError`, `WindowError`) changes nothing and shows its
message in the main panel.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onewindow.halls import services as hall_services
from onewindow.halls.forms import PAUSE_REASONS, PauseForm
from onewindow.halls.models import Hall, Window
from onewindow.halls.views.staff import window_staff_view
from onewindow.tickets import queries, services
from onewindow.tickets.models import Queue, Ticket, TicketStatus, WindowQueue
from onewindow.tickets.services import Outcome, QueueError

TEMPLATE = "tickets/workstation/page.html"
SIDE_POLL_SECONDS = 5
NEXT_WAITING = 10
CHANGED_EVENT = "workstation-changed"


# Reading the state ----------------------------------------------------------------------------


def _my_window(request: HttpRequest, hall: Hall) -> Window | None:
    return Window.objects.filter(clerk=request.user, hall=hall).first()


def _current_ticket(window: Window) -> Ticket | None:
    return (
        Ticket.objects.filter(window=window, status__in=services.ACTIVE)
        .select_related("queue")
        .prefetch_related("matters")
        .first()
    )


def _today() -> datetime.date:
    return timezone.localdate()


def _main_context(request: HttpRequest, hall: Hall) -> dict[str, Any]:
    window = _my_window(request, hall)
    context: dict[str, Any] = {"hall": hall, "window": window, "outcomes": Outcome.choices}
    if window is None:
        return context
    ticket = _current_ticket(window)
    today = _today()
    context.update(
        ticket=ticket,
        needed_calls=hall.no_show_after_calls,
        pause_reasons=PAUSE_REASONS,
        parked=list(
            Ticket.objects.filter(hall=hall, day=today, status=TicketStatus.PARKED)
            .select_related("queue")
            .order_by("queued_at", "id")[:20]
        ),
        no_shows=list(
            Ticket.objects.filter(window=window, day=today, status=TicketStatus.NO_SHOW).order_by(
                "-called_at", "-id"
            )[:10]
        ),
    )
    if ticket is not None:
        since = ticket.started_at if ticket.status == TicketStatus.SERVING else ticket.called_at
        context.update(
            elapsed=_mm_ss((timezone.now() - since).total_seconds() if since else 0),
            # For the ticking timer (workstation.js): milliseconds since the epoch.
            since_ms=int(since.timestamp() * 1000) if since else "",
            can_no_show=ticket.call_count >= hall.no_show_after_calls,
            transfer_queues=list(Queue.objects.filter(hall=hall, is_active=True)),
            transfer_windows=list(
                Window.objects.filter(hall=hall, is_active=True).exclude(pk=window.pk)
            ),
        )
    return context


def _mm_ss(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _service_stats(request: HttpRequest, hall: Hall, today: datetime.date) -> dict[str, Any]:
    """The clerk's tickets finished today and their average service time (one query)."""
    spans = list(
        Ticket.objects.filter(
            hall=hall, day=today, clerk=request.user, status=TicketStatus.DONE
        ).values_list("started_at", "finished_at")
    )
    seconds = [(end - start).total_seconds() for start, end in spans if start and end]
    return {
        "served_today": len(spans),
        "average_service": _mm_ss(sum(seconds) / len(seconds)) if seconds else "",
    }


def _side_context(
    request: HttpRequest, hall: Hall, *, known: bool = False, window: Window | None = None
) -> dict[str, Any]:
    """`known`: the caller has read the clerk's window already (`window`, maybe None)."""
    if not known:
        window = _my_window(request, hall)
    today = _today()
    context: dict[str, Any] = {
        "hall": hall,
        "window": window,
        "poll_seconds": SIDE_POLL_SECONDS,
        **_service_stats(request, hall, today),
    }
    if window is None:
        return context
    links = list(
        WindowQueue.objects.filter(window=window, queue__is_active=True)
        .select_related("queue")
        .order_by("overflow_only", "order", "id")
    )
    counts = queries.waiting_counts(hall, day=today)
    context["served_queues"] = [
        {
            "queue": link.queue,
            "overflow": link.overflow_only,
            "waiting": counts.get(link.queue_id, 0),
        }
        for link in links
    ]
    local = timezone.localtime()
    context["next_waiting"] = queries.head_of_line(
        queue_ids=[link.queue_id for link in links],
        day=today,
        at_time=local.time(),
        n=NEXT_WAITING,
        window=window,
    )
    return context


# Responses ------------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _main_response(
    request: HttpRequest, hall: Hall, *, error: str = "", notice: str = ""
) -> HttpResponse:
    """After an action: the main panel for htmx; a redirect (or the page with the error)."""
    if _is_htmx(request):
        context = _main_context(request, hall)
        context.update(error=error, notice=notice)
        response = render(request, f"{TEMPLATE}#main", context)
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    if error:
        context = _main_context(request, hall)
        context.update(_side_context(request, hall, known=True, window=context["window"]))
        context["error"] = error
        return render(request, TEMPLATE, context, status=409)
    if notice:
        messages.info(request, notice)
    return redirect("workstation:page")


def _act(request: HttpRequest, hall: Hall, action: Callable[[], Any]) -> HttpResponse:
    try:
        result = action()
    except (QueueError, hall_services.WindowError) as exc:
        return _main_response(request, hall, error=str(exc))
    notice = result if isinstance(result, str) else ""
    return _main_response(request, hall, notice=notice)


def _window_or_error(request: HttpRequest, hall: Hall) -> Window:
    window = _my_window(request, hall)
    if window is None:
        raise QueueError(_("Sign in at a window first."), code="not_signed_in")
    return window


def _ticket(hall: Hall, pk: int) -> Ticket:
    ticket = Ticket.objects.filter(hall=hall, pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def _reason(request: HttpRequest) -> str:
    return (request.POST.get("reason") or "").strip()[:200]


# Pages ----------------------------------------------------------------------------------------


@require_GET
@window_staff_view
def page(request: HttpRequest, hall: Hall) -> HttpResponse:
    context = _main_context(request, hall)
    context.update(_side_context(request, hall, known=True, window=context["window"]))
    return render(request, TEMPLATE, context)


@require_GET
@window_staff_view
def side(request: HttpRequest, hall: Hall) -> HttpResponse:
    """The side panel alone (polled)."""
    return render(request, f"{TEMPLATE}#side", _side_context(request, hall))


# Calling --------------------------------------------------------------------------------------


@require_POST
@window_staff_view
def call_next(request: HttpRequest, hall: Hall) -> HttpResponse:
    def action() -> str:
        window = _window_or_error(request, hall)
        ticket = services.call_next(window=window, actor=request.user)
        if ticket is None:
            return _("Nobody is waiting for this window.")
        return ""

    return _act(request, hall, action)


@require_POST
@window_staff_view
def call_ticket(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    return _act(
        request,
        hall,
        lambda: services.call_ticket(
            window=_window_or_error(request, hall),
            ticket=ticket,
            actor=request.user,
            reason=_reason(request),
        ),
    )


@require_POST
@window_staff_view
def recall(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    return _act(request, hall, lambda: services.recall(ticket=ticket, actor=request.user))


@require_POST
@window_staff_view
def no_show(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    return _act(request, hall, lambda: services.mark_no_show(ticket=ticket, actor=request.user))


@require_POST
@window_staff_view
def reactivate(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    return _act(request, hall, lambda: services.reactivate(ticket=ticket, actor=request.user))


# Serving --------------------------------------------------------------------------------------


@require_POST
@window_staff_view
def start(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    verified = bool(request.POST.get("priority_verified")) if ticket.priority else None
    return _act(
        request,
        hall,
        lambda: services.start_service(
            ticket=ticket, actor=request.user, priority_verified=verified
        ),
    )


@require_POST
@window_staff_view
def finish(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    chosen = {str(pk) for pk in ticket.matters.values_list("pk", flat=True)}
    # Only the matters the ticket carries can be ticked; anything else is ignored.
    handled = [int(v) for v in request.POST.getlist("matters") if v in chosen]
    return _act(
        request,
        hall,
        lambda: services.finish_service(
            ticket=ticket,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            matters=handled,
        ),
    )


def _hall_object(model: Any, hall: Hall, value: str | None, **filters: Any) -> Any:
    if not value or not value.isdigit():
        return None
    return model.objects.filter(hall=hall, pk=int(value), **filters).first()


@require_POST
@window_staff_view
def transfer(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    to_queue = _hall_object(Queue, hall, request.POST.get("to_queue"), is_active=True)
    to_window = _hall_object(Window, hall, request.POST.get("to_window"), is_active=True)
    return _act(
        request,
        hall,
        lambda: services.transfer(
            ticket=ticket,
            actor=request.user,
            reason=_reason(request),
            to_queue=to_queue,
            to_window=to_window,
        ),
    )


@require_POST
@window_staff_view
def park(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    return _act(
        request,
        hall,
        lambda: services.park(ticket=ticket, actor=request.user, reason=_reason(request)),
    )


@require_POST
@window_staff_view
def resume(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    ticket = _ticket(hall, pk)
    return _act(request, hall, lambda: services.resume(ticket=ticket, actor=request.user))


# The window -----------------------------------------------------------------------------------


@require_POST
@window_staff_view
def pause_window(request: HttpRequest, hall: Hall) -> HttpResponse:
    form = PauseForm(request.POST)

    def action() -> Any:
        window = _window_or_error(request, hall)
        if not form.is_valid():
            errors = [e for errs in form.errors.values() for e in errs]
            raise QueueError(errors[0] if errors else _("Say why the window pauses."))
        return hall_services.pause_window(
            window=window, actor=request.user, reason=form.reason_text()
        )

    return _act(request, hall, action)


@require_POST
@window_staff_view
def open_window(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _act(
        request,
        hall,
        lambda: hall_services.open_window(
            window=_window_or_error(request, hall), actor=request.user
        ),
    )
