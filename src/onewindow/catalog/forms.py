"""Forms of the hall manager's catalog pages: validation only, saving goes through services."""

from __future__ import annotations

import zipfile
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import (
    Answer,
    DelegationAgreement,
    Department,
    HandlingKind,
    ItemStatus,
    ItemType,
    Material,
    ReviewPoint,
    Scenario,
    ServiceItem,
    Synonym,
)

# --- Uploads: the extension must be allowed and the content must match it --------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXTENSION_KIND = {
    ".pdf": "pdf",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
    ".doc": "ole",
    ".xls": "ole",
    ".docx": "docx",
    ".xlsx": "xlsx",
}
GUIDE_FILE_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png")
SCAN_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")


def sniff_kind(upload: Any) -> str | None:
    """The file kind its first bytes (and, for Office files, its zip entries) show."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind: str | None = None
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif head.startswith(_OLE2):
        kind = "ole"
    elif head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        if any(n.startswith("word/") for n in names):
            kind = "docx"
        elif any(n.startswith("xl/") for n in names):
            kind = "xlsx"
        upload.seek(0)
    return kind


def validate_upload(upload: UploadedFile, allowed: tuple[str, ...]) -> None:
    """Reject a file by extension, size or content, with a message saying what to do."""
    ext = PurePath(upload.name or "").suffix.lower()
    if ext not in allowed:
        types = "、".join(sorted({e.lstrip(".").upper() for e in allowed if e != ".jpeg"}))
        raise ValidationError(
            _("Only these file types are accepted: %(types)s."),
            code="extension",
            params={"types": types},
        )
    limit_mb = int(settings.MAX_UPLOAD_MB)
    if upload.size is not None and upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(mb)s MB. Please compress it and upload it again."),
            code="size",
            params={"mb": limit_mb},
        )
    if sniff_kind(upload) != _EXTENSION_KIND[ext]:
        raise ValidationError(
            _(
                "The content of this file is not a real %(ext)s file. "
                "Please upload the original file again."
            ),
            code="content",
            params={"ext": ext.lstrip(".").upper()},
        )


def _clean_upload(value: Any, allowed: tuple[str, ...]) -> Any:
    if isinstance(value, UploadedFile):
        validate_upload(value, allowed)
    return value


# --- Look ------------------------------------------------------------------------------------


class BootstrapMixin:
    """Bootstrap classes on every widget, and aria-invalid on fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = 3

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is not None:
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} is-invalid"


