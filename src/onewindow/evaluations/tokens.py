"""The one link per rateable event: a signed token naming the service (ticket) or the case.

Printed as a QR code on the ticket, the acceptance receipt and the result receipt, sent by SMS
when a case closes, shown on the case's tracking page. The token itself can be used any number of
times to open the page; the database allows one rating per event (and one re-rating after a
rectification), so a reused token rates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "onewindow.evaluations.rate"


@dataclass(frozen=True)
class Subject:
    kind: str  # "ticket" or "case"
    pk: int


def for_ticket(ticket_id: int) -> str:
    return signing.dumps(["t", ticket_id], salt=SALT, compress=True)


def for_case(case_id: int) -> str:
    return signing.dumps(["c", case_id], salt=SALT, compress=True)


def subject(token: str) -> Subject | None:
    """The event a token names, or None when it is forged, damaged or too old."""
    try:
        kind, pk = signing.loads(
            token, salt=SALT, max_age=settings.ONEWINDOW_RATING_LINK_DAYS * 86400
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in ("t", "c") or not isinstance(pk, int):
        return None
    return Subject(kind="ticket" if kind == "t" else "case", pk=pk)


PAD_SALT = "onewindow.evaluations.pad"


def for_pad(window_id: int) -> str:
    """The address of a window's rating pad: open it once on the tablet facing the applicant."""
    return signing.dumps(window_id, salt=PAD_SALT, compress=True)


def pad_window(token: str) -> int | None:
    try:
        pk = signing.loads(token, salt=PAD_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return pk if isinstance(pk, int) else None
