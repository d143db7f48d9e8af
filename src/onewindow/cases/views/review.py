"""The back office's work queue: a reviewer's department's cases, the most urgent first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
        messages.success(request, _("You took case %(number)s.") % {"number": case.number})
        return redirect("cases:review-case", number=case.number)
    return redirect("cases:review-queue")


# --- one case in review -------------------------------------------------------------------------


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("deny", gettext_lazy("Deny"))],
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=gettext_lazy("Review opinion"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    reasons = forms.CharField(
        label=gettext_lazy("Reasons for a denial"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class CorrectionForm(forms.Form):
    items = forms.CharField(
        label=gettext_lazy("What the applicant must supplement (one per line)"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )


class SpecialForm(forms.Form):
    procedure = forms.ChoiceField(
        label=gettext_lazy("Procedure"),
        choices=[(p, p) for p in ("听证", "检验检测", "专家评审", "现场勘查", "公示", "鉴定")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    approver = forms.ModelChoiceField(
        label=gettext_lazy("Approved by"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, department_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from onewindow.accounts.models import User

        self.fields["approver"].queryset = User.objects.filter(
            department_id=department_id, is_active=True
        ).order_by("full_name", "username")


def _department_reviewers(department_id: int) -> Any:
    from onewindow.accounts.models import User

    return (
        User.objects.filter(
            department_id=department_id,
            is_active=True,
            groups__permissions__codename="review_case",
            groups__permissions__content_type__app_label="cases",
        )
        .distinct()
        .order_by("full_name", "username")
    )


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=gettext_lazy("Reviewer"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, department_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = _department_reviewers(department_id)


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Working days"),
        min_value=1,
        max_value=services.MAX_EXTENSION_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the applicant is told)"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    approver = forms.ModelChoiceField(
        label=gettext_lazy("Approved by (head of the authority)"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, department_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = _department_reviewers(department_id)


class EndSpecialForm(forms.Form):
    result = forms.CharField(
        label=gettext_lazy("Result of the procedure"),
        max_length=1000,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


ACTIONS = ("decide", "correction", "special", "end_special", "assign", "extend")
SCOPED = ("special", "assign", "extend")  # forms that list the department's people


def _review_case(request: HttpRequest, number: str) -> Case:
    # Another department's case does not exist for this reviewer.
    return get_object_or_404(
        Case.objects.select_related("item", "item_version", "department", "hall", "reviewer"),
        number=number,
        department_id=request.user.department_id,
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("cases.review_case")
def case_review(request: HttpRequest, number: str) -> HttpResponse:
    case = _review_case(request, number)
    forms_by_action: dict[str, forms.Form] = {
        "decide": DecisionForm(prefix="decide"),
        "correction": CorrectionForm(prefix="correction"),
        "special": SpecialForm(prefix="special", department_id=case.department_id),
        "end_special": EndSpecialForm(prefix="end_special"),
        "assign": AssignForm(prefix="assign", department_id=case.department_id),
        "extend": ExtendForm(prefix="extend", department_id=case.department_id),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return HttpResponse(status=400)
        form_class = type(forms_by_action[action])
        extra = {"department_id": case.department_id} if action in SCOPED else {}
        form = form_class(request.POST, prefix=action, **extra)
        forms_by_action[action] = form
        if form.is_valid():
            try:
                _run(action, case, form.cleaned_data, request.user)
            except services.CaseError as error:
                form.add_error(_field(form, error.field), error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("cases:review-case", number=case.number)
        status = 400
    lines, general = queries.materials_with_points(case)
    queries.with_files(case, lines)
    events = list(case.events.select_related("actor").order_by("at", "id"))
    return render(
        request,
        "cases/review_case.html",
        {
            "case": case,
            "lines": lines,
            "general_points": general,
            "events": events,
            "transfer": queries.material_transfer(
                case, events=events, materials=[line.material for line in lines]
            ),
            "clock": queries.case_clock(case, timezone.localdate()),
            "originals_pending": {m.pk for m in services.originals_to_see(case)},
            "forms": forms_by_action,
        },
        status=status,
    )


def _field(form: forms.Form, field: str | None) -> str | None:
    return field if field in form.fields else None


def _run(action: str, case: Case, data: dict[str, Any], actor: Any) -> None:
    if action == "decide":
        services.decide(
            case=case,
            actor=actor,
            approve=data["decision"] == "approve",
            opinion=data["opinion"],
            reasons=data["reasons"],
        )
    elif action == "correction":
        services.request_correction(case=case, actor=actor, items=data["items"].splitlines())
    elif action == "special":
        services.start_special_procedure(
            case=case,
            actor=actor,
            procedure=data["procedure"],
            reason=data["reason"],
            approver=data["approver"],
        )
    elif action == "assign":
        services.assign_case(case=case, actor=actor, reviewer=data["reviewer"])
    elif action == "extend":
        services.extend_deadline(
            case=case,
            actor=actor,
            days=data["days"],
            reason=data["reason"],
            approver=data["approver"],
        )
    else:
        services.end_special_procedure(case=case, actor=actor, result=data["result"])
