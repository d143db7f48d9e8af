"""Forms of the complaint pages; the rules themselves are in `complaints.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.complaints.models import ComplaintCause, ComplaintChannel, Satisfaction

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Complaint channel"),
        choices=[
            (ComplaintChannel.WINDOW.value, ComplaintChannel.WINDOW.label),
            (ComplaintChannel.PHONE.value, ComplaintChannel.PHONE.label),
        ],
        widget=forms.Select(attrs=SELECT),
    )
    name = forms.CharField(label=_("Complainant"), max_length=50, widget=forms.TextInput(TEXT))
    phone = forms.CharField(label=_("Mobile number"), max_length=20, widget=forms.TextInput(TEXT))
    id_number = forms.CharField(
        label=_("ID number (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(TEXT),
    )
    content = forms.CharField(
        label=_("What could not get done"),
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )
    cause = forms.ChoiceField(
        label=_("Cause"), choices=ComplaintCause.choices, widget=forms.Select(attrs=SELECT)
    )
    item_code = forms.CharField(
        label=_("Item (implementation code or exact name, optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(TEXT),
    )
    case_number = forms.CharField(
        label=_("Related case number (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(TEXT),
    )
    window = forms.ModelChoiceField(
        label=_("Window concerned (optional)"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    clerk = forms.ModelChoiceField(
        label=_("Staff member concerned (optional)"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    ticket = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, hall_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from onewindow.accounts.models import User
        from onewindow.halls.models import Window

        self.fields["window"].queryset = Window.objects.filter(hall_id=hall_id).order_by("number")
        self.fields["clerk"].queryset = User.objects.filter(
            hall_id=hall_id, is_active=True
        ).order_by("full_name", "username")


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, widget=forms.Select(attrs=SELECT)
    )
    handler = forms.ModelChoiceField(
        label=_("Handler (optional)"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.TextInput(TEXT)
    )

    def __init__(self, *args: Any, hall_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from onewindow.accounts.models import User
        from onewindow.catalog.models import Department

        self.fields["department"].queryset = Department.objects.order_by("name")
        self.fields["handler"].queryset = (
            User.objects.filter(
                hall_id=hall_id,
                is_active=True,
                groups__permissions__codename="handle_complaint",
                groups__permissions__content_type__app_label="complaints",
            )
            .select_related("department")
            .distinct()
            .order_by("full_name", "username")
        )
        self.fields["handler"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.department.name}）" if u.department_id else u.display_name
        )


class StartForm(forms.Form):
    pass


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to the complainant (sent by SMS)"),
        max_length=3000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
    )
    cause = forms.ChoiceField(
        label=_("Cause found"),
        choices=ComplaintCause.choices,
        widget=forms.Select(attrs=SELECT),
    )


class SatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("The complainant's satisfaction"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.TextInput(TEXT)
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.TextInput(TEXT)
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("What is done again"), max_length=500, widget=forms.TextInput(TEXT)
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Registered from"), required=False, widget=forms.DateInput({**TEXT, "type": "date"})
    )
    end = forms.DateField(
        label=_("Registered until"),
        required=False,
        widget=forms.DateInput({**TEXT, "type": "date"}),
    )


# --- public -------------------------------------------------------------------------------------

BIG = {"class": "form-control form-control-lg"}


class PublicComplaintForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=50, widget=forms.TextInput({**BIG, "autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput({**BIG, "inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("ID number (optional)"), max_length=20, required=False, widget=forms.TextInput(BIG)
    )
    content = forms.CharField(
        label=_("What could not get done?"),
        max_length=5000,
        widget=forms.Textarea(attrs={**BIG, "rows": 5}),
    )
    hall = forms.ModelChoiceField(
        label=_("Service hall"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from onewindow.halls.models import Hall

        self.fields["hall"].queryset = Hall.objects.filter(is_active=True).order_by("pk")
        self.fields["hall"].empty_label = None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(
            {
                "class": "form-control form-control-lg ow-code-input",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": "6",
            }
        ),
    )


class FollowForm(forms.Form):
    code = forms.CharField(
        label=_("Query code"),
        max_length=8,
        widget=forms.TextInput(
            {"class": "form-control form-control-lg", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
