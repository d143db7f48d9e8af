from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles of PRODUCT.md §2. Each is a Django group of the same code name."""

    GUIDE = "guide", _("Guide")
    CLERK = "clerk", _("Front-desk clerk")
    REVIEWER = "reviewer", _("Back-office reviewer")
    CERTIFICATE_CLERK = "certificate_clerk", _("Certificate clerk")
    HELPER = "helper", _("Helper")
    COMPLAINT_HANDLER = "complaint_handler", _("Complaint handler")
    HALL_MANAGER = "hall_manager", _("Hall manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """A staff member. Applicants need no account."""

    full_name = models.CharField(_("Full name"), max_length=50, blank=True)
    phone = models.CharField(_("Mobile number"), max_length=20, blank=True)
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("Hall"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("A back-office reviewer must belong to a department."),
    )

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("User")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def role_codes(self) -> set[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return self.is_active and bool(self.role_codes() & set(roles))

    def roles_display(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels[code]) for code in sorted(self.role_codes()) if code in labels]
