"""Staff pages of 帮办代办: the list of assisted items (hall managers), requests and their
assignment, the helper's workbench and a request's page, and statistics."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.assist import queries, services
from onewindow.assist.models import (
    AssistedItem,
    AssistMode,
    AssistRequest,
    RequestChannel,
    RequestStatus,
)
from onewindow.catalog.models import ServiceItem
from onewindow.core.permissions import staff_permission_required

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _no_hall(request: HttpRequest) -> HttpResponse:
    return render(request, "halls/no_hall.html", status=403)


def _form_error(form: forms.Form, error: services.AssistError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- assisted items -------------------------------------------------------------------------------


class AssistedItemForm(forms.Form):
    item = forms.ModelChoiceField(
        label=gettext_lazy("Item"),
        queryset=ServiceItem.objects.none(),
        widget=forms.Select(attrs=SELECT),
    )
    modes = forms.MultipleChoiceField(
        label=gettext_lazy("Modes"),
        choices=AssistMode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one mode.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    active = forms.BooleanField(label=gettext_lazy("Published"), required=False, initial=True)
    sort_order = forms.IntegerField(
        label=gettext_lazy("Order"),
        min_value=0,
        max_value=9999,
        initial=0,
        widget=forms.NumberInput(attrs=TEXT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.published().order_by("name")


def _save_item(request: HttpRequest, form: AssistedItemForm, assisted: Any = None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.save_assisted_item(
            hall=request.user.hall,
            item=data["item"],
            modes=data["modes"],
            note=data["note"],
            active=data["active"],
            sort_order=data["sort_order"] or 0,
            actor=request.user,
            assisted=assisted,
        )
    except services.AssistError as error:
        _form_error(form, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
@staff_permission_required("assist.change_assisteditem")
def items(request: HttpRequest) -> HttpResponse:
    if request.user.hall_id is None:
        return _no_hall(request)
    status = 200
    if request.method == "POST":
        form = AssistedItemForm(request.POST)
        if _save_item(request, form):
            messages.success(request, _("The item was added to the list."))
            return redirect("assist:manage-items")
        status = 400
    else:
        form = AssistedItemForm()
    rows = list(
        AssistedItem.objects.filter(hall_id=request.user.hall_id)
        .select_related("item__department")
        .order_by("sort_order", "id")
    )
    return render(request, "assist/manage_items.html", {"rows": rows, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@staff_permission_required("assist.change_assisteditem")
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assisted = get_object_or_404(
        AssistedItem.objects.select_related("item"), pk=pk, hall_id=request.user.hall_id
    )
    status = 200
    if request.method == "POST":
        form = AssistedItemForm(request.POST)
        if _save_item(request, form, assisted):
            messages.success(request, _("The item was saved."))
            return redirect("assist:manage-items")
        status = 400
    else:
        form = AssistedItemForm(
            initial={
                "item": assisted.item_id,
                "modes": assisted.modes,
                "note": assisted.note,
                "active": assisted.active,
                "sort_order": assisted.sort_order,
            }
        )
    return render(
        request, "assist/manage_item_edit.html", {"assisted": assisted, "form": form}, status=status
    )


# --- requests -------------------------------------------------------------------------------------


class RegisterForm(forms.Form):
    item = forms.TypedChoiceField(
        label=gettext_lazy("Item"), coerce=int, widget=forms.Select(attrs=SELECT)
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"), choices=AssistMode.choices, widget=forms.Select(attrs=SELECT)
    )
    applicant_name = forms.CharField(
        label=gettext_lazy("Applicant"), max_length=50, widget=forms.TextInput(attrs=TEXT)
    )
    id_number = forms.CharField(
        label=gettext_lazy("ID number"), max_length=30, widget=forms.TextInput(attrs=TEXT)
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"), max_length=20, widget=forms.TextInput(attrs=TEXT)
    )
    preferred_time = forms.CharField(
        label=gettext_lazy("Preferred time"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )

    def __init__(self, *args: Any, offered: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—")] + [(a.item_id, a.item.name) for a in offered]


@require_http_methods(["GET", "POST"])
@staff_permission_required("assist.register_request")
def register(request: HttpRequest) -> HttpResponse:
    """Register a request at the 帮办代办 window for an applicant standing there."""
    hall = request.user.hall
    if hall is None:
        return _no_hall(request)
    offered = services.offered_items(hall)
    status = 200
    if request.method == "POST":
        form = RegisterForm(request.POST, offered=offered)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.submit_request(
                    hall=hall,
                    item=ServiceItem.objects.get(pk=data["item"]),
                    mode=data["mode"],
                    applicant=services.Applicant(
                        name=data["applicant_name"],
                        phone=data["phone"],
                        id_number=data["id_number"],
                    ),
                    channel=RequestChannel.WINDOW,
                    preferred_time=data["preferred_time"],
                    note=data["note"],
                    actor=request.user,
                )
            except services.AssistError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request,
                    _("Request %(number)s registered; query code %(code)s (also sent by SMS).")
                    % {"number": made.number, "code": made.query_code},
                )
                if _may_see(request.user, made):
                    return redirect("assist:request-detail", number=made.number)
                return redirect("assist:register")
        status = 400
    else:
        form = RegisterForm(offered=offered)
    return render(request, "assist/register.html", {"form": form}, status=status)


@require_http_methods(["GET"])
@staff_permission_required("assist.assign_request")
def hall_requests(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in RequestStatus.values:
        status = ""
    return render(
        request,
        "assist/manage_requests.html",
        {
            "rows": queries.hall_requests(request.user.hall_id, status=status),
            "status": status,
            "statuses": RequestStatus.choices,
            "helpers": services.helpers_of(request.user.hall) if request.user.hall_id else [],
            "limit": queries.LIST_LIMIT,
        },
    )


@require_http_methods(["GET"])
@staff_permission_required("assist.handle_request")
def workbench(request: HttpRequest) -> HttpResponse:
    closed = request.GET.get("closed") == "1"
    return render(
        request,
        "assist/workbench.html",
        {"rows": queries.workbench(request.user, show_closed=closed), "closed": closed},
    )


def _may_see(user: Any, made: AssistRequest) -> bool:
    if user.hall_id != made.hall_id or not user.has_perm("assist.view_assistrequest"):
        return False
    return made.helper_id == user.pk or user.has_perm("assist.assign_request")


class AssignForm(forms.Form):
    helper = forms.TypedChoiceField(
        label=gettext_lazy("Helper"), coerce=int, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args: Any, helpers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helper"].choices = [("", "—")] + [(h.pk, h.display_name) for h in helpers]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class AppointmentForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={**TEXT, "type": "date"}, format="%Y-%m-%d"),
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={**TEXT, "type": "time"})
    )
    place = forms.CharField(
        label=gettext_lazy("Place"), max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )


class LinkCaseForm(forms.Form):
    case = forms.CharField(
        label=gettext_lazy("Case number"), max_length=20, widget=forms.TextInput(attrs=TEXT)
    )


class CompleteForm(forms.Form):
    applicant_confirmed = forms.BooleanField(
        label=gettext_lazy("The applicant confirmed that the matter is done"), required=False
    )
    id_number = forms.CharField(
        label=gettext_lazy("Applicant's ID number (checked against the request)"),
        max_length=30,
        widget=forms.TextInput(attrs=TEXT),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"), max_length=300, widget=forms.TextInput(attrs=TEXT)
    )


def _run(request: HttpRequest, made: AssistRequest, action: str, forms_: dict[str, Any]) -> bool:
    """Perform one POSTed action; errors go on the action's form. True when done."""
    user = request.user
    post = request.POST
    if action == "assign":
        if not user.has_perm("assist.assign_request"):
            raise Http404
        form = AssignForm(post, helpers=forms_["helpers"], prefix="assign")
        forms_["assign"] = form
        if not form.is_valid():
            return False
        helper = next((h for h in forms_["helpers"] if h.pk == form.cleaned_data["helper"]), None)
        call = lambda: services.assign_request(request=made, helper=helper, actor=user)  # noqa: E731
    elif action == "cancel":
        form = CancelForm(post, prefix="cancel")
        forms_["cancel"] = form
        if not form.is_valid():
            return False
        call = lambda: services.cancel_request(  # noqa: E731
            request=made, reason=form.cleaned_data["reason"], actor=user
        )
    elif action == "start":
        form = forms.Form(post)
        call = lambda: services.start_request(request=made, actor=user)  # noqa: E731
    elif action == "note":
        form = NoteForm(post, prefix="note")
        forms_["note"] = form
        if not form.is_valid():
            return False
        call = lambda: services.add_note(request=made, actor=user, note=form.cleaned_data["note"])  # noqa: E731
    elif action == "appointment":
        form = AppointmentForm(post, prefix="appointment")
        forms_["appointment"] = form
        if not form.is_valid():
            return False
        data = form.cleaned_data
        starts_at = timezone.make_aware(datetime.datetime.combine(data["day"], data["time"]))
        call = lambda: services.add_appointment(  # noqa: E731
            request=made, actor=user, starts_at=starts_at, place=data["place"], note=data["note"]
        )
    elif action == "link":
        from onewindow.cases.models import Case

        form = LinkCaseForm(post, prefix="link")
        forms_["link"] = form
        if not form.is_valid():
            return False
        case = Case.objects.filter(number=form.cleaned_data["case"].strip()).first()
        if case is None:
            form.add_error("case", _("No case has this number."))
            return False
        call = lambda: services.link_case(request=made, case=case, actor=user)  # noqa: E731
    elif action == "ask_confirmation":
        form = forms.Form(post)
        call = lambda: services.ask_online_confirmation(request=made, actor=user)  # noqa: E731
    elif action == "complete":
        form = CompleteForm(post, prefix="complete")
        forms_["complete"] = form
        if not form.is_valid():
            return False
        data = form.cleaned_data
        call = lambda: services.complete_at_window(  # noqa: E731
            request=made,
            actor=user,
            applicant_confirmed=data["applicant_confirmed"],
            id_number=data["id_number"],
            note=data["note"],
        )
    else:
        forms_["error"] = _("Unknown action.")
        return False
    try:
        call()
    except services.AssistError as error:
        if action in forms_ and isinstance(forms_[action], forms.Form):
            _form_error(forms_[action], error)
        else:
            forms_["error"] = error.message
        return False
    return True


