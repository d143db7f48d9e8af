"""Cases over the API: every role against every endpoint, scoping by department and hall,
refused changes that change nothing, bounded query counts, one decision under concurrency."""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onewindow.accounts.models import Role, User
from onewindow.api.services import create_token
from onewindow.api.tests.conftest import Api
from onewindow.cases import services
from onewindow.cases.exchange import case_exchange
from onewindow.cases.models import Case, CaseEvent, CaseStatus, HandOver
from onewindow.cases.tests.factories import PERSON_ID, Setup, make_case_item, person
from onewindow.cases.tests.test_review import accepted_case
from onewindow.core.services import sync_calendar_from_library

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.api.tests.api_urls")]

LIST = "/cases/"


@dataclass
class People:
    users: dict[str, User]
    keys: dict[str, str]

    def api(self, who: str) -> Api:
        if who == "anonymous":
            return Api()
        if who == "bad_token":
            return Api("ow_not-a-real-token")
        return Api(self.keys[who])


@pytest.fixture
def people(
    hall: Any, other_hall: Any, department: Any, other_department: Any, make_user: Any
) -> People:
    users = {
        "clerk": make_user(Role.CLERK),
        "clerk_other_hall": make_user(Role.CLERK, hall=other_hall),
        "reviewer": make_user(Role.REVIEWER, department=department),
        "reviewer_other_department": make_user(Role.REVIEWER, department=other_department),
        "reviewer_no_department": make_user(Role.REVIEWER),
        "certificate_clerk": make_user(Role.CERTIFICATE_CLERK),
        "certificate_clerk_other_hall": make_user(Role.CERTIFICATE_CLERK, hall=other_hall),
        "guide": make_user(Role.GUIDE),
    }
    keys = {
        name: create_token(hall=user.hall, kind="staff", name=name, user=user, actor=None)[1]
        for name, user in users.items()
    }
    keys["kiosk"] = create_token(hall=hall, kind="kiosk", name="kiosk", actor=None)[1]
    return People(users=users, keys=keys)


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


@pytest.fixture
def case(setup: Setup, hall: Any, people: People) -> Case:
    return accepted_case(setup, hall, people.users["clerk"])


def in_review(setup: Setup, hall: Any, people: People) -> Case:
    case = accepted_case(setup, hall, people.users["clerk"])
    services.claim_case(case=case, actor=people.users["reviewer"])
    case.refresh_from_db()
    return case


def state() -> list[Any]:
    """Everything a claim or a decision may change."""
    cases = Case.objects.order_by("pk").values_list("status", "reviewer_id", "decided_at")
    return [*cases, CaseEvent.objects.count()]


# --- every role against every endpoint -----------------------------------------------------------

REFUSED_EVERYWHERE = [
    ("anonymous", 401, "unauthorized"),
    ("bad_token", 401, "unauthorized"),
    ("kiosk", 403, "staff_only"),
    ("guide", 403, "forbidden"),
    ("reviewer_no_department", 403, "no_department"),
]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        *REFUSED_EVERYWHERE,
        ("reviewer", 200, None),
        ("reviewer_other_department", 404, "not_found"),
        ("clerk", 200, None),
        ("clerk_other_hall", 404, "not_found"),
        ("certificate_clerk", 200, None),
        ("certificate_clerk_other_hall", 404, "not_found"),
    ],
)
@pytest.mark.parametrize("suffix", ["", "/export"])
def test_reading_a_case(
    people: People, case: Case, suffix: str, who: str, status: int, code: str | None
) -> None:
    response = people.api(who).get(f"/cases/{case.number}{suffix}")
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code and response.json()["detail"]
        assert case.number not in response.content.decode()
    else:
        assert response.json()[("case_number" if suffix else "number")] == case.number


def test_an_unknown_case_looks_like_another_departments(people: People, case: Case) -> None:
    unknown = people.api("reviewer").get("/cases/2099010100001")
    foreign = people.api("reviewer_other_department").get(f"/cases/{case.number}")
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json() == foreign.json()


