"""The service catalog (事项库), per DOMAIN-RULES §1."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A department stationed in the hall (进驻部门)."""

    name = models.CharField(_("Department name"), max_length=100, unique=True)
    short_name = models.CharField(_("Short name"), max_length=50, blank=True)
    # Credit / organisation codes as published in provincial lists; a department may have several.
    codes = models.CharField(_("Organisation codes"), max_length=300, blank=True)
    window_location = models.CharField(_("Window location"), max_length=200, blank=True)
    phone = models.CharField(_("Enquiry phone"), max_length=50, blank=True)
    sort_order = models.PositiveIntegerField(_("Order"), default=0)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        verbose_name = _("Department")
        verbose_name_plural = _("Department")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ItemType(models.TextChoices):
    """事项类型, with the codes used in provincial lists."""

    LICENSING = "1", _("Administrative licence")
    PENALTY = "2", _("Administrative penalty")
    COERCION = "3", _("Administrative coercion")
    LEVY = "4", _("Administrative levy")
    PAYMENT = "5", _("Administrative payment")
    INSPECTION = "6", _("Administrative inspection")
    CONFIRMATION = "7", _("Administrative confirmation")
    REWARD = "8", _("Administrative reward")
    ADJUDICATION = "9", _("Administrative adjudication")
    OTHER_POWER = "10", _("Other administrative power")
    PUBLIC_SERVICE = "20", _("Public service")


class Audience(models.TextChoices):
    NATURAL = "natural", _("Natural person")
    LEGAL = "legal", _("Legal person")
    BOTH = "both", _("Natural and legal persons")


