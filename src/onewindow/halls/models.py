from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Hall codes appear in addresses next to fixed words (/kiosk/ticket/…, /booking/manage/…,
# /display/window/…): a hall may not take one of them as its code.
RESERVED_HALL_CODES = frozenset({"ticket", "manage", "window", "api", "static", "media"})


def validate_hall_code(value: str) -> None:
    if value.lower() in RESERVED_HALL_CODES:
        raise ValidationError(
            _("“%(code)s” is used in the system's own addresses; please choose another code."),
            code="reserved",
            params={"code": value},
        )


class Hall(models.Model):
    """A physical service hall: a county 政务服务中心 or a town 便民服务中心."""

    code = models.SlugField(_("Code"), max_length=30, unique=True, validators=[validate_hall_code])
    name = models.CharField(_("Name"), max_length=100)
    address = models.CharField(_("Address"), max_length=200, blank=True)
    phone = models.CharField(_("Enquiry phone"), max_length=50, blank=True)
    opening_hours = models.CharField(_("Opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("Active"), default=True)
    # Queue settings (DOMAIN-RULES §7); each hall sets its own.
    no_show_after_calls = models.PositiveSmallIntegerField(
        _("Calls before a no-show may be marked"), default=3
    )
    notify_when_ahead = models.PositiveSmallIntegerField(
        _("Send an SMS when this many people are ahead"), default=3
    )
    announcement_template = models.CharField(
        _("Announcement"),
        max_length=100,
        default="请{number}号到{window}号窗口办理",
        help_text=_("{number} is the ticket number, {window} the window number."),
    )
    announcement_repeat = models.PositiveSmallIntegerField(
        _("Times each call is announced"), default=2
    )

    class Meta:
        verbose_name = _("Hall")
        verbose_name_plural = _("Hall")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """An area of the hall (咨询引导区, 自然人综合服务区, 法人综合服务区 …)."""

    hall = models.ForeignKey(
        Hall, verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="zones"
    )
    name = models.CharField(_("Name"), max_length=50)
    floor = models.CharField(_("Floor"), max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Zone")
        verbose_name_plural = _("Zones")
        ordering = ["hall", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "name"], name="halls_zone_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class WindowKind(models.TextChoices):
    NATURAL = "natural", _("Natural-person comprehensive acceptance")
    LEGAL = "legal", _("Legal-person comprehensive acceptance")
    CONSULTATION = "consultation", _("Consultation and guidance")
    COMPLAINT = "complaint", _("Things that could not get done")
    DEPARTMENT = "department", _("Department window")
    CERTIFICATE = "certificate", _("Certificate issuing")
    ASSISTANCE = "assistance", _("Assisted handling")


class WindowState(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")


class Window(models.Model):
    """A counter of the hall. One clerk at a time works at it."""

    hall = models.ForeignKey(
        Hall, verbose_name=_("Hall"), on_delete=models.CASCADE, related_name="windows"
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("Zone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="windows",
    )
    number = models.PositiveSmallIntegerField(_("Window number"))
    name = models.CharField(_("Name"), max_length=50, blank=True)
    kind = models.CharField(_("Kind"), max_length=15, choices=WindowKind.choices)
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="windows",
        help_text=_("Only for a department window."),
    )
    state = models.CharField(
        _("State"), max_length=10, choices=WindowState.choices, default=WindowState.CLOSED
    )
    pause_reason = models.CharField(_("Pause reason"), max_length=100, blank=True)
    clerk = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Clerk signed in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signed_in_window",
    )
    state_changed_at = models.DateTimeField(_("State changed at"), null=True, blank=True)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        verbose_name = _("Window")
        verbose_name_plural = _("Windows")
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="halls_window_number_unique"),
            models.CheckConstraint(
                condition=Q(kind="department", department__isnull=False)
                | (~Q(kind="department") & Q(department__isnull=True)),
                name="halls_window_department_only_for_department_windows",
                violation_error_message=_("A department window needs its department."),
            ),
            models.CheckConstraint(
                condition=~Q(state="paused") | ~Q(pause_reason=""),
                name="halls_window_pause_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import gettext

        return gettext("Window %(n)s") % {"n": self.number}
