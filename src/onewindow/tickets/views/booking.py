"""Appointments (预约): the public booking pages and the hall manager's slot set-up.

The public pages need no login and no JavaScript: choose a category, then (on one page) an
optional item, a day and a free slot, and the mobile number. The form carries a random key;
the session remembers which booking each key made, so submitting the same form twice shows the
same booking, and `booking.book_once` also gives one booking when two submits race.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.catalog.models import ServiceItem
from onewindow.catalog.search import search_items
from onewindow.core.calendar import UnknownCalendarYear
from onewindow.core.permissions import staff_permission_required
from onewindow.core.validators import normalize_mobile
from onewindow.halls.models import Hall
from onewindow.tickets import booking
from onewindow.tickets.forms import MobileField
from onewindow.tickets.models import Appointment, AppointmentSlot, Queue
from onewindow.tickets.services import QueueError

TOKEN_SALT = "onewindow.tickets.booking-link"
SESSION_KEYS = "booking_keys"
BOOK_AHEAD_DAYS = 14
SLOT_LIST_DAYS = 31
ITEM_RESULTS = 8

# --- helpers -----------------------------------------------------------------------------------


def booking_token(appointment: Appointment) -> str:
    return signing.dumps(appointment.pk, salt=TOKEN_SALT, compress=True)


def _appointment_from_token(token: str, hall: Hall) -> Appointment:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise Http404 from None
    if not isinstance(pk, int):
        raise Http404
    return get_object_or_404(
        Appointment.objects.select_related("slot__queue", "item"),
        pk=pk,
        slot__queue__hall=hall,
    )


def _hall(hall_code: str) -> Hall:
    return get_object_or_404(Hall, code=hall_code, is_active=True)


def _slot_is_past(slot: AppointmentSlot, local: datetime.datetime) -> bool:
    return slot.day < local.date() or (slot.day == local.date() and local.time() >= slot.ends_at)


def _bookable_slots(queue: Queue, local: datetime.datetime) -> list[AppointmentSlot]:
    """The queue's slots from today on, within the booking horizon, not yet over."""
    last = local.date() + datetime.timedelta(days=BOOK_AHEAD_DAYS)
    slots = AppointmentSlot.objects.filter(
        queue=queue, day__gte=local.date(), day__lte=last
    ).order_by("day", "starts_at")
    return [s for s in slots if not _slot_is_past(s, local)]


# --- forms -------------------------------------------------------------------------------------


class BookingForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    slot = forms.ModelChoiceField(
        label=gettext_lazy("Time"),
        queryset=AppointmentSlot.objects.none(),
        error_messages={
            "required": gettext_lazy("Please choose a time."),
            "invalid_choice": gettext_lazy("This time is no longer available. Choose another."),
        },
    )
    item = forms.ModelChoiceField(
        label=gettext_lazy("Item"), queryset=ServiceItem.objects.none(), required=False
    )
    phone = MobileField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        error_messages={"required": gettext_lazy("Please enter a mobile number.")},
    )

    def __init__(self, *args: Any, queue: Queue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = AppointmentSlot.objects.filter(queue=queue)
        self.fields["item"].queryset = ServiceItem.objects.published()


_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})[-–~至到](\d{1,2}):(\d{2})$")


class SlotGenerateForm(forms.Form):
    queue = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=Queue.objects.none())
    date_from = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("Last day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    periods = forms.CharField(
        label=gettext_lazy("Daily periods"),
        max_length=200,
        initial="09:00-11:30 14:00-16:30",
        help_text=gettext_lazy(
            "Start and end of each period, separated by spaces, e.g. 09:00-11:30 14:00-16:30. "
            "Slots fill each period; the last slot ends at the period's end."
        ),
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Slot length (minutes)"), min_value=5, max_value=240, initial=30
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Places per slot"), min_value=1, max_value=200, initial=2
    )

    def __init__(self, *args: Any, hall: Hall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(hall=hall, is_active=True)

    def clean_periods(self) -> list[tuple[datetime.time, datetime.time]]:
        text = self.cleaned_data["periods"]
        parts = [p for p in re.split(r"[\s,，;；、]+", text.replace(" - ", "-")) if p]
        periods: list[tuple[datetime.time, datetime.time]] = []
        for part in parts:
            match = _PERIOD.match(part)
            try:
                if not match:
                    raise ValueError
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                start, end = datetime.time(h1, m1), datetime.time(h2, m2)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(part)s” is not a period like 09:00-11:30.") % {"part": part}
                ) from None
            if end <= start:
                raise forms.ValidationError(
                    _("In “%(part)s” the end is not after the start.") % {"part": part}
                )
            periods.append((start, end))
        if not periods:
            raise forms.ValidationError(_("Enter at least one period."))
        ordered = sorted(periods)
        for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:], strict=False):
            if s2 < e1:
                raise forms.ValidationError(_("The periods overlap."))
        return ordered


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Booking code"), max_length=20)
    phone = forms.CharField(label=gettext_lazy("Mobile number"), max_length=20)


