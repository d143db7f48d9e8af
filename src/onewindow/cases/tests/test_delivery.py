"""Result documents, delivery (Art. 44) and the national exchange export."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from onewindow.cases import services
from onewindow.cases.models import Case, CaseStatus, DeliveryMode
from onewindow.cases.services import CaseError
from onewindow.cases.tests.factories import PERSON_ID, Setup, make_case_item
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import MONDAY, accepted_case
from onewindow.catalog.models import Delegation, Power

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department, result_type="certificate", result_name="食品经营许可证")


def decided(setup: Setup, hall: Any, clerk: Any, reviewer: Any, *, approve: bool = True) -> Case:
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    services.decide(
        case=case,
        actor=reviewer,
        approve=approve,
        opinion="符合条件" if approve else "不符合条件",
        reasons="" if approve else "经营场所不符合要求",
        now=at(MONDAY + datetime.timedelta(days=1)),
    )
    case.refresh_from_db()
    return case


def test_the_whole_loop_closes_with_the_certificate_code(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = decided(setup, hall, clerk, reviewer)
    result = services.issue_result(
        case=case,
        actor=certificate_clerk,
        number="JY15113010000123",
        valid_from=datetime.date(2026, 3, 3),
        valid_until=datetime.date(2031, 3, 2),
        now=at(MONDAY + datetime.timedelta(days=1), 15),
    )
    assert result.name == "食品经营许可证"
    case.refresh_from_db()
    assert case.status == CaseStatus.RESULT_READY
    services.deliver_result(
        case=case,
        actor=certificate_clerk,
        mode=DeliveryMode.WINDOW,
        recipient_name="张三",
        recipient_id_number=PERSON_ID,
        now=at(MONDAY + datetime.timedelta(days=2)),
    )
    case.refresh_from_db()
    assert (case.status, case.result_code, case.visits) == (CaseStatus.CLOSED, "0", 2)
    assert not case.delivery.late

    out = StringIO()
    call_command("export_case", case.number, stdout=out)
    data = json.loads(out.getvalue())
    assert data["case_number"] == case.number
    assert data["item_code"] == setup.item.implementation_code
    assert data["application"]["applicant_type"] == "个人"
    assert data["acceptance"]["receipt_number"].startswith("SL")
    assert data["acceptance"]["tracking_code"] == case.tracking_code
    assert [s["step"] for s in data["review_steps"]] == ["受理审查", "准予许可"]
    assert data["completion"]["result_code"] == "0"
    assert data["completion"]["certificate_number"] == "JY15113010000123"
    assert data["completion"]["valid_until"] == "2031-03-02"
    assert data["collection"]["mode"] == "window"


def test_a_denial_gets_a_decision_letter_and_keeps_its_code(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = decided(setup, hall, clerk, reviewer, approve=False)
    result = services.issue_result(
        case=case,
        actor=certificate_clerk,
        number="BY-2026-001",
        valid_until=datetime.date(2031, 1, 1),
    )
    assert result.valid_until is None  # a decision letter has no validity
    assert setup.item.name in result.name and result.name != "食品经营许可证"
    services.deliver_result(
        case=case, actor=certificate_clerk, mode=DeliveryMode.POST, post_tracking_number="SF123"
    )
    case.refresh_from_db()
    assert (case.status, case.result_code, case.visits) == (CaseStatus.CLOSED, "7", 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"mode": "window", "recipient_name": "", "recipient_id_number": PERSON_ID},
            "recipient_name",
        ),
        (
            {
                "mode": "window",
                "recipient_name": "张三",
                "recipient_id_number": "110105194912310021",
            },
            "recipient_id_number",
        ),
        (
            {
                "mode": "window",
                "recipient_name": "赵六",
                "recipient_id_number": "11010519491231100X",
            },
            "recipient_id_number",
        ),
        ({"mode": "post"}, "post_tracking_number"),
        ({"mode": "pigeon"}, "mode"),
    ],
)
def test_bad_delivery_input_changes_nothing(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    certificate_clerk: Any,
    fields: dict[str, str],
    field: str,
):
    case = decided(setup, hall, clerk, reviewer)
    services.issue_result(case=case, actor=certificate_clerk, number="N-1")
    with pytest.raises(CaseError) as error:
        services.deliver_result(case=case, actor=certificate_clerk, **fields)
    assert error.value.field == field
    case.refresh_from_db()
    assert case.status == CaseStatus.RESULT_READY and not hasattr(case, "delivery")


def test_without_the_power_to_deliver_the_front_desk_cannot_close(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = decided(setup, hall, clerk, reviewer)
    services.issue_result(case=case, actor=certificate_clerk, number="N-2")
    Delegation.objects.filter(item=setup.item, power=Power.DELIVER_RESULT).delete()
    with pytest.raises(CaseError) as error:
        services.deliver_result(case=case, actor=certificate_clerk, mode=DeliveryMode.ELECTRONIC)
    assert error.value.code == "not_delegated"
    case.refresh_from_db()
    assert case.status == CaseStatus.RESULT_READY


def test_staff_of_another_hall_cannot_issue_or_deliver(
    setup: Setup, hall: Any, other_hall: Any, clerk: Any, reviewer: Any, make_user: Any
):
    case = decided(setup, hall, clerk, reviewer)
    outsider = make_user("certificate_clerk", hall=other_hall)
    with pytest.raises(CaseError) as error:
        services.issue_result(case=case, actor=outsider, number="N-3")
    assert error.value.code == "other_hall"


def test_a_result_number_is_used_once_and_a_case_gets_one_result(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    first = decided(setup, hall, clerk, reviewer)
    services.issue_result(case=first, actor=certificate_clerk, number="N-4")
    with pytest.raises(CaseError) as error:
        services.issue_result(case=first, actor=certificate_clerk, number="N-5")
    assert error.value.code == "transition"
    second = decided(setup, hall, clerk, reviewer)
    with pytest.raises(CaseError) as error:
        services.issue_result(case=second, actor=certificate_clerk, number="N-4")
    assert error.value.field == "number"


def test_delivery_after_ten_working_days_is_marked_late(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, certificate_clerk: Any
):
    case = decided(setup, hall, clerk, reviewer)  # decided Tuesday 3 March 2026
    services.issue_result(case=case, actor=certificate_clerk, number="N-6")
    delivery = services.deliver_result(
        case=case,
        actor=certificate_clerk,
        mode=DeliveryMode.ELECTRONIC,
        now=at(datetime.date(2026, 3, 18)),  # the 11th working day
    )
    assert delivery.late
    case.refresh_from_db()
    assert case.visits == 1  # received at the window; delivered electronically


def test_export_case_refuses_an_unknown_number(db: Any):
    with pytest.raises(CommandError):
        call_command("export_case", "2026000000000")
