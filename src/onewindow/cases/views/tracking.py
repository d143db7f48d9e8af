"""盯事在线: the public page where applicants follow their case (no account needed)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from onewindow.cases import documents, tracking


class TrackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Case number"), max_length=20)
    code = forms.CharField(label=gettext_lazy("Tracking code"), max_length=8)

    def clean_number(self) -> str:
        value = self.cleaned_data["number"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("A case number has only digits."))
        return value

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("The tracking code has only digits."))
        return value


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                case = tracking.find_case(form.cleaned_data["number"], form.cleaned_data["code"])
            except tracking.TrackingLocked:
                form.add_error(
                    None,
                    _("Too many wrong tracking codes for this case number. Try again in an hour."),
                )
                status = 429
            else:
                if case is not None:
                    return redirect("tracking:case", token=tracking.token_for(case))
                form.add_error(
                    None,
                    _("No case matches this number and tracking code. Please check both."),
                )
                status = 404
        else:
            status = 400
    else:
        form = TrackForm()
    return render(request, "cases/track.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def case_page(request: HttpRequest, token: str) -> HttpResponse:
    case = tracking.case_from_token(token)
    if case is None:
        raise Http404
    return render(
        request,
        "cases/track_case.html",
        {
            "view": tracking.public_view(case),
            "hall": case.hall,
            "token": token,
            "documents": documents.for_applicant(case),
        },
    )


@require_http_methods(["GET"])
def document_pdf(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    """The applicant's own copy of a document addressed to them (never the internal ones)."""
    case = tracking.case_from_token(token)
    if case is None:
        raise Http404
    document = next((d for d in documents.for_applicant(case) if d.slug == slug), None)
    if document is None:
        raise Http404
    return documents.pdf_response(documents.archive(document), document)
