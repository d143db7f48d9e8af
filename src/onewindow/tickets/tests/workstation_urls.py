"""Test urlconf: the project's urls plus the workstation at /workstation/ (until it is wired in)."""

from django.urls import include, path

from onewindow.urls import (  # noqa: F401 - the error handlers are read from this module
    handler400,
    handler403,
    handler404,
    handler500,
)
from onewindow.urls import urlpatterns as project_urlpatterns

_included = any(getattr(p, "namespace", None) == "workstation" for p in project_urlpatterns)

urlpatterns = [*project_urlpatterns]
if not _included:
    urlpatterns.append(path("workstation/", include("onewindow.tickets.urls_workstation")))
