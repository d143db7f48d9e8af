"""Intake at a comprehensive window (行政许可法 Art. 32) and delegation enforcement."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from onewindow.cases import services
from onewindow.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    MaterialState,
    NoticeKind,
)
from onewindow.cases.services import CaseError, MaterialCheck
from onewindow.cases.tests.factories import Setup, make_case_item, organisation, person
from onewindow.catalog.models import Delegation, Power
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture
def setup(department: Any) -> Setup:
    department.window_location = "二楼 12 号窗口"
    department.save()
    return make_case_item(department)


def start(setup: Setup, hall: Any, clerk: Any, when: datetime.datetime | None = None, **kw: Any):
    return services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=kw.pop("applicant", person()),
        actor=clerk,
        now=when or at(MONDAY),
        **kw,
    )


def receive_all(case: Case, clerk: Any, when: datetime.datetime) -> None:
    for code in ("M01", "M02"):
        services.check_material(
            case=case,
            code=code,
            check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
            actor=clerk,
            now=when,
        )


def test_intake_opens_a_case_with_the_scenarios_materials(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    assert case.number == "2026030200001"
    assert len(case.tracking_code) == 6 and case.tracking_code.isdigit()
    assert case.status == CaseStatus.RECEIVED
    assert case.visits == 1
    assert case.item_version.item_id == setup.item.pk
    assert [m.code for m in case.materials.all()] == ["M01", "M02"]
    assert case.department_id == setup.item.department_id
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.power, event.to_status) == ("case.received", "receive", "received")
    assert start(setup, hall, clerk).number == "2026030200002"


def test_the_case_keeps_the_version_it_was_filed_against(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    setup.item.scenarios.get().materials.filter(code="M02").update(name="改名后的材料")
    assert case.materials.get(code="M02").name == "营业执照"
    assert case.item_version.snapshot["scenarios"][0]["materials"][1]["name"] == "营业执照"


@pytest.mark.parametrize(
    ("applicant", "field"),
    [
        (person(id_number="110105194912310021"), "id_number"),
        (person(phone="1380013800"), "phone"),
        (person(name=" "), "name"),
        (organisation(credit_code="91350100M000100Y44"), "credit_code"),
        (organisation(agent_name=""), "agent_name"),
        (organisation(agent_id_number="110105194912310021"), "agent_id_number"),
    ],
)
def test_bad_applicant_data_is_refused_and_nothing_is_stored(
    setup: Setup, hall: Any, clerk: Any, applicant: Any, field: str
):
    with pytest.raises(CaseError) as error:
        start(setup, hall, clerk, applicant=applicant)
    assert error.value.field == field
    assert error.value.message
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_an_organisation_applies_through_an_agent(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk, applicant=organisation())
    assert (case.credit_code, case.agent_name, case.id_number) == (
        "91350100M000100Y43",
        "王五",
        "",
    )


def test_items_outside_the_one_window_list_are_sent_elsewhere(setup: Setup, hall: Any, clerk: Any):
    setup.item.one_window = False
    setup.item.save()
    with pytest.raises(CaseError) as error:
        start(setup, hall, clerk)
    assert error.value.code == "not_one_window"
    assert "二楼 12 号窗口" in error.value.message
    assert not Case.objects.exists()


# --- delegation: each power ---------------------------------------------------------------------


def without(setup: Setup, power: str) -> None:
    Delegation.objects.filter(item=setup.item, power=power).delete()


def test_without_the_power_to_receive_no_case_is_opened(setup: Setup, hall: Any, clerk: Any):
    without(setup, Power.RECEIVE)
    with pytest.raises(CaseError) as error:
        start(setup, hall, clerk)
    assert error.value.code == "not_delegated"
    assert "二楼 12 号窗口" in error.value.message
    assert not Case.objects.exists()


def test_without_the_power_to_verify_originals_the_original_stays_unverified(
    setup: Setup, hall: Any, clerk: Any
):
    case = start(setup, hall, clerk)
    without(setup, Power.VERIFY_ORIGINAL)
    with pytest.raises(CaseError) as error:
        services.check_material(
            case=case,
            code="M01",
            check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, original_verified=True),
            actor=clerk,
            now=at(MONDAY),
        )
    assert error.value.code == "not_delegated"
    material = case.materials.get(code="M01")
    assert (material.state, material.original_verified) == (MaterialState.MISSING, False)
    # Without verifying, the material can still be received (a copy).
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
        actor=clerk,
        now=at(MONDAY),
    )
    assert case.materials.get(code="M01").state == MaterialState.RECEIVED


def test_verifying_an_original_records_the_power_used(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, original_verified=True),
        actor=clerk,
        now=at(MONDAY),
    )
    material = case.materials.get(code="M01")
    assert material.original_verified and material.verified_by == clerk
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.action, event.power) == ("case.material.checked", Power.VERIFY_ORIGINAL)


def test_without_the_power_of_one_time_notice_no_notice_is_given(
    setup: Setup, hall: Any, clerk: Any
):
    case = start(setup, hall, clerk)
    without(setup, Power.ONE_TIME_NOTICE)
    with pytest.raises(CaseError) as error:
        services.give_one_time_notice(case=case, actor=clerk, now=at(MONDAY))
    assert error.value.code == "not_delegated"
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED and not case.notices.exists()


@pytest.mark.parametrize("power", [Power.ACCOUNT_USE, Power.DELIVER_RESULT])
def test_require_power_names_the_missing_power_and_where_to_go(setup: Setup, power: str):
    services.require_power(setup.item, power, MONDAY)  # delegated: no error
    without(setup, power)
    with pytest.raises(CaseError) as error:
        services.require_power(setup.item, power, MONDAY)
    assert str(services.POWER_ACTIONS[power]) in error.value.message
    assert "二楼 12 号窗口" in error.value.message


def test_a_delegation_counts_only_with_a_signed_and_valid_agreement(setup: Setup):
    agreement = Delegation.objects.filter(item=setup.item).first().agreement
    agreement.valid_until = MONDAY - datetime.timedelta(days=1)
    agreement.save()
    assert services.delegated_powers(setup.item, MONDAY) == set()
    agreement.valid_until = None
    agreement.scan = ""
    agreement.save()
    assert services.delegated_powers(setup.item, MONDAY) == set()


# --- Art. 32 outcomes ----------------------------------------------------------------------------


def test_one_time_notice_then_the_applicant_returns_and_is_accepted(
    setup: Setup, hall: Any, clerk: Any, settings: Any
):
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    case = start(setup, hall, clerk)
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.WRONG, paper=True, reason="缺少签名"),
        actor=clerk,
        now=at(MONDAY),
    )
    with pytest.raises(CaseError) as error:
        services.accept_case(case=case, actor=clerk, now=at(MONDAY))
    assert error.value.code == "incomplete"
    with django_capture_on_commit():
        notice = services.give_one_time_notice(case=case, actor=clerk, now=at(MONDAY, 11))
    assert notice.kind == NoticeKind.ONE_TIME
    assert [(i["n"], i["material"], i["reason"]) for i in notice.content["items"]] == [
        (1, "申请表", "缺少签名"),
        (2, "营业执照", str(MaterialState.MISSING.label)),
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_GIVEN
    assert len(sms.outbox) == 1 and sms.outbox[0].phone == "13800138000"

    wednesday = MONDAY + datetime.timedelta(days=2)
    services.resume_intake(case=case, actor=clerk, now=at(wednesday))
    case.refresh_from_db()
    assert (case.status, case.visits) == (CaseStatus.RECEIVED, 2)
    services.check_material(
        case=case,
        code="M01",
        check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
        actor=clerk,
        now=at(wednesday),
    )
    services.check_material(
        case=case,
        code="M02",
        check=MaterialCheck(
            state=MaterialState.DEFERRED, deferred_until=wednesday + datetime.timedelta(days=7)
        ),
        actor=clerk,
        now=at(wednesday),
    )
    receipt = services.accept_case(case=case, actor=clerk, now=at(wednesday))
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_on == wednesday and not case.deemed_accepted
    # 5 working days from Wednesday 4 March 2026: Wednesday 11 March.
    assert receipt.content["due_on"] == "2026-03-11"
    assert receipt.content["tracking_code"] == case.tracking_code
    actions = list(case.events.values_list("action", flat=True))
    assert actions[0] == "case.received" and actions[-1] == "case.accepted"
    assert "case.notice.given" in actions and "case.resumed" in actions


def django_capture_on_commit() -> Any:
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_a_material_that_may_not_wait_cannot_be_deferred(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    with pytest.raises(CaseError) as error:
        services.check_material(
            case=case,
            code="M01",
            check=MaterialCheck(
                state=MaterialState.DEFERRED, deferred_until=MONDAY + datetime.timedelta(days=3)
            ),
            actor=clerk,
            now=at(MONDAY),
        )
    assert error.value.code == "no_defer"
    assert case.materials.get(code="M01").state == MaterialState.MISSING


def test_nothing_missing_means_no_notice(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    receive_all(case, clerk, at(MONDAY))
    with pytest.raises(CaseError) as error:
        services.give_one_time_notice(case=case, actor=clerk, now=at(MONDAY))
    assert error.value.code == "complete"


def test_without_a_notice_in_five_working_days_the_application_counts_as_accepted(
    setup: Setup, hall: Any, clerk: Any
):
    # Received Thursday 30 April 2026; 1–5 May is the Labour Day holiday, so the five working
    # days run out later than a week; a notice after them is refused and acceptance is dated
    # back to the day of receipt.
    received = datetime.date(2026, 4, 30)
    case = start(setup, hall, clerk, when=at(received))
    late = datetime.date(2026, 5, 20)
    with pytest.raises(CaseError) as error:
        services.give_one_time_notice(case=case, actor=clerk, now=at(late))
    assert error.value.code == "notice_late"
    receive_all(case, clerk, at(late))
    services.accept_case(case=case, actor=clerk, now=at(late))
    case.refresh_from_db()
    assert case.deemed_accepted and case.accepted_on == received


def test_refusal_is_written_with_its_reason_and_closes_the_case(
    setup: Setup, hall: Any, clerk: Any
):
    case = start(setup, hall, clerk)
    with pytest.raises(CaseError) as error:
        services.refuse_case(case=case, actor=clerk, reason=" ")
    assert error.value.field == "reason"
    notice = services.refuse_case(
        case=case, actor=clerk, reason="不属于本机关职权范围", go_to="市自然资源局", now=at(MONDAY)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.result_code == "1"
    assert notice.content["go_to"] == "市自然资源局"
    with pytest.raises(CaseError) as error:
        services.accept_case(case=case, actor=clerk, now=at(MONDAY))
    assert error.value.code == "transition"
    receive_all_error = None
    try:
        receive_all(case, clerk, at(MONDAY))
    except CaseError as exc:
        receive_all_error = exc
    assert receive_all_error is not None and receive_all_error.code == "transition"


def test_an_accepted_case_cannot_be_refused_afterwards(setup: Setup, hall: Any, clerk: Any):
    case = start(setup, hall, clerk)
    receive_all(case, clerk, at(MONDAY))
    services.accept_case(case=case, actor=clerk, now=at(MONDAY))
    with pytest.raises(CaseError) as error:
        services.refuse_case(case=case, actor=clerk, reason="改主意了", now=at(MONDAY))
    assert error.value.code == "transition"
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_an_unknown_scenario_is_refused(setup: Setup, hall: Any, clerk: Any):
    setup.scenario_code = "S99"
    with pytest.raises(CaseError) as error:
        start(setup, hall, clerk)
    assert error.value.field == "scenario"
    assert not Case.objects.exists()
