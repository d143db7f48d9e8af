"""A case's uploaded files, streamed only to staff who may see the case.

Never through /media/ (settings.ONEWINDOW_PROTECTED_MEDIA refuses ``cases/`` there): front-desk
clerks and certificate clerks of the case's hall, and reviewers of its department. Anyone else
is told the file does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from onewindow.cases.models import Case, CaseFile

CASE_PERMISSIONS = ("cases.receive_case", "cases.review_case", "cases.deliver_case")


def may_see_case(user: Any, case: Case) -> bool:
    """Front desk and certificate window of the case's hall; reviewers of its department."""
    if not getattr(user, "is_authenticated", False):
        return False
    hall_id = getattr(user, "hall_id", None)
    if (
        hall_id is not None
        and hall_id == case.hall_id
        and (user.has_perm("cases.receive_case") or user.has_perm("cases.deliver_case"))
    ):
        return True
    department_id = getattr(user, "department_id", None)
    return (
        department_id is not None
        and department_id == case.department_id
        and user.has_perm("cases.review_case")
    )


@require_http_methods(["GET"])
def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not any(user.has_perm(p) for p in CASE_PERMISSIONS):
        raise PermissionDenied
    case_file = get_object_or_404(CaseFile.objects.select_related("case"), pk=pk)
    if not may_see_case(user, case_file.case):
        raise Http404
    try:
        handle = case_file.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    stem = case_file.original_name.rsplit(".", 1)[0] or "file"
    response = FileResponse(
        handle,
        content_type=case_file.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=f"{stem}{case_file.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if case_file.content_type.startswith("image/"):
        # Opened on its own, a picture may not run or load anything. (A sandbox would stop the
        # browser's PDF viewer, so PDFs rely on their checked type and nosniff.)
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response
