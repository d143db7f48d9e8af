"""Cases (办件): one application for one item and scenario, from intake to delivery.

A case pins the catalog item version it was filed against: the materials, review points and
time limits the applicant was told stay as they were even if the catalog changes later. Every
change of status goes through `cases.services` and leaves one `CaseEvent` (who, when, from → to,
the delegated power used, a note); events are never changed or deleted.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import Power


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Receiving")  # intake under way at a window (收件)
    PRE_REVIEW = "pre_review", _("Online pre-review")  # submitted online, front desk to check
    NOTICE_GIVEN = "notice_given", _("Waiting for materials")  # one-time notice given
    REFUSED = "refused", _("Not accepted")  # 不予受理
    ACCEPTED = "accepted", _("Accepted")  # 受理: on its way to the back office
    IN_REVIEW = "in_review", _("Under review")  # 审查
    CORRECTION = "correction", _("Correction needed")  # 补齐补正: the clock is paused
    SPECIAL = "special", _("Special procedure")  # 特别程序: the clock is paused
    APPROVED = "approved", _("Approved")  # 准予: the result is being produced
    DENIED = "denied", _("Denied")  # 不予: the decision letter is being produced
    RESULT_READY = "result_ready", _("Ready for collection")  # 制证完成, waiting for delivery
    CLOSED = "closed", _("Completed")  # 已办结
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 撤回, or the correction never came


# The allowed changes of status (from → to). `services` refuses anything else.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.RECEIVED: frozenset(
        {CaseStatus.NOTICE_GIVEN, CaseStatus.REFUSED, CaseStatus.ACCEPTED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.PRE_REVIEW: frozenset(
        {CaseStatus.NOTICE_GIVEN, CaseStatus.REFUSED, CaseStatus.ACCEPTED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.NOTICE_GIVEN: frozenset(
        {CaseStatus.RECEIVED, CaseStatus.PRE_REVIEW, CaseStatus.ACCEPTED, CaseStatus.WITHDRAWN}
    ),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.IN_REVIEW}),
    CaseStatus.IN_REVIEW: frozenset(
        {CaseStatus.CORRECTION, CaseStatus.SPECIAL, CaseStatus.APPROVED, CaseStatus.DENIED}
    ),
    CaseStatus.CORRECTION: frozenset({CaseStatus.IN_REVIEW, CaseStatus.WITHDRAWN}),
    CaseStatus.SPECIAL: frozenset({CaseStatus.IN_REVIEW}),
    CaseStatus.APPROVED: frozenset({CaseStatus.RESULT_READY}),
    CaseStatus.DENIED: frozenset({CaseStatus.RESULT_READY}),
    CaseStatus.RESULT_READY: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.REFUSED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}
# Before acceptance the application is not yet a case of the back office.
INTAKE_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.PRE_REVIEW, CaseStatus.NOTICE_GIVEN})
FINAL_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN})


class Channel(models.TextChoices):
    WINDOW = "window", _("At a window")
    ONLINE = "online", _("Online")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ORGANISATION = "organisation", _("Legal person or organisation")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_TAIWAN = "hmt_permit", _("Hong Kong, Macao or Taiwan permit")
    OTHER = "other", _("Other")


class ResultCode(models.TextChoices):
    """办结结果 as the provincial exchange formats carry it (DOMAIN-RULES §3)."""

    CERTIFICATE = "0", _("Completed with a certificate")
    RETURNED = "1", _("Returned")
    VOIDED = "2", _("Voided")
    DELETED = "3", _("Deleted")
    CORRECTION_NOT_SUPPLIED = "5", _("Correction never supplied")
    APPROVED = "6", _("Approved")
    DENIED = "7", _("Denied")


class CaseCounter(models.Model):
    """The last case number of a day; its row lock serialises numbering."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last_number}"


