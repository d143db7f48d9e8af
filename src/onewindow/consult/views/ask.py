"""留言咨询 on the public site: ask a question (mobile confirmed by SMS code), read the answer.

The question being written is kept in the session under a random token until the code is
confirmed; the same token then points at the question made, so a form sent twice makes one.
The answer page opens with the question number and its query code; wrong codes are counted per
number and lock it for an hour after `FAILURE_LIMIT` (a 6-digit code cannot be guessed).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import online
from onewindow.catalog.models import ServiceItem
from onewindow.consult import services
from onewindow.consult.models import OnlineQuestion
from onewindow.core.masking import mask_phone
from onewindow.core.validators import is_valid_mobile, normalize_mobile
from onewindow.halls.models import Hall

SESSION_KEY = "onewindow.ask"
UNLOCKED_KEY = "onewindow.ask.unlocked"
MAX_DRAFTS = 5
FAILURE_LIMIT = 10
FAILURE_WINDOW = 60 * 60
TEXT = {"class": "form-control form-control-lg"}


def _halls() -> list[Hall]:
    return list(Hall.objects.filter(is_active=True).order_by("pk"))


def _public_hall() -> Hall | None:
    return Hall.objects.filter(is_active=True).order_by("pk").first()


def _client_address(request: HttpRequest) -> str:
    """The asker's address for throttling SMS codes (behind a proxy: the header it sets)."""
    header = getattr(settings, "ONEWINDOW_CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _draft(request: HttpRequest, token: str) -> dict[str, Any]:
    draft = request.session.get(SESSION_KEY, {}).get(token)
    if not isinstance(draft, dict):
        raise Http404("No such question in this browser.")
    return draft


def _save(request: HttpRequest, token: str, draft: dict[str, Any]) -> None:
    drafts = dict(request.session.get(SESSION_KEY, {}))
    drafts[token] = draft
    for old in list(drafts)[:-MAX_DRAFTS]:
        drafts.pop(old, None)
    request.session[SESSION_KEY] = drafts


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=services.MAX_QUESTION_CHARS,
        widget=forms.Textarea(attrs={**TEXT, "rows": 5}),
        error_messages={"required": gettext_lazy("Write your question.")},
    )
    name = forms.CharField(
        label=gettext_lazy("How should we address you? (optional)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number (we send a code to it, and the answer notice)"),
        max_length=20,
        widget=forms.TextInput(
            attrs={**TEXT, "inputmode": "tel", "autocomplete": "tel", "maxlength": "20"}
        ),
        error_messages={"required": gettext_lazy("Enter your mobile number.")},
    )
    hall = forms.ChoiceField(
        label=gettext_lazy("Which service hall do you ask?"),
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, halls: list[Hall], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hall"].choices = [(str(h.pk), h.name) for h in halls]
        if len(halls) > 1:
            self.fields["hall"].required = True
            self.fields["hall"].error_messages["required"] = _("Choose the service hall.")

    def clean_phone(self) -> str:
        value = normalize_mobile(self.cleaned_data["phone"])
        if not is_valid_mobile(value):
            raise forms.ValidationError(
                _("Enter an 11-digit mobile number starting with 1, e.g. 13812345678.")
            )
        return value


def _item(value: Any) -> ServiceItem | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return ServiceItem.objects.published().filter(pk=pk).first()


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    halls = _halls()
    item = _item(request.POST.get("item") if request.method == "POST" else request.GET.get("item"))
    status = 200
    if request.method == "POST":
        form = QuestionForm(request.POST, halls=halls)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                code = online.send_code(phone=phone, address=_client_address(request))
            except online.CodeError as error:
                form.add_error("phone", error.message)
            else:
                token = secrets.token_urlsafe(18)
                hall_id = int(form.cleaned_data["hall"] or halls[0].pk) if halls else None
                _save(
                    request,
                    token,
                    {
                        "text": form.cleaned_data["text"],
                        "name": form.cleaned_data["name"],
                        "phone": phone,
                        "hall": hall_id,
                        "item": item.pk if item else None,
                        "code_id": code.pk,
                    },
                )
                return redirect("consult:ask-confirm", token=token)
        status = 400
    else:
        form = QuestionForm(halls=halls)
    return render(
        request,
        "consult/ask/ask.html",
        {
            "form": form,
            "item": item,
            "halls": halls,
            "hall": _public_hall(),
            "answer_days": services.answer_days(),
        },
        status=status,
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
                "class": "form-control form-control-lg ow-code-input",
            }
        ),
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    if draft.get("question"):
        return redirect("consult:ask-sent", token=token)
    phone = draft["phone"]
    form = CodeForm()
    resend_error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "resend":
            try:
                code = online.send_code(phone=phone, address=_client_address(request))
            except online.CodeError as error:
                resend_error = error.message
                status = 429
            else:
                draft["code_id"] = code.pk
                _save(request, token, draft)
                messages.info(request, _("A new code has been sent."))
                return redirect("consult:ask-confirm", token=token)
        else:
            form = CodeForm(request.POST)
            if form.is_valid():
                result = online.check_code(
                    code_id=draft.get("code_id"), phone=phone, code=form.cleaned_data["code"]
                )
                if result.ok:
                    hall = Hall.objects.filter(pk=draft.get("hall"), is_active=True).first()
                    if hall is None:
                        raise Http404("The hall no longer takes questions.")
                    try:
                        question = services.ask_question(
                            hall=hall,
                            phone=phone,
                            text=draft["text"],
                            name=draft.get("name", ""),
                            item=_item(draft.get("item")),
                        )
                    except services.ConsultError as error:
                        form.add_error(None, error.message)
                    else:
                        draft["question"] = question.pk
                        _save(request, token, draft)
                        _unlock(request, question)
                        return redirect("consult:ask-sent", token=token)
                else:
                    form.add_error("code", result.message)
            status = 400
    return render(
        request,
        "consult/ask/confirm.html",
        {
            "form": form,
            "token": token,
            "masked_phone": mask_phone(phone),
            "resend_error": resend_error,
            "minutes": online.CODE_MINUTES,
            "hall": _public_hall(),
        },
        status=status,
    )


