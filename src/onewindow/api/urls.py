"""Included by the project at /api/v1/ (see docs/api.md)."""

from django.urls import path

from onewindow.api.api import api
from onewindow.api.views import docs_asset

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", api.urls),
]