# --- public pages ------------------------------------------------------------------------------


def _public(request: HttpRequest, hall: Hall, template: str, context: dict[str, Any]) -> Any:
    context.setdefault("hall", hall)
    return render(request, f"tickets/booking/{template}", context, status=context.pop("_s", 200))


@require_http_methods(["GET"])
def start(request: HttpRequest, hall_code: str) -> HttpResponse:
    """Choose the category: the hall's active queues that have a free slot ahead."""
    hall = _hall(hall_code)
    local = timezone.localtime()
    last = local.date() + datetime.timedelta(days=BOOK_AHEAD_DAYS)
    slots = AppointmentSlot.objects.filter(
        queue__hall=hall, queue__is_active=True, day__gte=local.date(), day__lte=last
    ).select_related("queue")
    free: dict[int, int] = {}
    queues: dict[int, Queue] = {}
    for slot in slots:
        if _slot_is_past(slot, local):
            continue
        queues[slot.queue_id] = slot.queue
        free[slot.queue_id] = free.get(slot.queue_id, 0) + slot.capacity - slot.booked
    rows = [
        {"queue": q, "free": free[q.pk]}
        for q in sorted(queues.values(), key=lambda q: (q.sort_order, q.prefix))
    ]
    return _public(request, hall, "start.html", {"rows": rows})


def _book_context(
    request: HttpRequest, hall: Hall, queue: Queue, form: BookingForm
) -> dict[str, Any]:
    local = timezone.localtime()
    slots = _bookable_slots(queue, local)
    days: dict[datetime.date, list[AppointmentSlot]] = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    day_rows = [
        {"day": d, "free": sum(s.capacity - s.booked for s in day_slots)}
        for d, day_slots in days.items()
    ]
    chosen_day: datetime.date | None = None
    raw_day = request.POST.get("day") or request.GET.get("day") or ""
    try:
        chosen_day = datetime.date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        chosen_day = None
    if chosen_day not in days:
        chosen_day = next((r["day"] for r in day_rows if r["free"] > 0), None)
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()[:100]
    hits = [h.item for h in search_items(query, limit=ITEM_RESULTS)] if query else []
    selected_item = None
    item_id = form["item"].value() or request.GET.get("item")
    if item_id and str(item_id).isdigit():
        selected_item = ServiceItem.objects.published().filter(pk=int(item_id)).first()
    if selected_item is not None and selected_item not in hits:
        hits.insert(0, selected_item)
    selected_slot = str(form["slot"].value() or "")
    return {
        "hall": hall,
        "queue": queue,
        "form": form,
        "days": day_rows,
        "chosen_day": chosen_day,
        "slots": days.get(chosen_day, []) if chosen_day else [],
        "selected_slot": selected_slot,
        "query": query,
        "hits": hits,
        "selected_item": selected_item,
    }


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, hall_code: str, queue_id: int) -> HttpResponse:
    """One page: an optional item, the day, a free slot and the mobile number."""
    hall = _hall(hall_code)
    queue = get_object_or_404(Queue, pk=queue_id, hall=hall, is_active=True)
    if request.method == "GET":
        form = BookingForm(initial={"key": uuid.uuid4()}, queue=queue)
        return _public(request, hall, "book.html", _book_context(request, hall, queue, form))
    form = BookingForm(request.POST, queue=queue)
    if request.POST.get("action") != "book":
        # Searching for an item or changing the day keeps what was entered, without errors.
        data = request.POST.copy()
        form = BookingForm(initial={k: data.get(k) for k in data}, queue=queue)
        form.initial.setdefault("key", uuid.uuid4())
        return _public(request, hall, "book.html", _book_context(request, hall, queue, form))
    if not form.is_valid():
        if "key" in form.errors:
            return redirect("booking:book", hall.code, queue.pk)
        context = _book_context(request, hall, queue, form)
        context["_s"] = 400
        return _public(request, hall, "book.html", context)
    key = str(form.cleaned_data["key"])
    done: dict[str, int] = request.session.get(SESSION_KEYS, {})
    if key in done:
        existing = Appointment.objects.filter(pk=done[key]).first()
        if existing is not None:
            return redirect("booking:done", hall.code, booking_token(existing))
    try:
        appointment, _created = booking.book_once(
            slot=form.cleaned_data["slot"],
            phone=form.cleaned_data["phone"],
            item=form.cleaned_data["item"],
        )
    except QueueError as error:
        form.add_error("slot" if error.field in (None, "slot") else error.field, str(error))
        context = _book_context(request, hall, queue, form)
        context["_s"] = 409
        return _public(request, hall, "book.html", context)
    done[key] = appointment.pk
    request.session[SESSION_KEYS] = dict(list(done.items())[-20:])
    return redirect("booking:done", hall.code, booking_token(appointment))


