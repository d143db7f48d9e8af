"""The public rating page a QR code, an SMS link or the tracking page opens (no login).

Five levels, none chosen beforehand; after a bad level the reasons. Staff signed in on the
device see the page but cannot submit it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.cases.models import Case
from onewindow.evaluations import services, tokens
from onewindow.evaluations.models import BAD_LEVELS, Evaluation, Level, RatingChannel, Reason
from onewindow.halls.models import Window
from onewindow.tickets.models import Ticket

# Where a link may say it came from; the rating pad has its own page.
LINK_CHANNELS = (RatingChannel.QR, RatingChannel.SMS, RatingChannel.ONLINE)


@dataclass(frozen=True)
class Rated:
    """What the rater is rating, in their terms."""

    kind: str
    title: str
    hall: str
    details: list[tuple[str, str]]


def _describe(subject: tokens.Subject) -> Rated | None:
    if subject.kind == "ticket":
        ticket = (
            Ticket.objects.select_related("hall", "window", "clerk").filter(pk=subject.pk).first()
        )
        if ticket is None:
            return None
        details = [(_("Your number"), ticket.code)]
        if ticket.window:
            details.append((_("Window"), _("Window %(n)s") % {"n": ticket.window.number}))
        if ticket.clerk:
            details.append((_("Clerk who served you"), ticket.clerk.display_name))
        return Rated("ticket", _("Rate the service you received"), ticket.hall.name, details)
    case = Case.objects.select_related("hall", "item").filter(pk=subject.pk).first()
    if case is None:
        return None
    return Rated(
        "case",
        _("Rate how your application was handled"),
        case.hall.name,
        [(_("Case number"), case.number), (_("Item"), case.item.name)],
    )


def _channel(value: str) -> str:
    return value if value in LINK_CHANNELS else RatingChannel.QR


@require_http_methods(["GET", "POST"])
def rate_page(request: HttpRequest, token: str) -> HttpResponse:
    subject = tokens.subject(token)
    rated = _describe(subject) if subject else None
    if subject is None or rated is None:
        return render(request, "evaluations/invalid.html", status=404)
    channel = _channel(request.POST.get("via") or request.GET.get("via", ""))
    errors: dict[str, str] = {}
    chosen: dict[str, Any] = {"level": None, "reasons": [], "comment": "", "phone": ""}
    status = 200
    thanks = None
    if request.method == "POST":
        chosen = {
            "level": request.POST.get("level"),
            "reasons": request.POST.getlist("reasons"),
            "comment": request.POST.get("comment", ""),
            "phone": request.POST.get("phone", ""),
        }
        try:
            thanks = services.rate(
                kind=subject.kind,
                pk=subject.pk,
                level=chosen["level"],
                channel=channel,
                reasons=chosen["reasons"],
                comment=chosen["comment"],
                phone=chosen["phone"],
                actor=request.user,
            )
        except services.RatingError as error:
            errors[error.field or "__all__"] = error.message
            status = 400
    attempt, was_rated = services.rating_state(subject.kind, subject.pk)
    return render(
        request,
        "evaluations/rate.html",
        {
            "rated": rated,
            "thanks": thanks,
            "attempt": attempt,
            "was_rated": was_rated,
            "staff": request.user.is_authenticated,
            "levels": Level.choices,
            "bad_levels": [int(v) for v in BAD_LEVELS],
            "reasons": Reason.choices,
            "via": channel,
            "errors": errors,
            "page_error": errors.get("__all__", ""),
            "chosen": chosen,
        },
        status=status,
    )


# --- the rating pad facing the applicant at a window ----------------------------------------------


def _pad_window(token: str) -> Window:
    pk = tokens.pad_window(token)
    window = (
        Window.objects.select_related("hall", "clerk").filter(pk=pk, is_active=True).first()
        if pk
        else None
    )
    if window is None:
        raise Http404
    return window


def _service_to_rate(window: Window) -> Ticket | None:
    """The service this window finished in the last ONEWINDOW_RATING_PAD_SECONDS, unrated."""
    since = timezone.now() - datetime.timedelta(seconds=settings.ONEWINDOW_RATING_PAD_SECONDS)
    ticket = (
        Ticket.objects.filter(window=window, status="done", finished_at__gte=since)
        .select_related("clerk")
        .order_by("-finished_at")
        .first()
    )
    if ticket is None or Evaluation.objects.filter(ticket=ticket).exists():
        return None
    return ticket


def _pad_context(window: Window, token: str, ticket: Ticket | None, **extra: Any) -> dict:
    remaining = 0
    if ticket is not None and ticket.finished_at:
        age = (timezone.now() - ticket.finished_at).total_seconds()
        remaining = max(1, int(settings.ONEWINDOW_RATING_PAD_SECONDS - age))
    return {
        "window": window,
        "token": token,
        "ticket": ticket,
        "remaining": remaining,
        "levels": Level.choices,
        "bad_levels": [int(v) for v in BAD_LEVELS],
        "reasons": Reason.choices,
        "errors": {},
        "chosen": {"level": None, "reasons": [], "comment": ""},
        **extra,
    }


@require_http_methods(["GET", "POST"])
def pad(request: HttpRequest, token: str) -> HttpResponse:
    """The pad's page; its body is refreshed from `pad_state` every two seconds."""
    window = _pad_window(token)
    if request.method == "POST":
        return _pad_rate(request, window, token)
    context = _pad_context(window, token, _service_to_rate(window))
    return render(request, "evaluations/pad.html", context)


@require_GET
def pad_state(request: HttpRequest, token: str) -> HttpResponse:
    window = _pad_window(token)
    context = _pad_context(window, token, _service_to_rate(window))
    return render(request, "evaluations/_pad_body.html", context)


def _pad_rate(request: HttpRequest, window: Window, token: str) -> HttpResponse:
    ticket = _service_to_rate(window)
    chosen = {
        "level": request.POST.get("level"),
        "reasons": request.POST.getlist("reasons"),
        "comment": request.POST.get("comment", ""),
    }
    if ticket is None or str(ticket.pk) != request.POST.get("ticket", ""):
        # Too late (timed out) or rated already: nothing is recorded.
        context = _pad_context(window, token, None, expired=True)
        return render(request, "evaluations/_pad_body.html", context, status=400)
    try:
        services.rate(
            kind="ticket",
            pk=ticket.pk,
            level=chosen["level"],
            channel=RatingChannel.PAD,
            reasons=chosen["reasons"],
            comment=chosen["comment"],
            actor=request.user,
        )
    except services.RatingError as error:
        context = _pad_context(
            window, token, ticket, errors={error.field or "__all__": error.message}, chosen=chosen
        )
        return render(request, "evaluations/_pad_body.html", context, status=400)
    context = _pad_context(window, token, None, thanks=True)
    return render(request, "evaluations/_pad_body.html", context)
