"""Staff pages of the “办不成事” window: register, list with lights, one complaint, statistics."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onewindow.cases.models import Case
from onewindow.catalog.models import ServiceItem
from onewindow.complaints import forms as complaint_forms
from onewindow.complaints import queries, services
from onewindow.complaints.models import Complaint, ComplaintStatus
from onewindow.core import audit
from onewindow.core.permissions import staff_permission_required
from onewindow.tickets.models import Ticket


def _field(form: forms.Form, name: str | None) -> str | None:
    return name if name in form.fields else None


# --- the list -----------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_permission_required("complaints.view_complaint")
def complaint_list(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("filter", "all")
    if which not in queries.FILTERS:
        which = "all"
    rows = queries.complaint_list(user=request.user, which=which, today=timezone.localdate())
    return render(
        request,
        "complaints/list.html",
        {
            "rows": rows,
            "which": which,
            "filters": [
                ("all", _("All")),
                ("mine", _("Mine")),
                ("department", _("My department")),
                ("overdue", _("Overdue")),
                ("escalated", _("Escalated")),
            ],
            "limit": queries.LIST_LIMIT,
        },
    )


# --- registering at the window ------------------------------------------------------------------


def _ticket(request: HttpRequest, raw: Any) -> Ticket | None:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    return (
        Ticket.objects.select_related("window").filter(pk=pk, hall_id=request.user.hall_id).first()
    )


def _item(text: str) -> ServiceItem | None:
    text = text.strip()
    if not text:
        return None
    item = ServiceItem.objects.filter(Q(implementation_code=text) | Q(name=text)).first()
    if item is None:
        raise services.ComplaintError(
            _("No item has this implementation code or name."), code="invalid", field="item_code"
        )
    return item


def _case(request: HttpRequest, number: str) -> Case | None:
    number = number.strip()
    if not number:
        return None
    case = Case.objects.filter(number=number, hall_id=request.user.hall_id).first()
    if case is None:
        raise services.ComplaintError(
            _("No case of this hall has this number."), code="invalid", field="case_number"
        )
    return case


@require_http_methods(["GET", "POST"])
@staff_permission_required("complaints.register_complaint")
def register(request: HttpRequest) -> HttpResponse:
    hall = request.user.hall
    if hall is None:
        return render(request, "complaints/no_hall.html", status=403)
    status = 200
    if request.method == "POST":
        form = complaint_forms.RegisterForm(request.POST, hall_id=hall.pk)
        if form.is_valid():
            data = form.cleaned_data
            ticket = _ticket(request, data.get("ticket"))
            try:
                complaint = services.register_complaint(
                    hall=hall,
                    channel=data["channel"],
                    complainant=services.Complainant(
                        name=data["name"], phone=data["phone"], id_number=data["id_number"]
                    ),
                    content=data["content"],
                    cause=data["cause"],
                    links=services.Links(
                        case=_case(request, data["case_number"]),
                        item=_item(data["item_code"]),
                        window=data["window"] or (ticket.window if ticket else None),
                        clerk=data["clerk"],
                        ticket=ticket,
                    ),
                    actor=request.user,
                )
            except services.ComplaintError as error:
                form.add_error(_field(form, error.field), error.message)
            else:
                messages.success(
                    request,
                    _("Complaint %(number)s registered; query code %(code)s.")
                    % {"number": complaint.number, "code": complaint.query_code},
                )
                return redirect("complaints:detail", number=complaint.number)
        status = 400
    else:
        ticket = _ticket(request, request.GET.get("ticket"))
        initial: dict[str, Any] = {"channel": "window", "cause": "other"}
        if ticket is not None:
            initial.update(
                ticket=ticket.pk,
                phone=ticket.phone,
                id_number=ticket.id_number,
                window=ticket.window_id,
            )
            first = ticket.matters.first()
            if first is not None:
                initial["item_code"] = first.implementation_code
        form = complaint_forms.RegisterForm(initial=initial, hall_id=hall.pk)
    return render(request, "complaints/register.html", {"form": form, "hall": hall}, status=status)


# --- one complaint ------------------------------------------------------------------------------

ACTIONS = {
    "assign": complaint_forms.AssignForm,
    "start": complaint_forms.StartForm,
    "reply": complaint_forms.ReplyForm,
    "satisfaction": complaint_forms.SatisfactionForm,
    "close": complaint_forms.CloseForm,
    "reopen": complaint_forms.ReopenForm,
}


def _complaint(request: HttpRequest, number: str) -> Complaint:
    complaint = (
        Complaint.objects.select_related(
            "hall",
            "department",
            "handler",
            "item",
            "case",
            "window",
            "clerk",
            "ticket",
            "registered_by",
        )
        .filter(number=number)
        .first()
    )
    # Outside the user's scope a complaint does not exist for them.
    if complaint is None or not services.in_scope(complaint, request.user):
        raise Http404
    return complaint


def _new_form(action: str, complaint: Complaint, data: Any = None) -> forms.Form:
    form_class = ACTIONS[action]
    extra = {"hall_id": complaint.hall_id} if action == "assign" else {}
    initial: dict[str, Any] = {}
    if action == "assign":
        initial = {"department": complaint.department_id, "handler": complaint.handler_id}
    elif action == "reply":
        initial = {"cause": complaint.cause, "reply": complaint.reply}
    return form_class(data, prefix=action, initial=initial, **extra)


def _run(action: str, complaint: Complaint, data: dict[str, Any], actor: Any) -> None:
    if action == "assign":
        services.assign_complaint(
            complaint=complaint,
            department=data["department"],
            handler=data["handler"],
            note=data["note"],
            actor=actor,
        )
    elif action == "start":
        services.start_handling(complaint=complaint, actor=actor)
    elif action == "reply":
        services.reply_to_complainant(
            complaint=complaint, reply=data["reply"], cause=data["cause"], actor=actor
        )
    elif action == "satisfaction":
        services.record_satisfaction(
            complaint=complaint,
            satisfaction=data["satisfaction"],
            note=data["note"],
            actor=actor,
        )
    elif action == "close":
        services.close_complaint(complaint=complaint, note=data["note"], actor=actor)
    else:
        services.reopen_complaint(complaint=complaint, note=data["note"], actor=actor)


def _available(complaint: Complaint, user: Any) -> set[str]:
    """The actions this user can take on the complaint now."""
    found: set[str] = set()
    s = complaint.status
    if services.may_assign(complaint, user) and s in (
        ComplaintStatus.REGISTERED,
        ComplaintStatus.ASSIGNED,
        ComplaintStatus.HANDLING,
        ComplaintStatus.REOPENED,
    ):
        found.add("assign")
    if services.may_handle(complaint, user):
        if s in (ComplaintStatus.ASSIGNED, ComplaintStatus.REOPENED) and complaint.department_id:
            found.add("start")
        if s == ComplaintStatus.HANDLING:
            found.add("reply")
        if s == ComplaintStatus.REPLIED:
            found.update({"satisfaction", "close"})
            if complaint.satisfaction == "dissatisfied":
                found.add("reopen")
    return found


@require_http_methods(["GET", "POST"])
@staff_permission_required("complaints.view_complaint")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _complaint(request, number)
    forms_by_action = {action: _new_form(action, complaint) for action in ACTIONS}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return HttpResponse(status=400)
        allowed = (
            services.may_assign(complaint, request.user)
            if action == "assign"
            else services.may_handle(complaint, request.user)
        )
        if not allowed:
            raise PermissionDenied
        form = _new_form(action, complaint, request.POST)
        forms_by_action[action] = form
        if form.is_valid():
            try:
                _run(action, complaint, form.cleaned_data, request.user)
            except services.ComplaintError as error:
                form.add_error(_field(form, error.field), error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("complaints:detail", number=complaint.number)
        status = 400
    identity = services.sees_identity(complaint, request.user)
    if identity and request.method == "GET":
        # PRODUCT §5: identity shown in full is logged.
        audit.record(action="complaint.identity.viewed", actor=request.user, obj=complaint)
    events = list(complaint.events.select_related("actor").order_by("at", "id"))
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "identity": identity,
            "events": events,
            "clock": services.complaint_clock(complaint, timezone.localdate()),
            "forms": forms_by_action,
            "available": _available(complaint, request.user),
            "may_create_case": request.user.has_perm("cases.receive_case"),
            "may_add_answer": request.user.has_perm("catalog.add_answer"),
        },
        status=status,
    )


# --- statistics ---------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_permission_required("complaints.view_complaint_statistics")
def statistics(request: HttpRequest) -> HttpResponse:
    form = complaint_forms.PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    hall_id = None if request.user.is_superuser else request.user.hall_id
    if hall_id is None and not request.user.is_superuser:
        return render(request, "complaints/no_hall.html", status=403)
    stats = queries.statistics(hall_id=hall_id, start=start, end=end)
    return render(
        request,
        "complaints/statistics.html",
        {"stats": stats, "form": form},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
