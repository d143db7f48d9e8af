"""Every change to a case: one transaction, the case row locked, one `CaseEvent` written.

Intake at a comprehensive window follows 行政许可法 Art. 32: the clerk checks the materials of
the applicant's scenario against the review points and then either tells the applicant, once and
in writing, everything that is missing (one-time notice), refuses with the reason and where to go
instead, or accepts with a case number, a promised date and a tracking code. Each action needs
the delegated power it stands for (DOMAIN-RULES §1); without it the action is refused with the
place the applicant must go to, and the power used is recorded on the event.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.cases import clock, queries, uploads
from onewindow.cases.models import (
    FINAL_STATUSES,
    INTAKE_STATUSES,
    ApplicantKind,
    Case,
    CaseCounter,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CaseNotice,
    CasePause,
    CaseResult,
    CaseStatus,
    Channel,
    Delivery,
    DeliveryMode,
    HandOver,
    HandOverCase,
    IdType,
    MaterialState,
    NoticeKind,
    PauseKind,
    ResultCode,
)
from onewindow.catalog import delegations
from onewindow.catalog.models import ItemVersion, Power, ServiceItem
from onewindow.core import validators
from onewindow.core.calendar import shared_calendar
from onewindow.tickets import sms


class CaseError(Exception):
    """A case action that cannot be done; `message` is for the clerk, `field` names the input."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.material: str | None = None  # the material at fault, in a check of several


POWER_ACTIONS = {
    Power.RECEIVE: gettext_lazy("receive applications"),
    Power.VERIFY_ORIGINAL: gettext_lazy("verify originals"),
    Power.ONE_TIME_NOTICE: gettext_lazy("issue the one-time notice"),
    Power.ACCOUNT_USE: gettext_lazy("use the department's system account"),
    Power.DELIVER_RESULT: gettext_lazy("deliver results"),
}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


# --- delegation ---------------------------------------------------------------------------------


def delegated_powers(item: ServiceItem, day: datetime.date) -> frozenset[str]:
    """The powers the comprehensive windows hold for this item on `day` (signed, valid)."""
    return delegations.delegated_powers(item.pk, day)


def where_to_go(item: ServiceItem) -> str:
    """Where an applicant goes for what the comprehensive window may not do for this item."""
    department = item.department
    place = department.window_location or _("the department's own window")
    return _("%(department)s, %(place)s") % {"department": department.name, "place": place}


def _not_delegated(item: ServiceItem, power: str) -> str:
    return _(
        "%(department)s has not authorised the comprehensive window to %(action)s for this "
        "item. Please send the applicant to %(place)s."
    ) % {
        "department": item.department.name,
        "action": POWER_ACTIONS[Power(power)],
        "place": where_to_go(item),
    }


def require_power(item: ServiceItem, power: str, day: datetime.date) -> None:
    """Raise CaseError unless the department delegated `power` for this item on `day`."""
    require_powers(item, (power,), day)


def require_powers(item: ServiceItem, powers: tuple[str, ...], day: datetime.date) -> None:
    """Raise CaseError for the first of `powers` not delegated for this item on `day`."""
    held = delegated_powers(item, day)
    for power in powers:
        if power not in held:
            raise CaseError(_not_delegated(item, power), code="not_delegated")


def missing_powers(item: ServiceItem, day: datetime.date) -> dict[str, str]:
    """Each power the window lacks for this item today, with what to tell the applicant (for
    pages that leave out the actions needing it)."""
    held = delegated_powers(item, day)
    return {str(p): _not_delegated(item, p) for p in Power.values if p not in held}


# --- applicant -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """Who applies, as entered at the window or online (validated by `clean_applicant`)."""

    kind: str
    name: str
    phone: str
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    address: str = ""
    agent_name: str = ""
    agent_id_number: str = ""
    agent_phone: str = ""


def _validated(check: Callable[[str], None], value: str, field: str) -> None:
    try:
        check(value)
    except Exception as exc:  # django ValidationError: its message is already translated
        messages = getattr(exc, "messages", None) or [str(exc)]
        raise CaseError(str(messages[0]), code="invalid", field=field) from None


def clean_applicant(data: Applicant) -> Applicant:
    """Normalise and check the applicant's data; CaseError names the first bad field."""
    name = data.name.strip()
    if not name:
        raise CaseError(_("The applicant's name is required."), code="required", field="name")
    if data.kind not in ApplicantKind.values:
        raise CaseError(_("Choose the applicant type."), code="invalid", field="kind")
    phone = validators.normalize_mobile(data.phone)
    _validated(validators.validate_mobile, phone, "phone")
    id_number, credit_code = "", ""
    id_type = data.id_type or IdType.RESIDENT_ID
    if data.kind == ApplicantKind.PERSON:
        if id_type not in IdType.values:
            raise CaseError(_("Choose the ID type."), code="invalid", field="id_type")
        if id_type == IdType.RESIDENT_ID:
            id_number = validators.normalize_id_number(data.id_number)
            _validated(validators.validate_id_number, id_number, "id_number")
        else:
            id_number = data.id_number.strip().upper()
            if not id_number:
                raise CaseError(_("The ID number is required."), code="required", field="id_number")
    else:
        id_type = ""
        credit_code = validators.normalize_credit_code(data.credit_code)
        _validated(validators.validate_credit_code, credit_code, "credit_code")
        if not data.legal_representative.strip():
            raise CaseError(
                _("The legal representative is required."),
                code="required",
                field="legal_representative",
            )
    agent_id, agent_phone = "", ""
    if data.agent_name.strip():
        agent_id = validators.normalize_id_number(data.agent_id_number)
        _validated(validators.validate_id_number, agent_id, "agent_id_number")
        if data.agent_phone.strip():
            agent_phone = validators.normalize_mobile(data.agent_phone)
            _validated(validators.validate_mobile, agent_phone, "agent_phone")
    elif data.kind == ApplicantKind.ORGANISATION:
        raise CaseError(
            _("An organisation applies through an agent with a letter of authorisation."),
            code="required",
            field="agent_name",
        )
    return Applicant(
        kind=data.kind,
        name=name,
        phone=phone,
        id_type=id_type,
        id_number=id_number,
        credit_code=credit_code,
        legal_representative=data.legal_representative.strip(),
        address=data.address.strip(),
        agent_name=data.agent_name.strip(),
        agent_id_number=agent_id,
        agent_phone=agent_phone,
    )


# --- helpers ------------------------------------------------------------------------------------


def _next_case_number(day: datetime.date) -> str:
    """The day's next case number, e.g. 2026112800001.

    One statement counts and reads (PostgreSQL and SQLite both upsert with RETURNING): the
    counter row stays locked until the case's transaction commits, so numbers are never given
    twice and a rolled-back intake gives its number back.
    """
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last_number) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [day],
        )
        (number,) = cursor.fetchone()
    return f"{day:%Y%m%d}{number:05d}"


# What services read beside the case row; a case never changes them once opened.
_LOCK_RELATED = {"item": "item__department", "department": "department", "hall": "hall"}


