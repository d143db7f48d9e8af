"""A case's written documents for staff: the print page and the archival PDF of each.

Who may open them: the front desk and the certificate window of the case's hall, and the
reviewers of its department. Staff in another hall or department find nothing (404), like on
the case pages themselves; staff without any of these roles get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from onewindow.cases import documents
from onewindow.cases.models import Case

HALL_PERMISSIONS = ("cases.receive_case", "cases.deliver_case")
DEPARTMENT_PERMISSION = "cases.review_case"


def _document_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not any(request.user.has_perm(p) for p in (*HALL_PERMISSIONS, DEPARTMENT_PERMISSION)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _scoped_case(request: HttpRequest, number: str) -> Case:
    user = request.user
    scope = Q(pk__in=[])
    if user.hall_id and any(user.has_perm(p) for p in HALL_PERMISSIONS):
        scope |= Q(hall_id=user.hall_id)
    if user.department_id and user.has_perm(DEPARTMENT_PERMISSION):
        scope |= Q(department_id=user.department_id)
    return get_object_or_404(
        Case.objects.filter(scope).select_related("hall", "item", "item_version", "department"),
        number=number,
    )


def _document(request: HttpRequest, number: str, slug: str) -> documents.Document:
    document = documents.find(_scoped_case(request, number), slug)
    if document is None:
        raise Http404
    return document


def _back_url(request: HttpRequest, document: documents.Document) -> str:
    """The case page this member of staff came from: review, certificate window or intake."""
    user, case = request.user, document.case
    front_desk = user.has_perm("cases.receive_case") and user.hall_id == case.hall_id
    certificate = user.has_perm("cases.deliver_case") and user.hall_id == case.hall_id
    if user.has_perm(DEPARTMENT_PERMISSION) and user.department_id == case.department_id:
        name = "cases:review-case"
    elif certificate and (document.kind in ("result", "delivery") or not front_desk):
        name = "cases:result-case"
    else:
        name = "cases:intake-case"
    return reverse(name, args=[case.number])


@require_GET
@_document_staff
def document_page(request: HttpRequest, number: str, slug: str) -> HttpResponse:
    document = _document(request, number, slug)
    links = {
        "back_url": _back_url(request, document),
        "pdf_url": reverse("cases:document-pdf", args=[number, slug]),
    }
    return HttpResponse(documents.render_html(document, request=request, links=links))


@require_GET
@_document_staff
def document_pdf(request: HttpRequest, number: str, slug: str) -> HttpResponse:
    document = _document(request, number, slug)
    return documents.pdf_response(documents.archive(document), document)