class HandlingKind(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    PROMISED = "promised", _("Promised")


class OnlineDepth(models.TextChoices):
    NONE = "0", _("Not available online")
    INFO = "1", _("Level 1: online enquiry")
    FORMS = "2", _("Level 2: form download")
    PREREVIEW = "3", _("Level 3: online pre-review")
    FULL = "4", _("Level 4: fully online")


class ResultType(models.TextChoices):
    CERTIFICATE = "certificate", _("Licence or certificate")
    APPROVAL = "approval", _("Approval document")
    OTHER = "other", _("Other")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In use")
    SUSPENDED = "suspended", _("Suspended")
    RETIRED = "retired", _("Retired")


class CorrectionClock(models.TextChoices):
    CONTINUE = "continue", _("Clock continues after correction")
    RESTART = "restart", _("Clock restarts after correction")


class ServiceItemQuerySet(models.QuerySet["ServiceItem"]):
    def published(self) -> ServiceItemQuerySet:
        return self.filter(status=ItemStatus.PUBLISHED)


class ServiceItem(models.Model):
    """One item of the implementation list (实施清单)."""

    implementation_code = models.CharField(_("Implementation code"), max_length=100, unique=True)
    basic_code = models.CharField(_("Basic code"), max_length=50, blank=True, db_index=True)
    handling_code = models.CharField(_("Handling item code"), max_length=120, blank=True)
    name = models.CharField(_("Item name"), max_length=200)
    group = models.CharField(_("Main item"), max_length=200, blank=True)
    item_type = models.CharField(_("Item type"), max_length=2, choices=ItemType.choices)
    audience = models.CharField(
        _("Audience"), max_length=10, choices=Audience.choices, default=Audience.BOTH
    )
    department = models.ForeignKey(
        Department, verbose_name=_("Department"), on_delete=models.PROTECT, related_name="items"
    )
    implementing_body = models.CharField(_("Implementing body"), max_length=200, blank=True)
    area_code = models.CharField(_("Area code"), max_length=12, blank=True)
    legal_basis = models.TextField(_("Legal basis"), blank=True)
    conditions = models.TextField(_("Conditions"), blank=True)
    handling_kind = models.CharField(
        _("Handling kind"),
        max_length=10,
        choices=HandlingKind.choices,
        default=HandlingKind.PROMISED,
    )
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("Statutory time limit (working days)"), null=True, blank=True
    )
    promised_limit_days = models.PositiveSmallIntegerField(
        _("Promised time limit (working days)"), null=True, blank=True
    )
    special_procedures = models.TextField(_("Special procedures"), blank=True)
    special_procedures_count = models.BooleanField(
        _("Special procedures count toward the limit"), default=False
    )
    correction_clock = models.CharField(
        _("Clock after correction"),
        max_length=10,
        choices=CorrectionClock.choices,
        default=CorrectionClock.CONTINUE,
    )
    fee_required = models.BooleanField(_("Fee charged"), default=False)
    fee_standard = models.TextField(_("Fee standard"), blank=True)
    fee_basis = models.TextField(_("Fee basis"), blank=True)
    handling_forms = models.CharField(
        _("Ways to apply"),
        max_length=100,
        blank=True,
        help_text=_("e.g. at the window, online, by post"),
    )
    online_depth = models.CharField(
        _("Online depth"), max_length=1, choices=OnlineDepth.choices, default=OnlineDepth.NONE
    )
    online_url = models.CharField(_("Online address"), max_length=300, blank=True)
    max_visits = models.PositiveSmallIntegerField(_("Visits to the hall"), default=1)
    visit_reason = models.CharField(_("Why a visit is needed"), max_length=300, blank=True)
    in_hall = models.BooleanField(_("Handled in the hall"), default=True)
    one_window = models.BooleanField(_("One-window item"), default=True)
    one_window_exclusion_basis = models.TextField(
        _("Basis for exclusion from the one-window list"), blank=True
    )
    confidential = models.BooleanField(_("Confidential"), default=False)
    tongban_scope = models.CharField(_("Cross-area scope"), max_length=50, blank=True)
    place = models.CharField(_("Place"), max_length=300, blank=True)
    hours = models.CharField(_("Hours"), max_length=300, blank=True)
    consult_phone = models.CharField(_("Enquiries"), max_length=200, blank=True)
    complaint_phone = models.CharField(_("Complaints"), max_length=200, blank=True)
    result_name = models.CharField(_("Result name"), max_length=200, blank=True)
    result_type = models.CharField(
        _("Result type"), max_length=12, choices=ResultType.choices, blank=True
    )
    result_validity = models.CharField(_("Result validity"), max_length=100, blank=True)
    delivery_modes = models.CharField(
        _("Delivery"),
        max_length=100,
        blank=True,
        help_text=_("e.g. collected at the window, by post, downloaded"),
    )
    aliases = models.TextField(
        _("Aliases (citizens' words)"),
        blank=True,
        help_text=_("What citizens call it, one per line or separated by 、"),
    )
    status = models.CharField(
        _("Status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PUBLISHED
    )
    version = models.PositiveIntegerField(_("Version"), default=0)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("Service item")
        verbose_name_plural = _("Service item")
        ordering = ["department__sort_order", "department__name", "name"]
        permissions = [("import_catalog", _("Can import and export the catalog"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidential=False) | Q(one_window=False),
                name="catalog_item_confidential_not_one_window",
                violation_error_message=_("A confidential item cannot be in the one-window list."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_complete_guide(self) -> bool:
        """Whether the guide has materials written out (the real CSV has only names and codes)."""
        return self.scenarios.filter(materials__isnull=False).exists()

    def alias_list(self) -> list[str]:
        import re

        return [a.strip() for a in re.split(r"[\n,，、;；]+", self.aliases) if a.strip()]


class Scenario(models.Model):
    """办理情形: a variant of an item with its own conditions and materials."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("Item"), on_delete=models.CASCADE, related_name="scenarios"
    )
    code = models.CharField(_("Scenario code"), max_length=30)
    name = models.CharField(_("Scenario name"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    conditions = models.TextField(_("Conditions"), blank=True)
    promised_limit_days = models.PositiveSmallIntegerField(
        _("Promised limit (working days; empty = as the item)"), null=True, blank=True
    )
    sort_order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Scenario")
        verbose_name_plural = _("Scenario")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="catalog_scenario_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("Provided by the applicant")
    GOVERNMENT = "government", _("Issued by a government department")
    INTERMEDIARY = "intermediary", _("Issued by an intermediary")
    OTHER = "other", _("Other")


class MaterialMedium(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")
    BOTH = "both", _("Paper and electronic")


class TrustLevel(models.TextChoices):
    A = "A", _("A: issued by the authority, usable directly")
    B = "B", _("B: original verified by window staff")
    C = "C", _("C: uploaded by the applicant, original to be verified")
    D = "D", _("D: made by the applicant under a commitment")


class Material(models.Model):
    """申请材料 of a scenario."""

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("Scenario"), on_delete=models.CASCADE, related_name="materials"
    )
    code = models.CharField(_("Material code"), max_length=30)
    name = models.CharField(_("Material name"), max_length=300)
    required = models.BooleanField(_("Required"), default=True)
    required_note = models.CharField(
        _("When required"),
        max_length=300,
        blank=True,
        help_text=_("e.g. needed when an agent applies"),
    )
    originals = models.PositiveSmallIntegerField(_("Originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("Copies"), default=0)
    medium = models.CharField(
        _("Form"), max_length=10, choices=MaterialMedium.choices, default=MaterialMedium.PAPER
    )
    source = models.CharField(
        _("Source"), max_length=15, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    source_note = models.CharField(_("Source details"), max_length=200, blank=True)
    filling_notes = models.TextField(_("Filling instructions"), blank=True)
    submission = models.CharField(
        _("How to submit"),
        max_length=100,
        blank=True,
        help_text=_("e.g. at the window, uploaded online, by post"),
    )
    may_defer = models.BooleanField(_("May be supplied later"), default=False)
    defer_days = models.PositiveSmallIntegerField(
        _("Deadline to supply later (working days)"), null=True, blank=True
    )
    trust_level = models.CharField(
        _("Trust level"), max_length=1, choices=TrustLevel.choices, default=TrustLevel.C
    )
    blank_form = models.FileField(_("Blank form"), upload_to="catalog/forms/", blank=True)
    sample = models.FileField(_("Sample"), upload_to="catalog/samples/", blank=True)
    sort_order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Material")
        verbose_name_plural = _("Material")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "code"], name="catalog_material_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(may_defer=True) | Q(defer_days__isnull=True),
                name="catalog_material_defer_days_only_when_deferrable",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewPoint(models.Model):
    """审查要点: what the front desk checks (照单收件), on the item or on one material."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("Item"), on_delete=models.CASCADE, related_name="review_points"
    )
    material = models.ForeignKey(
        Material,
        verbose_name=_("Material"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_points",
    )
    code = models.CharField(_("Point code"), max_length=30)
    text = models.TextField(_("Review point"))
    sort_order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Review point")
        verbose_name_plural = _("Review point")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="catalog_reviewpoint_code_unique")
        ]

    def __str__(self) -> str:
        return self.text[:50]


class Answer(models.Model):
    """答疑: a question and its answer, for one item or general (item empty)."""

    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("Item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
    )
    code = models.CharField(_("Code"), max_length=30)
    question = models.CharField(_("Question"), max_length=300)
    answer = models.TextField(_("Answer"))
    source = models.CharField(_("Source of the answer"), max_length=300, blank=True)
    reviewed_at = models.DateField(_("Reviewed on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("Order"), default=0)
    # Lets the knowledge search notice edits that did not bump the catalog revision.
    updated_at = models.DateTimeField(_("Updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("Q&A")
        verbose_name_plural = _("Q&A")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="catalog_answer_code_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(item__isnull=True), name="catalog_general_answer_code"
            ),
        ]

    def __str__(self) -> str:
        return self.question


class Power(models.TextChoices):
    """The five powers a department may delegate to the front desk (授权)."""

    RECEIVE = "receive", _("Receive")
    VERIFY_ORIGINAL = "verify_original", _("Verify originals")
    ONE_TIME_NOTICE = "one_time_notice", _("One-time notice")
    ACCOUNT_USE = "account_use", _("Use the department account")
    DELIVER_RESULT = "deliver_result", _("Deliver results")


class DelegationAgreement(models.Model):
    """授权委托书: the signed agreement behind a department's delegations."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("Delegating department"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    number = models.CharField(_("Agreement number"), max_length=60, unique=True)
    title = models.CharField(_("Title"), max_length=200)
    delegate = models.CharField(
        _("Delegate"),
        max_length=200,
        help_text=_("e.g. the comprehensive acceptance windows of the district service center"),
    )
    scope = models.TextField(_("Scope"))
    rights_and_duties = models.TextField(_("Rights and duties"), blank=True)
    signed_on = models.DateField(_("Signed on"))
    valid_from = models.DateField(_("Valid from"))
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    scan = models.FileField(_("Signed scan"), upload_to="catalog/agreements/", blank=True)
    created_at = models.DateTimeField(_("Entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Delegation agreements")
        verbose_name_plural = _("Delegation agreements")
        ordering = ["department__name", "-signed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="catalog_agreement_valid_range",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_valid_on(self, day: datetime.date) -> bool:
        if not self.scan:
            return False
        if day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def effective_on(self, day: datetime.date) -> DelegationQuerySet:
        """Delegations backed by an agreement that is signed (scan on file) and valid on `day`.

        Only these powers may be used at the comprehensive windows (DOMAIN-RULES §1).
        """
        return self.filter(
            Q(agreement__valid_until__isnull=True) | Q(agreement__valid_until__gte=day),
            agreement__isnull=False,
            agreement__valid_from__lte=day,
        ).exclude(agreement__scan="")


class Delegation(models.Model):
    """One power of one item delegated to the comprehensive front desk."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("Item"), on_delete=models.CASCADE, related_name="delegations"
    )
    power = models.CharField(_("Power"), max_length=20, choices=Power.choices)
    agreement = models.ForeignKey(
        DelegationAgreement,
        verbose_name=_("Delegation agreements"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegations",
    )
    granted_at = models.DateTimeField(_("Granted at"), auto_now_add=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Delegation")
        verbose_name_plural = _("Delegation")
        constraints = [
            models.UniqueConstraint(fields=["item", "power"], name="catalog_delegation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_power_display()}"

    def is_effective_on(self, day: datetime.date) -> bool:
        return self.agreement is not None and self.agreement.is_valid_on(day)


class ItemVersion(models.Model):
    """A frozen copy of an item with its scenarios, materials and review points.

    Cases pin (item, number) so a later edit never changes what an applicant was told.
    """

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("Item"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("Version"))
    snapshot = models.JSONField(_("Content"))
    created_at = models.DateTimeField(_("Time"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("Note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Item version")
        verbose_name_plural = _("Item version")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_itemversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"


class Synonym(models.Model):
    """A citizen's word and the catalog's word for it (社保卡 → 社会保障卡)."""

    term = models.CharField(_("Citizens' word"), max_length=50, unique=True)
    canonical = models.CharField(
        _("Catalog word"),
        max_length=100,
        help_text=_("Several catalog words may be separated by “|”."),
    )
    note = models.CharField(_("Remarks"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Synonyms")
        verbose_name_plural = _("Synonyms")
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"


class CatalogRevision(models.Model):
    """A single-row counter bumped on every catalog change; search indexes rebuild when it moves."""

    revision = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Catalog revision")
        verbose_name_plural = _("Catalog revision")

    def __str__(self) -> str:
        return str(self.revision)
