"""Every change to a rating: one transaction, the rated row locked, an audit event.

`rate` is the only code that creates an `Evaluation`, and only from a rater's own choice: it
refuses staff signed in, a level that was not chosen, a service not yet finished or a case not
yet ended, and a second rating of the same event. Nothing here has a default level.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.cases.models import FINAL_STATUSES, Case
from onewindow.core import audit, validators
from onewindow.core.calendar import shared_calendar
from onewindow.evaluations.models import (
    BAD_LEVELS,
    Appeal,
    AppealGround,
    AppealStatus,
    Evaluation,
    Level,
    RatingChannel,
    Reason,
    Rectification,
    RectificationStatus,
)
from onewindow.tickets import sms
from onewindow.tickets.models import Ticket, TicketStatus


class RatingError(Exception):
    """A rating action that cannot be done; `message` is for the person, `field` the input."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _staff(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _snapshot(e: Evaluation) -> dict[str, Any]:
    return {
        "level": e.level,
        "attempt": e.attempt,
        "channel": e.channel,
        "reasons": e.reasons,
        "excluded": e.excluded,
    }


# --- rating ---------------------------------------------------------------------------------------


def case_rating_path(case_id: int, *, via: str) -> str:
    """The path of a case's rating page (for the SMS sent when it closes)."""
    from onewindow.evaluations import tokens

    return f"/rate/{tokens.for_case(case_id)}/?via={via}"


def _locked_subject(kind: str, pk: int) -> Ticket | Case:
    if kind == "ticket":
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("window", "clerk", "hall")
            .filter(pk=pk)
            .first()
        )
        if ticket is None:
            raise RatingError(_("This rating link is not valid."), code="not_found")
        if ticket.status != TicketStatus.DONE:
            raise RatingError(
                _("The service can be rated once it has finished."), code="not_finished"
            )
        return ticket
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("item", "hall")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise RatingError(_("This rating link is not valid."), code="not_found")
    if case.status not in FINAL_STATUSES:
        raise RatingError(_("The case can be rated once it has ended."), code="not_finished")
    return case


def rating_state(kind: str, pk: int) -> tuple[int | None, bool]:
    """(the attempt a rating would be now, or None when nothing more may be rated; whether the
    event has a rating already) — for the rating page."""
    field = "ticket_id" if kind == "ticket" else "case_id"
    rated = list(
        Evaluation.objects.filter(**{field: pk}).select_related("rectification").order_by("attempt")
    )
    return _next_attempt(rated), bool(rated)


def _next_attempt(rated: Sequence[Evaluation]) -> int | None:
    if not rated:
        return 1
    if len(rated) >= 2:
        return None
    first = rated[0]
    rectification = getattr(first, "rectification", None) if first.is_bad else None
    if rectification is not None and rectification.status == RectificationStatus.REPORTED:
        return 2  # re-rating once, after the rectification was reported back
    return None


