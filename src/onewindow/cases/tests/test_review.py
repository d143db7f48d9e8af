"""Back office: claim, correction (continue / restart), special procedures, one decision."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection, connections

from onewindow.cases import clock, services
from onewindow.cases.models import Case, CaseEvent, CasePause, CaseStatus, MaterialState
from onewindow.cases.services import CaseError, MaterialCheck
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake import at
from onewindow.core.services import sync_calendar_from_library

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)


def accepted_case(setup: Setup, hall: Any, clerk: Any, day: datetime.date = MONDAY) -> Case:
    case = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
        now=at(day),
    )
    for code in setup.materials:
        services.check_material(
            case=case,
            code=code,
            check=MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1),
            actor=clerk,
            now=at(day),
        )
    services.accept_case(case=case, actor=clerk, now=at(day))
    case.refresh_from_db()
    return case


def state(case: Case, today: datetime.date) -> clock.ClockState:
    pauses = [
        clock.Pause(kind=p.kind, started_on=p.started_on, ended_on=p.ended_on, restart=p.restart)
        for p in CasePause.objects.filter(case=case)
    ]
    return clock.clock_state(
        started_on=case.accepted_on,
        limit_days=case.promised_limit_days,
        pauses=pauses,
        today=today,
    )


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department, correction_clock="continue")


def test_only_reviewers_of_the_department_act_on_its_cases(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, reviewer_other_department: Any
):
    case = accepted_case(setup, hall, clerk)
    for outsider in (clerk, reviewer_other_department):
        with pytest.raises(CaseError) as error:
            services.claim_case(case=case, actor=outsider, now=at(MONDAY))
        assert error.value.code == "other_department"
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    for outsider in (clerk, reviewer_other_department):
        with pytest.raises(CaseError):
            services.decide(case=case, actor=outsider, approve=True, opinion="同意")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and case.reviewer == reviewer


def test_correction_continues_the_clock_and_counts_a_visit(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any
):
    case = accepted_case(setup, hall, clerk)  # accepted Mon 2 March, 5 days: due Mon 9 March
    assert case.due_on == datetime.date(2026, 3, 9)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    with pytest.raises(CaseError):
        services.request_correction(case=case, actor=reviewer, items=[" "])
    services.request_correction(
        case=case, actor=reviewer, items=["补充股东会决议"], now=at(MONDAY + datetime.timedelta(2))
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    assert case.due_on is None  # paused
    assert state(case, datetime.date(2026, 3, 6)).paused
    # Supplemented Monday 9 March: Tue–Wed were used, Thu 5 – Mon 9 paused; 3 days left.
    services.supplement(case=case, actor=clerk, now=at(datetime.date(2026, 3, 9)))
    case.refresh_from_db()
    assert (case.status, case.visits) == (CaseStatus.IN_REVIEW, 2)
    assert state(case, datetime.date(2026, 3, 9)).due_on == datetime.date(2026, 3, 12)
    assert case.due_on == datetime.date(2026, 3, 12)  # stored for the work queue's order


def test_correction_restarts_the_clock_when_the_item_says_so(
    department: Any, hall: Any, clerk: Any, reviewer: Any
):
    setup = make_case_item(department, correction_clock="restart")
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    services.request_correction(
        case=case, actor=reviewer, items=["补充材料"], now=at(MONDAY + datetime.timedelta(2))
    )
    services.supplement(case=case, actor=clerk, now=at(datetime.date(2026, 3, 9)))
    # A fresh 5 working days from Monday 9 March.
    assert state(case, datetime.date(2026, 3, 9)).due_on == datetime.date(2026, 3, 16)


def test_a_special_procedure_stops_the_clock_with_reason_and_approver(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, make_user: Any, department: Any
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    head = make_user("reviewer", department=department)
    with pytest.raises(CaseError) as error:
        services.start_special_procedure(
            case=case, actor=reviewer, procedure="专家评审", reason="技术复杂", approver=None
        )
    assert error.value.field == "approver"
    services.start_special_procedure(
        case=case,
        actor=reviewer,
        procedure="专家评审",
        reason="技术复杂",
        approver=head,
        now=at(MONDAY + datetime.timedelta(1)),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SPECIAL
    services.end_special_procedure(
        case=case, actor=reviewer, result="评审通过", now=at(datetime.date(2026, 3, 13))
    )
    pause = CasePause.objects.get(case=case)
    assert (pause.started_on, pause.ended_on, pause.approved_by) == (
        datetime.date(2026, 3, 3),
        datetime.date(2026, 3, 13),
        head,
    )
    # One day used (Tue 3), the pause covers Wed 4 – Fri 13: four days left from Friday.
    assert state(case, datetime.date(2026, 3, 13)).due_on == datetime.date(2026, 3, 19)


def test_a_denial_states_reasons_and_the_remedies(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any
):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    with pytest.raises(CaseError) as error:
        services.decide(case=case, actor=reviewer, approve=False, opinion="不符合条件")
    assert error.value.field == "reasons"
    services.decide(
        case=case, actor=reviewer, approve=False, opinion="不符合条件", reasons="场所面积不足"
    )
    case.refresh_from_db()
    assert (case.status, case.result_code) == (CaseStatus.DENIED, "7")
    event = CaseEvent.objects.filter(case=case).last()
    assert event.action == "case.denied" and event.data["reasons"] == "场所面积不足"
    assert event.data["remedy"]


def test_a_case_is_decided_once(setup: Setup, hall: Any, clerk: Any, reviewer: Any):
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    services.decide(case=case, actor=reviewer, approve=True, opinion="同意")
    with pytest.raises(CaseError) as error:
        services.decide(case=case, actor=reviewer, approve=False, opinion="改判", reasons="x")
    assert error.value.code == "decided"
    case.refresh_from_db()
    assert (case.status, case.result_code) == (CaseStatus.APPROVED, "6")
    assert (
        CaseEvent.objects.filter(case=case, action__in=["case.approved", "case.denied"]).count()
        == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_yield_exactly_one(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, make_user: Any, department: Any
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    # An earlier transactional test may have flushed the calendar the migrations seeded.
    sync_calendar_from_library()
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer, now=at(MONDAY))
    reviewers = [reviewer] + [make_user("reviewer", department=department) for _ in range(7)]
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.decide(
                case=case,
                actor=reviewers[i],
                approve=i % 2 == 0,
                opinion=f"意见{i}",
                reasons="理由",
            )
            outcomes.append("ok")
        except CaseError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(reviewers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["decided"] * (len(reviewers) - 1) + ["ok"]
    assert (
        CaseEvent.objects.filter(case=case, action__in=["case.approved", "case.denied"]).count()
        == 1
    )
