"""Test urlconf: the project's urls plus the booking and live status pages (until integrated)."""

from django.urls import include, path

from onewindow.urls import handler400, handler403, handler404, handler500  # noqa: F401
from onewindow.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("booking/", include("onewindow.tickets.urls_booking")),
    path("manage/status/", include("onewindow.tickets.urls_status")),
    *project_urlpatterns,
]