def rate(
    *,
    kind: str,
    pk: int,
    level: Any,
    channel: str,
    reasons: Sequence[str] = (),
    comment: str = "",
    phone: str = "",
    actor: Any = None,
    now: datetime.datetime | None = None,
    demo: bool = False,
) -> Evaluation:
    """Record the rater's own rating of a finished service (`kind` "ticket") or ended case.

    `actor` is whoever is signed in on the device: staff may invite a rating, never enter one.
    `demo` marks the demo installer's sample ratings as such (nothing else passes it).
    """
    now = now or timezone.now()
    if _staff(actor) is not None:
        raise RatingError(
            _("Staff cannot enter ratings. Please hand the device to the applicant."),
            code="staff",
        )
    try:
        level = Level(int(level))
    except (TypeError, ValueError):
        raise RatingError(_("Choose how satisfied you are."), code="level", field="level") from None
    if channel not in RatingChannel.values:
        raise RatingError(_("Unknown rating channel."), code="channel")
    reasons = list(dict.fromkeys(r for r in reasons if r))
    if any(r not in Reason.values for r in reasons):
        raise RatingError(_("Choose the reasons from the list."), code="reasons", field="reasons")
    comment = comment.strip()[:1000]
    if level in BAD_LEVELS and not reasons and not comment:
        raise RatingError(
            _("Please tell us what went wrong: choose a reason or write a few words."),
            code="reasons",
            field="reasons",
        )
    if level not in BAD_LEVELS:
        reasons = []
    phone = validators.normalize_mobile(phone) if phone.strip() else ""
    if phone:
        try:
            validators.validate_mobile(phone)
        except ValidationError as error:  # the validator's own message, next to the field
            raise RatingError(" ".join(error.messages), code="phone", field="phone") from None
    with transaction.atomic():
        subject = _locked_subject(kind, pk)
        field = "ticket" if kind == "ticket" else "case"
        rated = list(
            Evaluation.objects.filter(**{field: subject})
            .select_related("rectification")
            .order_by("attempt")
        )
        attempt = _next_attempt(rated)
        if attempt is None:
            raise RatingError(
                _("This service has already been rated. Thank you."), code="already_rated"
            )
        evaluation = Evaluation(
            level=level,
            attempt=attempt,
            reasons=reasons,
            comment=comment,
            channel=channel,
            rated_at=now,
            rater_phone=phone or (rated[0].rater_phone if rated else ""),
            demo=demo,
            **_what_was_rated(subject),
        )
        try:
            with transaction.atomic():
                evaluation.save()
        except IntegrityError:  # (the lock makes this unreachable; the constraint backs it)
            raise RatingError(
                _("This service has already been rated. Thank you."), code="already_rated"
            ) from None
        if evaluation.is_bad and attempt == 1:
            _open_rectification(evaluation, now)
        audit.record(
            action="evaluations.rated" if attempt == 1 else "evaluations.rerated",
            obj=evaluation,
            after=_snapshot(evaluation),
        )
    return evaluation


def _what_was_rated(subject: Ticket | Case) -> dict[str, Any]:
    if isinstance(subject, Ticket):
        matters = list(subject.matters.select_related("department")[:2])
        item = matters[0] if len(matters) == 1 else None
        return {
            "ticket": subject,
            "hall": subject.hall,
            "window": subject.window,
            "clerk": subject.clerk,
            "item": item,
            "department": item.department if item else None,
        }
    return {
        "case": subject,
        "hall": subject.hall,
        "clerk": subject.received_by,
        "item": subject.item,
        "department_id": subject.department_id,
    }


def _open_rectification(evaluation: Evaluation, now: datetime.datetime) -> Rectification:
    calendar = shared_calendar()
    day = timezone.localtime(now).date()
    return Rectification.objects.create(
        evaluation=evaluation,
        opened_at=now,
        verify_due=calendar.add_working_days(day, settings.ONEWINDOW_RATING_VERIFY_DAYS),
        rectify_due=calendar.add_working_days(day, settings.ONEWINDOW_RATING_RECTIFY_DAYS),
    )


# --- the bad-rating loop --------------------------------------------------------------------------


def _lock_rectification(rectification: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("evaluation")
        .get(pk=rectification.pk)
    )


def _check_hall(rectification: Rectification, actor: Any) -> None:
    if getattr(actor, "hall_id", None) != rectification.evaluation.hall_id:
        raise RatingError(_("This rating belongs to another hall."), code="other_hall")


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RatingError(message, code="required", field=field)
    return value[:2000]


def verify(
    *, rectification: Rectification, actor: Any, note: str, now: datetime.datetime | None = None
) -> Rectification:
    """回访核实: what the rater said when called back."""
    now = now or timezone.now()
    note = _text(note, "note", _("Write down what the rater said."))
    with transaction.atomic():
        r = _lock_rectification(rectification)
        _check_hall(r, actor)
        if r.status != RectificationStatus.VERIFYING:
            raise RatingError(_("This rating has been verified already."), code="transition")
        r.status, r.verified_at, r.verified_by, r.verification = (
            RectificationStatus.RECTIFYING,
            now,
            actor,
            note,
        )
        r.save(update_fields=["status", "verified_at", "verified_by", "verification"])
        audit.record(action="evaluations.verified", actor=actor, obj=r, after={"note": note})
    return r


