"""The hall manager's set-up pages (大厅设置): hall settings, zones, windows, queues and which
queues each window serves. A manager manages only the hall they belong to: objects of another
hall are not found (404). Views validate with a form and call one `halls.services` function."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.permissions import staff_permission_required
from onewindow.halls import services
from onewindow.halls.forms import (
    PREVIEW_NUMBER,
    PREVIEW_WINDOW,
    HallSettingsForm,
    QueueForm,
    WindowForm,
    WindowQueuesForm,
    ZoneForm,
)
from onewindow.halls.models import Hall, Window, Zone
from onewindow.tickets.models import Queue, WindowQueue

TEMPLATES = "halls/manage"
# Only the hall manager holds this; an administrator (who may change halls in the admin site)
# does not, so these pages stay the manager's.
MANAGER_PERMISSION = "halls.change_window"


def manager_view(*perms: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Anonymous → login; no permission → 403; no hall → an explanation; else view(hall=…)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            hall = request.user.hall
            if hall is None:
                return render(request, "halls/no_hall.html", status=403)
            return view(request, *args, hall=hall, **kwargs)

        return staff_permission_required(MANAGER_PERMISSION, *perms)(wrapped)

    return decorator


def _history_url(obj: Any) -> str:
    content_type = ContentType.objects.get_for_model(type(obj))
    return reverse("core:history", args=[content_type.pk, obj.pk])


def _not_saved(request: HttpRequest) -> None:
    messages.error(request, _("Not saved. Please correct the fields marked in red."))


def _saved(request: HttpRequest, changed: bool) -> None:
    if changed:
        messages.success(request, _("Saved."))
    else:
        messages.info(request, _("Nothing changed."))


# --- Hall settings ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manager_view("halls.change_hall")
def hall_settings(request: HttpRequest, hall: Hall) -> HttpResponse:
    if request.method == "POST":
        form = HallSettingsForm(request.POST, instance=Hall.objects.get(pk=hall.pk))
        if form.is_valid():
            changed = services.update_hall_settings(
                hall=hall, values=form.cleaned_data, actor=request.user
            )
            _saved(request, changed)
            return redirect("halls:settings")
        _not_saved(request)
    else:
        form = HallSettingsForm(instance=hall)
    return render(
        request,
        f"{TEMPLATES}/settings.html",
        {
            "hall": hall,
            "form": form,
            "preview": form.preview(),
            "preview_number": PREVIEW_NUMBER,
            "preview_window": PREVIEW_WINDOW,
            "history_url": _history_url(hall),
        },
    )


# --- Zones ------------------------------------------------------------------------------------


@require_GET
@manager_view("halls.view_zone")
def zone_list(request: HttpRequest, hall: Hall) -> HttpResponse:
    zones = Zone.objects.filter(hall=hall).annotate(n_windows=Count("windows"))
    return render(request, f"{TEMPLATES}/zone_list.html", {"hall": hall, "zones": zones})


def _zone_form_page(request: HttpRequest, hall: Hall, zone: Zone | None) -> HttpResponse:
    instance = Zone.objects.get(pk=zone.pk) if zone else Zone()
    form = ZoneForm(request.POST or None, instance=instance, hall=hall)
    if request.method == "POST":
        if form.is_valid():
            changed = services.save_zone(zone=form.save(commit=False), actor=request.user)
            _saved(request, changed)
            return redirect("halls:zone-list")
        _not_saved(request)
    return render(
        request,
        f"{TEMPLATES}/zone_form.html",
        {"hall": hall, "form": form, "zone": zone},
    )


@require_http_methods(["GET", "POST"])
@manager_view("halls.add_zone")
def zone_create(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _zone_form_page(request, hall, None)


@require_http_methods(["GET", "POST"])
@manager_view("halls.change_zone")
def zone_edit(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    return _zone_form_page(request, hall, get_object_or_404(Zone, pk=pk, hall=hall))


@require_http_methods(["GET", "POST"])
@manager_view("halls.delete_zone")
def zone_delete(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    zone = get_object_or_404(Zone.objects.annotate(n_windows=Count("windows")), pk=pk, hall=hall)
    if request.method == "POST":
        try:
            services.delete_zone(zone=zone, actor=request.user)
        except services.HallError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Zone “%(name)s” deleted.") % {"name": zone.name})
        return redirect("halls:zone-list")
    return render(request, f"{TEMPLATES}/zone_confirm_delete.html", {"hall": hall, "zone": zone})


# --- Windows ----------------------------------------------------------------------------------


@require_GET
@manager_view("halls.view_window")
def window_list(request: HttpRequest, hall: Hall) -> HttpResponse:
    links = WindowQueue.objects.select_related("queue").order_by("overflow_only", "order", "pk")
    windows = (
        Window.objects.filter(hall=hall)
        .select_related("zone", "department", "clerk")
        .prefetch_related(Prefetch("queue_links", queryset=links))
        .order_by("-is_active", "number")
    )
    return render(request, f"{TEMPLATES}/window_list.html", {"hall": hall, "windows": windows})


def _window_form_page(request: HttpRequest, hall: Hall, window: Window | None) -> HttpResponse:
    instance = Window.objects.get(pk=window.pk) if window else Window()
    form = WindowForm(request.POST or None, instance=instance, hall=hall)
    if request.method == "POST":
        if form.is_valid():
            saved = form.save(commit=False)
            changed = services.save_window(window=saved, actor=request.user)
            _saved(request, changed)
            if window is None:
                messages.info(request, _("Now choose the queues this window serves."))
                return redirect("halls:window-queues", pk=saved.pk)
            return redirect("halls:window-list")
        _not_saved(request)
    return render(
        request,
        f"{TEMPLATES}/window_form.html",
        {
            "hall": hall,
            "form": form,
            "window": window,
            "history_url": _history_url(window) if window else None,
        },
    )


@require_http_methods(["GET", "POST"])
@manager_view("halls.add_window")
def window_create(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _window_form_page(request, hall, None)


@require_http_methods(["GET", "POST"])
@manager_view("halls.change_window")
def window_edit(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    return _window_form_page(request, hall, get_object_or_404(Window, pk=pk, hall=hall))


@require_POST
@manager_view("halls.change_window")
def window_set_active(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    window = get_object_or_404(Window, pk=pk, hall=hall)
    active = request.POST.get("active") == "1"
    try:
        services.set_window_active(window=window, active=active, actor=request.user)
    except services.HallError as error:
        messages.error(request, str(error))
    else:
        if active:
            messages.success(request, _("%(window)s is in use again.") % {"window": window.label})
        else:
            messages.success(request, _("%(window)s is out of use.") % {"window": window.label})
    return redirect("halls:window-list")


@require_POST
@manager_view("halls.change_window")
def window_release(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    window = get_object_or_404(Window.objects.select_related("clerk"), pk=pk, hall=hall)
    name = window.clerk.display_name if window.clerk else ""
    try:
        services.release_window(window=window, actor=request.user)
    except services.WindowError as error:
        messages.error(request, str(error))
    else:
        if name:
            messages.success(
                request,
                _("%(name)s has been signed out of %(window)s.")
                % {"name": name, "window": window.label},
            )
    return redirect("halls:window-list")


@require_http_methods(["GET", "POST"])
@manager_view("tickets.change_windowqueue", "tickets.add_windowqueue", "tickets.delete_windowqueue")
def window_queues(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    window = get_object_or_404(Window.objects.select_related("zone"), pk=pk, hall=hall)
    queues = list(Queue.objects.filter(hall=hall))
    links = {link.queue_id: link for link in WindowQueue.objects.filter(window=window)}
    form = WindowQueuesForm(request.POST or None, queues=queues, links=links)
    if request.method == "POST":
        if form.is_valid():
            chosen = [
                services.QueueLink(queue=q, order=order, overflow_only=overflow)
                for q, order, overflow in form.chosen()
            ]
            changed = services.set_window_queues(window=window, links=chosen, actor=request.user)
            _saved(request, changed)
            return redirect("halls:window-queues", pk=window.pk)
        _not_saved(request)
    return render(
        request,
        f"{TEMPLATES}/window_queues.html",
        {"hall": hall, "window": window, "form": form, "rows": form.rows()},
    )


# --- Queues -----------------------------------------------------------------------------------


@require_GET
@manager_view("tickets.view_queue")
def queue_list(request: HttpRequest, hall: Hall) -> HttpResponse:
    queues = list(Queue.objects.filter(hall=hall))
    serving = services.windows_serving(queues)
    rows = [(q, serving.get(q.pk, [])) for q in queues]
    return render(request, f"{TEMPLATES}/queue_list.html", {"hall": hall, "rows": rows})


def _queue_form_page(request: HttpRequest, hall: Hall, queue: Queue | None) -> HttpResponse:
    instance = Queue.objects.get(pk=queue.pk) if queue else Queue()
    form = QueueForm(request.POST or None, instance=instance, hall=hall)
    if request.method == "POST":
        if form.is_valid():
            changed = services.save_queue(queue=form.save(commit=False), actor=request.user)
            _saved(request, changed)
            return redirect("halls:queue-list")
        _not_saved(request)
    return render(
        request,
        f"{TEMPLATES}/queue_form.html",
        {
            "hall": hall,
            "form": form,
            "queue": queue,
            "history_url": _history_url(queue) if queue else None,
        },
    )


@require_http_methods(["GET", "POST"])
@manager_view("tickets.add_queue")
def queue_create(request: HttpRequest, hall: Hall) -> HttpResponse:
    return _queue_form_page(request, hall, None)


@require_http_methods(["GET", "POST"])
@manager_view("tickets.change_queue")
def queue_edit(request: HttpRequest, hall: Hall, pk: int) -> HttpResponse:
    return _queue_form_page(request, hall, get_object_or_404(Queue, pk=pk, hall=hall))


@require_POST
@manager_view("tickets.add_queue")
def queue_defaults(request: HttpRequest, hall: Hall) -> HttpResponse:
    try:
        created = services.create_default_queues(hall=hall, actor=request.user)
    except services.HallError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(n)s default queues created. Now choose which windows serve them.")
            % {"n": len(created)},
        )
    return redirect("halls:queue-list")
