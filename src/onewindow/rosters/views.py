"""Duty rosters: the public two-week page and the hall manager's planning pages."""

from __future__ import annotations

import calendar as pycalendar
import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.accounts.models import User
from onewindow.core.permissions import staff_permission_required
from onewindow.halls.models import Hall, Window
from onewindow.rosters import queries, services
from onewindow.rosters.models import DutyShift, ShiftKind

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


@require_http_methods(["GET"])
def public(request: HttpRequest) -> HttpResponse:
    """From today to the end of next week, per hall, in large type."""
    today = timezone.localdate()
    first = today
    last = queries.monday_of(today) + datetime.timedelta(days=13)
    halls = list(Hall.objects.filter(is_active=True).order_by("pk"))
    code = request.GET.get("hall", "")
    shown = [h for h in halls if h.code == code] or halls
    sections = [(h, queries.days(h.pk, first, last)) for h in shown]
    return render(
        request,
        "rosters/public.html",
        {
            "sections": sections,
            "today": today,
            "halls": halls,
            "hall": shown[0] if len(shown) == 1 else None,
        },
    )


class ShiftForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={**TEXT, "type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=ShiftKind.choices, widget=forms.Select(attrs=SELECT)
    )
    starts = forms.TimeField(
        label=gettext_lazy("From"),
        widget=forms.TimeInput(attrs={**TEXT, "type": "time"}, format="%H:%M"),
    )
    ends = forms.TimeField(
        label=gettext_lazy("Until"),
        widget=forms.TimeInput(attrs={**TEXT, "type": "time"}, format="%H:%M"),
    )
    windows = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Windows open"),
        queryset=Window.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Staff on duty"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leader_name = forms.CharField(
        label=gettext_lazy("Leader"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    leader_title = forms.CharField(
        label=gettext_lazy("Leader's title"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TEXT),
    )

    def __init__(self, *args: Any, hall: Hall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Other halls' windows and staff are not even offered; the service checks again.
        self.fields["windows"].queryset = Window.objects.filter(hall=hall, is_active=True).order_by(
            "number"
        )
        self.fields["windows"].label_from_instance = lambda w: f"{w.number} {w.name}".strip()
        self.fields["staff"].queryset = User.objects.filter(hall=hall, is_active=True).order_by(
            "full_name", "username"
        )
        self.fields["staff"].label_from_instance = lambda u: u.display_name

    def data_object(self) -> services.ShiftData:
        d = self.cleaned_data
        return services.ShiftData(
            date=d["date"],
            kind=d["kind"],
            starts=d["starts"],
            ends=d["ends"],
            windows=list(d["windows"]),
            staff=list(d["staff"]),
            leader_name=d["leader_name"],
            leader_title=d["leader_title"],
            note=d["note"],
        )


def _period(request: HttpRequest) -> tuple[str, datetime.date, datetime.date]:
    today = timezone.localdate()
    month = request.GET.get("month", "")
    if month:
        try:
            first = datetime.date.fromisoformat(f"{month}-01")
        except ValueError:
            first = today.replace(day=1)
        last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
        return "month", first, last
    try:
        start = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        start = today
    first = queries.monday_of(start)
    return "week", first, first + datetime.timedelta(days=6)


@require_http_methods(["GET", "POST"])
@staff_permission_required("rosters.change_dutyshift")
def manage(request: HttpRequest) -> HttpResponse:
    hall = request.user.hall
    if hall is None:
        return render(request, "halls/no_hall.html", status=403)
    view, first, last = _period(request)
    status = 200
    if request.method == "POST":
        form = ShiftForm(request.POST, hall=hall)
        if form.is_valid():
            try:
                services.plan_shift(hall=hall, data=form.data_object(), actor=request.user)
            except services.RosterError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The shift was planned."))
                return redirect(request.get_full_path())
        status = 400
    else:
        form = ShiftForm(hall=hall, initial={"date": first, "starts": "09:00", "ends": "17:00"})
    if view == "month":
        prev_link = f"?month={(first - datetime.timedelta(days=1)):%Y-%m}"
        next_link = f"?month={(last + datetime.timedelta(days=1)):%Y-%m}"
    else:
        prev_link = f"?week={first - datetime.timedelta(days=7)}"
        next_link = f"?week={first + datetime.timedelta(days=7)}"
    return render(
        request,
        "rosters/manage.html",
        {
            "form": form,
            "days": queries.days(hall.pk, first, last),
            "view": view,
            "first": first,
            "last": last,
            "prev_link": prev_link,
            "next_link": next_link,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required("rosters.change_dutyshift")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift, pk=pk, hall_id=request.user.hall_id)
    hall = request.user.hall
    status = 200
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            form = ShiftForm(hall=hall, initial=_initial(shift))
            try:
                services.remove_shift(shift=shift, actor=request.user)
            except services.RosterError as exc:
                error = exc.message
            else:
                messages.success(request, _("The shift was removed."))
                return redirect(f"{_manage_url()}?week={shift.date}")
        else:
            form = ShiftForm(request.POST, hall=hall)
            if form.is_valid():
                try:
                    services.change_shift(shift=shift, data=form.data_object(), actor=request.user)
                except services.RosterError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(request, _("The shift was saved."))
                    return redirect(f"{_manage_url()}?week={form.cleaned_data['date']}")
        status = 400
    else:
        form = ShiftForm(hall=hall, initial=_initial(shift))
    return render(
        request,
        "rosters/edit.html",
        {"shift": shift, "form": form, "error": error},
        status=status,
    )


def _manage_url() -> str:
    from django.urls import reverse

    return reverse("rosters:manage")


def _initial(shift: DutyShift) -> dict[str, Any]:
    return {
        "date": shift.date,
        "kind": shift.kind,
        "starts": shift.starts,
        "ends": shift.ends,
        "windows": list(shift.windows.all()),
        "staff": list(shift.staff.all()),
        "leader_name": shift.leader_name,
        "leader_title": shift.leader_title,
        "note": shift.note,
    }