@pytest.mark.parametrize(
    ("who", "status", "code", "sees_it"),
    [
        *[(w, s, c, False) for w, s, c in REFUSED_EVERYWHERE],
        ("reviewer", 200, None, True),
        ("reviewer_other_department", 200, None, False),
        ("clerk", 200, None, True),
        ("clerk_other_hall", 200, None, False),
        ("certificate_clerk", 200, None, True),
        ("certificate_clerk_other_hall", 200, None, False),
    ],
)
def test_work_lists(
    people: People, case: Case, who: str, status: int, code: str | None, sees_it: bool
) -> None:
    response = people.api(who).get(LIST)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
        return
    numbers = [row["number"] for row in response.json()["results"]]
    assert (case.number in numbers) is sees_it


ACTIONS = {
    "claim": ("claim", None),
    "approve": ("decision", {"decision": "approve", "opinion": "符合条件，同意"}),
    "deny": ("decision", {"decision": "deny", "opinion": "不符合", "reasons": "场地面积不足"}),
}


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        *REFUSED_EVERYWHERE,
        ("clerk", 403, "forbidden"),  # the front desk cannot decide
        ("clerk_other_hall", 403, "forbidden"),
        ("certificate_clerk", 403, "forbidden"),
        ("reviewer_other_department", 404, "not_found"),
    ],
)
@pytest.mark.parametrize("action", ACTIONS)
def test_acting_on_a_case_is_refused_and_changes_nothing(
    people: People, setup: Setup, hall: Any, action: str, who: str, status: int, code: str
) -> None:
    path, body = ACTIONS[action]
    if path == "claim":
        case = accepted_case(setup, hall, people.users["clerk"])
    else:
        case = in_review(setup, hall, people)
    before = state()
    response = people.api(who).post(f"/cases/{case.number}/{path}", body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert state() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_reviewer_of_the_department_acts(
    people: People, setup: Setup, hall: Any, action: str
) -> None:
    path, body = ACTIONS[action]
    case = accepted_case(setup, hall, people.users["clerk"])
    if path == "decision":
        services.claim_case(case=case, actor=people.users["reviewer"])
    response = people.api("reviewer").post(f"/cases/{case.number}/{path}", body)
    assert response.status_code == 200, response.content
    expected = {"claim": "in_review", "approve": "approved", "deny": "denied"}[action]
    assert response.json()["status"] == expected
    case.refresh_from_db()
    assert case.status == expected
    if action == "deny":
        event = CaseEvent.objects.filter(case=case, action="case.denied").get()
        assert event.data["reasons"] == "场地面积不足" and event.data["remedy"]


# --- the rules stay in the service: 409 and 400 change nothing -----------------------------------


def test_a_case_is_decided_once(people: People, setup: Setup, hall: Any) -> None:
    case = in_review(setup, hall, people)
    reviewer = people.api("reviewer")
    assert reviewer.post(f"/cases/{case.number}/decision", ACTIONS["approve"][1]).status_code == 200
    before = state()
    again = reviewer.post(f"/cases/{case.number}/decision", ACTIONS["deny"][1])
    assert again.status_code == 409
    assert again.json() == {"detail": "此办件已作出决定。", "code": "decided", "field": None}
    assert reviewer.post(f"/cases/{case.number}/claim").status_code == 409
    assert state() == before
    case.refresh_from_db()
    assert (case.status, case.result_code) == (CaseStatus.APPROVED, "6")


def test_a_forged_transition_changes_nothing(people: People, case: Case) -> None:
    """Deciding a case nobody took for review yet: the transition table refuses it."""
    reviewer = people.api("reviewer")
    before = state()
    response = reviewer.post(f"/cases/{case.number}/decision", ACTIONS["approve"][1])
    assert response.status_code == 409
    assert response.json()["code"] == "transition"
    assert "不能变为" in response.json()["detail"]
    assert state() == before
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"decision": "maybe", "opinion": "同意"}, "decision", "invalid"),
        ({"decision": "approve"}, "opinion", "invalid"),
        ({"decision": "approve", "opinion": "   "}, "opinion", "required"),
        ({"decision": "deny", "opinion": "不符合"}, "reasons", "reason_required"),
        ({"decision": "approve", "opinion": "x" * 2001}, "opinion", "invalid"),
    ],
)
def test_bad_decisions_are_400_and_change_nothing(
    people: People, setup: Setup, hall: Any, body: dict[str, Any], field: str, code: str
) -> None:
    case = in_review(setup, hall, people)
    before = state()
    response = people.api("reviewer").post(f"/cases/{case.number}/decision", body)
    assert response.status_code == 400, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert response.json()["detail"]
    assert state() == before