@require_http_methods(["GET"])
def done(request: HttpRequest, hall_code: str, token: str) -> HttpResponse:
    hall = _hall(hall_code)
    appointment = _appointment_from_token(token, hall)
    return _public(request, hall, "done.html", {"appointment": appointment})


def _find(hall: Hall, code: str, phone: str) -> Appointment | None:
    code = code.strip().upper().replace(" ", "")
    phone = normalize_mobile(phone)
    return (
        Appointment.objects.select_related("slot__queue", "item")
        .filter(code=code, phone=phone, slot__queue__hall=hall)
        .first()
    )


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, hall_code: str) -> HttpResponse:
    """查询/取消预约: the booking code and the mobile number show the booking; it may be
    cancelled until its slot ends."""
    hall = _hall(hall_code)
    appointment = None
    status = 200
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            appointment = _find(hall, form.cleaned_data["code"], form.cleaned_data["phone"])
            if appointment is None:
                form.add_error(
                    None,
                    _("No booking matches this code and mobile number. Please check both."),
                )
                status = 404
            elif request.POST.get("action") == "cancel":
                try:
                    appointment = booking.cancel_appointment(appointment=appointment)
                except QueueError as error:
                    form.add_error(None, str(error))
                    status = 409
                else:
                    messages.success(request, _("Your booking has been cancelled."))
    else:
        form = LookupForm()
    can_cancel = (
        appointment is not None
        and appointment.status == Appointment.Status.BOOKED
        and not _slot_is_past(appointment.slot, timezone.localtime())
    )
    return _public(
        request,
        hall,
        "lookup.html",
        {"form": form, "appointment": appointment, "can_cancel": can_cancel, "_s": status},
    )


# --- slot set-up (hall manager) --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_permission_required("tickets.add_appointmentslot")
def slots(request: HttpRequest) -> HttpResponse:
    """Generate a queue's slots over a date range and list the coming slots with bookings."""
    hall = request.user.hall
    if hall is None:
        return render(request, "halls/no_hall.html", status=403)
    queues = list(Queue.objects.filter(hall=hall, is_active=True))
    status = 200
    if request.method == "POST":
        form = SlotGenerateForm(request.POST, hall=hall)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = booking.generate_slots(
                    queue=data["queue"],
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    periods=data["periods"],
                    minutes=data["minutes"],
                    capacity=data["capacity"],
                    actor=request.user,
                )
            except UnknownCalendarYear as error:
                form.add_error("date_to", error.message)
                status = 400
            except QueueError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "%(created)s slots created on %(days)s working days; %(existing)s "
                        "already existed; %(skipped)s non-working days skipped."
                    )
                    % {
                        "created": result.created,
                        "days": len(result.days),
                        "existing": result.existing,
                        "skipped": len(result.skipped_days),
                    },
                )
                return redirect(reverse("booking:slots") + f"?queue={data['queue'].pk}")
        else:
            status = 400
        selected = form.cleaned_data.get("queue") if hasattr(form, "cleaned_data") else None
    else:
        selected = None
        raw = request.GET.get("queue", "")
        if raw.isdigit():
            selected = next((q for q in queues if q.pk == int(raw)), None)
        today = timezone.localdate()
        form = SlotGenerateForm(
            hall=hall,
            initial={
                "queue": selected or (queues[0] if queues else None),
                "date_from": today + datetime.timedelta(days=1),
                "date_to": today + datetime.timedelta(days=14),
            },
        )
    selected = selected or (queues[0] if queues else None)
    today = timezone.localdate()
    slot_rows = (
        AppointmentSlot.objects.filter(
            queue=selected,
            day__gte=today,
            day__lte=today + datetime.timedelta(days=SLOT_LIST_DAYS),
        ).order_by("day", "starts_at")
        if selected
        else AppointmentSlot.objects.none()
    )
    days: dict[datetime.date, list[AppointmentSlot]] = {}
    for slot in slot_rows:
        days.setdefault(slot.day, []).append(slot)
    return render(
        request,
        "tickets/booking/slots.html",
        {
            "hall": hall,
            "form": form,
            "queues": queues,
            "selected": selected,
            "days": [
                {
                    "day": d,
                    "slots": s,
                    "booked": sum(x.booked for x in s),
                    "capacity": sum(x.capacity for x in s),
                }
                for d, s in days.items()
            ],
        },
        status=status,
    )
