"""Staff pages of 好差评: results, the rectification of bad ratings, appeals, my ratings.

Hall managers handle rectifications and decide appeals of their own hall; supervisors read the
results (excluded ratings listed apart); clerks see the ratings of their own services — never
who gave them — and may appeal one. Nobody here can create or change a rating's level.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.core import audit
from onewindow.core.permissions import staff_permission_required
from onewindow.evaluations import queries, services, tokens
from onewindow.evaluations.models import (
    Appeal,
    AppealGround,
    AppealStatus,
    Evaluation,
    Reason,
    Rectification,
)
from onewindow.halls.models import Window

PERIOD_DAYS = 30


def _hall_id(request: HttpRequest) -> int:
    hall_id = getattr(request.user, "hall_id", None)
    if hall_id is None:
        raise PermissionDenied
    return hall_id


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    end = parse_date(request.GET.get("to", "") or "") or today
    start = parse_date(request.GET.get("from", "") or "") or end - datetime.timedelta(
        days=PERIOD_DAYS - 1
    )
    if start > end:
        start, end = end, start
    return start, end


@require_GET
@staff_permission_required("evaluations.view_results")
def results(request: HttpRequest) -> HttpResponse:
    start, end = _period(request)
    data = queries.results(_hall_id(request), start, end)
    peak = max((line.n for line in data.trend), default=0)
    return render(
        request,
        "evaluations/manage/results.html",
        {"data": data, "start": start, "end": end, "peak": peak, "reasons": dict(Reason.choices)},
    )


@require_GET
@staff_permission_required("evaluations.handle_rectification")
def rectification_list(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    rows = queries.rectification_rows(
        _hall_id(request), timezone.localdate(), open_only=not show_all
    )
    return render(
        request,
        "evaluations/manage/rectifications.html",
        {"rows": rows, "show_all": show_all, "reasons": dict(Reason.choices)},
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("evaluations.handle_rectification")
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = get_object_or_404(
        Rectification.objects.select_related(
            "evaluation__window", "evaluation__clerk", "evaluation__item", "evaluation__ticket"
        ),
        pk=pk,
        evaluation__hall_id=_hall_id(request),
    )
    errors: dict[str, str] = {}
    values = {k: request.POST.get(k, "") for k in ("note", "measures", "report")}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "verify":
                services.verify(
                    rectification=rectification, actor=request.user, note=values["note"]
                )
            elif action == "report":
                services.report_back(
                    rectification=rectification,
                    actor=request.user,
                    measures=values["measures"],
                    report=values["report"],
                )
            else:
                return HttpResponse(status=400)
        except services.RatingError as error:
            errors[error.field or "__all__"] = error.message
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("ratings:rectification", pk=rectification.pk)
        rectification.refresh_from_db()
    today = timezone.localdate()
    due = {"verifying": rectification.verify_due, "rectifying": rectification.rectify_due}.get(
        rectification.status
    )
    return render(
        request,
        "evaluations/manage/rectification.html",
        {
            "r": rectification,
            "e": rectification.evaluation,
            "light": queries.light(due, today),
            "due": due,
            "errors": errors,
            "page_error": errors.get("__all__", ""),
            "values": values,
            "reasons": dict(Reason.choices),
            "history": audit.history_for(rectification),
            "labels": {
                "note": _("What the rater said"),
                "measures": _("Measures taken"),
                "report": _("What the rater was told"),
            },
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("evaluations.decide_appeal")
def appeal_list(request: HttpRequest) -> HttpResponse:
    hall_id = _hall_id(request)
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        appeal = get_object_or_404(
            Appeal, pk=request.POST.get("appeal") or 0, evaluation__hall_id=hall_id
        )
        decision = request.POST.get("decision", "")
        if decision not in ("uphold", "reject"):
            return HttpResponse(status=400)
        try:
            services.decide_appeal(
                appeal=appeal,
                actor=request.user,
                upheld=decision == "uphold",
                decision=request.POST.get("reasons", ""),
            )
        except services.RatingError as error:
            errors[appeal.pk] = error.message
            status = 400
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("ratings:appeals")
    appeals = (
        Appeal.objects.filter(evaluation__hall_id=hall_id)
        .select_related("evaluation__window", "evaluation__clerk", "filed_by", "decided_by")
        .order_by("status", "-filed_at")[:200]
    )
    return render(
        request,
        "evaluations/manage/appeals.html",
        {"appeals": appeals, "errors": errors, "pending": AppealStatus.PENDING},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("evaluations.file_appeal")
def my_ratings(request: HttpRequest) -> HttpResponse:
    """The ratings of the services I gave (levels and reasons only: never the rater)."""
    errors: dict[int, str] = {}
    status = 200
    mine = Evaluation.objects.filter(clerk=request.user)
    if request.method == "POST":
        evaluation = get_object_or_404(mine, pk=request.POST.get("evaluation") or 0)
        try:
            services.file_appeal(
                evaluation=evaluation,
                actor=request.user,
                ground=request.POST.get("ground", ""),
                statement=request.POST.get("statement", ""),
            )
        except services.RatingError as error:
            errors[evaluation.pk] = error.message
            status = 400
        else:
            messages.success(request, _("Your appeal has been filed."))
            return redirect("ratings:mine")
    rows = list(
        mine.select_related("window", "item")
        .prefetch_related("appeals")
        .defer("rater_phone")
        .order_by("-rated_at")[:100]
    )
    return render(
        request,
        "evaluations/manage/mine.html",
        {
            "rows": rows,
            "errors": errors,
            "grounds": AppealGround.choices,
            "reasons": dict(Reason.choices),
        },
        status=status,
    )


@require_GET
@staff_permission_required("halls.change_window")
def pads(request: HttpRequest) -> HttpResponse:
    """Each window's rating-pad address, to open once on the tablet facing the applicant."""
    windows = Window.objects.filter(hall_id=_hall_id(request), is_active=True).order_by("number")
    rows = [
        (w, request.build_absolute_uri(reverse("evaluations:pad", args=[tokens.for_pad(w.pk)])))
        for w in windows
    ]
    return render(request, "evaluations/manage/pads.html", {"rows": rows})