class Case(models.Model):
    number = models.CharField(_("Case number"), max_length=20, unique=True)
    tracking_code = models.CharField(
        _("Tracking code"),
        max_length=8,
        help_text=_("Printed on the receipt; with the case number it opens the public tracking."),
    )
    # No index of their own on `hall` and `department`: the (hall, status) and
    # (department, status, due_on) indexes of Meta begin with them, and every index more is
    # written again on each change of status.
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("Hall"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("Item"), on_delete=models.PROTECT, related_name="+"
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion",
        verbose_name=_("Item version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Department"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    scenario_code = models.CharField(_("Scenario code"), max_length=30, blank=True)
    scenario_name = models.CharField(_("Scenario"), max_length=200, blank=True)
    channel = models.CharField(_("Channel"), max_length=10, choices=Channel.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("Ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )

    # Applicant (申请人) and agent (代理人).
    applicant_kind = models.CharField(
        _("Applicant type"), max_length=12, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField(_("Applicant"), max_length=200)
    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    credit_code = models.CharField(_("Unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("Legal representative"), max_length=50, blank=True)
    phone = models.CharField(_("Mobile number"), max_length=20)
    address = models.CharField(_("Address"), max_length=200, blank=True)
    agent_name = models.CharField(_("Agent"), max_length=50, blank=True)
    agent_id_number = models.CharField(_("Agent's ID number"), max_length=30, blank=True)
    agent_phone = models.CharField(_("Agent's mobile number"), max_length=20, blank=True)

    # The clock (working days; the item's limits as pinned by the version).
    promised_limit_days = models.PositiveSmallIntegerField(_("Promised limit (working days)"))
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("Statutory limit (working days)"), null=True, blank=True
    )
    correction_restarts = models.BooleanField(_("A correction restarts the clock"), default=False)
    received_at = models.DateTimeField(_("Received at"))
    notice_given_at = models.DateTimeField(_("One-time notice given at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("Accepted at"), null=True, blank=True)
    accepted_on = models.DateField(_("Accepted on"), null=True, blank=True)
    deemed_accepted = models.BooleanField(
        _("Accepted by law"),
        default=False,
        help_text=_("No one-time notice within 5 working days: accepted on the day of receipt."),
    )
    due_on = models.DateField(
        _("Due on"),
        null=True,
        blank=True,
        help_text=_("The promised date as the clock stands; empty while the clock is paused."),
    )
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Completed at"), null=True, blank=True)
    result_code = models.CharField(
        _("Result"), max_length=2, choices=ResultCode.choices, blank=True
    )
    visits = models.PositiveSmallIntegerField(_("Visits"), default=0)
    # The online form's one-time token: a double-submitted application makes one case.
    submission_token = models.CharField(_("Submission token"), max_length=64, blank=True)

    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Case")
        verbose_name_plural = _("Cases")
        ordering = ["-received_at"]
        permissions: ClassVar = [
            ("receive_case", _("Receive applications at a comprehensive window")),
            ("review_case", _("Review and decide cases of one's own department")),
            ("deliver_case", _("Produce and deliver results")),
        ]
        indexes = [
            models.Index(
                fields=["department", "status", "due_on"], name="cases_department_status_idx"
            ),
            models.Index(fields=["hall", "status"], name="cases_hall_status_idx"),
            # The reviewers' work queue reads its most urgent cases in order from this (an
            # index scan with a limit instead of sorting the department's open cases).
            models.Index(
                fields=["department", "due_on", "accepted_at", "id"],
                condition=Q(status__in=["accepted", "in_review", "correction", "special"]),
                name="cases_review_queue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(applicant_kind=ApplicantKind.PERSON) | ~Q(id_number=""),
                name="cases_person_has_id",
            ),
            models.CheckConstraint(
                condition=~Q(applicant_kind=ApplicantKind.ORGANISATION) | ~Q(credit_code=""),
                name="cases_organisation_has_credit_code",
            ),
            models.UniqueConstraint(
                fields=["submission_token"],
                condition=~Q(submission_token=""),
                name="cases_submission_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def may_become(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())


class MaterialState(models.TextChoices):
    RECEIVED = "received", _("Received")
    MISSING = "missing", _("Missing")
    WRONG = "wrong", _("Needs correcting")
    DEFERRED = "deferred", _("Promised later (容缺)")
    NOT_NEEDED = "not_needed", _("Not needed")


class CaseMaterial(models.Model):
    """One material of the case's scenario as the front desk checked it."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("Case"),
        on_delete=models.CASCADE,
        related_name="materials",
        db_index=False,  # the unique (case, code) index begins with it
    )
    code = models.CharField(_("Material code"), max_length=30)
    name = models.CharField(_("Material name"), max_length=300)
    required = models.BooleanField(_("Required"), default=True)
    may_defer = models.BooleanField(_("May be supplied later"), default=False)
    originals_needed = models.PositiveSmallIntegerField(_("Originals"), default=0)
    copies_needed = models.PositiveSmallIntegerField(_("Copies"), default=0)
    state = models.CharField(
        _("State"), max_length=12, choices=MaterialState.choices, default=MaterialState.MISSING
    )
    paper = models.BooleanField(_("Paper received"), default=False)
    electronic = models.BooleanField(_("Electronic received"), default=False)
    copies = models.PositiveSmallIntegerField(_("Copies received"), default=0)
    original_verified = models.BooleanField(_("Original verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deferred_until = models.DateField(_("To be supplied by"), null=True, blank=True)
    reason = models.CharField(_("What is missing or wrong"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        verbose_name = _("Case material")
        verbose_name_plural = _("Case materials")
        ordering = ["case", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="cases_material_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_unchecked(self) -> bool:
        """Not looked at yet: still missing (the starting state) with no reason written."""
        return self.state == MaterialState.MISSING and not self.reason

    @property
    def is_satisfied(self) -> bool:
        """Nothing stops acceptance on account of this material."""
        if self.state in (MaterialState.RECEIVED, MaterialState.NOT_NEEDED):
            return True
        if self.state == MaterialState.DEFERRED:
            return self.may_defer
        return not self.required


class PauseKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    SPECIAL = "special", _("Special procedure")


class CasePause(models.Model):
    """A stretch of time that does not count toward the limit (Art. 45, corrections)."""

    case = models.ForeignKey(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="pauses"
    )
    kind = models.CharField(_("Kind"), max_length=12, choices=PauseKind.choices)
    procedure = models.CharField(_("Procedure"), max_length=50, blank=True)
    reason = models.CharField(_("Reason"), max_length=300)
    started_on = models.DateField(_("Started on"))
    ended_on = models.DateField(_("Ended on"), null=True, blank=True)
    restart = models.BooleanField(_("Restarts the clock"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Pause")
        verbose_name_plural = _("Pauses")
        ordering = ["case", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_on__isnull=True),
                name="cases_one_open_pause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}"


class NoticeKind(models.TextChoices):
    ONE_TIME = "one_time", _("One-time notice letter")  # 一次性告知书
    REFUSAL = "refusal", _("Notice of non-acceptance")  # 不予受理通知书
    ACCEPTANCE = "acceptance", _("Notice of acceptance")  # 受理通知书


class CaseNotice(models.Model):
    """A written notice as it was issued: its content is frozen at issue time."""

    case = models.ForeignKey(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("Kind"), max_length=12, choices=NoticeKind.choices)
    number = models.CharField(_("Notice number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("Issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.JSONField(_("Content"), default=dict)

    class Meta:
        verbose_name = _("Notice")
        verbose_name_plural = _("Notices")
        ordering = ["case", "issued_at", "id"]

    def __str__(self) -> str:
        return self.number


# What each kind of event is called in staff timelines.
EVENT_LABELS = {
    "case.received": _("Received"),
    "case.material.checked": _("Material checked"),
    "case.file.attached": _("File uploaded"),
    "case.originals.verified": _("Originals verified at the window"),
    "case.notice.given": _("One-time notice given"),
    "case.resumed": _("Applicant came back"),
    "case.refused": _("Not accepted"),
    "case.withdrawn": _("Withdrawn"),
    "case.accepted": _("Accepted"),
    "case.paper.handed_over": _("Paper dossier handed over"),
    "case.paper.received": _("Paper dossier received"),
    "case.claimed": _("Taken for review"),
    "case.assigned": _("Assigned"),
    "case.extended": _("Time limit extended"),
    "case.correction.requested": _("Correction requested"),
    "case.supplemented": _("Correction supplied"),
    "case.special.started": _("Special procedure started"),
    "case.special.ended": _("Special procedure ended"),
    "case.approved": _("Approved"),
    "case.denied": _("Denied"),
    "case.result.issued": _("Result produced"),
    "case.delivered": _("Delivered"),
}


class CaseEvent(models.Model):
    """One step of a case; written once by `cases.services`, never changed."""

    case = models.ForeignKey(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("Action"), max_length=40)
    from_status = models.CharField(_("From"), max_length=20, blank=True)
    to_status = models.CharField(_("To"), max_length=20, blank=True)
    at = models.DateTimeField(_("Time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    power = models.CharField(_("Power used"), max_length=20, choices=Power.choices, blank=True)
    note = models.TextField(_("Note"), blank=True)
    data = models.JSONField(_("Details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Case event")
        verbose_name_plural = _("Case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


def case_day(value: datetime.datetime) -> datetime.date:
    """The local (hall time zone) date of a moment."""
    return timezone.localtime(value).date()


class CaseResult(models.Model):
    """The result document: a licence or certificate, an approval, or the decision letter."""

    case = models.OneToOneField(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="result"
    )
    name = models.CharField(_("Document name"), max_length=200)
    number = models.CharField(_("Document number"), max_length=60, unique=True)
    issuer = models.CharField(_("Issued by (authority)"), max_length=200)
    valid_from = models.DateField(_("Valid from"), null=True, blank=True)
    valid_until = models.DateField(_("Valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("Issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Produced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Result document")
        verbose_name_plural = _("Result documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="cases_result_validity_order",
            )
        ]

    def __str__(self) -> str:
        return self.number


class DeliveryMode(models.TextChoices):
    WINDOW = "window", _("Collected at the window")
    POST = "post", _("By post")
    ELECTRONIC = "electronic", _("Electronically")


class Delivery(models.Model):
    """How the result reached the applicant (送达回证)."""

    case = models.OneToOneField(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="delivery"
    )
    mode = models.CharField(_("Delivery"), max_length=12, choices=DeliveryMode.choices)
    recipient_name = models.CharField(_("Recipient"), max_length=50, blank=True)
    recipient_id_number = models.CharField(_("Recipient's ID number"), max_length=30, blank=True)
    post_tracking_number = models.CharField(_("Postal tracking number"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(_("Delivered at"))
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Delivered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late = models.BooleanField(
        _("Later than 10 days after the decision"),
        default=False,
        help_text=_("行政许可法 Art. 44: the result is delivered within 10 days of the decision."),
    )

    class Meta:
        verbose_name = _("Delivery")
        verbose_name_plural = _("Deliveries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="post") | ~Q(post_tracking_number=""),
                name="cases_post_has_tracking_number",
            ),
            models.CheckConstraint(
                condition=~Q(mode="window") | ~Q(recipient_id_number=""),
                name="cases_window_recipient_identified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_mode_display()}"


class HandOver(models.Model):
    """交接单: paper dossiers passed from the front desk to one department's back office."""

    number = models.CharField(_("Hand-over number"), max_length=30, unique=True)
    hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("Hall"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=_("Department"),
        on_delete=models.PROTECT,
        related_name="hand_overs",
    )
    created_at = models.DateTimeField(_("Handed over at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Handed over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("Received at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Hand-over sheet")
        verbose_name_plural = _("Hand-over sheets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class HandOverCase(models.Model):
    """A case's paper dossier on a hand-over sheet; each dossier travels once."""

    hand_over = models.ForeignKey(
        HandOver, verbose_name=_("Hand-over sheet"), on_delete=models.CASCADE, related_name="lines"
    )
    case = models.OneToOneField(
        Case, verbose_name=_("Case"), on_delete=models.PROTECT, related_name="hand_over_line"
    )
    documents = models.PositiveSmallIntegerField(_("Paper documents"), default=0)

    class Meta:
        verbose_name = _("Hand-over line")
        verbose_name_plural = _("Hand-over lines")

    def __str__(self) -> str:
        return f"{self.hand_over} · {self.case}"


def _case_file_path(instance: CaseFile, filename: str) -> str:
    # The stored name never reuses the uploader's file name: it is the content's hash.
    day = timezone.localdate()
    return f"cases/files/{day:%Y/%m}/{instance.sha256}{instance.extension}"


class CaseFile(models.Model):
    """A scan or electronic material uploaded for a case, checked by its content on upload.

    Files are served only through `cases` views that apply the case's scoping; the media folder
    is never exposed directly.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="files"
    )
    material = models.ForeignKey(
        CaseMaterial,
        verbose_name=_("Material"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="files",
    )
    original_name = models.CharField(_("File name"), max_length=200)
    content_type = models.CharField(_("File type"), max_length=40)
    extension = models.CharField(_("Extension"), max_length=8)
    size = models.PositiveIntegerField(_("Size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("File"), upload_to=_case_file_path, max_length=200)
    uploaded_at = models.DateTimeField(_("Uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Uploaded by"),
        null=True,
        blank=True,  # empty: the applicant, online
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Case file")
        verbose_name_plural = _("Case files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DocumentKind(models.TextChoices):
    ONE_TIME_NOTICE = "one_time", _("One-time notice letter")
    REFUSAL = "refusal", _("Notice of non-acceptance")
    ACCEPTANCE = "acceptance", _("Notice of acceptance")
    RESULT = "result", _("Result document")
    DELIVERY_RECEIPT = "delivery", _("Delivery receipt")


class ArchivedDocument(models.Model):
    """The archival PDF of a written document, rendered once from its frozen content.

    The PDF is never re-rendered: its SHA-256 is recorded so a later copy can be checked.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("Case"), on_delete=models.CASCADE, related_name="archived_documents"
    )
    kind = models.CharField(_("Kind"), max_length=12, choices=DocumentKind.choices)
    number = models.CharField(_("Document number"), max_length=60)
    file = models.FileField(_("File"), upload_to="cases/archive/", max_length=200)
    size = models.PositiveIntegerField(_("Size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("Archived at"))

    class Meta:
        verbose_name = _("Archived document")
        verbose_name_plural = _("Archived documents")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="cases_archive_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class PhoneCode(models.Model):
    """An SMS code that confirms an online applicant's mobile number (`cases.online`).

    Only a keyed hash of the code is stored. A code expires, allows a few attempts, and a number
    gets a new one only after a pause and a few times an hour.
    """

    phone = models.CharField(_("Mobile number"), max_length=20, db_index=True)
    code_hash = models.CharField(_("Code (hashed)"), max_length=64)
    created_at = models.DateTimeField(_("Sent at"))
    expires_at = models.DateTimeField(_("Expires at"))
    attempts = models.PositiveSmallIntegerField(_("Wrong attempts"), default=0)
    confirmed_at = models.DateTimeField(_("Confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}…{self.phone[-2:]} {self.created_at:%Y-%m-%d %H:%M}"