@require_http_methods(["GET", "POST"])
@staff_permission_required("assist.view_assistrequest")
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    made = get_object_or_404(
        AssistRequest.objects.select_related("item__department", "hall", "helper"),
        number=number,
        hall_id=request.user.hall_id,
    )
    if not _may_see(request.user, made):
        raise Http404
    helpers = (
        services.helpers_of(made.hall) if request.user.has_perm("assist.assign_request") else []
    )
    forms_: dict[str, Any] = {"helpers": helpers}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if _run(request, made, action, forms_):
            messages.success(request, _("Saved."))
            return redirect("assist:request-detail", number=made.number)
        status = 400
        made.refresh_from_db()
    is_helper = made.helper_id == request.user.pk
    intake_url = ""
    if is_helper and made.is_open and request.user.has_perm("cases.receive_case"):
        intake_url = (
            reverse("cases:intake-start", args=[made.item_id])
            + "?"
            + urlencode({"assist": made.number})
        )
    context = {
        "made": made,
        "is_helper": is_helper,
        "may_assign": request.user.has_perm("assist.assign_request") and made.is_open,
        "may_cancel": made.is_open
        and (is_helper or request.user.has_perm("assist.assign_request")),
        "assign_form": forms_.get("assign")
        or AssignForm(helpers=helpers, prefix="assign", initial={"helper": made.helper_id}),
        "note_form": forms_.get("note") or NoteForm(prefix="note"),
        "appointment_form": forms_.get("appointment") or AppointmentForm(prefix="appointment"),
        "link_form": forms_.get("link") or LinkCaseForm(prefix="link"),
        "complete_form": forms_.get("complete") or CompleteForm(prefix="complete"),
        "cancel_form": forms_.get("cancel") or CancelForm(prefix="cancel"),
        "error": forms_.get("error", ""),
        "events": list(made.events.select_related("actor")),
        "appointments": list(made.appointments.all()),
        "cases": list(made.cases.select_related("item").order_by("received_at")),
        "intake_url": intake_url,
        "light": queries.rows([made])[0],
    }
    return render(request, "assist/request_detail.html", context, status=status)


@require_http_methods(["GET"])
@staff_permission_required("assist.view_assist_statistics")
def statistics(request: HttpRequest) -> HttpResponse:
    def parse(value: str) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None

    since = parse(request.GET.get("since", ""))
    until = parse(request.GET.get("until", ""))
    stats = queries.statistics(request.user.hall_id, since=since, until=until)
    return render(
        request, "assist/statistics.html", {"stats": stats, "since": since, "until": until}
    )
