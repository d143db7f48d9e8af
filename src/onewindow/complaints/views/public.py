"""The public side: submit a complaint (mobile number confirmed by SMS) and follow it with
its number and query code. No account; the page shows only the complaint's own steps and
reply, never who handled it or anyone else's data."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import online
from onewindow.cases.views.apply import _client_address
from onewindow.complaints import forms as complaint_forms
from onewindow.complaints import services
from onewindow.complaints.models import Complaint, ComplaintChannel, Satisfaction
from onewindow.core.masking import mask_phone

SESSION_DRAFTS = "onewindow.complaints.drafts"
SESSION_ACCESS = "onewindow.complaints.access"
FAILURE_LIMIT = 10
FAILURE_WINDOW = 60 * 60

PUBLIC_STEPS = {
    "complaint.registered": gettext_lazy("Registered"),
    "complaint.assigned": gettext_lazy("Passed to the department concerned"),
    "complaint.handling": gettext_lazy("Being handled"),
    "complaint.replied": gettext_lazy("Replied"),
    "complaint.satisfaction": gettext_lazy("Your satisfaction recorded"),
    "complaint.reopened": gettext_lazy("Handled again"),
    "complaint.closed": gettext_lazy("Concluded"),
}


def _drafts(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_DRAFTS, {}))


def _save_draft(request: HttpRequest, token: str, draft: dict[str, Any]) -> None:
    drafts = _drafts(request)
    drafts[token] = draft
    request.session[SESSION_DRAFTS] = dict(list(drafts.items())[-3:])


def _grant(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(SESSION_ACCESS, []) if n != number]
    request.session[SESSION_ACCESS] = [*numbers[-9:], number]


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = complaint_forms.PublicComplaintForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.clean_complainant(
                    services.Complainant(
                        name=data["name"], phone=data["phone"], id_number=data["id_number"]
                    )
                )
                if len(data["content"].strip()) < 5:
                    raise services.ComplaintError(
                        _("Please describe what could not get done (at least 5 characters)."),
                        code="required",
                        field="content",
                    )
                code = online.send_code(phone=person.phone, address=_client_address(request))
            except services.ComplaintError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except online.CodeError as error:
                form.add_error("phone", error.message)
            else:
                token = secrets.token_urlsafe(16)
                _save_draft(
                    request,
                    token,
                    {
                        "name": person.name,
                        "phone": person.phone,
                        "id_number": person.id_number,
                        "content": data["content"].strip(),
                        "hall": data["hall"].pk,
                        "code_id": code.pk,
                    },
                )
                return redirect("complaints:public-confirm", token=token)
        status = 400
    else:
        form = complaint_forms.PublicComplaintForm()
    return render(request, "complaints/public_submit.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    draft = _drafts(request).get(token)
    if draft is None:
        return redirect("complaints:public-submit")
    if draft.get("number"):
        return redirect("complaints:public-follow", number=draft["number"])
    form = complaint_forms.CodeForm()
    resend_error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                code = online.send_code(phone=draft["phone"], address=_client_address(request))
            except online.CodeError as error:
                resend_error = error.message
                status = 429
            else:
                draft["code_id"] = code.pk
                _save_draft(request, token, draft)
                messages.info(request, _("A new code has been sent."))
                return redirect("complaints:public-confirm", token=token)
        else:
            form = complaint_forms.CodeForm(request.POST)
            if form.is_valid():
                result = online.check_code(
                    code_id=draft.get("code_id"),
                    phone=draft["phone"],
                    code=form.cleaned_data["code"],
                )
                if result.ok:
                    return _register(request, token, draft, form)
                form.add_error("code", result.message)
            status = 400
    return render(
        request,
        "complaints/public_confirm.html",
        {
            "form": form,
            "token": token,
            "masked_phone": mask_phone(draft["phone"]),
            "minutes": online.CODE_MINUTES,
            "resend_error": resend_error,
        },
        status=status,
    )


def _register(request: HttpRequest, token: str, draft: dict[str, Any], form: Any) -> HttpResponse:
    from onewindow.halls.models import Hall

    hall = Hall.objects.filter(pk=draft["hall"], is_active=True).first()
    if hall is None:
        return redirect("complaints:public-submit")
    try:
        complaint = services.register_complaint(
            hall=hall,
            channel=ComplaintChannel.WEB,
            complainant=services.Complainant(
                name=draft["name"], phone=draft["phone"], id_number=draft["id_number"]
            ),
            content=draft["content"],
            actor=None,
            submission_token=token,
        )
    except services.ComplaintError as error:
        form.add_error(None, error.message)
        return render(
            request,
            "complaints/public_confirm.html",
            {"form": form, "token": token, "masked_phone": mask_phone(draft["phone"])},
            status=400,
        )
    draft["number"] = complaint.number
    _save_draft(request, token, draft)
    _grant(request, complaint.number)
    request.session["onewindow.complaints.new"] = complaint.number
    return redirect("complaints:public-follow", number=complaint.number)


@require_http_methods(["GET"])
def find(request: HttpRequest) -> HttpResponse:
    """The number typed on the public page: on to its page, which asks for the query code."""
    number = "".join(request.GET.get("number", "").split()).upper()
    if not number or len(number) > 20 or not number.isalnum():
        return redirect("complaints:public-submit")
    return redirect("complaints:public-follow", number=number)


def _failures_key(number: str) -> str:
    return f"onewindow:complaint-failures:{number}"


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, number: str) -> HttpResponse:
    number = number.strip().upper()
    complaint = Complaint.objects.select_related("hall").filter(number=number).first()
    granted = number in request.session.get(SESSION_ACCESS, [])
    if complaint is None and granted:
        raise Http404
    if granted and complaint is not None:
        return _follow_page(request, complaint)
    form = complaint_forms.FollowForm()
    status = 200
    if request.method == "POST":
        form = complaint_forms.FollowForm(request.POST)
        key = _failures_key(number)
        if (cache.get(key) or 0) >= FAILURE_LIMIT:
            form.is_valid()
            form.add_error(
                None, _("Too many wrong query codes for this number. Try again in an hour.")
            )
            status = 429
        elif form.is_valid():
            code = form.cleaned_data["code"].strip()
            if complaint is not None and hmac.compare_digest(complaint.query_code, code):
                _grant(request, number)
                return redirect("complaints:public-follow", number=number)
            if not cache.add(key, 1, FAILURE_WINDOW):
                try:
                    cache.incr(key)
                except ValueError:
                    cache.add(key, 1, FAILURE_WINDOW)
            form.add_error(
                "code", _("The number and the query code do not match. Please check both.")
            )
            status = 404
        else:
            status = 400
    return render(
        request,
        "complaints/public_follow_code.html",
        {"form": form, "number": number},
        status=status,
    )


def _follow_page(request: HttpRequest, complaint: Complaint) -> HttpResponse:
    status = 200
    rate_form = complaint_forms.SatisfactionForm(prefix="rate")
    rate_form.fields.pop("note")
    may_rate = complaint.status == "replied" and not complaint.satisfaction
    if request.method == "POST" and may_rate and request.POST.get("action") == "rate":
        rate_form = complaint_forms.SatisfactionForm(request.POST, prefix="rate")
        rate_form.fields.pop("note")
        if rate_form.is_valid():
            try:
                services.record_satisfaction(
                    complaint=complaint,
                    satisfaction=rate_form.cleaned_data["satisfaction"],
                    actor=None,
                    note=_("Given by the complainant on the public page."),
                )
            except services.ComplaintError as error:
                rate_form.add_error(None, error.message)
            else:
                messages.success(request, _("Thank you. Your opinion has been recorded."))
                return redirect("complaints:public-follow", number=complaint.number)
        status = 400
    steps = [
        {"at": e.at, "label": str(PUBLIC_STEPS[e.action])}
        for e in complaint.events.order_by("at", "id")
        if e.action in PUBLIC_STEPS
    ]
    just_created = request.session.pop("onewindow.complaints.new", None) == complaint.number
    return render(
        request,
        "complaints/public_follow.html",
        {
            "complaint": complaint,
            "steps": steps,
            "just_created": just_created,
            "rate_form": rate_form,
            "may_rate": may_rate,
            "satisfaction_label": Satisfaction(complaint.satisfaction).label
            if complaint.satisfaction
            else "",
        },
        status=status,
    )
