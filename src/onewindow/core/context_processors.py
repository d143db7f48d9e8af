from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from onewindow.core.navigation import menu_for, navigation_for


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.ONEWINDOW_SITE_NAME,
        "nav_items": navigation_for(user) if user is not None else [],
        "nav_menu": menu_for(user) if user is not None else [],
        "calendar_missing_year": _calendar_missing_year(user),
    }


def _calendar_missing_year(user: Any) -> int | None:
    """From November, remind those who keep the calendar that next year is not entered yet."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not user.has_perm("core.add_calendaryear"):
        return None
    from onewindow.core.calendar import next_year_warning

    return next_year_warning(timezone.localdate())
