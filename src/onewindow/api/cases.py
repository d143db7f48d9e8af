"""Cases over the API (/api/v1/cases/): work lists, one case, claim, decision, export.

Staff only (a staff token or the browser session). Who sees what is the pages' rule:
a back-office reviewer sees the cases of their own department, the hall's staff (front desk,
certificate window) the cases of their hall. A case outside the caller's scope is answered
404, never 403, so its existence is not revealed. Claiming and deciding are for reviewers of the
case's department; the rules themselves stay in `cases.services`.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from onewindow.api.auth import ApiError, Caller, caller_has_perm, session_auth, token_auth
from onewindow.api.schemas import CaseListOut, CaseOut, DecisionIn, ErrorOut
from onewindow.cases import queries, services
from onewindow.cases.exchange import case_exchange
from onewindow.cases.models import Case, CasePause, CaseStatus
from onewindow.core.calendar import shared_calendar
from onewindow.core.masking import mask_credit_code, mask_id_number, mask_name

router = Router(tags=["cases"])

AUTH = [token_auth, session_auth]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_PAGE_SIZE = 100
# CaseError codes that mean "your input is wrong" (400) rather than "not in this state" (409).
BAD_INPUT_CODES = {"required", "reason_required", "invalid"}


# Who may see what -------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Caller:
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, Caller)
    if caller.user is None:
        raise ApiError(
            403, _("Cases need a staff token or a signed-in staff member."), code="staff_only"
        )
    return caller


def _department_id(caller: Caller) -> int | None:
    """The caller's department when they review cases; None otherwise."""
    if caller.user.department_id is None:
        return None
    return caller.user.department_id if caller_has_perm(caller, "cases.review_case") else None


def _hall_staff(caller: Caller) -> bool:
    return caller.hall_id is not None and (
        caller_has_perm(caller, "cases.receive_case")
        or caller_has_perm(caller, "cases.deliver_case")
    )


def _no_cases(caller: Caller) -> ApiError:
    if caller_has_perm(caller, "cases.review_case"):
        return ApiError(
            403,
            _(
                "Your account belongs to no department. "
                "Ask the administrator to set your department."
            ),
            code="no_department",
        )
    return ApiError(403, _("You may not see cases."), code="forbidden")


def _scope(caller: Caller) -> Q:
    department_id = _department_id(caller)
    scope = Q(department_id=department_id) if department_id is not None else None
    if _hall_staff(caller):
        hall = Q(hall_id=caller.hall_id)
        scope = hall if scope is None else scope | hall
    if scope is None:
        raise _no_cases(caller)
    return scope


def _case(caller: Caller, number: str) -> Case:
    case = (
        Case.objects.filter(_scope(caller))
        .select_related(
            "item",
            "item_version",
            "department",
            "hall",
            "reviewer",
            "hand_over_line__hand_over",
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise ApiError(404, _("No such case."), code="not_found")
    return case


def _reviewer_case(caller: Caller, number: str) -> Case:
    """A case the caller may act on as a reviewer: 403 for anyone else, 404 for a case of
    another department."""
    if not caller_has_perm(caller, "cases.review_case"):
        raise ApiError(
            403, _("Only back-office reviewers may claim or decide cases."), code="forbidden"
        )
    department_id = caller.user.department_id
    if department_id is None:
        raise _no_cases(caller)
    case = Case.objects.filter(number=number, department_id=department_id).first()
    if case is None:
        raise ApiError(404, _("No such case."), code="not_found")
    return case


def _from_case_error(exc: services.CaseError) -> ApiError:
    if exc.code in BAD_INPUT_CODES:
        return ApiError(400, exc.message, code=exc.code, field=exc.field)
    if exc.code == "other_department":
        return ApiError(404, _("No such case."), code="not_found")
    return ApiError(409, exc.message, code=exc.code, field=exc.field)


# Answers ----------------------------------------------------------------------------------------


def _paper(case: Case) -> dict[str, Any]:
    line = getattr(case, "hand_over_line", None)
    if line is None:
        return {"state": "none"}
    sheet = line.hand_over
    return {
        "state": "received" if sheet.confirmed_at else "on_its_way",
        "sheet": sheet.number,
        "documents": line.documents,
        "handed_over_at": sheet.created_at,
        "received_at": sheet.confirmed_at,
    }


def _row(case: Case, state: Any) -> dict[str, Any]:
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "item_code": case.item.implementation_code,
        "item_name": case.item.name,
        "scenario": case.scenario_name,
        "department": case.department.name,
        "applicant": mask_name(case.applicant_name),
        "channel": case.channel,
        "received_at": case.received_at,
        "accepted_on": case.accepted_on,
        "due_on": case.due_on,
        "light": state.light if state else "none",
        "remaining_days": state.remaining_days if state else None,
        "reviewer": case.reviewer.display_name if case.reviewer_id else None,
        "paper": _paper(case)["state"],
    }


def _detail(case: Case) -> dict[str, Any]:
    pauses = list(CasePause.objects.filter(case=case).order_by("started_on", "id"))
    state = queries.case_clock(case, timezone.localdate(), pauses=pauses)
    events = case.events.select_related("actor").order_by("at", "id")
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "item_code": case.item.implementation_code,
        "item_name": case.item.name,
        "item_version": case.item_version.number,
        "scenario": case.scenario_name,
        "department": case.department.name,
        "hall": case.hall.name,
        "channel": case.channel,
        "applicant_kind": case.applicant_kind,
        "applicant": case.applicant_name,
        "id_number": (
            mask_id_number(case.id_number) if case.id_number else mask_credit_code(case.credit_code)
        ),
        "agent": case.agent_name,
        "received_at": case.received_at,
        "accepted_at": case.accepted_at,
        "accepted_on": case.accepted_on,
        "deemed_accepted": case.deemed_accepted,
        "promised_limit_days": case.promised_limit_days,
        "statutory_limit_days": case.statutory_limit_days,
        "due_on": case.due_on,
        "decided_at": case.decided_at,
        "closed_at": case.closed_at,
        "result_code": case.result_code or None,
        "visits": case.visits,
        "reviewer": case.reviewer.display_name if case.reviewer_id else None,
        "clock": (
            {
                "light": state.light,
                "limit_days": state.limit_days,
                "used_days": state.used_days,
                "remaining_days": state.remaining_days,
                "due_on": state.due_on,
                "paused": state.paused,
            }
            if state
            else None
        ),
        "paper": _paper(case),
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "required": m.required,
                "state": m.state,
                "state_label": str(m.get_state_display()),
                "paper": m.paper,
                "electronic": m.electronic,
                "copies": m.copies,
                "original_verified": m.original_verified,
                "deferred_until": m.deferred_until,
            }
            for m in case.materials.all()
        ],
        "timeline": [
            {
                "action": e.action,
                "label": e.label,
                "at": e.at,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.display_name if e.actor_id else None,
                "power": e.power,
                "note": e.note,
            }
            for e in events
        ],
    }


