"""Forms of the working-day calendar page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.core.services import FIRST_ENTERABLE_YEAR, LAST_ENTERABLE_YEAR

_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CalendarDayForm(forms.Form):
    """Set or correct one day: an administrator's entry wins over the holiday library."""

    WORKDAY = "workday"
    RESTDAY = "restday"

    date = forms.DateField(label=_("Date"), widget=_DATE_WIDGET)
    kind = forms.ChoiceField(
        label=_("The day is"),
        choices=[
            (WORKDAY, _("A working day (offices open)")),
            (RESTDAY, _("A rest day (offices closed)")),
        ],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        required=False,
        help_text=_(
            "For example “Spring Festival” for a holiday or “Spring Festival adjusted working "
            "day” for a working weekend."
        ),
    )

    @property
    def is_workday(self) -> bool:
        return self.cleaned_data["kind"] == self.WORKDAY


class ClearCalendarDayForm(forms.Form):
    """Remove an administrator's entry; the day goes back to the holiday library or Mon–Fri."""

    date = forms.DateField(label=_("Date"), widget=forms.HiddenInput)


class CalendarYearForm(forms.Form):
    """Enter a year the holiday library does not know yet."""

    year = forms.IntegerField(
        label=_("Year"), min_value=FIRST_ENTERABLE_YEAR, max_value=LAST_ENTERABLE_YEAR
    )
    note = forms.CharField(
        label=_("Basis"),
        max_length=200,
        required=False,
        help_text=_("The State Council notice on the year's holiday arrangement, with its number."),
    )