class _CodeMixin:
    """Codes may be left empty: the service then numbers them (S01, M01, P01, Q01)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        code = self.fields["code"]  # type: ignore[attr-defined]
        code.required = False
        code.help_text = _("Leave empty to number it automatically.")

    def clean_code(self) -> str | None:
        # None (not "") keeps two new rows without codes from counting as duplicates.
        return (self.cleaned_data.get("code") or "").strip() or None  # type: ignore[attr-defined]


# --- Items -----------------------------------------------------------------------------------

ITEM_FIELDSETS: list[tuple[Any, list[str]]] = [
    (
        _("Basic information"),
        [
            "name",
            "implementation_code",
            "basic_code",
            "handling_code",
            "group",
            "item_type",
            "audience",
            "department",
            "implementing_body",
            "area_code",
            "status",
            "legal_basis",
        ],
    ),
    (
        _("Requirements"),
        [
            "conditions",
            "in_hall",
            "one_window",
            "one_window_exclusion_basis",
            "confidential",
            "tongban_scope",
        ],
    ),
    (
        _("Time limits and fees"),
        [
            "handling_kind",
            "statutory_limit_days",
            "promised_limit_days",
            "special_procedures",
            "special_procedures_count",
            "correction_clock",
            "fee_required",
            "fee_standard",
            "fee_basis",
        ],
    ),
    (
        _("How to apply"),
        ["handling_forms", "online_depth", "online_url", "max_visits", "visit_reason"],
    ),
    (_("Place and contact"), ["place", "hours", "consult_phone", "complaint_phone"]),
    (_("Result"), ["result_name", "result_type", "result_validity", "delivery_modes"]),
    (_("Search aliases"), ["aliases"]),
]
ITEM_FIELDS = [name for _title, names in ITEM_FIELDSETS for name in names]


class ItemForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = ITEM_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("sort_order", "name")
        self.fields["max_visits"].widget.attrs.update({"min": 0, "max": 2})

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in ITEM_FIELDSETS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        statutory = data.get("statutory_limit_days")
        promised = data.get("promised_limit_days")
        if data.get("handling_kind") == HandlingKind.IMMEDIATE:
            for name, value in (
                ("statutory_limit_days", statutory),
                ("promised_limit_days", promised),
            ):
                if value:
                    self.add_error(
                        name,
                        _(
                            "An immediate item is done on the spot: "
                            "leave the time limit empty or enter 0."
                        ),
                    )
        elif statutory is not None and promised is not None and promised > statutory:
            self.add_error(
                "promised_limit_days",
                _("The promised time limit cannot be longer than the statutory time limit."),
            )
        one_window = data.get("one_window")
        if (
            "one_window" in data
            and not one_window
            and not (data.get("one_window_exclusion_basis") or "").strip()
        ):
            self.add_error(
                "one_window_exclusion_basis",
                _("Enter the basis for handling this item outside the one-window list."),
            )
        if data.get("confidential") and one_window:
            self.add_error(
                "confidential",
                _(
                    "A confidential item cannot be in the one-window list: "
                    "untick “One-window item” and enter the basis."
                ),
            )
        visits = data.get("max_visits")
        if visits is not None:
            if visits > 2:
                self.add_error("max_visits", _("Visits to the hall can only be 0, 1 or 2."))
            elif (
                visits > 0
                and not (data.get("visit_reason") or "").strip()
                # Imported items carry no reason; ask for one when the manager sets the visit
                # count (or needs two visits), not on every unrelated edit.
                and (visits == 2 or "max_visits" in self.changed_data)
            ):
                self.add_error(
                    "visit_reason", _("Explain why the applicant has to come to the hall.")
                )
        return data


class ItemFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=_("All departments"),
    )
    item_type = forms.ChoiceField(
        label=_("Item type"),
        choices=[("", _("All types")), *ItemType.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ItemStatus.choices], required=False
    )
    completeness = forms.ChoiceField(
        label=_("Guide status"),
        choices=[
            ("", _("All")),
            ("complete", _("Guide complete")),
            ("incomplete", _("Guide to be completed")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Name or code"), "type": "search", "autocomplete": "off"}
        )


# --- Scenarios, materials, review points, Q&A --------------------------------------------------


class ScenarioForm(_CodeMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Scenario
        fields = [
            "code",
            "name",
            "promised_limit_days",
            "sort_order",
            "description",
            "conditions",
        ]


class MaterialForm(_CodeMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Material
        fields = [
            "name",
            "code",
            "required",
            "required_note",
            "originals",
            "copies",
            "medium",
            "source",
            "source_note",
            "filling_notes",
            "submission",
            "may_defer",
            "defer_days",
            "trust_level",
            "blank_form",
            "sample",
            "sort_order",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accept = ",".join(GUIDE_FILE_EXTENSIONS)
        for name in ("blank_form", "sample"):
            self.fields[name].widget.attrs["accept"] = accept

    def clean_blank_form(self) -> Any:
        return _clean_upload(self.cleaned_data.get("blank_form"), GUIDE_FILE_EXTENSIONS)

    def clean_sample(self) -> Any:
        return _clean_upload(self.cleaned_data.get("sample"), GUIDE_FILE_EXTENSIONS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("may_defer"):
            if not data.get("defer_days"):
                self.add_error(
                    "defer_days",
                    _("Enter within how many working days the material must be supplied."),
                )
        elif data.get("defer_days") is not None:
            self.add_error(
                "defer_days",
                _(
                    "Only a material that may be supplied later has a deadline: "
                    "tick “May be supplied later” or clear this field."
                ),
            )
        return data


class ReviewPointForm(_CodeMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ReviewPoint
        fields = ["code", "material", "text", "sort_order"]

    def __init__(self, *args: Any, item: ServiceItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["material"]
        field.queryset = Material.objects.filter(scenario__item=item).select_related("scenario")
        field.empty_label = _("Whole item")
        field.label_from_instance = lambda m: f"{m.scenario.name} · {m.name}"


class AnswerForm(_CodeMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Answer
        fields = ["code", "question", "answer", "source", "reviewed_at", "sort_order"]
        widgets = {"reviewed_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class _ChildFormSet(BaseInlineFormSet):
    """Inline formsets whose rows are deleted through a confirmation page, not a checkbox."""

    def changed_instances(self) -> list[Any]:
        """Instances of valid forms that are new or changed (not yet saved)."""
        return [f.instance for f in self.forms if f.has_changed() and f.is_valid()]


ScenarioFormSet = inlineformset_factory(
    ServiceItem, Scenario, form=ScenarioForm, formset=_ChildFormSet, extra=1, can_delete=False
)
MaterialFormSet = inlineformset_factory(
    Scenario, Material, form=MaterialForm, formset=_ChildFormSet, extra=1, can_delete=False
)
AnswerFormSet = inlineformset_factory(
    ServiceItem, Answer, form=AnswerForm, formset=_ChildFormSet, extra=1, can_delete=False
)


class _ReviewPointFormSet(_ChildFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        kwargs["item"] = self.instance
        return kwargs


ReviewPointFormSet = inlineformset_factory(
    ServiceItem,
    ReviewPoint,
    form=ReviewPointForm,
    formset=_ReviewPointFormSet,
    extra=1,
    can_delete=False,
)


# --- Delegations, agreements, synonyms --------------------------------------------------------


class AgreementForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = DelegationAgreement
        fields = [
            "department",
            "number",
            "title",
            "delegate",
            "scope",
            "rights_and_duties",
            "signed_on",
            "valid_from",
            "valid_until",
            "scan",
        ]
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ("signed_on", "valid_from", "valid_until")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("sort_order", "name")
        self.fields["scan"].widget.attrs["accept"] = ",".join(SCAN_EXTENSIONS)
        self.fields["scan"].help_text = _("PDF, JPG or PNG, at most %(mb)s MB.") % {
            "mb": settings.MAX_UPLOAD_MB
        }

    def clean_scan(self) -> Any:
        return _clean_upload(self.cleaned_data.get("scan"), SCAN_EXTENSIONS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date cannot be before the start date."))
        department = data.get("department")
        if (
            self.instance.pk
            and department is not None
            and department.pk != self.instance.department_id
            and self.instance.delegations.exists()
        ):
            self.add_error(
                "department",
                _("This agreement already backs delegations; its department cannot change."),
            )
        return data


class SynonymForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["term", "canonical", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        term, canonical = data.get("term"), data.get("canonical")
        if term and canonical and term.strip() == canonical.strip():
            self.add_error("canonical", _("The catalog word must differ from the citizens' word."))
        return data


class MatrixDepartmentForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("sort_order", "name"),
        empty_label=_("Choose a department"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
