"""The online channel (网上申请): which items may be applied for online, and SMS codes.

An item may be applied for here when the catalog says it can be handled online at least to
pre-review depth (网上办理深度 3 or 4), it is in the one-window list (not confidential), its
department has delegated 收件权 to the comprehensive windows under a valid agreement, and its
guide is written out (scenarios with materials): the front desk pre-reviews online applications
exactly as it receives applications at the window.

The applicant's mobile number is confirmed with a 6-digit SMS code: only a keyed hash is stored,
a code lives `CODE_MINUTES`, allows `MAX_ATTEMPTS` wrong tries, and a number gets a new code only
`RESEND_SECONDS` after the last and at most `MAX_PER_HOUR` times an hour. A client address may ask
for codes `MAX_PER_ADDRESS_HOUR` times an hour (so the form cannot be used to flood many phones).
"""

from __future__ import annotations

import datetime
import enum
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from onewindow.cases.models import (
    FINAL_STATUSES,
    Case,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CaseStatus,
    Channel,
    PhoneCode,
)
from onewindow.catalog.models import (
    Delegation,
    Material,
    OnlineDepth,
    Power,
    ServiceItem,
)
from onewindow.tickets import sms

ONLINE_DEPTHS = (OnlineDepth.PREREVIEW, OnlineDepth.FULL)
CODE_MINUTES = 5
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
MAX_PER_HOUR = 5
MAX_PER_ADDRESS_HOUR = 20
CONFIRMED_VALID_MINUTES = 60  # how long a confirmed number may be used to submit


# --- which items ---------------------------------------------------------------------------------


def online_items(day: datetime.date | None = None) -> QuerySet[ServiceItem]:
    """Published items an applicant may apply for online here (see the module docstring)."""
    day = day or timezone.localdate()
    receives = Delegation.objects.effective_on(day).filter(item=OuterRef("pk"), power=Power.RECEIVE)
    has_materials = Material.objects.filter(scenario__item=OuterRef("pk"))
    return (
        ServiceItem.objects.published()
        .filter(online_depth__in=ONLINE_DEPTHS, one_window=True, confidential=False)
        .filter(Exists(receives), Exists(has_materials))
        .select_related("department")
    )


def may_apply_online(item: ServiceItem, day: datetime.date | None = None) -> bool:
    return online_items(day).filter(pk=item.pk).exists()


# --- SMS codes -----------------------------------------------------------------------------------


