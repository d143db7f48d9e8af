from typing import Any

from django.conf import settings
from django.http import HttpRequest

from onewindow.core.navigation import navigation_for


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.ONEWINDOW_SITE_NAME,
        "nav_items": navigation_for(user) if user is not None else [],
    }