def _lock(case: Case) -> Case:
    """The case row afresh, locked until commit, with its item, department and hall.

    Those already loaded on `case` are reused rather than joined again: joining them made the
    lock the costliest query of every service (about 110 columns to build and read), and a
    lifecycle locks its case a dozen times. The usual case — all three loaded — runs one
    statement compiled once per database vendor (compiling its 40 columns cost more than
    running it).
    """
    loaded = {name for name in _LOCK_RELATED if Case._meta.get_field(name).is_cached(case)}
    if joins := [path for name, path in _LOCK_RELATED.items() if name not in loaded]:
        # (select_related with no names would join every relation)
        query = Case.objects.select_for_update(of=("self",)).select_related(*joins)
        locked = query.get(pk=case.pk)
    else:
        rows = list(Case.objects.raw(_lock_sql(), [case.pk]))
        if not rows:
            raise Case.DoesNotExist
        locked = rows[0]
    for name in loaded:
        setattr(locked, name, getattr(case, name))
    return locked


_lock_statements: dict[str, str] = {}


def _lock_sql() -> str:
    """SELECT the case's own columns by id FOR UPDATE (of the case row only), as this
    connection's database spells it. Call inside the transaction (the ORM checks that)."""
    sql = _lock_statements.get(connection.vendor)
    if sql is None:
        query = Case.objects.select_for_update(of=("self",)).filter(pk=0).order_by()
        sql, _params = query.query.sql_with_params()
        _lock_statements[connection.vendor] = sql
    return sql


