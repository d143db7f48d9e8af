"""The public 帮办代办 pages: the list of assisted items (free of charge), a request with the
mobile number confirmed by SMS code, and following a request with its number and query code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.assist import services
from onewindow.assist.models import AssistMode, AssistRequest, RequestStatus
from onewindow.cases import online
from onewindow.core import validators
from onewindow.core.templatetags.onewindow import mask_phone
from onewindow.halls.models import Hall

TEXT = {"class": "form-control form-control-lg"}
SELECT = {"class": "form-select form-select-lg"}
DRAFT = "assist_draft"
DONE = "assist_done"


def _hall(request: HttpRequest) -> Hall | None:
    halls = Hall.objects.filter(is_active=True).order_by("pk")
    code = request.GET.get("hall") or request.POST.get("hall") or ""
    return (halls.filter(code=code).first() if code else None) or halls.first()


def _client_address(request: HttpRequest) -> str:
    from onewindow.cases.views.apply import _client_address as address

    return address(request)


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    hall = _hall(request)
    items = services.offered_items(hall) if hall else []
    return render(
        request,
        "assist/public_home.html",
        {
            "hall": hall,
            "items": items,
            "halls": list(Hall.objects.filter(is_active=True).order_by("pk")),
        },
    )


class RequestForm(forms.Form):
    item = forms.TypedChoiceField(
        label=gettext_lazy("What do you need to get done?"),
        coerce=int,
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": gettext_lazy("Choose the matter.")},
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("What kind of help?"),
        choices=AssistMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the kind of help.")},
    )
    applicant_name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=30,
        help_text=gettext_lazy("Checked when you confirm that the matter is done."),
        widget=forms.TextInput(attrs=TEXT),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        help_text=gettext_lazy("We send a code to this number, and news of your request."),
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel", "autocomplete": "tel"}),
    )
    preferred_time = forms.CharField(
        label=gettext_lazy("When would suit you?"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={**TEXT, "placeholder": gettext_lazy("e.g. weekday mornings")}
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Anything we should know?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—")] + [(a.item_id, a.item.name) for a in items]
        if len(items) == 1:
            self.fields["item"].initial = items[0].item_id
        # Offer only the modes of the chosen item (the view checks again on submit).
        chosen = self.data.get("item") or self.initial.get("item") or self.fields["item"].initial
        offered = next((a for a in items if str(a.item_id) == str(chosen)), None)
        if offered is not None:
            self.fields["mode"].choices = [
                (m, label) for m, label in AssistMode.choices if m in offered.modes
            ]

    def clean_phone(self) -> str:
        phone = validators.normalize_mobile(self.cleaned_data["phone"])
        if not validators.is_valid_mobile(phone):
            raise forms.ValidationError(
                _("Enter an 11-digit mobile number starting with 1, e.g. 13812345678.")
            )
        return phone

    def clean_id_number(self) -> str:
        number = validators.normalize_id_number(self.cleaned_data["id_number"])
        if not validators.is_valid_id_number(number):
            raise forms.ValidationError(_("This is not a valid resident ID number."))
        return number


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    hall = _hall(request)
    items = services.offered_items(hall) if hall else []
    status = 200
    if request.method == "POST":
        form = RequestForm(request.POST, items=items)
        if form.is_valid():
            data = form.cleaned_data
            offered = next(a for a in items if a.item_id == data["item"])
            if data["mode"] not in offered.modes:
                form.add_error(
                    "mode",
                    _("This item is offered as: %(modes)s.")
                    % {"modes": "、".join(offered.mode_labels())},
                )
            else:
                try:
                    code = online.send_code(phone=data["phone"], address=_client_address(request))
                except online.CodeError as error:
                    form.add_error("phone", error.message)
                else:
                    request.session[DRAFT] = {**data, "hall": hall.pk, "code_id": code.pk}
                    return redirect("assist:request-code")
        status = 400
    else:
        initial = {}
        if request.GET.get("item", "").isdigit():
            initial["item"] = int(request.GET["item"])
        form = RequestForm(items=items, initial=initial)
    return render(
        request,
        "assist/public_request.html",
        {"hall": hall, "form": form, "items": items},
        status=status,
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg ow-code-input",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
            }
        ),
    )


@require_http_methods(["GET", "POST"])
def request_code(request: HttpRequest) -> HttpResponse:
    draft = request.session.get(DRAFT)
    if not draft:
        return redirect("assist:request")
    hall = Hall.objects.filter(pk=draft["hall"], is_active=True).first()
    form = CodeForm()
    status = 200
    resend_error = ""
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                code = online.send_code(phone=draft["phone"], address=_client_address(request))
            except online.CodeError as error:
                resend_error = error.message
                status = 429
            else:
                request.session[DRAFT] = {**draft, "code_id": code.pk}
                return redirect("assist:request-code")
        else:
            form = CodeForm(request.POST)
            if form.is_valid():
                result = online.check_code(
                    code_id=draft.get("code_id"),
                    phone=draft["phone"],
                    code=form.cleaned_data["code"],
                )
                if result.ok:
                    from onewindow.catalog.models import ServiceItem

                    try:
                        made = services.submit_request(
                            hall=hall,
                            item=ServiceItem.objects.get(pk=draft["item"]),
                            mode=draft["mode"],
                            applicant=services.Applicant(
                                name=draft["applicant_name"],
                                phone=draft["phone"],
                                id_number=draft["id_number"],
                            ),
                            channel="online",
                            preferred_time=draft.get("preferred_time", ""),
                            note=draft.get("note", ""),
                        )
                    except services.AssistError as error:
                        form.add_error(None, error.message)
                    else:
                        request.session.pop(DRAFT, None)
                        request.session[DONE] = {"number": made.number, "code": made.query_code}
                        return redirect("assist:request-done")
                else:
                    form.add_error("code", result.message)
            status = 400
    return render(
        request,
        "assist/public_code.html",
        {
            "hall": hall,
            "form": form,
            "masked_phone": mask_phone(draft["phone"]),
            "minutes": online.CODE_MINUTES,
            "resend_error": resend_error,
        },
        status=status,
    )


@require_http_methods(["GET"])
def request_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get(DONE)
    if not done:
        return redirect("assist:home")
    made = (
        AssistRequest.objects.select_related("item", "hall").filter(number=done["number"]).first()
    )
    return render(
        request,
        "assist/public_done.html",
        {"made": made, "query_code": done["code"], "hall": made.hall if made else None},
    )


class TrackForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Request number"), max_length=20, widget=forms.TextInput(attrs=TEXT)
    )
    query_code = forms.CharField(
        label=gettext_lazy("Query code"),
        max_length=8,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you cancel?"), max_length=300, widget=forms.TextInput(attrs=TEXT)
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Follow a request; confirm it is done or cancel it. Number and code travel by POST."""
    found = None
    form = TrackForm(request.POST or None)
    cancel_form = CancelForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            found = services.find_request(
                form.cleaned_data["number"], form.cleaned_data["query_code"]
            )
            if found is None:
                form.add_error(None, _("No request matches this number and query code."))
                status = 400
            else:
                action = request.POST.get("action", "")
                try:
                    if action == "confirm":
                        found = services.complete_online(
                            request=found, query_code=form.cleaned_data["query_code"]
                        )
                    elif action == "cancel":
                        cancel_form = CancelForm(request.POST)
                        if not cancel_form.is_valid():
                            raise services.AssistError(
                                _("Say why you cancel."), code="reason", field="reason"
                            )
                        found = services.cancel_request(
                            request=found,
                            reason=cancel_form.cleaned_data["reason"],
                            query_code=form.cleaned_data["query_code"],
                        )
                except services.AssistError as error:
                    if error.field == "reason":
                        cancel_form.add_error("reason", error.message)
                    else:
                        form.add_error(None, error.message)
                    status = 400
        else:
            status = 400
    context: dict[str, Any] = {"form": form, "found": found, "cancel_form": cancel_form}
    if found is not None:
        context["events"] = list(found.events.all())
        context["appointments"] = list(found.appointments.all())
        context["hall"] = found.hall
        context["may_confirm"] = (
            found.status == RequestStatus.IN_PROGRESS and found.confirmation_asked_at is not None
        )
    else:
        context["hall"] = _hall(request)
    return render(request, "assist/public_track.html", context, status=status)
