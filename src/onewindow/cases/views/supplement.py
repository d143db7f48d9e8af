"""补充材料: an online applicant uploads what the one-time notice (or the back office's correction
request) asks for, from the tracking page, and sends the application back — no visit needed.

Reached only through the signed tracking address (case number + tracking code); staff are never
named and the applicant sees only the names of the files they uploaded.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onewindow.cases import services, tracking, uploads
from onewindow.cases.models import Case, CaseFile, CaseStatus, Channel


def _case(token: str) -> Case:
    case = tracking.case_from_token(token)
    if case is None or case.channel != Channel.ONLINE:
        raise Http404
    return case


@require_http_methods(["GET", "POST"])
def supplement(request: HttpRequest, token: str) -> HttpResponse:
    case = _case(token)
    if case.status not in services.APPLICANT_UPLOAD_STATUSES:
        return redirect("tracking:case", token=token)
    errors: dict[str, str] = {}
    page_error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "upload":
            code = request.POST.get("code", "")
            chosen = request.FILES.getlist("file")
            try:
                if not chosen:
                    raise services.CaseError(
                        _("Choose a file to upload."), code="required", field="file"
                    )
                for upload in chosen:  # all checked before any is stored
                    try:
                        uploads.check_upload(upload)
                    except uploads.UploadRejected as rejected:
                        raise services.CaseError(
                            f"{upload.name}：{rejected.message}", code=rejected.code, field="file"
                        ) from None
                for upload in chosen:
                    services.attach_file(case=case, material_code=code, upload=upload, actor=None)
            except services.CaseError as error:
                errors[code] = error.message
                status = 400
            else:
                messages.success(request, _("Uploaded."))
                return redirect("tracking:supplement", token=token)
        elif action == "send":
            try:
                services.resubmit_online(case=case)
            except services.CaseError as error:
                page_error = error.message
                status = 400
            else:
                messages.success(
                    request,
                    _("Sent. The front desk will check your documents again and tell you by SMS."),
                )
                return redirect("tracking:case", token=token)
        else:
            return HttpResponse(status=400)
        case = _case(token)
    view = tracking.public_view(case)
    materials = list(case.materials.all())
    if case.status == CaseStatus.NOTICE_GIVEN:
        lacking = [m for m in materials if not m.is_satisfied]
        materials = lacking or materials
    since = case.notice_given_at
    if case.status == CaseStatus.CORRECTION:
        since = (
            case.events.filter(action="case.correction.requested")
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
    new_files = CaseFile.objects.filter(case=case, uploaded_by__isnull=True)
    if since is not None:
        new_files = new_files.filter(uploaded_at__gte=since)
    by_material: dict[int | None, list[CaseFile]] = {}
    for case_file in new_files.order_by("uploaded_at", "id"):
        by_material.setdefault(case_file.material_id, []).append(case_file)
    for material in materials:
        material.new_files = by_material.get(material.pk, [])
    return render(
        request,
        "cases/track_supplement.html",
        {
            "view": view,
            "case": case,
            "hall": case.hall,
            "token": token,
            "materials": materials,
            "errors": errors,
            "page_error": page_error,
            "uploaded": bool(by_material),
            "max_mb": uploads.max_bytes() // (1024 * 1024),
        },
        status=status,
    )
