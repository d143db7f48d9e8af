"""Swagger UI's files, from the django-ninja package, served by us (the hall is offline)."""

from __future__ import annotations

from pathlib import Path

import ninja
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}


@require_GET
@cache_control(max_age=86400, public=True)
def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ASSETS:
        raise Http404
    return HttpResponse((ASSET_DIR / name).read_bytes(), content_type=ASSETS[name])
