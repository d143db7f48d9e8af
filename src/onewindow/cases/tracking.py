"""Public tracking (盯事在线): the case number and the tracking code printed on the receipt.

What the applicant sees is the case's step, its dates, what is still needed from them and the
timeline of public steps, never who handled it. Wrong codes are counted per case number: after
`FAILURE_LIMIT` failures in `FAILURE_WINDOW` seconds that number is locked for the rest of the
window, so a 6-digit code cannot be guessed.
"""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.cases import clock, queries
from onewindow.cases.models import Case, CasePause, CaseStatus, Channel, MaterialState
from onewindow.core.calendar import shared_calendar

FAILURE_LIMIT = 10
FAILURE_WINDOW = 60 * 60
TOKEN_SALT = "onewindow.cases.tracking"

# Public names of the steps; other events (material checks, hand-overs) are internal.
PUBLIC_STEPS = {
    "case.received": _("Application received"),
    "case.notice.given": _("One-time notice of missing materials"),
    "case.resumed": _("Missing materials brought"),
    "case.originals.verified": _("Originals seen at the window"),
    "case.refused": _("Not accepted"),
    "case.withdrawn": _("Withdrawn"),
    "case.accepted": _("Accepted"),
    "case.claimed": _("Under review"),
    "case.correction.requested": _("Correction requested"),
    "case.supplemented": _("Correction supplied"),
    "case.special.started": _("Special procedure started"),
    "case.special.ended": _("Special procedure ended"),
    "case.approved": _("Approved"),
    "case.denied": _("Denied"),
    "case.result.issued": _("Result ready"),
    "case.delivered": _("Delivered; completed"),
}


class TrackingLocked(Exception):
    """Too many wrong codes for this case number: try again later."""


def _failures_key(number: str) -> str:
    return f"onewindow:tracking-failures:{number}"


def find_case(number: str, code: str) -> Case | None:
    """The case with this number and tracking code; None when they do not match."""
    number, code = number.strip(), code.strip()
    key = _failures_key(number)
    if (cache.get(key) or 0) >= FAILURE_LIMIT:
        raise TrackingLocked
    case = (
        Case.objects.select_related("item", "department", "hall").filter(number=number).first()
        if number
        else None
    )
    if case is not None and hmac.compare_digest(case.tracking_code, code):
        return case
    if number and not cache.add(key, 1, FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, FAILURE_WINDOW)
    return None


def token_for(case: Case) -> str:
    return signing.dumps(case.pk, salt=TOKEN_SALT, compress=True)


def case_from_token(token: str) -> Case | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Case.objects.select_related("item", "department", "hall").filter(pk=pk).first()


@dataclass(frozen=True)
class Step:
    at: datetime.datetime
    label: str
    note: str = ""


@dataclass(frozen=True)
class PublicView:
    case: Case
    steps: list[Step]
    needed: list[str]
    due_on: datetime.date | None
    clock_state: clock.ClockState | None
    # Online applications: the applicant uploads what is needed from the tracking page, and
    # may have to bring originals once.
    supplement_online: bool = False
    originals: tuple[str, ...] = ()


def public_view(case: Case, *, today: datetime.date | None = None) -> PublicView:
    """What the public tracking page shows for a case."""
    today = today or timezone.localdate()
    steps = [
        Step(at=e.at, label=str(PUBLIC_STEPS[e.action]), note=_public_note(e))
        for e in case.events.order_by("at", "id")
        if e.action in PUBLIC_STEPS
    ]
    needed: list[str] = []
    if case.status == CaseStatus.NOTICE_GIVEN:
        needed = [
            f"{m.name}：{m.reason}" if m.reason else m.name
            for m in case.materials.all()
            if m.state in (MaterialState.MISSING, MaterialState.WRONG)
        ]
    elif case.status == CaseStatus.CORRECTION:
        pause = CasePause.objects.filter(case=case, ended_on__isnull=True).first()
        needed = [pause.reason] if pause else []
    state = queries.case_clock(case, today, calendar=shared_calendar())
    online = case.channel == Channel.ONLINE
    originals: tuple[str, ...] = ()
    if online and case.accepted_at is not None and not case.is_final:
        from onewindow.cases.services import originals_to_see

        originals = tuple(m.name for m in originals_to_see(case))
    return PublicView(
        case=case,
        steps=steps,
        needed=needed,
        due_on=state.due_on if state else None,
        clock_state=state,
        supplement_online=online
        and case.status in (CaseStatus.NOTICE_GIVEN, CaseStatus.CORRECTION),
        originals=originals,
    )


def _public_note(event: Any) -> str:
    if event.action == "case.correction.requested":
        return "；".join(event.data.get("items", []))
    if event.action in ("case.refused", "case.denied"):
        return event.data.get("reasons") or event.note
    return ""
