"""Forms of the kiosk (自助取号) and the guide desk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import Audience, ServiceItem
from onewindow.core.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)
from onewindow.tickets.models import Priority, Queue, QueueKind, Ticket

MAX_MATTERS = 5
MATTER_TILES = 8

# Which catalog audiences a queue's matters step offers; kinds not listed skip the step.
AUDIENCES_BY_KIND: dict[str, tuple[str, ...]] = {
    QueueKind.NATURAL: (Audience.NATURAL, Audience.BOTH),
    QueueKind.LEGAL: (Audience.LEGAL, Audience.BOTH),
    QueueKind.ASSISTANCE: (Audience.NATURAL, Audience.LEGAL, Audience.BOTH),
}

# The steps after choosing a queue, in order; each may be skipped. "confirm" issues the ticket.
STEPS = ("matters", "priority", "phone", "id_number", "confirm")
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "matters": ("matters",),
    "priority": ("priority",),
    "phone": ("phone",),
    "id_number": ("id_number",),
    "confirm": (),
}


def popular_matters(queue: Queue, *, limit: int = MATTER_TILES) -> QuerySet[ServiceItem]:
    """Published hall items with a full guide for the queue's audience, most ticketed first."""
    audiences = AUDIENCES_BY_KIND.get(queue.kind)
    if not audiences:
        return ServiceItem.objects.none()
    through = Ticket.matters.through
    ids = list(
        ServiceItem.objects.published()
        .filter(audience__in=audiences, in_hall=True, scenarios__materials__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    counts = dict(
        through.objects.filter(serviceitem_id__in=ids, ticket__hall_id=queue.hall_id)
        .values_list("serviceitem_id")
        .annotate(n=Count("id"))
        .values_list("serviceitem_id", "n")
    )
    items = sorted(
        ServiceItem.objects.filter(pk__in=ids).select_related("department"),
        key=lambda item: (-counts.get(item.pk, 0), item.name),
    )[:limit]
    order = [item.pk for item in items]
    # A queryset (not a list) so the form field can validate against it.
    return ServiceItem.objects.filter(pk__in=order).order_by("name")


class MobileField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = normalize_mobile(super().clean(value) or "")
        if value:
            validate_mobile(value)
        return value


class IdNumberField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = normalize_id_number(super().clean(value) or "")
        if value:
            validate_id_number(value)
        return value


class KioskTicketForm(forms.Form):
    """Everything the kiosk asks after the queue; carried through the steps in hidden fields."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    matters = forms.ModelMultipleChoiceField(
        label=_("Matters you came for"),
        queryset=ServiceItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(
        label=_("Priority group"), choices=Priority.choices, required=False
    )
    phone = MobileField(label=_("Mobile number"), required=False, max_length=20)
    id_number = IdNumberField(label=_("ID number"), required=False, max_length=20)

    def __init__(self, *args: Any, queue: Queue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = queue
        self.fields["matters"].queryset = popular_matters(queue)

    def clean_matters(self) -> list[ServiceItem]:
        matters = list(self.cleaned_data.get("matters") or [])
        if len(matters) > MAX_MATTERS:
            raise forms.ValidationError(
                _("Choose at most %(n)s matters."), params={"n": MAX_MATTERS}, code="too_many"
            )
        return matters

    def steps(self) -> list[str]:
        return [s for s in STEPS if s != "matters" or self.queue.kind in AUDIENCES_BY_KIND]

    def first_error_step(self, *, upto: str) -> str | None:
        """The earliest step up to `upto` whose field has an error (the form must be bound)."""
        steps = self.steps()
        for step in steps[: steps.index(upto) + 1]:
            if any(name in self.errors for name in STEP_FIELDS[step]):
                return step
        return None


class CheckInForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    code = forms.CharField(label=_("Booking code"), max_length=12)

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()


class DeskTicketForm(forms.Form):
    """The guide desk: a compact form for staff, issued with channel "guide_desk"."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    queue = forms.ModelChoiceField(label=_("Ticket category"), queryset=Queue.objects.none())
    matters = forms.ModelMultipleChoiceField(
        label=_("Matters"),
        queryset=ServiceItem.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Optional. Type in the filter box to narrow the list."),
    )
    priority = forms.ChoiceField(
        label=_("Priority group"), choices=Priority.choices, required=False
    )
    phone = MobileField(label=_("Mobile number"), required=False, max_length=20)
    id_number = IdNumberField(label=_("ID number"), required=False, max_length=20)

    def __init__(self, *args: Any, hall: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(hall=hall, is_active=True)
        for name, field in self.fields.items():
            if name != "key":
                css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                field.widget.attrs.setdefault("class", css)
        self.fields["matters"].queryset = (
            ServiceItem.objects.published()
            .filter(in_hall=True)
            .select_related("department")
            .order_by("name")
        )

    def clean_matters(self) -> list[ServiceItem]:
        matters = list(self.cleaned_data.get("matters") or [])
        if len(matters) > MAX_MATTERS:
            raise forms.ValidationError(
                _("Choose at most %(n)s matters."), params={"n": MAX_MATTERS}, code="too_many"
            )
        return matters
