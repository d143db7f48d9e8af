"""Intake at a comprehensive window (收件受理): pick the item, open the case, check the
materials against the review points, then give the one-time notice, refuse or accept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import queries, services
from onewindow.cases.models import (
    ApplicantKind,
    Case,
    CaseStatus,
    Channel,
    IdType,
    MaterialState,
)
from onewindow.catalog.models import Power, ServiceItem
from onewindow.catalog.search import search_items
from onewindow.core.permissions import staff_permission_required

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class ApplicantForm(forms.Form):
    scenario = forms.ChoiceField(label=gettext_lazy("Scenario"), widget=forms.RadioSelect)
    kind = forms.ChoiceField(
        label=gettext_lazy("Applicant type"),
        choices=ApplicantKind.choices,
        widget=forms.Select(attrs=SELECT),
    )
    name = forms.CharField(
        label=gettext_lazy("Applicant"), max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("ID type"),
        choices=IdType.choices,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("Legal representative"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"), max_length=20, widget=forms.TextInput(attrs=TEXT)
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    agent_name = forms.CharField(
        label=gettext_lazy("Agent"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    agent_id_number = forms.CharField(
        label=gettext_lazy("Agent's ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )

    def __init__(self, *args: Any, scenarios: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [(s["code"], s["name"]) for s in scenarios]
        if len(scenarios) == 1:
            self.fields["scenario"].initial = scenarios[0]["code"]


class MaterialForm(forms.Form):
    state = forms.ChoiceField(choices=MaterialState.choices, widget=forms.Select(attrs=SELECT))
    paper = forms.BooleanField(required=False)
    electronic = forms.BooleanField(required=False)
    copies = forms.IntegerField(min_value=0, max_value=99, required=False)
    original_verified = forms.BooleanField(required=False)
    deferred_until = forms.DateField(required=False)
    reason = forms.CharField(max_length=300, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=1000, widget=forms.TextInput(attrs=TEXT)
    )
    go_to = forms.CharField(
        label=gettext_lazy("Where to apply instead"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"), max_length=1000, widget=forms.TextInput(attrs=TEXT)
    )
    lapsed = forms.BooleanField(
        label=gettext_lazy("The correction was never supplied (not the applicant's request)"),
        required=False,
    )


WITHDRAWABLE = (
    CaseStatus.RECEIVED,
    CaseStatus.PRE_REVIEW,
    CaseStatus.NOTICE_GIVEN,
    CaseStatus.CORRECTION,
)


def _hall_or_none(request: HttpRequest) -> Any:
    return request.user.hall


def _ticket(request: HttpRequest) -> Any:
    """The ticket being served at this clerk's window that the application belongs to, if the
    page was opened from the window workstation (a stale or foreign ticket is ignored)."""
    from onewindow.tickets.models import Ticket, TicketStatus

    raw = request.GET.get("ticket") or request.POST.get("ticket") or ""
    if not raw.isdigit():
        return None
    return (
        Ticket.objects.filter(
            pk=int(raw),
            hall_id=request.user.hall_id,
            window__clerk=request.user,
            status__in=[TicketStatus.CALLED, TicketStatus.SERVING],
        )
        .select_related("queue")
        .first()
    )


@require_http_methods(["GET"])
@staff_permission_required("cases.receive_case")
def pick_item(request: HttpRequest) -> HttpResponse:
    """Find the item in the applicant's own words, pinyin initials or the item's code."""
    query = request.GET.get("q", "").strip()[:100]
    hits = search_items(query, limit=15) if query else []
    ticket = _ticket(request)
    return render(
        request, "cases/intake_pick.html", {"query": query, "hits": hits, "ticket": ticket}
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("cases.receive_case")
def start(request: HttpRequest, item_id: int) -> HttpResponse:
    hall = _hall_or_none(request)
    if hall is None:
        return render(request, "halls/no_hall.html", status=403)
    item = get_object_or_404(
        ServiceItem.objects.published().select_related("department"), pk=item_id
    )
    scenarios = queries.scenario_options(item)
    status = 200
    if request.method == "POST":
        form = ApplicantForm(request.POST, scenarios=scenarios)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.start_intake(
                    hall=hall,
                    item=item,
                    scenario_code=data["scenario"],
                    applicant=services.Applicant(
                        kind=data["kind"],
                        name=data["name"],
                        phone=data["phone"],
                        id_type=data["id_type"] or IdType.RESIDENT_ID,
                        id_number=data["id_number"],
                        credit_code=data["credit_code"],
                        legal_representative=data["legal_representative"],
                        address=data["address"],
                        agent_name=data["agent_name"],
                        agent_id_number=data["agent_id_number"],
                    ),
                    actor=request.user,
                    ticket=_ticket(request),
                )
            except services.CaseError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                _link_assist_request(request, case)
                return redirect("cases:intake-case", number=case.number)
        status = 400
    else:
        form = ApplicantForm(scenarios=scenarios, initial=_assist_initial(request, item))
    powers = services.delegated_powers(item, _today())
    return render(
        request,
        "cases/intake_start.html",
        {
            "item": item,
            "form": form,
            "ticket": _ticket(request),
            "can_receive": item.one_window and Power.RECEIVE in powers,
            "power_labels": [str(Power(p).label) for p in Power.values if p in powers],
            "place": services.where_to_go(item),
        },
        status=status,
    )


def _assist_request(request: HttpRequest, item: ServiceItem) -> Any:
    """The 帮办代办 request of `?assist=<number>` when the signed-in helper handles it (for
    this item, in this hall); None otherwise."""
    number = request.GET.get("assist", "")
    if not number:
        return None
    from onewindow.assist.models import OPEN_STATUSES, AssistRequest

    return AssistRequest.objects.filter(
        number=number,
        item=item,
        hall_id=request.user.hall_id,
        helper=request.user,
        status__in=OPEN_STATUSES,
    ).first()


def _assist_initial(request: HttpRequest, item: ServiceItem) -> dict[str, Any]:
    """A helper starting intake as the applicant's agent: the applicant and agent prefilled."""
    assisted = _assist_request(request, item)
    if assisted is None:
        return {}
    return {
        "kind": ApplicantKind.PERSON,
        "name": assisted.applicant_name,
        "id_type": IdType.RESIDENT_ID,
        "id_number": assisted.id_number,
        "phone": assisted.phone,
        "agent_name": request.user.display_name,
    }


