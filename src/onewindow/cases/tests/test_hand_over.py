"""Paper dossiers travel on a hand-over sheet the department's back office confirms."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.cases import services
from onewindow.cases.models import CaseEvent, HandOver
from onewindow.cases.services import CaseError
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import MONDAY, accepted_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


def test_paper_goes_over_on_a_sheet_that_the_back_office_confirms(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, reviewer_other_department: Any
):
    cases = [accepted_case(setup, hall, clerk) for _ in range(2)]
    sheet = services.hand_over_paper(cases=cases, actor=clerk, now=at(MONDAY, 16))
    assert sheet.number == f"JJ{cases[0].number}"
    assert [line.documents for line in sheet.lines.order_by("case_id")] == [2, 2]
    with pytest.raises(CaseError) as error:
        services.confirm_hand_over(hand_over=sheet, actor=reviewer_other_department)
    assert error.value.code == "other_department"
    services.confirm_hand_over(hand_over=sheet, actor=reviewer, now=at(MONDAY, 17))
    sheet.refresh_from_db()
    assert sheet.confirmed_by == reviewer and sheet.confirmed_at == at(MONDAY, 17)
    assert CaseEvent.objects.filter(action="case.paper.received").count() == 2
    with pytest.raises(CaseError) as error:
        services.confirm_hand_over(hand_over=sheet, actor=reviewer)
    assert error.value.code == "confirmed"


def test_a_dossier_travels_once_and_only_accepted_cases_go(setup: Setup, hall: Any, clerk: Any):
    case = accepted_case(setup, hall, clerk)
    services.hand_over_paper(cases=[case], actor=clerk)
    with pytest.raises(CaseError) as error:
        services.hand_over_paper(cases=[case], actor=clerk)
    assert error.value.code == "duplicate"
    receiving = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
    )
    with pytest.raises(CaseError) as error:
        services.hand_over_paper(cases=[receiving], actor=clerk)
    assert error.value.code == "not_accepted"
    assert HandOver.objects.count() == 1


def test_one_sheet_per_department(setup: Setup, hall: Any, clerk: Any, other_department: Any):
    other = make_case_item(other_department)
    cases = [accepted_case(setup, hall, clerk), accepted_case(other, hall, clerk)]
    with pytest.raises(CaseError) as error:
        services.hand_over_paper(cases=cases, actor=clerk)
    assert error.value.code == "departments"
    assert not HandOver.objects.exists()
