"""在线人工客服: the citizen's chat page and the guide's chat desk.

Both pages poll their message list with htmx every 2 seconds (no websockets); every form also
posts normally, so the pages work without JavaScript (reload to see new messages). The
citizen's page is reached only through the chat's random token.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.accounts.models import User
from onewindow.catalog.models import Department
from onewindow.consult import services
from onewindow.consult.models import Chat, ChatStatus, GuideDuty, Outcome
from onewindow.core.permissions import staff_permission_required
from onewindow.halls.models import Hall

TEXT = {"class": "form-control form-control-lg"}
CHAT_PERMISSION = "consult.chat_with_citizens"


def _public_hall() -> Hall | None:
    return Hall.objects.filter(is_active=True).order_by("pk").first()


# --- the citizen ---------------------------------------------------------------------------------


class OpenChatForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("How should we address you?"),
        max_length=50,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "name"}),
        error_messages={"required": gettext_lazy("Tell us how to address you.")},
    )
    question = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=services.MAX_MESSAGE_CHARS,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
        error_messages={"required": gettext_lazy("Write your question.")},
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=services.MAX_MESSAGE_CHARS,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-lg", "autocomplete": "off"}
        ),
        error_messages={"required": gettext_lazy("Write a message.")},
    )


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    hall = _public_hall()
    if hall is None:
        raise Http404("No hall.")
    available = services.on_duty(hall_id=hall.pk).exists()
    status = 200
    form = OpenChatForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                chat = services.open_chat(
                    hall=hall,
                    name=form.cleaned_data["name"],
                    question=form.cleaned_data["question"],
                )
            except services.ConsultError as error:
                if error.code in ("no_guide", "busy"):
                    available = False
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("consult:chat", token=chat.token)
        status = 400
    return render(
        request,
        "consult/chat/start.html",
        {"form": form, "available": available, "hall": hall},
        status=status,
    )


def _citizen_chat(token: str) -> Chat:
    return get_object_or_404(Chat.objects.select_related("hall", "guide"), token=token)


@require_http_methods(["GET", "POST"])
def citizen_page(request: HttpRequest, token: str) -> HttpResponse:
    chat = _citizen_chat(token)
    form = MessageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_message(chat=chat, text=form.cleaned_data["text"])
            except services.ConsultError as error:
                form.add_error("text", error.message)
            else:
                if request.htmx:
                    return _citizen_messages(request, chat, MessageForm())
                return redirect("consult:chat", token=token)
        status = 400
        if request.htmx:
            return _citizen_messages(request, chat, form, status=status)
    return render(
        request,
        "consult/chat/citizen.html",
        {"chat": chat, "form": form, "hall": chat.hall, "chat_messages": _messages(chat)},
        status=status,
    )


def _messages(chat: Chat) -> list[Any]:
    return list(chat.messages.select_related("author").order_by("at", "id"))


def _citizen_messages(
    request: HttpRequest, chat: Chat, form: MessageForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "consult/chat/citizen.html#messages",
        {"chat": chat, "chat_messages": _messages(chat), "form": form},
        status=status,
    )


# htmx stops polling on this status: a closed chat has nothing more to show.
STOP_POLLING = 286


@require_http_methods(["GET"])
def citizen_messages(request: HttpRequest, token: str) -> HttpResponse:
    chat = _citizen_chat(token)
    status = STOP_POLLING if chat.status == ChatStatus.CLOSED and request.htmx else 200
    return _citizen_messages(request, chat, status=status)


# --- the guide's chat desk -----------------------------------------------------------------------


def _desk_context(user: Any) -> dict[str, Any]:
    duty = GuideDuty.objects.filter(user=user).first()
    return {
        "on_duty": bool(duty and duty.available),
        "waiting": list(
            Chat.objects.filter(hall_id=user.hall_id, status=ChatStatus.WAITING).order_by(
                "created_at", "id"
            )[:50]
        ),
        "mine": list(
            Chat.objects.filter(guide=user, status=ChatStatus.ACTIVE).order_by("accepted_at")
        ),
        "guides_on_duty": services.on_duty(hall_id=user.hall_id).count(),
    }


@require_http_methods(["GET"])
@staff_permission_required(CHAT_PERMISSION)
def desk(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    services.seen(actor=user)
    template = "consult/chat/desk.html#queue" if request.htmx else "consult/chat/desk.html"
    return render(request, template, _desk_context(user))


@require_http_methods(["POST"])
@staff_permission_required(CHAT_PERMISSION)
def duty(request: HttpRequest) -> HttpResponse:
    try:
        services.set_available(actor=request.user, available=request.POST.get("available") == "1")
    except services.ConsultError as error:
        messages.error(request, error.message)
    return redirect("consult:chat-desk")


def _guide_chat(request: HttpRequest, pk: int) -> Chat:
    user: Any = request.user
    return get_object_or_404(
        Chat.objects.select_related("hall", "guide", "consultation"), pk=pk, hall_id=user.hall_id
    )


@require_http_methods(["POST"])
@staff_permission_required(CHAT_PERMISSION)
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    chat = _guide_chat(request, pk)
    try:
        services.accept_chat(chat=chat, actor=request.user)
    except services.ConsultError as error:
        messages.error(request, error.message)
        return redirect("consult:chat-desk")
    return redirect("consult:chat-guide", pk=pk)


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(
        label=gettext_lazy("Hand over to"),
        queryset=User.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": gettext_lazy("Choose another guide of the hall.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_duty = services.on_duty(hall_id=user.hall_id).values("user_id")
        self.fields["to"].queryset = User.objects.filter(pk__in=on_duty).exclude(pk=user.pk)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=Outcome.choices,
        initial=Outcome.ANSWERED,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Passed to department"),
        queryset=Department.objects.order_by("sort_order", "name"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary of the answer (optional)"),
        max_length=services.MAX_ANSWER_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required(CHAT_PERMISSION)
def guide_page(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    chat = _guide_chat(request, pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    form = MessageForm(data if action == "message" else None)
    hand_over_form = HandOverForm(data if action == "hand_over" else None, user=user)
    close_form = CloseForm(data if action == "close" else None)
    status = 200
    if action:
        bound = {"message": form, "hand_over": hand_over_form, "close": close_form}.get(action)
        if bound is None:
            return HttpResponse(status=400)
        if bound.is_valid():
            try:
                if action == "message":
                    services.post_message(chat=chat, text=form.cleaned_data["text"], actor=user)
                elif action == "hand_over":
                    services.hand_over_chat(
                        chat=chat, actor=user, to=hand_over_form.cleaned_data["to"]
                    )
                    messages.success(request, _("The chat was handed over."))
                    return redirect("consult:chat-desk")
                else:
                    services.close_chat(
                        chat=chat,
                        actor=user,
                        outcome=close_form.cleaned_data["outcome"],
                        department=close_form.cleaned_data["department"],
                        summary=close_form.cleaned_data["summary"],
                    )
                    messages.success(request, _("The chat was closed and its transcript recorded."))
                    return redirect("consult:chat-desk")
            except services.ConsultError as error:
                field = error.field if error.field in bound.fields else None
                bound.add_error(field, error.message)
            else:
                if request.htmx:
                    return _guide_messages(request, chat, MessageForm())
                return redirect("consult:chat-guide", pk=pk)
        status = 400
        if request.htmx and action == "message":
            return _guide_messages(request, chat, form, status=status)
    return render(
        request,
        "consult/chat/guide.html",
        {
            "chat": chat,
            "form": form,
            "hand_over_form": hand_over_form,
            "close_form": close_form,
            "chat_messages": _messages(chat),
            "in_charge": chat.guide_id == user.pk and chat.status == ChatStatus.ACTIVE,
        },
        status=status,
    )


def _guide_messages(
    request: HttpRequest, chat: Chat, form: MessageForm | None = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "consult/chat/guide.html#messages",
        {
            "chat": chat,
            "chat_messages": _messages(chat),
            "form": form,
            "in_charge": chat.guide_id == user.pk and chat.status == ChatStatus.ACTIVE,
        },
        status=status,
    )


@require_http_methods(["GET"])
@staff_permission_required(CHAT_PERMISSION)
def guide_messages(request: HttpRequest, pk: int) -> HttpResponse:
    services.seen(actor=request.user)
    chat = _guide_chat(request, pk)
    status = STOP_POLLING if chat.status == ChatStatus.CLOSED and request.htmx else 200
    return _guide_messages(request, chat, status=status)
