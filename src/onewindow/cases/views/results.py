"""The unified certificate window (统一出证窗口): produce the result and deliver it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import queries, services
from onewindow.cases.models import Case, CaseStatus, DeliveryMode
from onewindow.catalog.models import Power
from onewindow.core.calendar import shared_calendar
from onewindow.core.permissions import staff_permission_required

TEXT = {"class": "form-control"}
DATE = {"class": "form-control", "type": "date"}
RESULT_STATUSES = (CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.RESULT_READY)


class IssueForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Document number"), max_length=60, widget=forms.TextInput(attrs=TEXT)
    )
    name = forms.CharField(
        label=gettext_lazy("Document name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    issuer = forms.CharField(
        label=gettext_lazy("Issued by (authority)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"), required=False, widget=forms.DateInput(attrs=DATE)
    )


class DeliverForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Delivery"), choices=DeliveryMode.choices, widget=forms.RadioSelect
    )
    recipient_name = forms.CharField(
        label=gettext_lazy("Recipient"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    recipient_id_number = forms.CharField(
        label=gettext_lazy("Recipient's ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    post_tracking_number = forms.CharField(
        label=gettext_lazy("Postal tracking number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )


@require_http_methods(["GET"])
@staff_permission_required("cases.deliver_case")
def results_queue(request: HttpRequest) -> HttpResponse:
    cases = (
        Case.objects.filter(hall_id=request.user.hall_id, status__in=RESULT_STATUSES)
        .select_related("item", "department")
        .order_by("decided_at", "id")[:200]
    )
    today, calendar = timezone.localdate(), shared_calendar()
    rows = [(case, queries.delivery_clock(case, today, calendar=calendar)) for case in cases]
    return render(request, "cases/results_queue.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@staff_permission_required("cases.deliver_case")
def result_case(request: HttpRequest, number: str) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.select_related("item", "department", "hall"),
        number=number,
        hall_id=request.user.hall_id,
    )
    issue_form = IssueForm(prefix="issue")
    # An online application's result goes out electronically unless the clerk chooses otherwise.
    mode = DeliveryMode.ELECTRONIC if case.channel == "online" else DeliveryMode.WINDOW
    deliver_form = DeliverForm(prefix="deliver", initial={"mode": mode})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            issue_form = IssueForm(request.POST, prefix="issue")
            form: forms.Form = issue_form
        elif action == "deliver":
            deliver_form = DeliverForm(request.POST, prefix="deliver")
            form = deliver_form
        else:
            return HttpResponse(status=400)
        if form.is_valid():
            try:
                if action == "issue":
                    services.issue_result(case=case, actor=request.user, **form.cleaned_data)
                else:
                    services.deliver_result(case=case, actor=request.user, **form.cleaned_data)
            except services.CaseError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Saved."))
                # After delivery too: the delivery receipt is printed here for the signature.
                return redirect("cases:result-case", number=case.number)
        status = 400
    return render(
        request,
        "cases/result_case.html",
        {
            "case": case,
            "result": getattr(case, "result", None),
            "issue_form": issue_form,
            "deliver_form": deliver_form,
            "missing_delivery": services.missing_powers(case.item, timezone.localdate()).get(
                Power.DELIVER_RESULT, ""
            ),
        },
        status=status,
    )