def test_a_body_that_is_not_json_is_400(people: People, case: Case) -> None:
    client = Client()
    response = client.post(
        f"/api/v1/cases/{case.number}/decision",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {people.keys['reviewer']}"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=101", "page_size"),
        ("status=x", "status"),
    ],
)
def test_bad_list_parameters_are_400(people: People, query: str, field: str) -> None:
    response = people.api("reviewer").get(f"{LIST}?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


# --- what the answers say ------------------------------------------------------------------------


def test_the_reviewers_list_is_ordered_by_due_date_with_lights_and_pages(
    people: People, setup: Setup, hall: Any
) -> None:
    clerk, reviewer = people.users["clerk"], people.users["reviewer"]
    old = accepted_case(setup, hall, clerk, day=datetime.date(2026, 3, 2))  # long overdue
    recent = accepted_case(setup, hall, clerk, day=datetime.date(2026, 11, 26))  # 4 of 5 used
    fresh = accepted_case(setup, hall, clerk, day=datetime.date(2026, 12, 2))
    services.claim_case(case=fresh, actor=reviewer)
    decided = in_review(setup, hall, people)
    services.decide(case=decided, actor=reviewer, approve=True, opinion="同意")
    other = accepted_case(
        make_case_item(people.users["reviewer_other_department"].department), hall, clerk
    )
    data = people.api("reviewer").get(LIST).json()
    assert data["role"] == "reviewer"
    assert [r["number"] for r in data["results"]] == [old.number, recent.number, fresh.number]
    assert [r["light"] for r in data["results"]] == ["red", "yellow", "green"]
    assert data["results"][0]["remaining_days"] < 0
    assert data["results"][0]["applicant"] == "张*"  # masked
    assert other.number not in str(data) and decided.number not in str(data)
    page = people.api("reviewer").get(f"{LIST}?page=2&page_size=2").json()
    assert (page["count"], page["pages"], page["page"]) == (3, 2, 2)
    assert [r["number"] for r in page["results"]] == [fresh.number]
    mine = people.api("reviewer").get(f"{LIST}?mine=true").json()
    assert [r["number"] for r in mine["results"]] == [fresh.number]
    waiting = people.api("reviewer").get(f"{LIST}?status=accepted").json()
    assert [r["number"] for r in waiting["results"]] == [old.number, recent.number]


def test_the_halls_list_has_every_case_of_the_hall_newest_first(
    people: People, setup: Setup, hall: Any
) -> None:
    clerk = people.users["clerk"]
    first = accepted_case(setup, hall, clerk, day=datetime.date(2026, 11, 30))
    receiving = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
    )
    data = people.api("clerk").get(LIST).json()
    assert data["role"] == "hall"
    assert [r["number"] for r in data["results"]] == [receiving.number, first.number]
    assert data["results"][0]["light"] == "none"
    assert people.api("clerk_other_hall").get(LIST).json()["count"] == 0


@pytest.mark.parametrize("who", ["reviewer", "clerk"])
def test_the_list_costs_the_same_queries_however_long(
    people: People, setup: Setup, hall: Any, who: str
) -> None:
    api = people.api(who)
    api.get(LIST)  # the token's last use is written once a minute

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(LIST)
        assert response.status_code == 200
        return len(captured)

    for _ in range(2):
        accepted_case(setup, hall, people.users["clerk"])
    few = queries()
    for i in range(6):
        case = accepted_case(setup, hall, people.users["clerk"])
        if i % 2:
            services.claim_case(case=case, actor=people.users["reviewer"])
            services.request_correction(case=case, actor=people.users["reviewer"], items=["补"])
        if i % 3 == 0:
            services.hand_over_paper(cases=[case], actor=people.users["clerk"])
    assert queries() == few
    # token, one permission, count, cases, pauses, 2× calendar
    assert few == 7