def report_back(
    *,
    rectification: Rectification,
    actor: Any,
    measures: str,
    report: str,
    now: datetime.datetime | None = None,
) -> Rectification:
    """整改 done and reported back to the rater, who may now re-rate once (told by SMS)."""
    now = now or timezone.now()
    measures = _text(measures, "measures", _("Describe the measures taken."))
    report = _text(report, "report", _("Write down what the rater was told."))
    with transaction.atomic():
        r = _lock_rectification(rectification)
        _check_hall(r, actor)
        if r.status != RectificationStatus.RECTIFYING:
            raise RatingError(
                _("Verify with the rater first, then report back."), code="transition"
            )
        r.status = RectificationStatus.REPORTED
        r.rectified_at = r.reported_at = now
        r.rectified_by = r.reported_by = actor
        r.measures, r.report = measures, report
        r.save(
            update_fields=[
                "status",
                "rectified_at",
                "rectified_by",
                "measures",
                "reported_at",
                "reported_by",
                "report",
            ]
        )
        audit.record(
            action="evaluations.reported",
            actor=actor,
            obj=r,
            after={"measures": measures, "report": report},
        )
        phone = r.evaluation.rater_phone
        if phone:
            message = _(
                "We have acted on your rating and would welcome your view once more: you may "
                "rate the service again with the same link."
            )
            transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))
    return r


# --- appeals --------------------------------------------------------------------------------------


def file_appeal(
    *,
    evaluation: Evaluation,
    actor: Any,
    ground: str,
    statement: str,
    now: datetime.datetime | None = None,
) -> Appeal:
    """A clerk (of a rating of their own service) or a hall's staff appeal a rating."""
    now = now or timezone.now()
    if ground not in AppealGround.values:
        raise RatingError(_("Choose the ground of the appeal."), code="ground", field="ground")
    statement = _text(statement, "statement", _("State the appeal and its evidence."))
    with transaction.atomic():
        e = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if getattr(actor, "hall_id", None) != e.hall_id:
            raise RatingError(_("This rating belongs to another hall."), code="other_hall")
        if e.excluded:
            raise RatingError(_("This rating is already excluded."), code="excluded")
        if Appeal.objects.filter(evaluation=e, status=AppealStatus.PENDING).exists():
            raise RatingError(_("An appeal against this rating is waiting already."), code="open")
        appeal = Appeal.objects.create(
            evaluation=e, ground=ground, statement=statement, filed_by=actor, filed_at=now
        )
        audit.record(action="evaluations.appealed", actor=actor, obj=e, after={"ground": ground})
    return appeal


def decide_appeal(
    *,
    appeal: Appeal,
    actor: Any,
    upheld: bool,
    decision: str,
    now: datetime.datetime | None = None,
) -> Appeal:
    """The hall manager's recorded decision; only an upheld appeal excludes the rating."""
    now = now or timezone.now()
    decision = _text(decision, "decision", _("Give the reasons for the decision."))
    with transaction.atomic():
        a = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("evaluation")
            .get(pk=appeal.pk)
        )
        e = Evaluation.objects.select_for_update().get(pk=a.evaluation_id)
        if getattr(actor, "hall_id", None) != e.hall_id:
            raise RatingError(_("This rating belongs to another hall."), code="other_hall")
        if a.filed_by_id == getattr(actor, "pk", None):
            raise RatingError(_("An appeal is decided by someone else."), code="own_appeal")
        if a.status != AppealStatus.PENDING:
            raise RatingError(_("This appeal has been decided already."), code="transition")
        before = _snapshot(e)
        a.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        a.decided_by, a.decided_at, a.decision = actor, now, decision
        a.save(update_fields=["status", "decided_by", "decided_at", "decision"])
        if upheld:
            e.excluded = True
            e.save(update_fields=["excluded"])
        audit.record(
            action="evaluations.appeal_decided",
            actor=actor,
            obj=e,
            before=before,
            after={**_snapshot(e), "appeal": a.status, "decision": decision},
        )
    return a
