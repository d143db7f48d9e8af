"""Live hall status (大厅实时状态) for the hall manager and the supervisor of the hall.

The page polls itself every 10 seconds with htmx (the body is swapped in place); without
JavaScript a meta refresh reloads it. The figures come from `tickets.stats`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onewindow.core.permissions import staff_permission_required
from onewindow.tickets import stats

REFRESH_SECONDS = 10


@require_GET
@staff_permission_required("tickets.view_hall_status")
def hall_status(request: HttpRequest) -> HttpResponse:
    hall = request.user.hall
    if hall is None:
        return render(request, "halls/no_hall.html", status=403)
    context = {"status": stats.hall_status(hall), "refresh_seconds": REFRESH_SECONDS}
    if getattr(request, "htmx", False):
        return render(request, "tickets/status/_body.html", context)
    return render(request, "tickets/status/hall.html", context)
