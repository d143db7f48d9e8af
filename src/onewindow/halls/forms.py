"""Forms of the hall set-up pages and the "my window" page: validation only; saving goes through
`halls.services`. Hall-wide uniqueness (zone names, window numbers, queue prefixes) is checked
here because the hall is not a form field, so Django's own constraint checks skip it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.forms import BootstrapMixin
from onewindow.catalog.models import Department
from onewindow.halls.models import Hall, Window, WindowKind, Zone
from onewindow.tickets.models import Queue

_TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
PREVIEW_NUMBER = "A023"
PREVIEW_WINDOW = 3
EXAMPLE_TEMPLATE = "请{number}号到{window}号窗口办理"


def render_announcement(template: str, number: str, window: Any) -> str:
    """The spoken text of a call; raises KeyError/ValueError/IndexError on a broken template."""
    return template.format(number=number, window=window)


class HallSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Hall
        fields = [
            "name",
            "address",
            "phone",
            "opening_hours",
            "no_show_after_calls",
            "notify_when_ahead",
            "announcement_template",
            "announcement_repeat",
        ]

    no_show_after_calls = forms.IntegerField(
        label=Hall._meta.get_field("no_show_after_calls").verbose_name, min_value=1, max_value=9
    )
    notify_when_ahead = forms.IntegerField(
        label=Hall._meta.get_field("notify_when_ahead").verbose_name,
        min_value=0,
        max_value=50,
        help_text=_("0: send no SMS."),
    )
    announcement_repeat = forms.IntegerField(
        label=Hall._meta.get_field("announcement_repeat").verbose_name, min_value=1, max_value=5
    )

    def clean_announcement_template(self) -> str:
        template = self.cleaned_data["announcement_template"].strip()
        missing = [p for p in ("{number}", "{window}") if p not in template]
        if missing:
            raise ValidationError(
                _("The announcement must contain %(missing)s, e.g. %(example)s."),
                code="placeholders",
                params={"missing": "、".join(missing), "example": EXAMPLE_TEMPLATE},
            )
        try:
            render_announcement(template, PREVIEW_NUMBER, PREVIEW_WINDOW)
        except (KeyError, ValueError, IndexError) as error:
            raise ValidationError(
                _(
                    "Only {number} and {window} may appear in braces. Remove the other braces "
                    "from the announcement."
                ),
                code="braces",
            ) from error
        return template

    def preview(self) -> str:
        """The announcement as it will be spoken (the submitted text when valid, else the saved)."""
        template = self.instance.announcement_template
        if self.is_bound and self.is_valid():
            template = self.cleaned_data["announcement_template"]
        try:
            return render_announcement(template, PREVIEW_NUMBER, PREVIEW_WINDOW)
        except (KeyError, ValueError, IndexError):
            return ""


class _HallScopedForm(BootstrapMixin, forms.ModelForm):
    """A form for a row of one hall: the hall is given by the view, never chosen."""

    def __init__(self, *args: Any, hall: Hall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hall = hall
        self.instance.hall = hall

    def _others(self) -> Any:
        return type(self.instance).objects.filter(hall=self.hall).exclude(pk=self.instance.pk)


class ZoneForm(_HallScopedForm):
    class Meta:
        model = Zone
        fields = ["name", "floor", "sort_order"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self._others().filter(name=name).exists():
            raise ValidationError(
                _("This hall already has a zone named “%(name)s”."),
                code="unique",
                params={"name": name},
            )
        return name


class WindowForm(_HallScopedForm):
    class Meta:
        model = Window
        fields = ["number", "name", "kind", "zone", "department"]

    def __init__(self, *args: Any, hall: Hall, **kwargs: Any) -> None:
        super().__init__(*args, hall=hall, **kwargs)
        self.fields["zone"].queryset = Zone.objects.filter(hall=hall)
        self.fields["department"].queryset = Department.objects.order_by("sort_order", "name")
        self.fields["number"].min_value = 1
        self.fields["number"].widget.attrs["min"] = 1

    def clean_number(self) -> int:
        number = self.cleaned_data["number"]
        if number is not None and number < 1:
            raise ValidationError(_("Window numbers start at 1."), code="min")
        if self._others().filter(number=number).exists():
            raise ValidationError(
                _("This hall already has window %(n)s. Choose another number."),
                code="unique",
                params={"n": number},
            )
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, department = data.get("kind"), data.get("department")
        # Mirrors the CheckConstraint halls_window_department_only_for_department_windows.
        if kind == WindowKind.DEPARTMENT and department is None:
            self.add_error("department", _("A department window needs its department."))
        elif kind and kind != WindowKind.DEPARTMENT and department is not None:
            self.add_error(
                "department",
                _("Only a department window has a department. Leave this empty."),
            )
        return data


_PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")


class QueueForm(_HallScopedForm):
    class Meta:
        model = Queue
        fields = [
            "prefix",
            "name",
            "kind",
            "daily_quota",
            "issue_from",
            "issue_until",
            "default_service_minutes",
            "sort_order",
            "is_active",
        ]
        widgets = {"issue_from": _TIME_WIDGET, "issue_until": _TIME_WIDGET}

    def __init__(self, *args: Any, hall: Hall, **kwargs: Any) -> None:
        super().__init__(*args, hall=hall, **kwargs)
        self.fields["prefix"].help_text = _("One or two capital letters, e.g. A or FA.")
        self.fields["prefix"].widget.attrs.update(
            {"maxlength": 2, "autocapitalize": "characters", "style": "text-transform: uppercase"}
        )

    def clean_prefix(self) -> str:
        prefix = self.cleaned_data["prefix"].strip().upper()
        if not _PREFIX_RE.match(prefix):
            raise ValidationError(
                _("The prefix is one or two capital letters A–Z, e.g. A or FA."), code="format"
            )
        if self._others().filter(prefix=prefix).exists():
            raise ValidationError(
                _("This hall already has a queue with the prefix %(prefix)s."),
                code="unique",
                params={"prefix": prefix},
            )
        return prefix

    def clean_daily_quota(self) -> int | None:
        quota = self.cleaned_data["daily_quota"]
        if quota is not None and quota < 1:
            raise ValidationError(_("Enter at least 1, or leave empty for no limit."), code="min")
        return quota

    def clean_default_service_minutes(self) -> int:
        minutes = self.cleaned_data["default_service_minutes"]
        if minutes is not None and minutes < 1:
            raise ValidationError(_("Enter at least 1 minute."), code="min")
        return minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("issue_from"), data.get("issue_until")
        if start is not None and end is not None and end <= start:
            self.add_error("issue_until", _("The closing time must be after the opening time."))
        return data


class WindowQueuesForm(forms.Form):
    """Which of the hall's queues one window serves: a row per queue with order and overflow."""

    def __init__(self, *args: Any, queues: list[Queue], links: dict[int, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.queues = queues
        for n, queue in enumerate(queues, start=1):
            link = links.get(queue.pk)
            self.fields[f"serve_{queue.pk}"] = forms.BooleanField(
                label=str(queue), required=False, initial=link is not None
            )
            self.fields[f"order_{queue.pk}"] = forms.IntegerField(
                label=_("Order"),
                min_value=0,
                max_value=999,
                initial=link.order if link is not None else n * 10,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[f"overflow_{queue.pk}"] = forms.BooleanField(
                label=_("Only when idle"),
                required=False,
                initial=link.overflow_only if link is not None else False,
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "queue": q,
                "serve": self[f"serve_{q.pk}"],
                "order": self[f"order_{q.pk}"],
                "overflow": self[f"overflow_{q.pk}"],
            }
            for q in self.queues
        ]

    def chosen(self) -> list[tuple[Queue, int, bool]]:
        data = self.cleaned_data
        return [
            (q, data[f"order_{q.pk}"], data[f"overflow_{q.pk}"])
            for q in self.queues
            if data.get(f"serve_{q.pk}")
        ]


PAUSE_REASONS = [
    ("away", _("Away for a moment")),
    ("consulting", _("Answering an enquiry")),
    ("system", _("System fault")),
    ("other", _("Other")),
]


class SignInForm(forms.Form):
    window = forms.ModelChoiceField(label=_("Window"), queryset=Window.objects.none())

    def __init__(self, *args: Any, hall: Hall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["window"]
        field.queryset = Window.objects.filter(hall=hall, is_active=True)
        field.error_messages["invalid_choice"] = _("Choose one of your hall's windows.")


class PauseForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=PAUSE_REASONS)
    detail = forms.CharField(label=_("Details"), max_length=60, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("detail") or "").strip():
            self.add_error("detail", _("Say why the window pauses."))
        return data

    def reason_text(self) -> str:
        """The reason as stored and shown on the displays, e.g. “系统故障：叫号器无响应”."""
        labels = dict(PAUSE_REASONS)
        label = str(labels[self.cleaned_data["reason"]])
        detail = self.cleaned_data["detail"].strip()
        if self.cleaned_data["reason"] == "other":
            return detail
        return f"{label}：{detail}" if detail else label
