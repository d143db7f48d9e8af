"""View decorators: anonymous users go to the login page; staff without the right get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def staff_permission_required(*perms: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return staff_permission_required()(view)


def has_perm(user: Any, perm: str) -> bool:
    """`user.has_perm(perm)` in one query for a user loaded just for this request.

    Django's ModelBackend reads all of a user's permissions (two queries) the first time; API
    calls authenticated by token load a fresh user each time and check one permission, so a
    single EXISTS over the user's own and group permissions is enough. Same rules: inactive
    users have none, superusers have all.
    """
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if hasattr(user, "_perm_cache"):
        return user.has_perm(perm)
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    app_label, _sep, codename = perm.partition(".")
    return (
        Permission.objects.filter(codename=codename, content_type__app_label=app_label)
        .filter(Q(user=user) | Q(group__user=user))
        .exists()
    )
