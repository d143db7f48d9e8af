"""The project's urls plus the device API at /api/v1/ (unless the project includes it already)."""

from django.urls import include, path

from onewindow.urls import handler400, handler403, handler404, handler500  # noqa: F401
from onewindow.urls import urlpatterns as project_urlpatterns

_included = any(str(p.pattern) == "api/v1/" for p in project_urlpatterns)
urlpatterns = [
    *([] if _included else [path("api/v1/", include("onewindow.api.urls"))]),
    *project_urlpatterns,
]