class CodeError(Exception):
    """A code cannot be sent now; `message` says when to try again."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _hash(phone: str, code: str) -> str:
    return salted_hmac("onewindow.cases.online.phone-code", f"{phone}:{code}").hexdigest()


def _address_key(address: str) -> str:
    return f"onewindow:apply-sms:{address}"


def send_code(*, phone: str, address: str = "", now: datetime.datetime | None = None) -> PhoneCode:
    """Send a new code to `phone` (already validated); raises CodeError when throttled."""
    now = now or timezone.now()
    if address and (cache.get(_address_key(address)) or 0) >= MAX_PER_ADDRESS_HOUR:
        raise CodeError(
            _("Too many codes were requested from this device. Try again in an hour."),
            code="address",
        )
    with transaction.atomic():
        recent = list(
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, created_at__gt=now - datetime.timedelta(hours=1))
            .order_by("-created_at")
        )
        if recent and (now - recent[0].created_at).total_seconds() < RESEND_SECONDS:
            wait = RESEND_SECONDS - int((now - recent[0].created_at).total_seconds())
            raise CodeError(
                _("A code was just sent. You can ask for a new one in %(s)s seconds.")
                % {"s": max(wait, 1)},
                code="too_soon",
            )
        if len(recent) >= MAX_PER_HOUR:
            raise CodeError(
                _("Too many codes were sent to this number. Try again in an hour."),
                code="too_many",
            )
        code = f"{secrets.randbelow(10**6):06d}"
        row = PhoneCode.objects.create(
            phone=phone,
            code_hash=_hash(phone, code),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=CODE_MINUTES),
        )
        message = _(
            "Your code for the online application is %(code)s; it is valid for %(n)s minutes. "
            "Do not tell it to anyone."
        ) % {"code": code, "n": CODE_MINUTES}
        transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))
    if address and not cache.add(_address_key(address), 1, 60 * 60):
        try:
            cache.incr(_address_key(address))
        except ValueError:  # expired in between
            cache.add(_address_key(address), 1, 60 * 60)
    return row


class Check(enum.Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


@dataclass(frozen=True)
class CheckResult:
    outcome: Check
    attempts_left: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome is Check.CONFIRMED

    @property
    def message(self) -> str:
        if self.outcome is Check.WRONG:
            return _("The code is not right. %(n)s more tries.") % {"n": self.attempts_left}
        if self.outcome is Check.EXPIRED:
            return _("The code has expired. Ask for a new code.")
        if self.outcome is Check.LOCKED:
            return _("The code was entered wrongly too many times. Ask for a new code.")
        return ""


def check_code(
    *, code_id: int | None, phone: str, code: str, now: datetime.datetime | None = None
) -> CheckResult:
    """Check the code the applicant typed; a wrong try is counted (and kept) either way."""
    now = now or timezone.now()
    code = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update().filter(pk=code_id, phone=phone).first()
            if code_id
            else None
        )
        if row is None:
            return CheckResult(Check.EXPIRED)
        if row.confirmed_at is not None:
            return CheckResult(Check.CONFIRMED)
        if row.attempts >= MAX_ATTEMPTS:
            return CheckResult(Check.LOCKED)
        if now >= row.expires_at:
            return CheckResult(Check.EXPIRED)
        if hmac.compare_digest(row.code_hash, _hash(phone, code)):
            row.confirmed_at = now
            row.save(update_fields=["confirmed_at"])
            return CheckResult(Check.CONFIRMED)
        row.attempts += 1
        row.save(update_fields=["attempts"])
        left = MAX_ATTEMPTS - row.attempts
        return CheckResult(Check.WRONG, left) if left > 0 else CheckResult(Check.LOCKED)


def is_confirmed(*, code_id: int | None, phone: str, now: datetime.datetime | None = None) -> bool:
    """Whether `phone` was confirmed with this code recently enough to submit with it."""
    now = now or timezone.now()
    if not code_id:
        return False
    return PhoneCode.objects.filter(
        pk=code_id,
        phone=phone,
        confirmed_at__gt=now - datetime.timedelta(minutes=CONFIRMED_VALID_MINUTES),
    ).exists()


# --- the front desk's pre-review queue -----------------------------------------------------------

QUEUE_LIMIT = 200


def pre_review_queue(*, hall_id: int | None, limit: int = QUEUE_LIMIT) -> list[Any]:
    """The hall's online applications waiting for pre-review, the longest waiting first.

    An application waits from its submission, or from the applicant's latest resubmission after
    a one-time notice. One query, annotated with `waiting_since` and `file_count`.
    """
    entered = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action__in=["case.received", "case.resumed"])
        .order_by("-at")
        .values("at")[:1]
    )
    files = (
        CaseFile.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Case.objects.filter(hall_id=hall_id, channel=Channel.ONLINE, status=CaseStatus.PRE_REVIEW)
        .annotate(waiting_since=Subquery(entered), file_count=Subquery(files))
        .select_related("item", "department")
        .order_by(F("waiting_since").asc(nulls_first=True), "id")[:limit]
    )


def awaiting_applicant(*, hall_id: int | None, limit: int = QUEUE_LIMIT) -> list[Any]:
    """The hall's online applications waiting for the applicant to upload after a notice."""
    return list(
        Case.objects.filter(hall_id=hall_id, channel=Channel.ONLINE, status=CaseStatus.NOTICE_GIVEN)
        .select_related("item")
        .order_by("notice_given_at", "id")[:limit]
    )


def awaiting_originals(*, hall_id: int | None, limit: int = 50) -> list[tuple[Any, list[Any]]]:
    """Accepted online cases of the hall whose originals must still be seen at the window,
    with those materials."""
    from onewindow.cases.services import originals_to_see

    pending = CaseMaterial.objects.filter(
        case=OuterRef("pk"), originals_needed__gt=0, original_verified=False
    )
    cases = (
        Case.objects.filter(hall_id=hall_id, channel=Channel.ONLINE, accepted_at__isnull=False)
        .exclude(status__in=FINAL_STATUSES)
        .filter(Exists(pending))
        .select_related("item", "item_version")
        .order_by("accepted_at", "id")[:limit]
    )
    rows = []
    for case in cases:
        materials = originals_to_see(case)
        if materials:
            rows.append((case, materials))
    return rows
