"""Material transfer (材料流转): paper dossiers travel on a hand-over sheet (交接单).

Electronic materials reach the back office with the acceptance. Paper follows: the front desk
of a hall picks accepted cases of one department, makes a sheet and prints it; the department's
back office confirms receipt. Clerks see their hall's sheets, reviewers their department's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import queries, services
from onewindow.cases.models import Case
from onewindow.core.permissions import staff_permission_required, staff_required

RECENTLY_CONFIRMED = 50


class HandOverForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(),
        to_field_name="number",
        error_messages={
            "required": gettext_lazy("Choose the cases to hand over."),
            "invalid_choice": gettext_lazy("Case %(value)s is not a case of this hall."),
        },
    )

    def __init__(self, *args: Any, hall_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = Case.objects.filter(hall_id=hall_id).order_by("pk")


# --- front desk ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_permission_required("cases.receive_case")
def paper_queue(request: HttpRequest) -> HttpResponse:
    """Paper to hand over, by department; POST makes a sheet of the chosen cases."""
    hall_id = request.user.hall_id
    errors: list[str] = []
    chosen: set[str] = set()
    if request.method == "POST":
        form = HandOverForm(request.POST, hall_id=hall_id)
        chosen = set(request.POST.getlist("cases"))
        if form.is_valid():
            try:
                sheet = services.hand_over_paper(
                    cases=list(form.cleaned_data["cases"]), actor=request.user
                )
            except services.CaseError as error:
                errors.append(error.message)
            else:
                messages.success(
                    request,
                    _("Hand-over sheet %(number)s is ready: print it and send it with the paper.")
                    % {"number": sheet.number},
                )
                return redirect("cases:handover-sheet", number=sheet.number)
        else:
            errors.extend(str(e) for e in form.errors.get("cases", []))
    groups = queries.paper_to_hand_over(hall_id=hall_id)
    return render(
        request,
        "cases/handover_queue.html",
        {
            "groups": groups,
            "errors": errors,
            "chosen": chosen,
            "shown": sum(len(g.cases) for g in groups),
            "limit": queries.HAND_OVER_LIMIT,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET"])
@staff_permission_required("cases.receive_case")
def hall_sheets(request: HttpRequest) -> HttpResponse:
    """The hall's sheets, newest first, with their state."""
    sheets = queries.hand_over_sheets(hall_id=request.user.hall_id).order_by("-created_at", "-id")[
        : queries.SHEET_LIMIT
    ]
    return render(
        request,
        "cases/handover_sheets.html",
        {"sheets": sheets, "limit": queries.SHEET_LIMIT},
    )


@require_http_methods(["GET"])
@staff_required
def sheet(request: HttpRequest, number: str) -> HttpResponse:
    """The printable A4 sheet: for the hall that made it and the department it goes to."""
    user = request.user
    front_desk = user.has_perm("cases.receive_case")
    back_office = user.has_perm("cases.review_case")
    if not (front_desk or back_office):
        raise PermissionDenied
    scope = Q(pk__in=[])
    if front_desk and user.hall_id:
        scope |= Q(hall_id=user.hall_id)
    if back_office and user.department_id:
        scope |= Q(department_id=user.department_id)
    hand_over = get_object_or_404(queries.hand_over_sheets().filter(scope), number=number)
    lines = hand_over.lines.select_related("case__item").order_by("case__number")
    return render(
        request,
        "cases/handover_print.html",
        {
            "sheet": hand_over,
            "lines": lines,
            "front_desk": front_desk and user.hall_id == hand_over.hall_id,
            "printed_at": timezone.now(),
        },
    )


# --- back office --------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_permission_required("cases.review_case")
def incoming(request: HttpRequest) -> HttpResponse:
    """Sheets addressed to my department: those waiting for confirmation, then the latest
    confirmed ones."""
    department = request.user.department
    if department is None:
        return render(request, "cases/no_department.html", status=403)
    sheets = queries.hand_over_sheets(department_id=department.pk)
    waiting = sheets.filter(confirmed_at__isnull=True).order_by("created_at", "id")
    confirmed = sheets.filter(confirmed_at__isnull=False).order_by(F("confirmed_at").desc(), "-id")[
        :RECENTLY_CONFIRMED
    ]
    return render(
        request,
        "cases/handover_incoming.html",
        {
            "department": department,
            "waiting": list(waiting[: queries.SHEET_LIMIT]),
            "confirmed": list(confirmed),
            "limit": queries.SHEET_LIMIT,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("cases.review_case")
def receive(request: HttpRequest, number: str) -> HttpResponse:
    """Open a sheet of my department and confirm that its paper dossiers arrived."""
    # Another department's sheet does not exist for this reviewer.
    hand_over = get_object_or_404(
        queries.hand_over_sheets(department_id=request.user.department_id), number=number
    )
    error = ""
    if request.method == "POST":
        try:
            services.confirm_hand_over(hand_over=hand_over, actor=request.user)
        except services.CaseError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Receipt of hand-over sheet %(number)s is confirmed.")
                % {"number": hand_over.number},
            )
            return redirect("cases:handover-receive", number=hand_over.number)
    lines = hand_over.lines.select_related("case__item").order_by("case__number")
    return render(
        request,
        "cases/handover_receive.html",
        {"sheet": hand_over, "lines": lines, "error": error},
        status=400 if error else 200,
    )
