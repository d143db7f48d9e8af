from django.contrib import admin
from django.urls import include, path

from onewindow.core.views import media

urlpatterns = [
    # First: kiosks, displays and windows call the device API many times a second.
    path("api/v1/", include("onewindow.api.urls")),
    path("", include("onewindow.catalog.urls")),
    path("", include("onewindow.core.urls")),
    path("accounts/", include("onewindow.accounts.urls")),
    path("kiosk/", include("onewindow.tickets.urls_kiosk")),
    path("display/", include("onewindow.tickets.urls_display")),
    path("workstation/", include("onewindow.tickets.urls_workstation")),
    path("booking/", include("onewindow.tickets.urls_booking")),
    path("track/", include("onewindow.cases.urls_tracking")),
    path("apply/", include("onewindow.cases.urls_apply")),
    path("cases/", include("onewindow.cases.urls")),
    path("", include("onewindow.knowledge.urls")),
    path("", include("onewindow.consult.urls")),
    path("", include("onewindow.complaints.urls")),
    path("", include("onewindow.assist.urls")),
    path("", include("onewindow.rosters.urls")),
    path("rate/", include("onewindow.evaluations.urls")),
    path("manage/ratings/", include("onewindow.evaluations.urls_manage")),
    path("manage/status/", include("onewindow.tickets.urls_status")),
    path("manage/hall/", include("onewindow.halls.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Uploaded scans and forms; behind a reverse proxy this path is served by the proxy.
    path("media/<path:path>", media, name="media"),
]

handler400 = "onewindow.core.views.bad_request"
handler403 = "onewindow.core.views.permission_denied"
handler404 = "onewindow.core.views.page_not_found"
handler500 = "onewindow.core.views.server_error"
