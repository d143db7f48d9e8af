"""Ratings (好差评) and what a bad one sets going (DOMAIN-RULES §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The national five levels, best first."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Reason(models.TextChoices):
    """Standard reason tags for a bad rating (free text may be added)."""

    SLOW = "slow", _("Slow handling")
    WAITING = "waiting", _("Long wait")
    ATTITUDE = "attitude", _("Poor attitude")
    UNCLEAR = "unclear", _("Requirements not explained clearly")
    TRIPS = "trips", _("Had to come several times")
    NOT_DONE = "not_done", _("The matter was not done")
    SYSTEM = "system", _("System or equipment problem")
    OTHER = "other", _("Other")


class RatingChannel(models.TextChoices):
    PAD = "pad", _("Rating pad at the window")
    QR = "qr", _("QR code")
    SMS = "sms", _("SMS link")
    ONLINE = "online", _("Online")


class Evaluation(models.Model):
    """One rating of one service at a window (a ticket) or of one case.

    `attempt` 2 is the single re-rating allowed after a rectification was reported back.
    What was rated (hall, window, clerk, department, item) is copied at rating time so results
    never change when a window or clerk changes later. `excluded` is set only by an upheld appeal
    (`Appeal`); a rating is never deleted.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("Ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("Case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempt = models.PositiveSmallIntegerField(_("Attempt"), default=1)
    level = models.PositiveSmallIntegerField(_("Rating"), choices=Level.choices)
    reasons = models.JSONField(_("Reasons"), default=list, blank=True)
    comment = models.TextField(_("Comment"), blank=True)
    channel = models.CharField(_("Channel"), max_length=10, choices=RatingChannel.choices)
    rated_at = models.DateTimeField(_("Rated at"))
    # Confidential: for 回访 only, never shown to the rated clerk.
    rater_phone = models.CharField(_("Rater's mobile number"), max_length=20, blank=True)
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "halls.Window",
        verbose_name=_("Window"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("Item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    excluded = models.BooleanField(_("Excluded by an appeal decision"), default=False)
    # Made by the demo installer (`evaluations.demo`) to show the pages, not by a rater.
    demo = models.BooleanField(_("Demo data"), default=False)

    class Meta:
        verbose_name = _("Rating")
        verbose_name_plural = _("Ratings")
        ordering = ["-rated_at", "-id"]
        permissions = [
            ("view_results", _("Can see rating results")),
            ("handle_rectification", _("Can verify, rectify and report back on bad ratings")),
            ("file_appeal", _("Can appeal a rating")),
            ("decide_appeal", _("Can decide appeals against ratings")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(ticket__isnull=False) & Q(case__isnull=True))
                | (Q(ticket__isnull=True) & Q(case__isnull=False)),
                name="evaluations_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(attempt__in=(1, 2)), name="evaluations_attempt_1_or_2"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="evaluations_level"
            ),
            # 一次一评 / 一事一评: one rating, plus at most one re-rating, per service and per case.
            models.UniqueConstraint(
                fields=["ticket", "attempt"],
                condition=Q(ticket__isnull=False),
                name="evaluations_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["case", "attempt"],
                condition=Q(case__isnull=False),
                name="evaluations_once_per_case",
            ),
        ]
        indexes = [models.Index(fields=["hall", "rated_at"], name="evaluations_hall_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.rated_at:%Y-%m-%d}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RectificationStatus(models.TextChoices):
    VERIFYING = "verifying", _("To verify with the rater")
    RECTIFYING = "rectifying", _("Being rectified")
    REPORTED = "reported", _("Reported back")


class Rectification(models.Model):
    """What a bad rating opens: verify with the rater (回访核实), rectify (整改), report back.

    Due dates are working days from the rating (settings ONEWINDOW_RATING_VERIFY_DAYS and
    ONEWINDOW_RATING_RECTIFY_DAYS). Once reported back, the rater may re-rate once.
    """

    evaluation = models.OneToOneField(
        Evaluation,
        verbose_name=_("Rating"),
        on_delete=models.PROTECT,
        related_name="rectification",
    )
    status = models.CharField(
        _("Status"),
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.VERIFYING,
    )
    opened_at = models.DateTimeField(_("Opened at"))
    verify_due = models.DateField(_("Verify by"))
    rectify_due = models.DateField(_("Rectify by"))
    verified_at = models.DateTimeField(_("Verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification = models.TextField(_("What the rater said"), blank=True)
    rectified_at = models.DateTimeField(_("Rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measures = models.TextField(_("Measures taken"), blank=True)
    reported_at = models.DateTimeField(_("Reported back at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report = models.TextField(_("What the rater was told"), blank=True)

    class Meta:
        verbose_name = _("Rectification")
        verbose_name_plural = _("Rectifications")
        ordering = ["rectify_due", "id"]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_status_display()}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    UPHELD = "upheld", _("Upheld: rating excluded")
    REJECTED = "rejected", _("Rejected: rating stands")


class AppealGround(models.TextChoices):
    MISTAKEN = "mistaken", _("Mistaken (rated the wrong service or by error)")
    MALICIOUS = "malicious", _("Malicious")


class Appeal(models.Model):
    """A clerk's or department's appeal against a rating; only a hall manager's recorded
    decision excludes the rating, which stays visible to supervisors."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("Rating"), on_delete=models.PROTECT, related_name="appeals"
    )
    ground = models.CharField(_("Ground"), max_length=10, choices=AppealGround.choices)
    statement = models.TextField(_("Statement and evidence"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("Filed at"))
    status = models.CharField(
        _("Status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decision = models.TextField(_("Reasons for the decision"), blank=True)

    class Meta:
        verbose_name = _("Appeal")
        verbose_name_plural = _("Appeals")
        ordering = ["-filed_at", "-id"]
        constraints = [
            # One open appeal per rating at a time.
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(status="pending"),
                name="evaluations_one_pending_appeal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_status_display()}"
