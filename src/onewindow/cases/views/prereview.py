"""预审: the front desk's queue of online applications waiting to be checked (own hall only).

Opening one leads to the intake page, where the clerk checks each material beside its review
points with the uploaded files, then accepts or gives one notice of everything missing.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onewindow.cases import online
from onewindow.cases.models import Case
from onewindow.core.permissions import staff_permission_required


def waited(since: datetime.datetime | None, now: datetime.datetime) -> str:
    """How long an application has waited, in words a clerk reads at a glance."""
    if since is None:
        return "—"
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@require_http_methods(["GET"])
@staff_permission_required("cases.receive_case")
def queue(request: HttpRequest) -> HttpResponse:
    hall = request.user.hall
    if hall is None:
        return render(request, "halls/no_hall.html", status=403)
    number = request.GET.get("number", "").strip()
    # Straight to an application by its number (an online applicant at the window).
    if number and Case.objects.filter(number=number, hall_id=hall.pk).exists():
        return redirect("cases:intake-case", number=number)
    now = timezone.now()
    rows = online.pre_review_queue(hall_id=hall.pk)
    for case in rows:
        case.waited = waited(case.waiting_since, now)
    return render(
        request,
        "cases/pre_review_queue.html",
        {
            "hall": hall,
            "rows": rows,
            "limit": online.QUEUE_LIMIT,
            "waiting": online.awaiting_applicant(hall_id=hall.pk, limit=50),
            "originals": online.awaiting_originals(hall_id=hall.pk),
            "number": number,
            "not_found": bool(number),
        },
    )
