"""A case in the fields of the provincial exchange formats (DOMAIN-RULES §3), as plain data.

A projection of the case and its events, never stored separately: keyed by 申办流水号 (the case
number) and 事项编码 (the item's implementation code), with one section per phase.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from onewindow.cases.models import (
    ApplicantKind,
    Case,
    CaseNotice,
    CasePause,
    NoticeKind,
    PauseKind,
)

APPLICANT_TYPES = {ApplicantKind.PERSON: "个人", ApplicantKind.ORGANISATION: "企业"}
REVIEW_ACTIONS = {
    "case.claimed": "受理审查",
    "case.correction.requested": "补正告知",
    "case.supplemented": "补正受理",
    "case.special.started": "特别程序开始",
    "case.special.ended": "特别程序结束",
    "case.approved": "准予许可",
    "case.denied": "不予许可",
}


def _time(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def case_exchange(case: Case) -> dict[str, Any]:
    """The national exchange fields of one case (JSON-ready)."""
    events = list(case.events.select_related("actor").order_by("at", "id"))
    notices = {n.kind: n for n in CaseNotice.objects.filter(case=case).order_by("issued_at")}
    pauses = list(CasePause.objects.filter(case=case).select_related("approved_by"))
    # A missing one-to-one raises a subclass of AttributeError: getattr's default applies.
    result = getattr(case, "result", None)
    delivery = getattr(case, "delivery", None)
    refusal = notices.get(NoticeKind.REFUSAL)
    acceptance = notices.get(NoticeKind.ACCEPTANCE)
    return {
        "case_number": case.number,  # 申办流水号
        "item_code": case.item.implementation_code,  # 事项编码
        "item_name": case.item.name,
        "item_version": case.item_version.number,
        "application": {  # 申办
            "applicant_type": APPLICANT_TYPES.get(case.applicant_kind, "其他"),
            "applicant_name": case.applicant_name,
            "id_type": case.id_type or "统一社会信用代码",
            "id_number": case.id_number or case.credit_code,
            "contact_phone": case.phone,
            "agent_name": case.agent_name,
            "channel": case.channel,
            "scenario": case.scenario_name,
            "received_at": _time(case.received_at),
            "materials": [
                {"name": m.name, "state": m.state, "copies": m.copies} for m in case.materials.all()
            ],
        },
        "acceptance": {  # 受理
            "accepted_at": _time(case.accepted_at),
            "accepted_on": _date(case.accepted_on),
            "deemed_accepted": case.deemed_accepted,
            "department": case.department.name,
            "receipt_number": acceptance.number if acceptance else None,
            "tracking_code": case.tracking_code if acceptance else None,  # 查询密码
            "refusal_reason": refusal.content.get("reason") if refusal else None,
        },
        "review_steps": [  # 审批过程
            {
                "step": REVIEW_ACTIONS[e.action],
                "at": _time(e.at),
                "approver": e.actor.display_name if e.actor else "",
                "opinion": e.note,
            }
            for e in events
            if e.action in REVIEW_ACTIONS
        ],
        "corrections": [  # 补正告知 / 补正受理
            {
                "notified_on": _date(p.started_on),
                "reason": p.reason,
                "supplied_on": _date(p.ended_on),
            }
            for p in pauses
            if p.kind == PauseKind.CORRECTION
        ],
        "special_procedures": [  # 特别程序
            {
                "kind": p.procedure,
                "reason": p.reason,
                "started_on": _date(p.started_on),
                "ended_on": _date(p.ended_on),
                "approver": p.approved_by.display_name if p.approved_by else "",
            }
            for p in pauses
            if p.kind == PauseKind.SPECIAL
        ],
        "completion": {  # 办结
            "closed_at": _time(case.closed_at),
            "department": case.department.name,
            "result_code": case.result_code or None,
            "result": case.get_result_code_display() if case.result_code else None,
            "certificate_name": result.name if result else None,
            "certificate_number": result.number if result else None,
            "valid_from": _date(result.valid_from) if result else None,
            "valid_until": _date(result.valid_until) if result else None,
            "issuer": result.issuer if result else None,
        },
        "collection": {  # 领取
            "delivered_at": _time(delivery.delivered_at) if delivery else None,
            "mode": delivery.mode if delivery else None,
        },
        "visits": case.visits,
    }