def test_one_case_in_detail(people: People, case: Case) -> None:
    services.hand_over_paper(cases=[case], actor=people.users["clerk"])
    data = people.api("reviewer").get(f"/cases/{case.number}").json()
    assert data["status"] == "accepted" and data["status_label"] == "已受理"
    assert data["department"] == case.department.name and data["hall"] == case.hall.name
    assert data["applicant"] == "张三"
    assert data["id_number"] != PERSON_ID and data["id_number"].startswith("110105")
    assert case.tracking_code not in str(data) and case.phone not in str(data)
    assert data["clock"]["light"] == "red" and data["due_on"] == "2026-03-09"
    assert [m["code"] for m in data["materials"]] == ["M01", "M02"]
    assert all(m["paper"] for m in data["materials"])
    assert data["paper"]["state"] == "on_its_way"
    assert data["paper"]["sheet"] == HandOver.objects.get().number
    actions = [e["action"] for e in data["timeline"]]
    assert actions[0] == "case.received" and "case.accepted" in actions
    assert actions[-1] == "case.paper.handed_over"


def test_the_export_is_the_exchange_projection(people: People, case: Case) -> None:
    response = people.api("reviewer").get(f"/cases/{case.number}/export")
    assert response.status_code == 200
    data = response.json()
    assert data == case_exchange(Case.objects.get(pk=case.pk))
    assert data["application"]["id_number"] == PERSON_ID  # unmasked, for staff in scope
    assert data["acceptance"]["tracking_code"] == case.tracking_code


def test_a_reviewers_session_works_with_csrf(people: People, setup: Setup, hall: Any) -> None:
    case = accepted_case(setup, hall, people.users["clerk"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.users["reviewer"])
    session = Api(client=client)
    assert case.number in str(session.get(LIST).json())
    before = state()
    refused = session.post(f"/cases/{case.number}/claim")
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf")
    assert state() == before
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    response = session.post(f"/cases/{case.number}/claim", **{"X-CSRFToken": csrf})
    assert response.status_code == 200, response.content
    assert response.json()["reviewer"] == people.users["reviewer"].display_name


def test_a_clerks_session_cannot_decide(people: People, setup: Setup, hall: Any) -> None:
    case = in_review(setup, hall, people)
    client = Client()
    client.force_login(people.users["clerk"])
    before = state()
    response = Api(client=client).post(f"/cases/{case.number}/decision", ACTIONS["approve"][1])
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert state() == before


def test_the_endpoints_are_documented(people: People) -> None:
    paths = Api().get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/claim",
        "/api/v1/cases/{number}/decision",
        "/api/v1/cases/{number}/export",
    ):
        assert path in paths


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_over_the_api_yield_exactly_one(
    setup: Setup, hall: Any, make_user: Any, department: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    # An earlier transactional test may have flushed the calendar the migrations seeded.
    sync_calendar_from_library()
    clerk = make_user(Role.CLERK)
    reviewers = [make_user(Role.REVIEWER, department=department) for _ in range(8)]
    keys = [
        create_token(hall=hall, kind="staff", name=f"r{i}", user=r, actor=None)[1]
        for i, r in enumerate(reviewers)
    ]
    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewers[0])
    barrier = threading.Barrier(len(reviewers))
    answers: list[tuple[int, str]] = []

    def work(i: int) -> None:
        try:
            body = ACTIONS["approve" if i % 2 == 0 else "deny"][1]
            barrier.wait(timeout=30)
            response = Api(keys[i]).post(f"/cases/{case.number}/decision", body)
            answers.append((response.status_code, response.json().get("code", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(reviewers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [(200, "")] + [(409, "decided")] * (len(reviewers) - 1)
    assert (
        CaseEvent.objects.filter(case=case, action__in=["case.approved", "case.denied"]).count()
        == 1
    )
    case.refresh_from_db()
    assert case.status in (CaseStatus.APPROVED, CaseStatus.DENIED)