def _reloaded(caller: Caller, case: Case) -> dict[str, Any]:
    return _detail(_case(caller, case.number))


# Endpoints --------------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: CaseListOut, **ERRORS},
    auth=AUTH,
    summary="My work list",
)
def work_list(
    request: HttpRequest,
    page: int = 1,
    page_size: int = 50,
    status: str = "",
    mine: bool = False,
) -> dict[str, Any]:
    """A reviewer: their department's cases in review (accepted, in review, correction, special
    procedure), the most urgent first by the promised date, paused ones last; `mine=true` keeps
    the caller's own. Hall staff (front desk, certificate window): their hall's cases, newest
    first. `status` narrows either list. `page_size` at most 100."""
    caller = _staff(request)
    if page < 1:
        raise ApiError(400, _("page must be 1 or more."), code="invalid", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(
            400,
            _("page_size must be between 1 and %(n)s.") % {"n": MAX_PAGE_SIZE},
            code="invalid",
            field="page_size",
        )
    if status and status not in CaseStatus.values:
        raise ApiError(400, _("Unknown status."), code="invalid", field="status")
    department_id = _department_id(caller)
    cases: QuerySet[Case]
    if department_id is not None:
        role = "reviewer"
        cases = Case.objects.filter(
            department_id=department_id, status__in=queries.BACK_OFFICE_STATUSES
        ).order_by(F("due_on").asc(nulls_last=True), "accepted_at", "id")
        if mine:
            cases = cases.filter(reviewer=caller.user)
    elif _hall_staff(caller):
        role = "hall"
        cases = Case.objects.filter(hall_id=caller.hall_id).order_by("-received_at", "-id")
    else:
        raise _no_cases(caller)
    if status:
        cases = cases.filter(status=status)
    count = cases.count()
    start = (page - 1) * page_size
    rows = list(
        cases.select_related(
            "item", "department", "reviewer", "hand_over_line__hand_over"
        ).prefetch_related(
            Prefetch("pauses", queryset=CasePause.objects.order_by("started_on", "id"))
        )[start : start + page_size]
    )
    today = timezone.localdate()
    calendar = shared_calendar()
    return {
        "role": role,
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": math.ceil(count / page_size),
        "results": [
            _row(c, queries.case_clock(c, today, pauses=c.pauses.all(), calendar=calendar))
            for c in rows
        ],
    }


@router.get(
    "/{number}",
    response={200: CaseOut, **ERRORS},
    auth=AUTH,
    summary="One case",
)
def case_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    """Status, dates, clock, materials, paper hand-over and timeline. The applicant's ID number
    is masked and the tracking code left out; `/export` has the full record."""
    caller = _staff(request)
    return _detail(_case(caller, number))


@router.post(
    "/{number}/claim",
    response={200: CaseOut, **ERRORS},
    auth=AUTH,
    summary="Take a case for review",
)
def claim(request: HttpRequest, number: str) -> dict[str, Any]:
    """A reviewer of the case's department takes an accepted case (409 in any other state)."""
    caller = _staff(request)
    case = _reviewer_case(caller, number)
    try:
        services.claim_case(case=case, actor=caller.user)
    except services.CaseError as exc:
        raise _from_case_error(exc) from None
    return _reloaded(caller, case)


@router.post(
    "/{number}/decision",
    response={200: CaseOut, **ERRORS},
    auth=AUTH,
    summary="Decide a case",
)
def decision(request: HttpRequest, number: str, payload: DecisionIn) -> dict[str, Any]:
    """准予 (`approve`) or 不予 (`deny`, with `reasons`) for a case in review, once: a case
    already decided is 409 `decided`, a case not in review 409 `transition`."""
    caller = _staff(request)
    case = _reviewer_case(caller, number)
    try:
        services.decide(
            case=case,
            actor=caller.user,
            approve=payload.decision == "approve",
            opinion=payload.opinion,
            reasons=payload.reasons,
        )
    except services.CaseError as exc:
        raise _from_case_error(exc) from None
    return _reloaded(caller, case)


@router.get(
    "/{number}/export",
    response={200: dict[str, Any], **ERRORS},
    auth=AUTH,
    summary="National exchange fields",
)
def export(request: HttpRequest, number: str) -> dict[str, Any]:
    """The case in the provincial exchange fields (DOMAIN-RULES §3), as `export_case` prints it;
    unmasked, for staff who may see the case."""
    caller = _staff(request)
    return case_exchange(_case(caller, number))
