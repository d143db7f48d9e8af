from __future__ import annotations

import posixpath
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.static import serve

from onewindow.core.audit import history_for
from onewindow.core.permissions import staff_permission_required, staff_required


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"roles": request.user.roles_display()})


def field_labels(model: type[Any] | None) -> dict[str, str]:
    if model is None:
        return {}
    return {f.name: str(getattr(f, "verbose_name", f.name)) for f in model._meta.get_fields()}


@require_GET
@staff_permission_required("core.view_auditevent")
def history(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None:
        raise Http404
    obj = model._default_manager.filter(pk=object_id).first()
    if obj is None:
        raise Http404
    view_perm = f"{content_type.app_label}.view_{content_type.model}"
    if not request.user.has_perm(view_perm) and not request.user.has_perm(
        f"{content_type.app_label}.change_{content_type.model}"
    ):
        raise PermissionDenied
    return render(
        request,
        "core/history.html",
        {"object": obj, "events": history_for(obj)[:500], "labels": field_labels(model)},
    )


@require_GET
@staff_permission_required("core.view_calendarday")
def calendar_page(request: HttpRequest) -> HttpResponse:
    from onewindow.core.calendar_views import calendar_page as impl

    return impl(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be the thing that failed.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded files. Blank forms and samples are public; prefixes in
    settings.ONEWINDOW_PROTECTED_MEDIA (e.g. signed agreement scans) need a permission; a prefix
    mapped to None (a case's files) is never served here."""
    # Checked on the path `serve` will open: "./cases/…" or "x/../cases/…" must not slip past.
    path = posixpath.normpath(path).lstrip("/")
    for prefix, perm in settings.ONEWINDOW_PROTECTED_MEDIA.items():
        if path.startswith(prefix):
            if perm is None:
                raise Http404
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response
