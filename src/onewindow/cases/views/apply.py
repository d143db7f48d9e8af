"""网上申请: the public online application, one decision per page, no account needed.

1. choose the item (the guide search, limited to items that may be applied for online);
2. choose the scenario by what describes the applicant's situation (and the hall, when there
   are several);
3. the applicant's details (checked like at the window) and a mobile number, which gets a code;
4. the code from the SMS;
5. a scan or photo of each material, then submit: a case waiting for the front desk's pre-review.

What has been entered so far is kept in the session under a random token; the same token is the
submission's idempotency key, so a form sent twice makes one case.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import online, queries, services, tracking, uploads
from onewindow.cases.models import ApplicantKind, Case, IdType
from onewindow.catalog.models import Audience, Material, ServiceItem
from onewindow.catalog.search import search_items
from onewindow.core.masking import mask_phone
from onewindow.halls.models import Hall

SESSION_KEY = "onewindow.apply"
MAX_DRAFTS = 5
LIST_LIMIT = 50
TEXT = {"class": "form-control form-control-lg"}
SELECT = {"class": "form-select form-select-lg"}


# --- the draft in the session --------------------------------------------------------------------


def _draft(request: HttpRequest, token: str) -> dict[str, Any]:
    draft = request.session.get(SESSION_KEY, {}).get(token)
    if not isinstance(draft, dict):
        raise Http404("No such application in this browser.")
    return draft


def _save(request: HttpRequest, token: str, draft: dict[str, Any]) -> None:
    drafts = dict(request.session.get(SESSION_KEY, {}))
    drafts[token] = draft
    # Keep the newest few: a session never grows without bound.
    for old in list(drafts)[:-MAX_DRAFTS]:
        drafts.pop(old, None)
    request.session[SESSION_KEY] = drafts


def _draft_item(draft: dict[str, Any]) -> ServiceItem:
    item = online.online_items().filter(pk=draft.get("item")).first()
    if item is None:
        raise Http404("The item can no longer be applied for online.")
    return item


def _halls() -> list[Hall]:
    return list(Hall.objects.filter(is_active=True).order_by("pk"))


def _client_address(request: HttpRequest) -> str:
    """The applicant's address for throttling SMS codes. Behind a reverse proxy every request
    comes from the proxy: ONEWINDOW_CLIENT_IP_HEADER names the header it sets (X-Real-IP)."""
    header = getattr(settings, "ONEWINDOW_CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


# --- 1. the item ---------------------------------------------------------------------------------


@require_http_methods(["GET"])
def choose_item(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    eligible = online.online_items()
    if query:
        hits = search_items(query, limit=100)
        allowed = set(
            eligible.filter(pk__in=[h.item.pk for h in hits]).values_list("pk", flat=True)
        )
        by_id = {i.pk: i for i in eligible.filter(pk__in=allowed)}
        items = [by_id[h.item.pk] for h in hits if h.item.pk in by_id][:LIST_LIMIT]
    else:
        items = list(eligible.order_by("department__sort_order", "department__name", "name"))
        items = items[:LIST_LIMIT]
    return render(
        request,
        "cases/apply/choose_item.html",
        {"query": query, "items": items, "step": 1, "hall": _public_hall()},
    )


def _public_hall() -> Hall | None:
    return Hall.objects.filter(is_active=True).order_by("pk").first()


# --- 2. the scenario (and the hall) --------------------------------------------------------------


class ScenarioForm(forms.Form):
    scenario = forms.ChoiceField(
        label=gettext_lazy("Which of these describes your situation?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the one that fits you.")},
    )
    hall = forms.ChoiceField(
        label=gettext_lazy("Which service hall should handle it?"),
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(
        self, *args: Any, scenarios: list[dict[str, Any]], halls: list[Hall], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [(s["code"], s["name"]) for s in scenarios]
        if len(scenarios) == 1:
            self.fields["scenario"].initial = scenarios[0]["code"]
        self.fields["hall"].choices = [(str(h.pk), h.name) for h in halls]
        if len(halls) > 1:
            self.fields["hall"].required = True
            self.fields["hall"].error_messages["required"] = _("Choose the service hall.")


@require_http_methods(["GET", "POST"])
def choose_scenario(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(
        ServiceItem.objects.published().select_related("department"), pk=item_id
    )
    if not online.may_apply_online(item):
        return render(
            request,
            "cases/apply/not_online.html",
            {"item": item, "place": services.where_to_go(item), "hall": _public_hall()},
            status=404,
        )
    scenarios = queries.scenario_options(item)
    halls = _halls()
    status = 200
    if request.method == "POST":
        form = ScenarioForm(request.POST, scenarios=scenarios, halls=halls)
        if form.is_valid():
            hall_id = int(form.cleaned_data["hall"] or halls[0].pk) if halls else None
            token = secrets.token_urlsafe(18)
            _save(
                request,
                token,
                {"item": item.pk, "scenario": form.cleaned_data["scenario"], "hall": hall_id},
            )
            return redirect("apply:applicant", token=token)
        status = 400
    else:
        form = ScenarioForm(scenarios=scenarios, halls=halls)
    return render(
        request,
        "cases/apply/choose_scenario.html",
        {
            "item": item,
            "form": form,
            "scenarios": scenarios,
            "halls": halls,
            "step": 2,
            "hall": _public_hall(),
        },
        status=status,
    )


# --- 3. the applicant ----------------------------------------------------------------------------


class OnlineApplicantForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("You apply as"),
        choices=[
            (ApplicantKind.PERSON, gettext_lazy("An individual")),
            (ApplicantKind.ORGANISATION, gettext_lazy("A business or organisation")),
        ],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=gettext_lazy("Name (of the person, or of the business)"),
        max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=gettext_lazy("Resident ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off", "inputmode": "text"}),
    )
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("Legal representative"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    agent_name = forms.CharField(
        label=gettext_lazy("Agent's name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    agent_id_number = forms.CharField(
        label=gettext_lazy("Agent's resident ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number (we send a code to it)"),
        max_length=20,
        widget=forms.TextInput(
            attrs={**TEXT, "inputmode": "tel", "autocomplete": "tel", "maxlength": "20"}
        ),
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "street-address"}),
    )


def _applicant_from(data: dict[str, Any]) -> services.Applicant:
    person = data["kind"] == ApplicantKind.PERSON
    return services.Applicant(
        kind=data["kind"],
        name=data["name"],
        phone=data["phone"],
        id_type=IdType.RESIDENT_ID if person else "",
        id_number=data["id_number"] if person else "",
        credit_code="" if person else data["credit_code"],
        legal_representative="" if person else data["legal_representative"],
        address=data["address"],
        agent_name=data["agent_name"],
        agent_id_number=data["agent_id_number"],
        agent_phone=data["phone"] if data["agent_name"].strip() else "",
    )


@require_http_methods(["GET", "POST"])
def applicant(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    if draft.get("case"):
        return redirect("apply:done", token=token)
    item = _draft_item(draft)
    status = 200
    if request.method == "POST":
        form = OnlineApplicantForm(request.POST)
        if form.is_valid():
            try:
                cleaned = services.clean_applicant(_applicant_from(form.cleaned_data))
            except services.CaseError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                same_phone = draft.get("applicant", {}).get("phone") == cleaned.phone
                draft["applicant"] = asdict(cleaned)
                if same_phone and draft.get("code_id"):
                    # Back to correct a detail: the number's code still stands.
                    _save(request, token, draft)
                    return redirect("apply:phone", token=token)
                try:
                    code = online.send_code(phone=cleaned.phone, address=_client_address(request))
                except online.CodeError as error:
                    form.add_error("phone", error.message)
                else:
                    draft["code_id"] = code.pk
                    _save(request, token, draft)
                    return redirect("apply:phone", token=token)
        status = 400
    else:
        initial: dict[str, Any] = {
            "kind": ApplicantKind.ORGANISATION
            if item.audience == Audience.LEGAL
            else ApplicantKind.PERSON
        }
        initial.update(draft.get("applicant", {}))
        form = OnlineApplicantForm(initial=initial)
    return render(
        request,
        "cases/apply/applicant.html",
        {"item": item, "form": form, "token": token, "step": 3, "hall": _public_hall()},
        status=status,
    )


# --- 4. the SMS code -----------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                **TEXT,
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
                "class": "form-control form-control-lg ow-code-input",
            }
        ),
    )


@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    if draft.get("case"):
        return redirect("apply:done", token=token)
    if not draft.get("applicant"):
        return redirect("apply:applicant", token=token)
    item = _draft_item(draft)
    number = draft["applicant"]["phone"]
    form = CodeForm()
    resend_error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                code = online.send_code(phone=number, address=_client_address(request))
            except online.CodeError as error:
                resend_error = error.message
                status = 429
            else:
                draft["code_id"] = code.pk
                _save(request, token, draft)
                messages.info(request, _("A new code has been sent."))
                return redirect("apply:phone", token=token)
        else:
            form = CodeForm(request.POST)
            if form.is_valid():
                result = online.check_code(
                    code_id=draft.get("code_id"), phone=number, code=form.cleaned_data["code"]
                )
                if result.ok:
                    return redirect("apply:materials", token=token)
                form.add_error("code", result.message)
            status = 400
    return render(
        request,
        "cases/apply/phone.html",
        {
            "item": item,
            "form": form,
            "token": token,
            "masked_phone": mask_phone(number),
            "resend_error": resend_error,
            "minutes": online.CODE_MINUTES,
            "step": 4,
            "hall": _public_hall(),
        },
        status=status,
    )


# --- 5. the materials, and submitting ------------------------------------------------------------


def _materials(item: ServiceItem, scenario_code: str) -> list[Material]:
    return list(
        Material.objects.filter(scenario__item=item, scenario__code=scenario_code).order_by(
            "sort_order", "pk"
        )
    )


@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    if draft.get("case"):
        return redirect("apply:done", token=token)
    if not draft.get("applicant"):
        return redirect("apply:applicant", token=token)
    item = _draft_item(draft)
    number = draft["applicant"]["phone"]
    if not online.is_confirmed(code_id=draft.get("code_id"), phone=number):
        messages.warning(request, _("Please confirm your mobile number first."))
        return redirect("apply:phone", token=token)
    wanted = _materials(item, draft["scenario"])
    errors: dict[str, str] = {}
    page_error = ""
    status = 200
    if request.method == "POST" and request.POST.get("token") != token:
        page_error = _("The form has expired. Please start again.")
        status = 400
    elif request.method == "POST":
        files = {
            m.code: request.FILES.getlist(f"material-{m.code}")
            for m in wanted
            if request.FILES.getlist(f"material-{m.code}")
        }
        # Check every file first so each field shows its own problem at once.
        for code, chosen in files.items():
            for upload in chosen:
                try:
                    uploads.check_upload(upload)
                except uploads.UploadRejected as rejected:
                    errors[code] = f"{upload.name}：{rejected.message}"
                    break
        for m in wanted:
            if m.required and not m.may_defer and m.code not in files and m.code not in errors:
                errors[m.code] = _("Upload this material.")
        if not errors:
            hall = Hall.objects.filter(pk=draft.get("hall"), is_active=True).first()
            try:
                if hall is None:
                    raise services.CaseError(
                        _("The service hall is no longer available. Please start again."),
                        code="hall",
                    )
                case = services.submit_online_application(
                    hall=hall,
                    item=item,
                    scenario_code=draft["scenario"],
                    applicant=services.Applicant(**draft["applicant"]),
                    files=files,
                    token=token,
                )
            except services.CaseError as error:
                field = (error.field or "").removeprefix("material-")
                if field in {m.code for m in wanted}:
                    errors[field] = error.message
                else:
                    page_error = error.message
            else:
                draft["case"] = case.number
                _save(request, token, draft)
                return redirect("apply:done", token=token)
        status = 400
    return render(
        request,
        "cases/apply/materials.html",
        {
            "item": item,
            "token": token,
            "materials": wanted,
            "errors": errors,
            "page_error": page_error,
            "max_mb": uploads.max_bytes() // (1024 * 1024),
            "scenario_name": next(
                (
                    s["name"]
                    for s in queries.scenario_options(item)
                    if s["code"] == draft["scenario"]
                ),
                "",
            ),
            "step": 5,
            "hall": _public_hall(),
        },
        status=status,
    )


@require_http_methods(["GET"])
def done(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    case = (
        Case.objects.select_related("item", "hall")
        .filter(number=draft.get("case") or "", submission_token=token)
        .first()
    )
    if case is None:
        return redirect("apply:materials", token=token)
    return render(
        request,
        "cases/apply/done.html",
        {"case": case, "tracking_token": tracking.token_for(case), "hall": case.hall},
    )
