"""API token management: creating and deactivating device and staff tokens (audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.api.auth import forget_tokens
from onewindow.api.models import ApiToken
from onewindow.core import audit
from onewindow.halls.models import Hall


class TokenError(Exception):
    """A token that cannot be created; `str(e)` is the message to show."""


def _snapshot(token: ApiToken) -> dict[str, Any]:
    # Never the hash: the audit log is readable by supervisors.
    return audit.snapshot(token, ["hall", "kind", "name", "user", "prefix", "is_active"])


def create_token(
    *, hall: Hall, kind: str, name: str, user: Any = None, actor: Any
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the key, which is shown once and never stored."""
    name = (name or "").strip()
    if kind not in ApiToken.Kind.values:
        raise TokenError(_("Unknown token kind."))
    if not name:
        raise TokenError(_("Please give the token a name."))
    if kind == ApiToken.Kind.STAFF:
        if user is None:
            raise TokenError(_("A staff token needs a staff member."))
        if getattr(user, "hall_id", None) != hall.pk:
            raise TokenError(_("The staff member must belong to this hall."))
    elif user is not None:
        raise TokenError(_("Only staff tokens belong to a staff member."))
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            hall=hall,
            kind=kind,
            name=name,
            user=user,
            prefix=key[:8],
            key_hash=ApiToken.hash_key(key),
        )
        audit.record(action="api.token.created", actor=actor, obj=token, after=_snapshot(token))
    return token, key


def deactivate_token(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke a token: refused at once here, by other server processes within the token cache
    time (ONEWINDOW_API_TOKEN_CACHE_SECONDS)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if not token.is_active:
            return token
        before = _snapshot(token)
        token.is_active = False
        token.save(update_fields=["is_active"])
        audit.record(
            action="api.token.deactivated",
            actor=actor,
            obj=token,
            before=before,
            after=_snapshot(token),
        )
        transaction.on_commit(forget_tokens)
    return token