def _link_assist_request(request: HttpRequest, case: Case) -> None:
    assisted = _assist_request(request, case.item)
    if assisted is None:
        return
    from onewindow.assist import services as assist_services

    try:
        assist_services.link_case(request=assisted, case=case, actor=request.user)
    except assist_services.AssistError as error:
        messages.warning(request, error.message)
    else:
        messages.info(
            request,
            _("Case linked to assistance request %(number)s.") % {"number": assisted.number},
        )


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _intake_case(request: HttpRequest, number: str) -> Case:
    # Only cases received in the clerk's own hall.
    return get_object_or_404(
        Case.objects.select_related("item__department", "item_version", "hall"),
        number=number,
        hall_id=request.user.hall_id,
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("cases.receive_case")
def intake_case(request: HttpRequest, number: str) -> HttpResponse:
    case = _intake_case(request, number)
    refuse_form = RefuseForm(prefix="refuse")
    withdraw_form = WithdrawForm(prefix="withdraw")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "material":
                form = MaterialForm(request.POST, prefix=request.POST.get("code", ""))
                code = request.POST.get("code", "")
                if not form.is_valid():
                    errors[code] = " ".join(e for es in form.errors.values() for e in es)
                    raise _Invalid
                d = form.cleaned_data
                services.check_material(
                    case=case,
                    code=code,
                    check=services.MaterialCheck(
                        state=d["state"],
                        paper=d["paper"],
                        electronic=d["electronic"],
                        copies=d["copies"] or 0,
                        original_verified=d["original_verified"],
                        deferred_until=d["deferred_until"],
                        reason=d["reason"],
                    ),
                    actor=request.user,
                )
            elif action == "receive_all":
                # 全部收齐: every material not yet checked, as the checklist asks for it.
                may_verify = Power.VERIFY_ORIGINAL not in services.missing_powers(
                    case.item, _today()
                )
                checks = services.remaining_as_received(case, may_verify=may_verify)
                if not checks:
                    raise services.CaseError(
                        _("Every material has been checked already."), code="nothing"
                    )
                services.check_materials(case=case, checks=checks, actor=request.user)
            elif action == "upload":
                code = request.POST.get("code", "")
                try:
                    services.attach_file(
                        case=case,
                        material_code=code,
                        upload=request.FILES.get("file"),
                        actor=request.user,
                    )
                except services.CaseError as error:
                    errors[f"file-{code}"] = error.message
                    raise _Invalid from None
            elif action == "originals":
                services.verify_originals(
                    case=case, codes=request.POST.getlist("originals"), actor=request.user
                )
            elif action == "notice":
                services.give_one_time_notice(case=case, actor=request.user)
            elif action == "accept":
                services.accept_case(case=case, actor=request.user)
            elif action == "resume":
                services.resume_intake(case=case, actor=request.user)
            elif action == "supplement":
                services.supplement(case=case, actor=request.user)
            elif action == "refuse":
                refuse_form = RefuseForm(request.POST, prefix="refuse")
                if not refuse_form.is_valid():
                    raise _Invalid
                services.refuse_case(
                    case=case,
                    actor=request.user,
                    reason=refuse_form.cleaned_data["reason"],
                    go_to=refuse_form.cleaned_data["go_to"],
                )
            elif action == "withdraw":
                withdraw_form = WithdrawForm(request.POST, prefix="withdraw")
                if not withdraw_form.is_valid():
                    raise _Invalid
                services.withdraw_case(
                    case=case,
                    actor=request.user,
                    reason=withdraw_form.cleaned_data["reason"],
                    lapsed=withdraw_form.cleaned_data["lapsed"],
                )
            else:
                return HttpResponse(status=400)
        except services.CaseError as error:
            if action == "material":
                errors[request.POST.get("code", "")] = error.message
            elif error.material:
                errors[error.material] = error.message
            else:
                errors["__all__"] = error.message
            status = 400
        except _Invalid:
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("cases:intake-case", number=case.number)
        case = _intake_case(request, number)
    lines, general = queries.materials_with_points(case)
    queries.with_files(case, lines)
    online = case.channel == Channel.ONLINE
    # Actions whose power the department has not delegated are not offered (the clerk is told
    # where the applicant must go instead); the services refuse them anyway.
    missing = services.missing_powers(case.item, _today())
    return render(
        request,
        "cases/intake_case.html",
        {
            "case": case,
            "lines": lines,
            "online": online,
            "originals": services.originals_to_see(case) if online else [],
            "uploading": case.status in services.STAFF_UPLOAD_STATUSES,
            "general_points": general,
            "errors": errors,
            "page_error": errors.get("__all__", ""),
            "refuse_form": refuse_form,
            "withdraw_form": withdraw_form,
            "missing_powers": missing,
            "may_verify": Power.VERIFY_ORIGINAL not in missing,
            "may_notify": Power.ONE_TIME_NOTICE not in missing,
            "may_accept": Power.RECEIVE not in missing and Power.ACCOUNT_USE not in missing,
            "withdrawable": case.status in WITHDRAWABLE,
            "receiving": case.status in (CaseStatus.RECEIVED, CaseStatus.PRE_REVIEW),
            "states": MaterialState.choices,
            "unchecked": sum(1 for line in lines if line.material.is_unchecked),
            "notices": case.notices.order_by("issued_at"),
            "correction": case.pauses.filter(kind="correction", ended_on__isnull=True).first(),
        },
        status=status,
    )


class _Invalid(Exception):
    """A form did not validate; its errors are shown on the page."""
