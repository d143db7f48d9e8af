"""Who is calling the device API: a device or staff token (Bearer) or a signed-in clerk.

`request.auth` is a `Caller`. A bearer token that is unknown or revoked is refused with 401
at once (it does not fall through to the session). The session is accepted only with Django's
CSRF token (header `X-CSRFToken`), as for any form post.

Kiosks and displays call many times a second, so each server process keeps a valid token (with
its hall and user, and the staff member's permissions) for `ONEWINDOW_API_TOKEN_CACHE_SECONDS`
(default 10; 0 turns it off): a revoked token, a deactivated user or hall, a withdrawn
permission takes effect within that time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from onewindow.api.models import ApiToken
from onewindow.core.localcache import LocalCache
from onewindow.core.permissions import has_perm

LAST_USED_EVERY = datetime.timedelta(minutes=1)


class ApiError(Exception):
    """An error answered as {"detail", "code", "field"} with an HTTP status."""

    def __init__(self, status: int, detail: Any, *, code: str, field: str | None = None) -> None:
        self.status = status
        self.detail = str(detail)
        self.code = code
        self.field = field
        super().__init__(self.detail)


@dataclass(frozen=True)
class Caller:
    token: ApiToken | None = None
    user: Any = None

    @property
    def kind(self) -> str:
        return self.token.kind if self.token is not None else "session"

    @property
    def hall_id(self) -> int | None:
        if self.token is not None:
            return self.token.hall_id
        return getattr(self.user, "hall_id", None)

    @property
    def cache_id(self) -> str:
        """Who the caller is, for idempotency keys."""
        if self.token is not None:
            return f"t{self.token.pk}"
        return f"u{self.user.pk}"


def unauthorized() -> ApiError:
    return ApiError(401, _("A valid API token is required."), code="unauthorized")


def _touch(token: ApiToken) -> None:
    """Record use at most once a minute, so a display polling every second costs no writes."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# Valid tokens by key hash, and (user id, permission) → allowed, for token callers.
tokens: LocalCache[ApiToken] = LocalCache(seconds="ONEWINDOW_API_TOKEN_CACHE_SECONDS")
_perms: LocalCache[bool] = LocalCache(seconds="ONEWINDOW_API_TOKEN_CACHE_SECONDS")


def _valid(token: ApiToken | None) -> bool:
    if token is None or not token.is_active or not token.hall.is_active:
        return False
    user = token.user
    return token.kind != ApiToken.Kind.STAFF or (user is not None and user.is_active)


def _lookup(key_hash: str) -> ApiToken | None:
    """The valid token with this hash, from this process's short cache or the database.

    Unknown or invalid keys are not remembered (a stream of wrong keys cannot fill the cache).
    """
    found = tokens.get(key_hash)
    if found is not None:
        return found
    found = ApiToken.objects.select_related("hall", "user").filter(key_hash=key_hash).first()
    if not _valid(found):
        return None
    tokens.set(key_hash, found)
    return found


def caller_has_perm(caller: Caller, perm: str) -> bool:
    """`has_perm` for the caller's user; with a token, kept as long as the token is cached."""
    user = caller.user
    if caller.token is None or user is None:
        return has_perm(user, perm)
    return _perms.get_or_set((user.pk, perm), lambda: has_perm(user, perm))


def forget_tokens() -> None:
    """Drop this process's cached tokens and permissions (after a revocation; in tests)."""
    tokens.clear()
    _perms.clear()


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`: the key's sha256 is looked up; only active tokens pass."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        key = (token or "").strip()
        found = _lookup(ApiToken.hash_key(key)) if key else None
        if found is None:
            raise unauthorized()
        _touch(found)
        return Caller(token=found, user=found.user)


class SessionCaller(APIKeyCookie):
    """The signed-in clerk's session; a write must carry the CSRF token."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, only once a user is signed in

    def _get_key(self, request: HttpRequest) -> str | None:
        from django.conf import settings

        return request.COOKIES.get(settings.SESSION_COOKIE_NAME)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise ApiError(
                403,
                _("The request was refused: the CSRF token is missing or wrong."),
                code="csrf",
            )
        return Caller(user=user)


token_auth = TokenAuth()
session_auth = SessionCaller()