@require_http_methods(["GET"])
def sent(request: HttpRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    question = OnlineQuestion.objects.filter(pk=draft.get("question")).first()
    if question is None:
        return redirect("consult:ask-confirm", token=token)
    return render(
        request,
        "consult/ask/sent.html",
        {"question": question, "hall": question.hall},
    )


# --- reading the answer --------------------------------------------------------------------------


class QuestionLocked(Exception):
    """Too many wrong query codes for this number: try again later."""


def _failures_key(number: str) -> str:
    return f"onewindow:question-failures:{number}"


def find_question(number: str, code: str) -> OnlineQuestion | None:
    """The question with this number and query code; None when they do not match (counted)."""
    number, code = number.strip().upper(), code.strip()
    key = _failures_key(number)
    if (cache.get(key) or 0) >= FAILURE_LIMIT:
        raise QuestionLocked
    question = (
        OnlineQuestion.objects.select_related("hall", "item").filter(number=number).first()
        if number
        else None
    )
    if question is not None and code and hmac.compare_digest(question.query_code, code):
        return question
    if number and not cache.add(key, 1, FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, FAILURE_WINDOW)
    return None


def _unlock(request: HttpRequest, question: OnlineQuestion) -> None:
    unlocked = [n for n in request.session.get(UNLOCKED_KEY, []) if n != question.number]
    request.session[UNLOCKED_KEY] = [*unlocked[-(MAX_DRAFTS - 1) :], question.number]


class FindForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Question number"),
        max_length=20,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Query code"),
        max_length=8,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "autocomplete": "off"}),
    )


def _check(request: HttpRequest, form: FindForm) -> tuple[OnlineQuestion | None, int]:
    """Check the number and code of a valid form; the question, or the form's error status."""
    try:
        question = find_question(form.cleaned_data["number"], form.cleaned_data["code"])
    except QuestionLocked:
        form.add_error(
            None, _("Too many wrong query codes for this question number. Try again in an hour.")
        )
        return None, 429
    if question is None:
        form.add_error("code", _("The question number and query code do not match."))
        return None, 404
    _unlock(request, question)
    return question, 200


@require_http_methods(["GET", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = FindForm(request.POST)
        if form.is_valid():
            question, status = _check(request, form)
            if question is not None:
                return redirect("consult:ask-answer", number=question.number)
        else:
            status = 400
    else:
        form = FindForm()
    return render(
        request, "consult/ask/find.html", {"form": form, "hall": _public_hall()}, status=status
    )


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, number: str) -> HttpResponse:
    number = number.upper()
    status = 200
    question = None
    form = FindForm(initial={"number": number})
    if request.method == "POST":
        form = FindForm({"number": number, "code": request.POST.get("code", "")})
        if form.is_valid():
            question, status = _check(request, form)
            if question is not None:
                return redirect("consult:ask-answer", number=question.number)
        else:
            status = 400
    elif number in request.session.get(UNLOCKED_KEY, []):
        question = (
            OnlineQuestion.objects.select_related("hall", "item").filter(number=number).first()
        )
    return render(
        request,
        "consult/ask/answer.html",
        {"question": question, "form": form, "number": number, "hall": _public_hall()},
        status=status,
    )
