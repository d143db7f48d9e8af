"""“My window” (我的窗口): window staff sign in to a window of their hall, open it, pause it with
a reason, close it and sign out. The full workstation builds on the same services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from onewindow.core.permissions import staff_permission_required
from onewindow.halls import services
from onewindow.halls.forms import PauseForm, SignInForm
from onewindow.halls.models import Hall, Window

SERVE_PERMISSION = "tickets.serve_ticket"


def window_staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        hall = request.user.hall
        if hall is None:
            return render(request, "halls/no_hall.html", status=403)
        return view(request, *args, hall=hall, **kwargs)

    return staff_permission_required(SERVE_PERMISSION)(wrapped)


def _my_window(request: HttpRequest) -> Window | None:
    return Window.objects.filter(clerk=request.user).select_related("zone").first()


def _page(
    request: HttpRequest,
    hall: Hall,
    *,
    sign_in_form: SignInForm | None = None,
    pause_form: PauseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    windows = (
        Window.objects.filter(hall=hall, is_active=True)
        .select_related("clerk", "zone")
        .order_by("number")
    )
    return render(
        request,
        "halls/my_window.html",
        {
            "hall": hall,
            "window": _my_window(request),
            "windows": windows,
            "sign_in_form": sign_in_form or SignInForm(hall=hall),
            "pause_form": pause_form or PauseForm(),
        },
        status=status,
    )


@require_GET
@window_staff_view
def my_window(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _page(request, hall)


@require_POST
@window_staff_view
def sign_in(request: HttpRequest, hall: Hall) -> HttpResponse:
    form = SignInForm(request.POST, hall=hall)
    if not form.is_valid():
        return _page(request, hall, sign_in_form=form, status=400)
    try:
        window = services.sign_in(window=form.cleaned_data["window"], clerk=request.user)
    except services.WindowError as error:
        form.add_error("window", str(error))
        return _page(request, hall, sign_in_form=form, status=409)
    messages.success(
        request,
        _("You are signed in at %(window)s. Open it to start calling.") % {"window": window.label},
    )
    return redirect("halls:my-window")


def _window_action(
    request: HttpRequest, action: Callable[[Window], Window], done: Promise
) -> HttpResponse:
    window = _my_window(request)
    if window is None:
        messages.error(request, _("You are not signed in at any window."))
        return redirect("halls:my-window")
    try:
        window = action(window)
    except services.WindowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, str(done) % {"window": window.label})
    return redirect("halls:my-window")


@require_POST
@window_staff_view
def sign_out(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _window_action(
        request,
        lambda w: services.sign_out(window=w, clerk=request.user),
        gettext_lazy("You have signed out of %(window)s."),
    )


@require_POST
@window_staff_view
def open_window(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _window_action(
        request,
        lambda w: services.open_window(window=w, actor=request.user),
        gettext_lazy("%(window)s is open."),
    )


@require_POST
@window_staff_view
def close_window(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _window_action(
        request,
        lambda w: services.close_window(window=w, actor=request.user),
        gettext_lazy("%(window)s is closed."),
    )


@require_POST
@window_staff_view
def pause_window(request: HttpRequest, hall: Hall) -> HttpResponse:
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _page(request, hall, pause_form=form, status=400)
    return _window_action(
        request,
        lambda w: services.pause_window(window=w, actor=request.user, reason=form.reason_text()),
        gettext_lazy("%(window)s is paused."),
    )
