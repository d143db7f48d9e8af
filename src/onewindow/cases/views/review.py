"""The back office's work queue: a reviewer's department's cases, the most urgent first."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from onewindow.cases import queries, services
from onewindow.cases.models import Case
from onewindow.core.permissions import staff_permission_required


@require_http_methods(["GET"])
@staff_permission_required("cases.review_case")
def work_queue(request: HttpRequest) -> HttpResponse:
    department = request.user.department
    if department is None:
        return render(request, "cases/no_department.html", status=403)
    mine = request.GET.get("mine") == "1"
    rows = queries.review_queue(
        department_id=department.pk,
        today=timezone.localdate(),
        reviewer=request.user if mine else None,
    )
    return render(
        request,
        "cases/review_queue.html",
        {"rows": rows, "department": department, "mine": mine, "limit": queries.QUEUE_LIMIT},
    )


@require_http_methods(["POST"])
@staff_permission_required("cases.review_case")
def claim(request: HttpRequest, number: str) -> HttpResponse:
    # Only the reviewer's own department: another department's case is simply not found.
    case = get_object_or_404(Case, number=number, department_id=request.user.department_id)
    try:
        services.claim_case(case=case, actor=request.user)
    except services.CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{case.number} ✓")
    return redirect("cases:review-queue")
