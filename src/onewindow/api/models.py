"""API tokens: one per device (a hall's kiosk, display, rating pad) or per staff member.

Only a hash of the token is stored; the token itself is shown once when it is created.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    class Kind(models.TextChoices):
        KIOSK = "kiosk", _("Kiosk")
        DISPLAY = "display", _("Display")
        RATING_PAD = "rating_pad", _("Rating pad")
        STAFF = "staff", _("Staff member")

    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    kind = models.CharField(_("Kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("Name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Staff member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("Last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["hall", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="staff") & Q(user__isnull=False))
                | (~Q(kind="staff") & Q(user__isnull=True)),
                name="api_token_user_only_for_staff",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "ow_" + secrets.token_urlsafe(32)