def _event(
    case: Case,
    action: str,
    *,
    actor: Any,
    at: datetime.datetime,
    from_status: str = "",
    power: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to the case's history.

    Every service writes one, so it is a plain INSERT prepared once per database vendor (the
    ORM's create() compiles the statement and reads back the id on each call); each value goes
    through its field's own conversion, as the ORM's would, and no signals are sent for events.
    """
    event = CaseEvent(
        case=case,
        action=action,
        from_status=from_status,
        to_status=case.status,
        at=at,
        actor=_user(actor),
        power=power,
        note=note,
        data=data or {},
    )
    _insert_events([event])


def _insert_events(events: Sequence[CaseEvent]) -> None:
    _insert(CaseEvent, events)


_insert_statements: dict[tuple[str, type], tuple[str, list[Any]]] = {}


def _insert(model: type, objs: Sequence[Any]) -> None:
    """INSERT new rows whose ids nobody reads back (events, a new case's materials).

    Like `_update`: the statement is built once per model, each value goes through its
    field's own conversion (defaults and auto fields included, as the ORM's would), several
    rows go together, and no model signals are sent.
    """
    key = (connection.vendor, model)
    found = _insert_statements.get(key)
    if found is None:
        columns = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in columns),
            ", ".join(["%s"] * len(columns)),
        )
        found = _insert_statements[key] = (sql, columns)
    sql, columns = found
    rows = [
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in columns] for obj in objs
    ]
    if not rows:
        return
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)


def _move(case: Case, status: str) -> str:
    """Check and set a change of status; returns the old one."""
    if not case.may_become(status):
        raise CaseError(
            _("A case that is “%(now)s” cannot become “%(then)s”.")
            % {"now": case.get_status_display(), "then": CaseStatus(status).label},
            code="transition",
        )
    old, case.status = case.status, status
    return old


def _refresh_due(case: Case) -> None:
    """Store the promised date as the clock now stands (None while paused) on the case."""
    case.due_on = (
        clock.due_date(
            started_on=case.accepted_on,
            limit_days=case.promised_limit_days,
            pauses=queries.as_clock_pauses(
                CasePause.objects.filter(case=case).order_by("started_on", "id")
            ),
        )
        if case.accepted_on
        else None
    )
    _update(Case, [case], ["due_on"])


def _pinned_version(item: ServiceItem, actor: Any) -> ItemVersion:
    version = item.versions.order_by("-number").first()
    if version is None:  # items imported before versions existed: freeze the current content
        from onewindow.catalog.services import record_item_version

        version = record_item_version(item=item, actor=actor, note="pinned by a case")
        if version is None:  # another intake froze the same content a moment ago
            version = item.versions.order_by("-number").first()
        if version is None:
            raise CaseError(
                _("The item's guide could not be frozen for this case. Please try again."),
                code="version",
            )
    return version


def _notify(phone: str, message: str) -> None:
    transaction.on_commit(lambda: sms.send_sms(phone=phone, message=message))


def _notice_number(case: Case, kind: str) -> str:
    prefix = {"one_time": "GZ", "refusal": "BSL", "acceptance": "SL"}[kind]
    if kind == NoticeKind.ACCEPTANCE:  # a case is accepted once (the number is unique)
        return f"{prefix}{case.number}-1"
    count = CaseNotice.objects.filter(case=case, kind=kind).count()
    return f"{prefix}{case.number}-{count + 1}"


# --- intake -------------------------------------------------------------------------------------


def start_intake(
    *,
    hall: Any,
    item: ServiceItem,
    scenario_code: str,
    applicant: Applicant,
    actor: Any,
    channel: str = Channel.WINDOW,
    ticket: Any = None,
    now: datetime.datetime | None = None,
    submission_token: str = "",
) -> Case:
    """Open a case for an application received at a window (or submitted online).

    The item must be in the one-window list and its department must have delegated the power
    to receive it; the case pins the item's current version and lists that scenario's materials.
    """
    now = now or timezone.now()
    day = _local_day(now)
    if not item.one_window or item.confidential:
        raise CaseError(
            _(
                "This item is not handled at the comprehensive windows. Please send the applicant "
                "to %(place)s."
            )
            % {"place": where_to_go(item)},
            code="not_one_window",
            field="item",
        )
    require_power(item, Power.RECEIVE, day)
    applicant = clean_applicant(applicant)
    with transaction.atomic():
        version = _pinned_version(item, actor)
        scenarios = version.snapshot.get("scenarios", [])
        scenario = next((s for s in scenarios if s.get("code") == scenario_code), None)
        if scenario is None:
            raise CaseError(
                _("Choose the applicant's scenario."), code="scenario", field="scenario"
            )
        limit = scenario.get("promised_limit_days") or item.promised_limit_days or 0
        case = Case(
            number=_next_case_number(day),
            tracking_code=f"{secrets.randbelow(10**6):06d}",
            hall=hall,
            item=item,
            item_version=version,
            department_id=item.department_id,
            scenario_code=scenario_code,
            scenario_name=scenario.get("name", ""),
            channel=channel,
            ticket=ticket,
            status=CaseStatus.RECEIVED if channel == Channel.WINDOW else CaseStatus.PRE_REVIEW,
            applicant_kind=applicant.kind,
            applicant_name=applicant.name,
            id_type=applicant.id_type,
            id_number=applicant.id_number,
            credit_code=applicant.credit_code,
            legal_representative=applicant.legal_representative,
            phone=applicant.phone,
            address=applicant.address,
            agent_name=applicant.agent_name,
            agent_id_number=applicant.agent_id_number,
            agent_phone=applicant.agent_phone,
            promised_limit_days=limit,
            statutory_limit_days=item.statutory_limit_days,
            correction_restarts=item.correction_clock == "restart",
            received_at=now,
            visits=1 if channel == Channel.WINDOW else 0,
            submission_token=submission_token,
            received_by=_user(actor),
        )
        case.save()
        if ServiceItem.department.is_cached(item):  # then later locks need not join it again
            case.department = item.department
        _insert(
            CaseMaterial,
            [
                CaseMaterial(
                    case=case,
                    code=m.get("code", ""),
                    name=m.get("name", ""),
                    required=bool(m.get("required", True)),
                    may_defer=bool(m.get("may_defer", False)),
                    originals_needed=int(m.get("originals") or 0),
                    copies_needed=int(m.get("copies") or 0),
                    sort_order=i,
                )
                for i, m in enumerate(scenario.get("materials", []))
            ],
        )
        _event(
            case,
            "case.received",
            actor=actor,
            at=now,
            power=Power.RECEIVE,
            data={"item_version": version.number, "channel": channel},
        )
    return case


@dataclass(frozen=True)
class MaterialCheck:
    """What the clerk found for one material."""

    state: str
    paper: bool = False
    electronic: bool = False
    copies: int = 0
    original_verified: bool = False
    deferred_until: datetime.date | None = None
    reason: str = ""


def check_material(
    *,
    case: Case,
    code: str,
    check: MaterialCheck,
    actor: Any,
    now: datetime.datetime | None = None,
) -> CaseMaterial:
    """Record the check of one material; verifying an original needs 原件核验权."""
    return check_materials(case=case, checks={code: check}, actor=actor, now=now)[0]


def check_materials(
    *,
    case: Case,
    checks: Mapping[str, MaterialCheck],
    actor: Any,
    now: datetime.datetime | None = None,
) -> list[CaseMaterial]:
    """Record the checks of several materials at once (one row saved, or 全部收齐).

    All or nothing: the first check that cannot be recorded raises a CaseError naming its
    material (`material`), and none is saved. One event per material whose check is recorded.
    """
    now = now or timezone.now()
    if not checks:
        raise CaseError(_("No such material in this case."), code="not_found", field="code")
    with transaction.atomic():
        case = _lock(case)
        if case.status not in (CaseStatus.RECEIVED, CaseStatus.PRE_REVIEW):
            raise CaseError(
                _("Materials can only be checked while the application is being received."),
                code="transition",
            )
        found = {
            m.code: m
            for m in CaseMaterial.objects.select_for_update().filter(
                case=case, code__in=list(checks)
            )
        }
        day = _local_day(now)
        materials: list[CaseMaterial] = []
        events: list[CaseEvent] = []
        verifies = False
        for code, check in checks.items():
            material = found.get(code)
            if material is None:
                raise CaseError(_("No such material in this case."), code="not_found", field="code")
            try:
                before, verifying = _apply_check(case, material, check, actor=actor, day=day)
            except CaseError as error:
                error.material = code
                raise
            verifies = verifies or verifying
            materials.append(material)
            events.append(
                CaseEvent(
                    case=case,
                    action="case.material.checked",
                    from_status=case.status,
                    to_status=case.status,
                    at=now,
                    actor=_user(actor),
                    power=Power.VERIFY_ORIGINAL if verifying else "",
                    data={"material": material.code, "from": before, "to": material.state},
                )
            )
        if verifies:
            require_power(case.item, Power.VERIFY_ORIGINAL, day)
        _save_checks(materials)
        _insert_events(events)
    return materials


_CHECKED_FIELDS = [
    "state",
    "paper",
    "electronic",
    "copies",
    "original_verified",
    "verified_by",
    "deferred_until",
    "reason",
]


def _save_checks(materials: list[CaseMaterial]) -> None:
    _update(CaseMaterial, materials, _CHECKED_FIELDS)


_update_statements: dict[tuple[str, type, tuple[str, ...]], tuple[str, list[Any]]] = {}


def _update(model: type, rows: Sequence[Any], fields: Sequence[str]) -> None:
    """UPDATE these fields of rows the service has locked, by primary key.

    The hot path's replacement for save(update_fields=...) and bulk_update: the statement is
    built once per model and set of fields (the ORM compiles it on every call, and bulk_update's
    CASE expressions cost more than the rows), each value goes through its field's own
    conversion as the ORM's would, several rows go together (executemany: one round trip with
    psycopg's pipeline). No model signals are sent: nothing listens to these models' saves
    (`test_service_costs` keeps that true).
    """
    key = (connection.vendor, model, tuple(fields))
    found = _update_statements.get(key)
    if found is None:
        columns = [model._meta.get_field(name) for name in fields]
        quote = connection.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(model._meta.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in columns),
            quote(model._meta.pk.column),
        )
        found = _update_statements[key] = (sql, columns)
    sql, columns = found
    values = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if len(values) == 1:
            cursor.execute(sql, values[0])
        else:
            cursor.executemany(sql, values)


def _apply_check(
    case: Case, material: CaseMaterial, check: MaterialCheck, *, actor: Any, day: datetime.date
) -> tuple[str, bool]:
    """Validate one check and set it on `material` (unsaved). Returns the state before and
    whether this check verifies an original (which needs 原件核验权)."""
    if check.state not in MaterialState.values:
        raise CaseError(_("Choose what was found."), code="invalid", field="state")
    original_verified = check.original_verified
    if case.channel == Channel.ONLINE:
        # Pre-review sees scans only; originals are seen at the window (`verify_originals`,
        # which counts the visit), and a later check keeps that verification.
        if original_verified and not material.original_verified:
            raise CaseError(
                _(
                    "Originals of an online application are verified when the applicant "
                    "brings them to the window."
                ),
                code="online_original",
                field="original_verified",
            )
        original_verified = material.original_verified
    verifying = original_verified and not material.original_verified
    reason = check.reason.strip()[:300]
    if check.state in (MaterialState.MISSING, MaterialState.WRONG) and not reason:
        if check.state == MaterialState.WRONG:
            raise CaseError(
                _("Say what has to be corrected."), code="reason_required", field="reason"
            )
        reason = _("Not provided.")
    if check.state == MaterialState.DEFERRED:
        if not material.may_defer:
            raise CaseError(
                _("This material may not be supplied later."), code="no_defer", field="state"
            )
        if check.deferred_until is None or check.deferred_until < day:
            raise CaseError(
                _("Give the date by which it will be supplied."),
                code="required",
                field="deferred_until",
            )
    if check.state == MaterialState.NOT_NEEDED and material.required:
        raise CaseError(
            _("A required material cannot be marked as not needed."),
            code="required",
            field="state",
        )
    before = material.state
    material.state = check.state
    material.paper = check.paper
    material.electronic = check.electronic
    material.copies = max(0, check.copies)
    if original_verified != material.original_verified:
        material.verified_by = _user(actor) if original_verified else None
    material.original_verified = original_verified
    material.deferred_until = (
        check.deferred_until if check.state == MaterialState.DEFERRED else None
    )
    material.reason = reason if check.state != MaterialState.RECEIVED else ""
    return before, verifying


def remaining_as_received(case: Case, *, may_verify: bool) -> dict[str, MaterialCheck]:
    """全部收齐: a check for every material not yet checked (still missing without a reason),
    as received with the copies asked for — on paper at a window, as scans online — and, at a
    window that may verify originals, the originals seen. For the clerk to confirm in one go."""
    online = case.channel == Channel.ONLINE
    return {
        m.code: MaterialCheck(
            state=MaterialState.RECEIVED,
            paper=not online,
            electronic=online,
            copies=m.copies_needed,
            original_verified=may_verify and not online and m.originals_needed > 0,
        )
        for m in case.materials.all()
        if m.is_unchecked
    }


def give_one_time_notice(
    *, case: Case, actor: Any, note: str = "", now: datetime.datetime | None = None
) -> CaseNotice:
    """一次性告知: everything missing or wrong, numbered, in one notice (needs 一次性告知权)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        require_power(case.item, Power.ONE_TIME_NOTICE, _local_day(now))
        lacking = [m for m in case.materials.all() if not m.is_satisfied]
        if not lacking:
            raise CaseError(
                _("Nothing is missing: accept the application instead."), code="complete"
            )
        calendar = shared_calendar()
        received_on = _local_day(case.received_at)
        deadline = clock.notice_deadline(received_on, calendar=calendar)
        if _local_day(now) > deadline:
            raise CaseError(
                _(
                    "The 5 working days for a one-time notice ended on %(date)s: by law the "
                    "application counts as accepted on the day it was received. Accept it."
                )
                % {"date": deadline.isoformat()},
                code="notice_late",
            )
        old = _move(case, CaseStatus.NOTICE_GIVEN)
        case.notice_given_at = now
        _update(Case, [case], ["status", "notice_given_at"])
        notice = CaseNotice.objects.create(
            case=case,
            kind=NoticeKind.ONE_TIME,
            number=_notice_number(case, NoticeKind.ONE_TIME),
            issued_at=now,
            issued_by=_user(actor),
            content={
                "items": [
                    {
                        "n": i,
                        "material": m.name,
                        "state": m.state,
                        "reason": m.reason or str(MaterialState(m.state).label),
                    }
                    for i, m in enumerate(lacking, start=1)
                ],
                "note": note.strip()[:500],
                "item": case.item.name,
                "scenario": case.scenario_name,
            },
        )
        _event(
            case,
            "case.notice.given",
            actor=actor,
            at=now,
            from_status=old,
            power=Power.ONE_TIME_NOTICE,
            data={"notice": notice.number, "materials": [m.code for m in lacking]},
        )
        _notify(
            case.phone,
            (
                _(
                    "Your online application %(number)s needs %(n)s more material(s); upload "
                    "them on the case tracking page, no visit needed."
                )
                if case.channel == Channel.ONLINE
                else _("Your application %(number)s needs %(n)s more material(s); see the notice.")
            )
            % {"number": case.number, "n": len(lacking)},
        )
    return notice


def resume_intake(*, case: Case, actor: Any, now: datetime.datetime | None = None) -> Case:
    """The applicant is back with the materials: receiving continues (one more visit)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        require_power(case.item, Power.RECEIVE, _local_day(now))
        target = CaseStatus.RECEIVED if case.channel == Channel.WINDOW else CaseStatus.PRE_REVIEW
        old = _move(case, target)
        fields = ["status"]
        if case.channel == Channel.WINDOW:
            case.visits += 1
            fields.append("visits")
        _update(Case, [case], fields)
        _event(case, "case.resumed", actor=actor, at=now, from_status=old, power=Power.RECEIVE)
    return case


def refuse_case(
    *,
    case: Case,
    actor: Any,
    reason: str,
    go_to: str = "",
    now: datetime.datetime | None = None,
) -> CaseNotice:
    """不予受理: in writing, with the reason and (outside this authority) where to apply."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise CaseError(
            _("Give the reason for not accepting."), code="reason_required", field="reason"
        )
    with transaction.atomic():
        case = _lock(case)
        require_power(case.item, Power.RECEIVE, _local_day(now))
        old = _move(case, CaseStatus.REFUSED)
        case.closed_at = now
        case.result_code = "1"  # 退回办结
        _update(Case, [case], ["status", "closed_at", "result_code"])
        notice = CaseNotice.objects.create(
            case=case,
            kind=NoticeKind.REFUSAL,
            number=_notice_number(case, NoticeKind.REFUSAL),
            issued_at=now,
            issued_by=_user(actor),
            content={"reason": reason[:1000], "go_to": go_to.strip()[:300], "item": case.item.name},
        )
        _event(
            case,
            "case.refused",
            actor=actor,
            at=now,
            from_status=old,
            power=Power.RECEIVE,
            note=reason[:1000],
        )
    return notice


def withdraw_case(
    *,
    case: Case,
    actor: Any,
    reason: str,
    lapsed: bool = False,
    now: datetime.datetime | None = None,
) -> Case:
    """撤回: the applicant withdraws before acceptance or while a correction is outstanding, or
    (`lapsed`) the correction never came. Closes the case as 退回办结 (1) or 补正不来办结 (5)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise CaseError(
            _("Record why the case is withdrawn."), code="reason_required", field="reason"
        )
    with transaction.atomic():
        case = _lock(case)
        if lapsed and case.status != CaseStatus.CORRECTION:
            raise CaseError(
                _("Only a case waiting for a correction can lapse."),
                code="transition",
                field="lapsed",
            )
        require_power(case.item, Power.RECEIVE, _local_day(now))
        old = _move(case, CaseStatus.WITHDRAWN)
        case.closed_at = now
        case.result_code = ResultCode.CORRECTION_NOT_SUPPLIED if lapsed else ResultCode.RETURNED
        case.due_on = None
        _update(Case, [case], ["status", "closed_at", "result_code", "due_on"])
        pause = _open_pause(case)
        if pause is not None:
            pause.ended_on = max(_local_day(now), pause.started_on)
            pause.save(update_fields=["ended_on"])
        _event(
            case,
            "case.withdrawn",
            actor=actor,
            at=now,
            from_status=old,
            power=Power.RECEIVE,
            note=reason[:1000],
            data={"lapsed": lapsed},
        )
    return case


def accept_case(*, case: Case, actor: Any, now: datetime.datetime | None = None) -> CaseNotice:
    """受理: every material received (or promised under 容缺), a promised date, a receipt."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        day = _local_day(now)
        # Acceptance enters the case in the department's system under its account (账号使用权).
        require_powers(case.item, (Power.RECEIVE, Power.ACCOUNT_USE), day)
        if not case.may_become(CaseStatus.ACCEPTED):
            _move(case, CaseStatus.ACCEPTED)  # raises with the reason
        prefetch_related_objects([case], "materials")  # read once for the checks and the receipt
        lacking = [m for m in case.materials.all() if not m.is_satisfied]
        if lacking:
            raise CaseError(
                _("Still missing: %(names)s. Give a one-time notice instead.")
                % {"names": "、".join(m.name for m in lacking)},
                code="incomplete",
            )
        old = _move(case, CaseStatus.ACCEPTED)
        calendar = shared_calendar()
        received_on = _local_day(case.received_at)
        late = case.notice_given_at is None and day > clock.notice_deadline(
            received_on, calendar=calendar
        )
        case.deemed_accepted = late
        case.accepted_at = now
        case.accepted_on = received_on if late else day
        due = clock.due_date(
            started_on=case.accepted_on,
            limit_days=case.promised_limit_days,
            pauses=[],
            calendar=calendar,
        )
        case.due_on = due
        _update(Case, [case], ["status", "accepted_at", "accepted_on", "deemed_accepted", "due_on"])
        originals = [m.name for m in originals_to_see(case)]
        notice = CaseNotice.objects.create(
            case=case,
            kind=NoticeKind.ACCEPTANCE,
            number=_notice_number(case, NoticeKind.ACCEPTANCE),
            issued_at=now,
            issued_by=_user(actor),
            content={
                "item": case.item.name,
                "scenario": case.scenario_name,
                "accepted_on": case.accepted_on.isoformat(),
                "promised_limit_days": case.promised_limit_days,
                "due_on": due.isoformat() if due else None,
                "tracking_code": case.tracking_code,
                "materials": [
                    {"material": m.name, "state": m.state, "copies": m.copies}
                    for m in case.materials.all()
                ],
                "originals_visit": originals,
            },
        )
        _event(
            case,
            "case.accepted",
            actor=actor,
            at=now,
            from_status=old,
            power=Power.ACCOUNT_USE,
            data={
                "due_on": due.isoformat() if due else None,
                "deemed": late,
                "originals_visit": originals,
            },
        )
        message = _(
            "Application %(number)s is accepted; it is due by %(date)s. Tracking code %(code)s."
        ) % {
            "number": case.number,
            "date": due.isoformat() if due else "",
            "code": case.tracking_code,
        }
        if originals:
            message += _(" Please bring the originals to the hall once: %(names)s.") % {
                "names": "、".join(originals)
            }
        _notify(case.phone, message)
    return notice


# --- back office ---------------------------------------------------------------------------------


def _check_reviewer(case: Case, actor: Any) -> None:
    """Only a reviewer of the case's own department may act on it in the back office."""
    department_id = getattr(actor, "department_id", None)
    if department_id is None or department_id != case.department_id:
        raise CaseError(
            _("Only reviewers of %(department)s may handle this case.")
            % {"department": case.department.name},
            code="other_department",
        )


def _open_pause(case: Case) -> CasePause | None:
    return CasePause.objects.filter(case=case, ended_on__isnull=True).first()


def claim_case(*, case: Case, actor: Any, now: datetime.datetime | None = None) -> Case:
    """A reviewer of the department takes an accepted case into review (电子材料即时流转)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        old = _move(case, CaseStatus.IN_REVIEW)
        case.reviewer = _user(actor)
        _update(Case, [case], ["status", "reviewer"])
        _event(case, "case.claimed", actor=actor, at=now, from_status=old)
    return case


def _colleague(case: Case, user: Any, field: str) -> Any:
    """A reviewer of the case's department (someone to assign to, or an approver)."""
    user = _user(user)
    if (
        user is None
        or not user.is_active
        or user.department_id != case.department_id
        or not user.has_perm("cases.review_case")
    ):
        raise CaseError(
            _("Choose a reviewer of %(department)s.") % {"department": case.department.name},
            code="invalid",
            field=field,
        )
    return user


def assign_case(
    *, case: Case, actor: Any, reviewer: Any, now: datetime.datetime | None = None
) -> Case:
    """Give an accepted or in-review case to a reviewer of the department (分办 / 改派)."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        reviewer = _colleague(case, reviewer, "reviewer")
        old = case.status
        if case.status == CaseStatus.ACCEPTED:
            _move(case, CaseStatus.IN_REVIEW)
        elif case.status not in (CaseStatus.IN_REVIEW, CaseStatus.CORRECTION, CaseStatus.SPECIAL):
            raise CaseError(
                _("A case that is “%(now)s” cannot be assigned.")
                % {"now": case.get_status_display()},
                code="transition",
            )
        if case.reviewer_id == reviewer.pk:
            raise CaseError(
                _("%(name)s already handles this case.") % {"name": reviewer.display_name},
                code="same",
                field="reviewer",
            )
        previous = case.reviewer.display_name if case.reviewer_id else ""
        case.reviewer = reviewer
        _update(Case, [case], ["status", "reviewer"])
        _event(
            case,
            "case.assigned",
            actor=actor,
            at=now,
            from_status=old,
            note=reviewer.display_name,
            data={"reviewer": reviewer.display_name, "previous": previous},
        )
    return case


MAX_EXTENSION_DAYS = 10  # 行政许可法 Art. 42: once, by up to ten days, approved by the head


def extend_deadline(
    *,
    case: Case,
    actor: Any,
    days: int,
    reason: str,
    approver: Any,
    now: datetime.datetime | None = None,
) -> Case:
    """延期 (Art. 42): the time limit grows once by up to 10 working days with the approval of the
    authority's head, and the applicant is told why."""
    now = now or timezone.now()
    reason = reason.strip()
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise CaseError(
            _("An extension is 1 to %(max)s working days.") % {"max": MAX_EXTENSION_DAYS},
            code="invalid",
            field="days",
        )
    if not reason:
        raise CaseError(
            _("Give the reason the applicant will be told."),
            code="reason_required",
            field="reason",
        )
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        if case.status not in (CaseStatus.IN_REVIEW, CaseStatus.CORRECTION, CaseStatus.SPECIAL):
            raise CaseError(
                _("A case that is “%(now)s” cannot be extended.")
                % {"now": case.get_status_display()},
                code="transition",
            )
        approver = _colleague(case, approver, "approver")
        if approver.pk == _user(actor).pk:
            raise CaseError(
                _("The extension must be approved by someone else (the authority's head)."),
                code="invalid",
                field="approver",
            )
        if case.events.filter(action="case.extended").exists():
            raise CaseError(
                _("This case has already been extended once."), code="extended", field="days"
            )
        before = (case.promised_limit_days, case.statutory_limit_days)
        case.promised_limit_days += days
        if case.statutory_limit_days is not None:
            case.statutory_limit_days += days
        _update(Case, [case], ["promised_limit_days", "statutory_limit_days"])
        _refresh_due(case)
        _event(
            case,
            "case.extended",
            actor=actor,
            at=now,
            from_status=case.status,
            note=reason[:1000],
            data={
                "days": days,
                "approver": approver.display_name,
                "promised_limit_days": [before[0], case.promised_limit_days],
                "statutory_limit_days": [before[1], case.statutory_limit_days],
                "due_on": case.due_on.isoformat() if case.due_on else None,
            },
        )
        _notify(
            case.phone,
            _(
                "The time limit of application %(number)s is extended by %(days)s working days: "
                "%(reason)s"
            )
            % {"number": case.number, "days": days, "reason": reason[:200]},
        )
    return case


def request_correction(
    *, case: Case, actor: Any, items: list[str], now: datetime.datetime | None = None
) -> CasePause:
    """补齐补正: the list goes back through the front desk; the clock stops until supplemented."""
    now = now or timezone.now()
    items = [i.strip()[:300] for i in items if i and i.strip()]
    if not items:
        raise CaseError(
            _("List what the applicant has to supplement."), code="required", field="items"
        )
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        old = _move(case, CaseStatus.CORRECTION)
        _update(Case, [case], ["status"])
        pause = CasePause.objects.create(
            case=case,
            kind=PauseKind.CORRECTION,
            reason="；".join(items)[:300],
            started_on=_local_day(now),
            restart=case.correction_restarts,
            approved_by=_user(actor),
        )
        _refresh_due(case)
        _event(
            case,
            "case.correction.requested",
            actor=actor,
            at=now,
            from_status=old,
            data={"items": items},
        )
        _notify(
            case.phone,
            _("Application %(number)s needs correction: %(items)s")
            % {"number": case.number, "items": "；".join(items)},
        )
    return pause


def supplement(*, case: Case, actor: Any, now: datetime.datetime | None = None) -> Case:
    """The applicant supplied the correction (at the front desk): review and the clock go on."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.CORRECTION:
            _move(case, CaseStatus.IN_REVIEW)  # raises with the reason
        require_power(case.item, Power.RECEIVE, _local_day(now))
        old = _move(case, CaseStatus.IN_REVIEW)
        fields = ["status"]
        if case.channel == Channel.WINDOW:
            case.visits += 1
            fields.append("visits")
        _update(Case, [case], fields)
        pause = _open_pause(case)
        if pause is not None:
            pause.ended_on = max(_local_day(now), pause.started_on)
            pause.save(update_fields=["ended_on"])
        _refresh_due(case)
        _event(case, "case.supplemented", actor=actor, at=now, from_status=old, power=Power.RECEIVE)
    return case


def start_special_procedure(
    *,
    case: Case,
    actor: Any,
    procedure: str,
    reason: str,
    approver: Any,
    now: datetime.datetime | None = None,
) -> CasePause:
    """特别程序 (Art. 45: hearing, testing, expert review, site inspection …) stops the clock."""
    now = now or timezone.now()
    if not procedure.strip():
        raise CaseError(_("Name the procedure."), code="required", field="procedure")
    if not reason.strip():
        raise CaseError(_("Give the reason."), code="reason_required", field="reason")
    if _user(approver) is None:
        raise CaseError(
            _("A special procedure needs an approver."), code="required", field="approver"
        )
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        old = _move(case, CaseStatus.SPECIAL)
        _update(Case, [case], ["status"])
        pause = CasePause.objects.create(
            case=case,
            kind=PauseKind.SPECIAL,
            procedure=procedure.strip()[:50],
            reason=reason.strip()[:300],
            started_on=_local_day(now),
            approved_by=approver,
        )
        _refresh_due(case)
        _event(
            case,
            "case.special.started",
            actor=actor,
            at=now,
            from_status=old,
            note=reason.strip()[:1000],
            data={"procedure": pause.procedure},
        )
    return pause


def end_special_procedure(
    *, case: Case, actor: Any, result: str = "", now: datetime.datetime | None = None
) -> Case:
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        old = _move(case, CaseStatus.IN_REVIEW)
        _update(Case, [case], ["status"])
        pause = _open_pause(case)
        if pause is not None:
            pause.ended_on = max(_local_day(now), pause.started_on)
            pause.save(update_fields=["ended_on"])
        _refresh_due(case)
        _event(
            case,
            "case.special.ended",
            actor=actor,
            at=now,
            from_status=old,
            note=result.strip()[:1000],
        )
    return case


def decide(
    *,
    case: Case,
    actor: Any,
    approve: bool,
    opinion: str,
    reasons: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """准予 or 不予. A case is decided once: the row lock and the transition table make a second,
    concurrent decision fail. A denial states its reasons and the right to 复议/诉讼 (Art. 38)."""
    now = now or timezone.now()
    opinion = opinion.strip()
    if not opinion:
        raise CaseError(_("Write the review opinion."), code="required", field="opinion")
    if not approve and not reasons.strip():
        raise CaseError(
            _("A denial must state its reasons."), code="reason_required", field="reasons"
        )
    with transaction.atomic():
        case = _lock(case)
        _check_reviewer(case, actor)
        target = CaseStatus.APPROVED if approve else CaseStatus.DENIED
        if case.status in (
            CaseStatus.APPROVED,
            CaseStatus.DENIED,
            CaseStatus.RESULT_READY,
            CaseStatus.CLOSED,
        ):
            raise CaseError(_("This case has already been decided."), code="decided")
        old = _move(case, target)
        case.decided_at = now
        case.result_code = ResultCode.APPROVED if approve else ResultCode.DENIED
        _update(Case, [case], ["status", "decided_at", "result_code"])
        data: dict[str, Any] = {"opinion": opinion[:2000]}
        if not approve:
            data["reasons"] = reasons.strip()[:2000]
            data["remedy"] = str(
                _(
                    "If you disagree, you may apply for administrative reconsideration within "
                    "60 days or bring an administrative lawsuit within 6 months."
                )
            )
        _event(
            case,
            "case.approved" if approve else "case.denied",
            actor=actor,
            at=now,
            from_status=old,
            note=opinion[:1000],
            data=data,
        )
        _notify(
            case.phone,
            (
                _("Application %(number)s is approved; we will tell you when the result is ready.")
                if approve
                else _(
                    "Application %(number)s is not approved; the decision letter is being prepared."
                )
            )
            % {"number": case.number},
        )
    return case


# --- result and delivery -------------------------------------------------------------------------

DELIVERY_DAYS = 10  # 行政许可法 Art. 44


def _check_hall_staff(case: Case, actor: Any) -> None:
    if getattr(actor, "hall_id", None) != case.hall_id:
        raise CaseError(
            _("Only staff of %(hall)s may handle this case's result.") % {"hall": case.hall.name},
            code="other_hall",
        )


def issue_result(
    *,
    case: Case,
    actor: Any,
    number: str,
    name: str = "",
    issuer: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> CaseResult:
    """制证: the licence (approved) or the decision letter (denied) is ready for delivery."""
    now = now or timezone.now()
    number = number.strip()
    if not number:
        raise CaseError(_("Enter the document number."), code="required", field="number")
    if valid_from and valid_until and valid_until < valid_from:
        raise CaseError(
            _("The end of validity is before its start."), code="invalid", field="valid_until"
        )
    with transaction.atomic():
        case = _lock(case)
        _check_hall_staff(case, actor)
        if CaseResult.objects.filter(number=number).exists():
            raise CaseError(
                _("Document number %(number)s is already in use.") % {"number": number},
                code="duplicate",
                field="number",
            )
        approved = case.status == CaseStatus.APPROVED
        old = _move(case, CaseStatus.RESULT_READY)
        _update(Case, [case], ["status"])
        default_name = (
            case.item.result_name or case.item.name
            if approved
            else _("Decision not to grant: %(item)s") % {"item": case.item.name}
        )
        result = CaseResult.objects.create(
            case=case,
            name=(name.strip() or default_name)[:200],
            number=number[:60],
            issuer=(issuer.strip() or case.item.implementing_body or case.department.name)[:200],
            valid_from=valid_from if approved else None,
            valid_until=valid_until if approved else None,
            issued_at=now,
            issued_by=_user(actor),
        )
        _event(
            case,
            "case.result.issued",
            actor=actor,
            at=now,
            from_status=old,
            data={"number": result.number, "name": result.name},
        )
        _notify(
            case.phone,
            _("The result of application %(number)s is ready.") % {"number": case.number},
        )
    return result


def deliver_result(
    *,
    case: Case,
    actor: Any,
    mode: str,
    recipient_name: str = "",
    recipient_id_number: str = "",
    post_tracking_number: str = "",
    now: datetime.datetime | None = None,
) -> Delivery:
    """送达: at the window to the applicant or agent (ID checked), by post, or electronically.

    Needs 结果送达权; closes the case with the national result code. Art. 44's 10 days from
    the decision are checked and a late delivery is marked.
    """
    now = now or timezone.now()
    if mode not in DeliveryMode.values:
        raise CaseError(_("Choose how the result is delivered."), code="invalid", field="mode")
    recipient_id = ""
    if mode == DeliveryMode.WINDOW:
        if not recipient_name.strip():
            raise CaseError(
                _("Enter who collects the result."), code="required", field="recipient_name"
            )
        recipient_id = validators.normalize_id_number(recipient_id_number)
        _validated(validators.validate_id_number, recipient_id, "recipient_id_number")
    if mode == DeliveryMode.POST and not post_tracking_number.strip():
        raise CaseError(
            _("Enter the postal tracking number."),
            code="required",
            field="post_tracking_number",
        )
    with transaction.atomic():
        case = _lock(case)
        _check_hall_staff(case, actor)
        day = _local_day(now)
        require_power(case.item, Power.DELIVER_RESULT, day)
        if mode == DeliveryMode.WINDOW and recipient_id not in {
            case.id_number,
            case.agent_id_number,
        }:
            raise CaseError(
                _("The result goes only to the applicant or the agent named in the application."),
                code="wrong_recipient",
                field="recipient_id_number",
            )
        old = _move(case, CaseStatus.CLOSED)
        decided_on = _local_day(case.decided_at) if case.decided_at else day
        deadline = shared_calendar().add_working_days(decided_on, DELIVERY_DAYS)
        delivery = Delivery.objects.create(
            case=case,
            mode=mode,
            recipient_name=recipient_name.strip()[:50],
            recipient_id_number=recipient_id,
            post_tracking_number=post_tracking_number.strip()[:40],
            delivered_at=now,
            delivered_by=_user(actor),
            late=day > deadline,
        )
        case.closed_at = now
        fields = ["status", "closed_at", "result_code"]
        if case.result_code == ResultCode.APPROVED and case.item.result_type == "certificate":
            case.result_code = ResultCode.CERTIFICATE  # 出证办结
        if mode == DeliveryMode.WINDOW:  # collecting the result is a trip to the hall
            case.visits += 1
            fields.append("visits")
        _update(Case, [case], fields)
        _event(
            case,
            "case.delivered",
            actor=actor,
            at=now,
            from_status=old,
            power=Power.DELIVER_RESULT,
            data={"mode": mode, "late": delivery.late, "deadline": deadline.isoformat()},
        )
        _notify(case.phone, _rating_invitation(case))
    return delivery


def _rating_invitation(case: Case) -> str:
    """一事一评: the SMS that invites the applicant to rate a closed case (never rates it)."""
    # (evaluations sits above cases and reads its models: imported late, through its services)
    from onewindow.evaluations.services import case_rating_path

    base = str(getattr(settings, "ONEWINDOW_PUBLIC_URL", "") or "").rstrip("/")
    if base:
        link = base + case_rating_path(case.pk, via="sms")
        return _("Case %(number)s is completed. Please rate how it was handled: %(link)s") % {
            "number": case.number,
            "link": link,
        }
    return _(
        "Case %(number)s is completed. You may rate how it was handled on the case's tracking page."
    ) % {"number": case.number}


# --- paper hand-over (材料流转) -------------------------------------------------------------------


def hand_over_paper(
    *, cases: list[Case], actor: Any, now: datetime.datetime | None = None
) -> HandOver:
    """交接单: the paper dossiers of accepted cases of one department go to its back office.

    Electronic materials reach the back office on acceptance; paper follows on a sheet that the
    receiving reviewer confirms. A dossier is handed over once.
    """
    now = now or timezone.now()
    if not cases:
        raise CaseError(_("Choose the cases to hand over."), code="required", field="cases")
    with transaction.atomic():
        # Lock in primary-key order so two clerks handing over overlapping lists cannot deadlock.
        locked = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("department", "hall")
            .filter(pk__in=[c.pk for c in cases])
            .order_by("pk")
        )
        departments = {c.department_id for c in locked}
        if len(departments) != 1:
            raise CaseError(
                _("A hand-over sheet goes to one department: choose cases of one department."),
                code="departments",
                field="cases",
            )
        for case in locked:
            _check_hall_staff(case, actor)
            if case.status in INTAKE_STATUSES or case.status in (
                CaseStatus.REFUSED,
                CaseStatus.WITHDRAWN,
            ):
                raise CaseError(
                    _("Case %(number)s has not been accepted.") % {"number": case.number},
                    code="not_accepted",
                    field="cases",
                )
            if HandOverCase.objects.filter(case=case).exists():
                raise CaseError(
                    _("The dossier of case %(number)s has already been handed over.")
                    % {"number": case.number},
                    code="duplicate",
                    field="cases",
                )
        first = locked[0]
        sheet = HandOver.objects.create(
            # A dossier travels once, so its first case's number names the sheet uniquely.
            number=f"JJ{first.number}",
            hall=first.hall,
            department=first.department,
            created_at=now,
            created_by=actor,
        )
        for case in locked:
            documents = sum(1 for m in case.materials.all() if m.paper)
            HandOverCase.objects.create(hand_over=sheet, case=case, documents=documents)
            _event(
                case,
                "case.paper.handed_over",
                actor=actor,
                at=now,
                from_status=case.status,
                data={"hand_over": sheet.number, "documents": documents},
            )
    return sheet


def confirm_hand_over(
    *, hand_over: HandOver, actor: Any, now: datetime.datetime | None = None
) -> HandOver:
    """The department's back office confirms it received the paper dossiers."""
    now = now or timezone.now()
    with transaction.atomic():
        sheet = (
            HandOver.objects.select_for_update().select_related("department").get(pk=hand_over.pk)
        )
        if getattr(actor, "department_id", None) != sheet.department_id:
            raise CaseError(
                _("Only reviewers of %(department)s may confirm this hand-over.")
                % {"department": sheet.department.name},
                code="other_department",
            )
        if sheet.confirmed_at is not None:
            raise CaseError(_("This hand-over has already been confirmed."), code="confirmed")
        sheet.confirmed_at = now
        sheet.confirmed_by = actor
        sheet.save(update_fields=["confirmed_at", "confirmed_by"])
        for line in sheet.lines.select_related("case"):
            _event(
                line.case,
                "case.paper.received",
                actor=actor,
                at=now,
                from_status=line.case.status,
                data={"hand_over": sheet.number},
            )
    return sheet


# --- uploaded files and the online channel ------------------------------------------------------

MAX_FILES_PER_MATERIAL = 10
# When who may add files: staff at the window while receiving (and when the applicant brings a
# correction); the applicant online while submitting and after a notice or correction request.
STAFF_UPLOAD_STATUSES = frozenset(
    {CaseStatus.RECEIVED, CaseStatus.PRE_REVIEW, CaseStatus.NOTICE_GIVEN, CaseStatus.CORRECTION}
)
APPLICANT_UPLOAD_STATUSES = frozenset({CaseStatus.NOTICE_GIVEN, CaseStatus.CORRECTION})


def _checked_file(upload: Any, field: str) -> uploads.CheckedFile:
    try:
        return uploads.check_upload(upload)
    except uploads.UploadRejected as rejected:
        raise CaseError(rejected.message, code=rejected.code, field=field) from None


def _remove_files(names: list[str]) -> None:
    """Delete files written by a transaction that did not commit."""
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def _attach(
    case: Case,
    material_code: str,
    checked: uploads.CheckedFile,
    *,
    actor: Any,
    now: datetime.datetime,
    stored: list[str],
    submitting: bool = False,
) -> CaseFile:
    """Store one checked file for a locked case (inside the caller's transaction)."""
    field = f"material-{material_code}" if submitting else "file"
    staff = _user(actor)
    if staff is not None:
        if getattr(staff, "hall_id", None) != case.hall_id:
            raise CaseError(
                _("Only staff of %(hall)s may add files to this case.") % {"hall": case.hall.name},
                code="other_hall",
            )
        allowed = case.status in STAFF_UPLOAD_STATUSES
    else:
        allowed = case.channel == Channel.ONLINE and (
            case.status in APPLICANT_UPLOAD_STATUSES
            or (submitting and case.status == CaseStatus.PRE_REVIEW)
        )
    if not allowed:
        raise CaseError(
            _("Files cannot be added to a case that is “%(now)s”.")
            % {"now": case.get_status_display()},
            code="transition",
            field=field,
        )
    material = CaseMaterial.objects.filter(case=case, code=material_code).first()
    if material is None:
        raise CaseError(_("No such material in this case."), code="not_found", field=field)
    existing = CaseFile.objects.filter(case=case, material=material)
    if existing.filter(sha256=checked.sha256).exists():
        raise CaseError(
            _("This file has already been uploaded for “%(material)s”.")
            % {"material": material.name},
            code="duplicate",
            field=field,
        )
    if existing.count() >= MAX_FILES_PER_MATERIAL:
        raise CaseError(
            _("At most %(n)s files can be uploaded for one material.")
            % {"n": MAX_FILES_PER_MATERIAL},
            code="too_many",
            field=field,
        )
    case_file = CaseFile(
        case=case,
        material=material,
        original_name=checked.original_name,
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
        uploaded_by=staff,
    )
    case_file.file.save(f"upload{checked.extension}", ContentFile(checked.content), save=False)
    stored.append(case_file.file.name)
    case_file.save()
    _event(
        case,
        "case.file.attached",
        actor=actor,
        at=now,
        from_status=case.status,
        data={
            "material": material.code,
            "file": case_file.original_name,
            "size": case_file.size,
            "sha256": case_file.sha256,
            "by_applicant": staff is None,
        },
    )
    return case_file


def attach_file(
    *,
    case: Case,
    material_code: str,
    upload: Any,
    actor: Any,
    now: datetime.datetime | None = None,
) -> CaseFile:
    """Add a scan or photo to one material of a case: staff at the window (own hall), or the
    applicant online (`actor` None) after a one-time notice or a correction request.

    The file is checked by its content (`cases.uploads`) before anything is written; on any
    error nothing is stored, neither a row nor a file on disk.
    """
    now = now or timezone.now()
    checked = _checked_file(upload, "file")
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = _lock(case)
            return _attach(case, material_code, checked, actor=actor, now=now, stored=stored)
    except BaseException:
        _remove_files(stored)
        raise


def submit_online_application(
    *,
    hall: Any,
    item: ServiceItem,
    scenario_code: str,
    applicant: Applicant,
    files: dict[str, list[Any]],
    token: str,
    now: datetime.datetime | None = None,
) -> Case:
    """网上申请: a case on the online channel, waiting for the front desk's pre-review.

    `files` maps material codes to uploads; every required material that may not be supplied
    later needs at least one. `token` comes from the form: submitting the same form twice
    returns the first case. Nothing is stored unless everything is accepted.
    """
    from onewindow.cases import online

    now = now or timezone.now()
    token = token.strip()
    if not token:
        raise CaseError(_("The form has expired. Please start again."), code="token")
    existing = Case.objects.filter(submission_token=token).first()
    if existing is not None:
        return existing
    if not online.may_apply_online(item, _local_day(now)):
        raise CaseError(
            _("This item cannot be applied for online. Please apply at %(place)s.")
            % {"place": where_to_go(item)},
            code="not_online",
            field="item",
        )
    applicant = clean_applicant(applicant)
    # Every file is checked before anything is written.
    checked = {
        code: [_checked_file(upload, f"material-{code}") for upload in uploads_ if upload]
        for code, uploads_ in files.items()
    }
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = start_intake(
                hall=hall,
                item=item,
                scenario_code=scenario_code,
                applicant=applicant,
                actor=None,
                channel=Channel.ONLINE,
                now=now,
                submission_token=token,
            )
            materials = list(case.materials.all())
            known = {m.code for m in materials}
            for code in checked:
                if code not in known:
                    raise CaseError(
                        _("No such material in this case."), code="not_found", field="files"
                    )
            for material in materials:
                if material.required and not material.may_defer and not checked.get(material.code):
                    raise CaseError(
                        _("Upload “%(material)s”.") % {"material": material.name},
                        code="required",
                        field=f"material-{material.code}",
                    )
            for material in materials:
                for one in checked.get(material.code, []):
                    _attach(
                        case,
                        material.code,
                        one,
                        actor=None,
                        now=now,
                        stored=stored,
                        submitting=True,
                    )
            _notify(
                case.phone,
                _(
                    "We have received your online application %(number)s (tracking code "
                    "%(code)s); the front desk will check it and tell you the result."
                )
                % {"number": case.number, "code": case.tracking_code},
            )
    except IntegrityError:
        _remove_files(stored)
        # The same form submitted twice at once: the other request made the case.
        existing = Case.objects.filter(submission_token=token).first()
        if existing is None:
            raise
        return existing
    except BaseException:
        _remove_files(stored)
        raise
    return case


def resubmit_online(*, case: Case, now: datetime.datetime | None = None) -> Case:
    """The online applicant uploaded what the notice (or the correction request) asked for and
    sends the application back: to pre-review after a notice, to review after a correction.
    No visit is counted."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.channel != Channel.ONLINE:
            raise CaseError(_("Only online applications are supplemented here."), code="channel")
        if case.status == CaseStatus.NOTICE_GIVEN:
            since = case.notice_given_at
        elif case.status == CaseStatus.CORRECTION:
            since = (
                case.events.filter(action="case.correction.requested")
                .order_by("-at")
                .values_list("at", flat=True)
                .first()
            )
        else:
            raise CaseError(
                _("This application is not waiting for materials from you."), code="transition"
            )
        new_files = CaseFile.objects.filter(case=case, uploaded_by__isnull=True)
        if since is not None:
            new_files = new_files.filter(uploaded_at__gte=since)
        if not new_files.exists():
            raise CaseError(_("Upload the missing materials first."), code="required", field="file")
        if case.status == CaseStatus.NOTICE_GIVEN:
            return resume_intake(case=case, actor=None, now=now)
        return supplement(case=case, actor=None, now=now)


def originals_to_see(case: Case) -> list[CaseMaterial]:
    """Materials of an online case whose originals must still be seen at the window.

    Only when the pinned item version says a visit is needed for it (at least one visit, and not
    fully online, 网办深度 4): then the materials that come as originals need checking once.
    """
    if case.channel != Channel.ONLINE:
        return []
    snapshot = case.item_version.snapshot
    if str(snapshot.get("online_depth", "")) == "4" or not snapshot.get("max_visits"):
        return []
    return [
        m
        for m in case.materials.all()
        if m.originals_needed
        and not m.original_verified
        and m.state not in (MaterialState.NOT_NEEDED, MaterialState.MISSING)
    ]


def verify_originals(
    *,
    case: Case,
    codes: list[str],
    actor: Any,
    now: datetime.datetime | None = None,
) -> Case:
    """The online applicant came to the window with the originals: the clerk saw them (原件核验权).

    One trip to the hall, however many originals: one visit is counted.
    """
    now = now or timezone.now()
    if not codes:
        raise CaseError(_("Tick the originals you have seen."), code="required", field="originals")
    with transaction.atomic():
        case = _lock(case)
        if case.channel != Channel.ONLINE:
            raise CaseError(
                _("At the window, tick “Original verified” on the material itself."),
                code="channel",
            )
        if getattr(actor, "hall_id", None) != case.hall_id:
            raise CaseError(
                _("Only staff of %(hall)s may verify this case's originals.")
                % {"hall": case.hall.name},
                code="other_hall",
            )
        if case.status in FINAL_STATUSES:
            raise CaseError(
                _("A case that is “%(now)s” cannot be changed.")
                % {"now": case.get_status_display()},
                code="transition",
            )
        require_power(case.item, Power.VERIFY_ORIGINAL, _local_day(now))
        materials = list(
            CaseMaterial.objects.select_for_update()
            .filter(case=case, code__in=codes, originals_needed__gt=0, original_verified=False)
            .order_by("pk")
        )
        if not materials:
            raise CaseError(
                _("These originals have already been verified."), code="done", field="originals"
            )
        for material in materials:
            material.original_verified = True
            material.verified_by = _user(actor)
            material.save(update_fields=["original_verified", "verified_by"])
        case.visits += 1
        _update(Case, [case], ["visits"])
        _event(
            case,
            "case.originals.verified",
            actor=actor,
            at=now,
            from_status=case.status,
            power=Power.VERIFY_ORIGINAL,
            data={"materials": [m.code for m in materials]},
        )
    return case
