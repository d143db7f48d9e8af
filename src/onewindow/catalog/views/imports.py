"""The hall manager's import and export page (导入导出): upload, exports, the template."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.catalog.io.errors import UnreadableFile
from onewindow.catalog.io.exporting import FORMATS, export_bytes
from onewindow.catalog.io.importing import ImportResult, import_catalog
from onewindow.catalog.io.reading import SUFFIXES, read_bytes
from onewindow.core.permissions import staff_permission_required


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet file"),
        help_text=_("An .xlsx workbook, a .csv file or a .zip of CSV files."),
    )
    dry_run = forms.BooleanField(
        label=_("Validate only (write nothing)"), required=False, initial=False
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": settings.MAX_UPLOAD_MB}
            )
        if Path(upload.name or "").suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(
                _("Upload an .xlsx workbook, a .csv file or a .zip of CSV files.")
            )
        return upload


@staff_permission_required("catalog.import_catalog")
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result: ImportResult | None = None
    if request.method == "POST" and form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        try:
            source = read_bytes(upload.name or "", upload.read())
        except UnreadableFile as exc:
            form.add_error("file", exc.message)
        else:
            result = import_catalog(
                source=source,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                source_name=upload.name or "",
            )
    return render(
        request,
        "catalog/manage/import.html",
        {"form": form, "result": result, "max_upload_mb": settings.MAX_UPLOAD_MB},
    )


@staff_permission_required("catalog.import_catalog")
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """?format=xlsx|zip|csv; ?blank=1 gives the empty template (xlsx only makes sense)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise Http404
    blank = request.GET.get("blank") == "1"
    data = export_bytes(fmt, blank=blank)
    stem = "事项库导入模板" if blank else f"事项库-{timezone.localdate():%Y%m%d}"
    filename = f"{stem}.{fmt}"
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
