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
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from onewindow.api.models import ApiToken

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


_tokens: dict[str, tuple[float, ApiToken]] = {}
_tokens_lock = threading.Lock()


def _valid(token: ApiToken | None) -> bool:
    if token is None or not token.is_active or not token.hall.is_active:
        return False
    user = token.user
    return token.kind != ApiToken.Kind.STAFF or (user is not None and user.is_active)


def _lookup(key_hash: str) -> ApiToken | None:
    """The valid token with this hash, from this process's short cache or the database."""
    seconds = float(getattr(settings, "ONEWINDOW_API_TOKEN_CACHE_SECONDS", 10))
    tick = time.monotonic()
    if seconds > 0:
        with _tokens_lock:
            hit = _tokens.get(key_hash)
        if hit is not None and hit[0] > tick:
            return hit[1]
    found = ApiToken.objects.select_related("hall", "user").filter(key_hash=key_hash).first()
    if not _valid(found):
        return None
    if seconds > 0:
        with _tokens_lock:
            if len(_tokens) > 10_000:
                _tokens.clear()
            _tokens[key_hash] = (tick + seconds, found)
    return found


_perms: dict[tuple[int, str], tuple[float, bool]] = {}


def caller_has_perm(caller: Caller, perm: str) -> bool:
    """`has_perm` for the caller's user; with a token, kept as long as the token is cached."""
    from onewindow.core.permissions import has_perm

    user = caller.user
    seconds = float(getattr(settings, "ONEWINDOW_API_TOKEN_CACHE_SECONDS", 10))
    if caller.token is None or user is None or seconds <= 0:
        return has_perm(user, perm)
    key, tick = (user.pk, perm), time.monotonic()
    with _tokens_lock:
        hit = _perms.get(key)
    if hit is not None and hit[0] > tick:
        return hit[1]
    allowed = has_perm(user, perm)
    with _tokens_lock:
        if len(_perms) > 10_000:
            _perms.clear()
        _perms[key] = (tick + seconds, allowed)
    return allowed


def forget_tokens() -> None:
    """Drop this process's cached tokens and permissions (after a revocation; in tests)."""
    with _tokens_lock:
        _tokens.clear()
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
