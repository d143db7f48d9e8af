"""Staff pages: the consultation window's record form, the hall's records, the online
questions queue and the answer page, and the statistics."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.catalog.models import Answer, Department, ServiceItem
from onewindow.catalog.search import search_items
from onewindow.consult import queries, services
from onewindow.consult.models import Channel, Consultation, OnlineQuestion, Outcome
from onewindow.core.permissions import staff_permission_required
from onewindow.tickets.models import Ticket

SEARCH_LIMIT = 8
RECORDS_LIMIT = 300


def _departments() -> Any:
    return Department.objects.order_by("sort_order", "name")


class ConsultationForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Consultation channel"),
        choices=Channel.choices,
        initial=Channel.WINDOW,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    ticket = forms.CharField(
        label=gettext_lazy("Queue ticket"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "A023"}),
    )
    item = forms.ModelChoiceField(
        queryset=ServiceItem.objects.published(), required=False, widget=forms.HiddenInput
    )
    question = forms.CharField(
        label=gettext_lazy("What was asked"),
        max_length=services.MAX_QUESTION_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    answer = forms.ModelChoiceField(
        label=gettext_lazy("Answer from the knowledge base"),
        queryset=Answer.objects.all(),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    answer_text = forms.CharField(
        label=gettext_lazy("Answer given (or what to add)"),
        max_length=services.MAX_ANSWER_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=Outcome.choices,
        initial=Outcome.ANSWERED,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Passed to department"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: ServiceItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()
        answers = Answer.objects.filter(item__isnull=True)
        if item is not None:
            answers = Answer.objects.filter(item=item) | answers
        self.fields["answer"].queryset = answers.order_by("-item", "sort_order", "id")

    def started_at(self) -> datetime.datetime | None:
        try:
            value = datetime.datetime.fromisoformat(self.cleaned_data.get("started") or "")
        except ValueError:
            return None
        return value if timezone.is_aware(value) else None


def _selected_item(value: Any) -> ServiceItem | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return ServiceItem.objects.published().select_related("department").filter(pk=pk).first()


@require_http_methods(["GET", "POST"])
@staff_permission_required("consult.record_consultation")
def record(request: HttpRequest) -> HttpResponse:
    """The consultation window: find the item, pick or write the answer, record the outcome."""
    user: Any = request.user
    query = request.GET.get("q", "").strip()[:100]
    data = request.POST if request.method == "POST" else None
    item = _selected_item((data or request.GET).get("item"))
    status = 200
    if data is not None:
        form = ConsultationForm(data, item=item)
        if form.is_valid():
            ticket = None
            code = form.cleaned_data["ticket"].strip().upper()
            if code:
                ticket = Ticket.objects.filter(
                    hall_id=user.hall_id, day=timezone.localdate(), code=code
                ).first()
                if ticket is None:
                    form.add_error("ticket", _("No ticket with this number today in your hall."))
            if not form.errors:
                try:
                    services.record_consultation(
                        hall=user.hall,
                        actor=user,
                        channel=form.cleaned_data["channel"],
                        outcome=form.cleaned_data["outcome"],
                        question=form.cleaned_data["question"],
                        item=form.cleaned_data["item"],
                        answer=form.cleaned_data["answer"],
                        answer_text=form.cleaned_data["answer_text"],
                        department=form.cleaned_data["department"],
                        ticket=ticket,
                        started_at=form.started_at(),
                    )
                except services.ConsultError as error:
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, error.message)
                else:
                    messages.success(request, _("The consultation was recorded."))
                    return redirect("consult:record")
        status = 400
    else:
        form = ConsultationForm(
            item=item,
            initial={
                "item": item.pk if item else None,
                "started": timezone.now().isoformat(),
                "question": request.GET.get("question", "")[:200],
            },
        )
    hits = search_items(query, limit=SEARCH_LIMIT) if query else []
    today = list(queries.today_consultations(hall_id=user.hall_id, day=timezone.localdate()))
    return render(
        request,
        "consult/record.html",
        {
            "form": form,
            "query": query,
            "hits": hits,
            "item": item,
            "today": today,
            "can_see_all": user.has_perm("consult.view_hall_consultations"),
        },
        status=status,
    )


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return default


def _range(request: HttpRequest, days: int = 30) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    end = _date(request.GET.get("to"), today)
    start = _date(request.GET.get("from"), end - datetime.timedelta(days=days - 1))
    if start > end:
        start, end = end, start
    return start, end


@require_http_methods(["GET"])
@staff_permission_required("consult.view_hall_consultations")
def records(request: HttpRequest) -> HttpResponse:
    """Every consultation of the hall in a date range (hall managers, supervisors)."""
    user: Any = request.user
    start, end = _range(request, days=7)
    low, high = queries.day_bounds(start, end)
    rows = Consultation.objects.filter(
        hall_id=user.hall_id, started_at__gte=low, started_at__lt=high
    )
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    rows = rows.select_related("item", "staff", "department", "answer", "ticket").order_by(
        "-started_at", "-id"
    )[:RECORDS_LIMIT]
    return render(
        request,
        "consult/records.html",
        {
            "rows": list(rows),
            "start": start,
            "end": end,
            "channel": channel,
            "channels": Channel.choices,
            "limit": RECORDS_LIMIT,
        },
    )


# --- online questions ----------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_permission_required("consult.answer_question")
def question_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = queries.unanswered_queue(hall_id=user.hall_id, today=timezone.localdate())
    return render(
        request,
        "consult/question_queue.html",
        {"rows": rows, "limit": queries.QUEUE_LIMIT, "days": services.answer_days()},
    )


class AnswerForm(forms.Form):
    answer = forms.ModelChoiceField(
        label=gettext_lazy("Answer from the knowledge base"),
        queryset=Answer.objects.all(),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    answer_text = forms.CharField(
        label=gettext_lazy("Answer to the citizen"),
        max_length=services.MAX_ANSWER_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 6}),
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=Outcome.choices,
        initial=Outcome.ANSWERED,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Passed to department"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, item: ServiceItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()
        answers = Answer.objects.filter(item__isnull=True)
        if item is not None:
            answers = Answer.objects.filter(item=item) | answers
        self.fields["answer"].queryset = answers.order_by("-item", "sort_order", "id")


@require_http_methods(["GET", "POST"])
@staff_permission_required("consult.answer_question")
def question_detail(request: HttpRequest, number: str) -> HttpResponse:
    user: Any = request.user
    question = (
        OnlineQuestion.objects.select_related("item", "answered_by", "hall")
        .filter(number=number, hall_id=user.hall_id)
        .first()
    )
    if question is None:
        raise Http404("No such question in your hall.")
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, item=question.item)
        if form.is_valid():
            try:
                services.answer_question(
                    question=question,
                    actor=user,
                    answer_text=form.cleaned_data["answer_text"],
                    answer=form.cleaned_data["answer"],
                    outcome=form.cleaned_data["outcome"],
                    department=form.cleaned_data["department"],
                )
            except services.ConsultError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                messages.success(
                    request,
                    _("Question %(number)s was answered; the citizen is told by SMS.")
                    % {"number": question.number},
                )
                return redirect("consult:question-queue")
        status = 400
    else:
        form = AnswerForm(item=question.item)
    return render(
        request,
        "consult/question_detail.html",
        {
            "question": question,
            "row": queries.question_light(question, timezone.localdate()),
            "form": form,
        },
        status=status,
    )


# --- statistics ----------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_permission_required("consult.view_consult_statistics")
def statistics(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    start, end = _range(request)
    stats = queries.statistics(hall_id=user.hall_id, start=start, end=end)
    return render(request, "consult/statistics.html", {"stats": stats})
