"""Deadlines through the service layer across the 2026 holidays and their working weekends (调休).

The clock module has its own unit and property-based tests; these check that the dates a case
stores and shows (`due_on`, the clock's state, deemed acceptance) come out right when real
services pause and resume it over 春节, 中秋 and 国庆. 2026 facts used below (from the calendar):
Spring Festival off 15–23 Feb with Sat 14 Feb and Sat 28 Feb working; Mid-Autumn Fri 25 Sep;
National Day off 1–7 Oct with Sun 20 Sep and Sat 10 Oct working.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onewindow.cases import queries, services
from onewindow.cases.models import Case, CaseStatus, MaterialState
from onewindow.cases.services import CaseError, MaterialCheck
from onewindow.cases.tests.factories import make_case_item, person
from onewindow.cases.tests.test_intake import at

pytestmark = pytest.mark.django_db

D = datetime.date


def open_case(item_setup: Any, hall: Any, clerk: Any, day: D) -> Case:
    return services.start_intake(
        hall=hall,
        item=item_setup.item,
        scenario_code=item_setup.scenario_code,
        applicant=person(),
        actor=clerk,
        now=at(day),
    )


def receive_all(case: Case, clerk: Any, day: D) -> None:
    for material in case.materials.all():
        services.check_material(
            case=case,
            code=material.code,
            check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
            actor=clerk,
            now=at(day),
        )


def accepted(item_setup: Any, hall: Any, clerk: Any, day: D) -> Case:
    case = open_case(item_setup, hall, clerk, day)
    receive_all(case, clerk, day)
    services.accept_case(case=case, actor=clerk, now=at(day))
    case.refresh_from_db()
    return case


def due(case: Case, today: D) -> D | None:
    case.refresh_from_db()
    return queries.case_clock(case, today=today).due_on


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        # Accepted Thu 24 Sep: Mid-Autumn Fri 25 off; Mon 28, Tue 29, Wed 30; National Day off
        # 1–7 Oct; Thu 8 Oct, Fri 9 Oct …
        (5, D(2026, 10, 9)),
        # … and the sixth working day is the working Saturday 10 October (调休).
        (6, D(2026, 10, 10)),
        (7, D(2026, 10, 12)),
    ],
)
def test_the_promised_date_skips_mid_autumn_and_national_day_but_counts_the_working_saturday(
    department: Any, hall: Any, clerk: Any, limit: int, expected: D
):
    case = accepted(
        make_case_item(department, promised_limit_days=limit), hall, clerk, D(2026, 9, 24)
    )
    assert case.due_on == expected
    assert due(case, D(2026, 9, 24)) == expected


def test_a_case_accepted_on_a_working_sunday_counts_from_the_next_working_day(
    department: Any, hall: Any, clerk: Any
):
    # Sun 20 Sep 2026 is a working day (调休 for National Day): the hall is open and accepts.
    case = accepted(make_case_item(department), hall, clerk, D(2026, 9, 20))
    assert case.accepted_on == D(2026, 9, 20)
    # Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25 Mid-Autumn off) Mon 28.
    assert case.due_on == D(2026, 9, 28)


def test_a_correction_over_the_spring_festival_continues_the_clock(
    department: Any, hall: Any, clerk: Any, reviewer: Any
):
    setup = make_case_item(department, correction_clock="continue")
    case = accepted(setup, hall, clerk, D(2026, 2, 11))  # Wed 11 Feb
    # Thu 12, Fri 13, the working Sat 14, then the festival until Mon 23: Tue 24, Wed 25.
    assert case.due_on == D(2026, 2, 25)
    services.claim_case(case=case, actor=reviewer, now=at(D(2026, 2, 12)))
    # Asked on Fri 13 Feb: two working days used (Thu 12, Fri 13); the clock stops.
    services.request_correction(
        case=case, actor=reviewer, items=["补充章程"], now=at(D(2026, 2, 13))
    )
    case.refresh_from_db()
    assert (case.status, case.due_on) == (CaseStatus.CORRECTION, None)
    assert queries.case_clock(case, today=D(2026, 2, 20)).paused
    # Supplied Wed 25 Feb: three days left — Thu 26, Fri 27 and the working Saturday 28 Feb.
    services.supplement(case=case, actor=clerk, now=at(D(2026, 2, 25)))
    assert due(case, D(2026, 2, 25)) == D(2026, 2, 28)
    assert case.due_on == D(2026, 2, 28)
    assert case.visits == 2


def test_a_correction_over_the_spring_festival_that_restarts_the_clock(
    department: Any, hall: Any, clerk: Any, reviewer: Any
):
    setup = make_case_item(department, correction_clock="restart")
    case = accepted(setup, hall, clerk, D(2026, 2, 11))
    services.claim_case(case=case, actor=reviewer, now=at(D(2026, 2, 12)))
    services.request_correction(
        case=case, actor=reviewer, items=["补充章程"], now=at(D(2026, 2, 13))
    )
    services.supplement(case=case, actor=clerk, now=at(D(2026, 2, 25)))
    # A fresh five working days from Wed 25 Feb: Thu 26, Fri 27, Sat 28 (working), Mon 2 and
    # Tue 3 March.
    assert due(case, D(2026, 2, 25)) == D(2026, 3, 3)
    assert case.due_on == D(2026, 3, 3)


def test_a_special_procedure_over_national_day_stops_the_clock(
    department: Any, hall: Any, clerk: Any, reviewer: Any, make_user: Any
):
    setup = make_case_item(department, promised_limit_days=10)
    case = accepted(setup, hall, clerk, D(2026, 9, 21))  # Mon 21 Sep
    services.claim_case(case=case, actor=reviewer, now=at(D(2026, 9, 21)))
    head = make_user("reviewer", department=department)
    services.start_special_procedure(
        case=case,
        actor=reviewer,
        procedure="现场勘查",
        reason="需现场核查经营场所",
        approver=head,
        now=at(D(2026, 9, 22)),  # Tue 22 used; paused from Wed 23
    )
    case.refresh_from_db()
    assert (case.status, case.due_on) == (CaseStatus.SPECIAL, None)
    services.end_special_procedure(
        case=case, actor=reviewer, result="勘查合格", now=at(D(2026, 10, 9))
    )
    # Nine days left after Fri 9 Oct: Sat 10 (working), Mon 12 – Fri 16, Mon 19 – Wed 21.
    assert due(case, D(2026, 10, 9)) == D(2026, 10, 21)
    assert case.due_on == D(2026, 10, 21)


def test_the_five_day_notice_rule_across_the_spring_festival(
    department: Any, hall: Any, clerk: Any
):
    setup = make_case_item(department)
    # Received Wed 11 Feb: the five working days are Thu 12, Fri 13, Sat 14, Tue 24, Wed 25.
    on_time = open_case(setup, hall, clerk, D(2026, 2, 11))
    services.give_one_time_notice(case=on_time, actor=clerk, now=at(D(2026, 2, 25), hour=16))
    on_time.refresh_from_db()
    assert on_time.status == CaseStatus.NOTICE_GIVEN

    late = open_case(setup, hall, clerk, D(2026, 2, 11))
    with pytest.raises(CaseError) as error:
        services.give_one_time_notice(case=late, actor=clerk, now=at(D(2026, 2, 26)))
    assert error.value.code == "notice_late"
    late.refresh_from_db()
    assert late.status == CaseStatus.RECEIVED and late.notice_given_at is None
    # Accepting it now dates the acceptance back to the day it was received (Art. 32).
    receive_all(late, clerk, D(2026, 2, 26))
    services.accept_case(case=late, actor=clerk, now=at(D(2026, 2, 26)))
    late.refresh_from_db()
    assert late.deemed_accepted and late.accepted_on == D(2026, 2, 11)
    # The promised five days then run from the day of receipt, not from today.
    assert late.due_on == D(2026, 2, 25)
