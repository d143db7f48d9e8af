"""Hand-over pages (材料流转): the front desk makes and prints the sheet, the department's back
office confirms it; who may see which sheet, what a refused sheet changes, query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent, HandOver, HandOverCase
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake import at
from onewindow.cases.tests.test_review import MONDAY, accepted_case

pytestmark = pytest.mark.django_db

QUEUE = reverse("cases:handover-queue")
SHEETS = reverse("cases:handover-sheets")
INCOMING = reverse("cases:handover-incoming")


def sheet_url(sheet: HandOver) -> str:
    return reverse("cases:handover-sheet", args=[sheet.number])


def receive_url(sheet: HandOver) -> str:
    return reverse("cases:handover-receive", args=[sheet.number])


@pytest.fixture
def setup(department: Any) -> Setup:
    return make_case_item(department)


@pytest.fixture
def other_setup(other_department: Any) -> Setup:
    return make_case_item(other_department)


def state() -> tuple[Any, ...]:
    """Everything a hand-over may change."""
    return (
        list(HandOver.objects.order_by("pk").values_list("number", "confirmed_at")),
        list(HandOverCase.objects.order_by("pk").values_list("case_id", "hand_over_id")),
        CaseEvent.objects.count(),
    )


# --- who may open what ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, SHEETS])
def test_front_desk_pages_are_for_clerks(url: str, any_persona: Any, client_for: Any):
    response = client_for(any_persona).get(url)
    if any_persona is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif any_persona.has_role(Role.CLERK, Role.HELPER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_the_incoming_page_is_for_reviewers(any_persona: Any, client_for: Any):
    response = client_for(any_persona).get(INCOMING)
    if any_persona is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif any_persona.has_role(Role.REVIEWER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_a_reviewer_without_a_department_is_told_why(make_user: Any, client_for: Any):
    response = client_for(make_user(Role.REVIEWER)).get(INCOMING)
    assert response.status_code == 403
    assert "部门" in response.content.decode()


def test_navigation_offers_the_pages_to_their_roles(
    clerk: Any, reviewer: Any, certificate_clerk: Any, client_for: Any
):
    home = reverse("core:home")
    queue, incoming = f'href="{QUEUE}"', f'href="{INCOMING}"'
    clerk_home = client_for(clerk).get(home).content.decode()
    assert queue in clerk_home and incoming not in clerk_home
    reviewer_home = client_for(reviewer).get(home).content.decode()
    assert incoming in reviewer_home and queue not in reviewer_home
    other_home = client_for(certificate_clerk).get(home).content.decode()
    assert queue not in other_home and incoming not in other_home


def test_each_sheet_is_seen_by_its_hall_and_its_department_only(
    setup: Setup,
    hall: Any,
    other_hall: Any,
    clerk: Any,
    reviewer: Any,
    reviewer_other_department: Any,
    certificate_clerk: Any,
    make_user: Any,
    client_for: Any,
):
    sheet = services.hand_over_paper(cases=[accepted_case(setup, hall, clerk)], actor=clerk)
    other_clerk = make_user(Role.CLERK, hall=other_hall)
    assert client_for(clerk).get(sheet_url(sheet)).status_code == 200
    assert client_for(reviewer).get(sheet_url(sheet)).status_code == 200
    assert client_for(reviewer).get(receive_url(sheet)).status_code == 200
    assert client_for(other_clerk).get(sheet_url(sheet)).status_code == 404
    assert client_for(reviewer_other_department).get(sheet_url(sheet)).status_code == 404
    assert client_for(reviewer_other_department).get(receive_url(sheet)).status_code == 404
    assert client_for(clerk).get(receive_url(sheet)).status_code == 403
    assert client_for(certificate_clerk).get(sheet_url(sheet)).status_code == 403
    assert client_for(certificate_clerk).get(receive_url(sheet)).status_code == 403
    anonymous = client_for(None)
    assert anonymous.get(sheet_url(sheet)).status_code == 302
    assert anonymous.post(receive_url(sheet)).status_code == 302
    assert sheet.number not in client_for(other_clerk).get(SHEETS).content.decode()
    assert sheet.number not in client_for(reviewer_other_department).get(INCOMING).content.decode()


# --- the front desk ------------------------------------------------------------------------------


def test_paper_to_hand_over_is_grouped_by_department_with_document_counts(
    setup: Setup,
    other_setup: Setup,
    hall: Any,
    other_hall: Any,
    clerk: Any,
    make_user: Any,
    client_for: Any,
):
    mine = [accepted_case(setup, hall, clerk) for _ in range(2)]
    other_department_case = accepted_case(other_setup, hall, clerk)
    receiving = services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
    )
    other_clerk = make_user(Role.CLERK, hall=other_hall)
    elsewhere = accepted_case(setup, other_hall, other_clerk)
    html = client_for(clerk).get(QUEUE).content.decode()
    for case in [*mine, other_department_case]:
        assert f'data-case="{case.number}"' in html
    assert receiving.number not in html  # not accepted yet
    assert elsewhere.number not in html  # another hall's
    assert html.count('class="card mb-3 ow-handover-group"') == 2
    assert "2 件办件，纸质材料 4 份" in html  # two materials on paper per case
    assert elsewhere.number in client_for(other_clerk).get(QUEUE).content.decode()


def test_a_clerk_makes_and_prints_a_sheet(
    setup: Setup, hall: Any, clerk: Any, client_for: Any, department: Any
):
    cases = [accepted_case(setup, hall, clerk) for _ in range(2)]
    client = client_for(clerk)
    response = client.post(QUEUE, {"cases": [c.number for c in cases]})
    sheet = HandOver.objects.get()
    assert response.status_code == 302
    assert response["Location"] == sheet_url(sheet)
    assert sheet.created_by == clerk and sheet.department == department
    html = client.get(sheet_url(sheet)).content.decode()
    assert "纸质材料交接单" in html and sheet.number in html
    assert hall.name in html and department.name in html and clerk.display_name in html
    for case in cases:
        assert case.number in html and case.item.name in html and case.applicant_name in html
    assert html.count("签字") == 2  # both sides sign
    assert "交接单" in html and "已生成" in html  # the message on the printout's toolbar
    # The dossiers left the list; the sheet waits for the department.
    assert cases[0].number not in client.get(QUEUE).content.decode()
    listing = client.get(SHEETS).content.decode()
    assert sheet.number in listing and 'data-state="waiting"' in listing


def test_a_sheet_with_cases_of_two_departments_is_refused(
    setup: Setup, other_setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    cases = [accepted_case(setup, hall, clerk), accepted_case(other_setup, hall, clerk)]
    before = state()
    response = client_for(clerk).post(QUEUE, {"cases": [c.number for c in cases]})
    assert response.status_code == 400
    assert "一个部门" in response.content.decode()
    assert state() == before
    # The clerk's choice is kept for the next try.
    assert response.content.decode().count(" checked>") == 2


def test_a_dossier_that_travelled_cannot_go_again(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    travelled, fresh = accepted_case(setup, hall, clerk), accepted_case(setup, hall, clerk)
    services.hand_over_paper(cases=[travelled], actor=clerk)
    before = state()
    response = client_for(clerk).post(QUEUE, {"cases": [fresh.number, travelled.number]})
    assert response.status_code == 400
    assert f"办件 {travelled.number} 的纸质材料已经移交" in response.content.decode()
    assert state() == before


def test_cases_of_another_hall_or_none_at_all_are_refused(
    setup: Setup, hall: Any, other_hall: Any, clerk: Any, make_user: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk)
    other_clerk = make_user(Role.CLERK, hall=other_hall)
    before = state()
    response = client_for(other_clerk).post(QUEUE, {"cases": [case.number]})
    assert response.status_code == 400
    assert case.number in response.content.decode()  # "… is not a case of this hall"
    response = client_for(clerk).post(QUEUE, {})
    assert response.status_code == 400
    assert "请选择要交接的办件" in response.content.decode()
    assert state() == before
    for outsider in ("reviewer", "certificate_clerk"):
        user = make_user(outsider)
        assert client_for(user).post(QUEUE, {"cases": [case.number]}).status_code == 403
    assert client_for(None).post(QUEUE, {"cases": [case.number]}).status_code == 302
    assert state() == before


# --- the back office -----------------------------------------------------------------------------


def test_the_department_confirms_receipt_once(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    reviewer_other_department: Any,
    client_for: Any,
):
    cases = [accepted_case(setup, hall, clerk) for _ in range(2)]
    sheet = services.hand_over_paper(cases=cases, actor=clerk, now=at(MONDAY, 16))
    client = client_for(reviewer)
    waiting = client.get(INCOMING).content.decode()
    assert sheet.number in waiting and "等待确认" in waiting
    # Another department and the front desk cannot confirm.
    before = state()
    assert client_for(reviewer_other_department).post(receive_url(sheet)).status_code == 404
    assert client_for(clerk).post(receive_url(sheet)).status_code == 403
    assert state() == before

    response = client.post(receive_url(sheet))
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.confirmed_by == reviewer and sheet.confirmed_at is not None
    assert CaseEvent.objects.filter(action="case.paper.received").count() == 2
    page = client.get(receive_url(sheet)).content.decode()
    assert 'data-state="confirmed"' in page and f'action="{receive_url(sheet)}"' not in page

    before = state()
    again = client.post(receive_url(sheet))
    assert again.status_code == 400
    assert "此交接单已确认接收" in again.content.decode()
    assert state() == before
    listing = client_for(clerk).get(SHEETS).content.decode()
    assert 'data-state="confirmed"' in listing and reviewer.display_name in listing


def test_the_review_pages_show_how_the_materials_arrived(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, client_for: Any
):
    case = accepted_case(setup, hall, clerk, day=MONDAY)
    client = client_for(reviewer)
    review = reverse("cases:review-case", args=[case.number])
    html = client.get(review).content.decode()
    assert "电子材料已于 2026-03-02 10:00 随受理送达" in html
    assert "纸质材料（2 份）尚未移交" in html
    queue = client.get(reverse("cases:review-queue")).content.decode()
    assert 'data-paper="none"' in queue

    sheet = services.hand_over_paper(cases=[case], actor=clerk, now=at(MONDAY, 16))
    html = client.get(review).content.decode()
    assert "纸质材料移交中" in html and sheet.number in html
    assert 'data-paper="on_its_way"' in client.get(reverse("cases:review-queue")).content.decode()

    services.confirm_hand_over(hand_over=sheet, actor=reviewer, now=at(MONDAY, 17))
    html = client.get(review).content.decode()
    assert "纸质材料已于 2026-03-02 17:00 接收" in html
    assert 'data-paper="received"' in client.get(reverse("cases:review-queue")).content.decode()


# --- query counts --------------------------------------------------------------------------------


def _fill(setup: Setup, hall: Any, clerk: Any, n: int) -> list[Case]:
    return [
        accepted_case(setup, hall, clerk, day=MONDAY + datetime.timedelta(days=i % 3))
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 5])
def test_front_desk_lists_cost_a_fixed_number_of_queries(
    n: int,
    setup: Setup,
    other_setup: Setup,
    hall: Any,
    clerk: Any,
    client_for: Any,
    django_assert_num_queries: Any,
):
    _fill(setup, hall, clerk, n)
    _fill(other_setup, hall, clerk, n)
    for case in _fill(setup, hall, clerk, n):
        services.hand_over_paper(cases=[case], actor=clerk)
    client = client_for(clerk)
    client.get(QUEUE)  # the session and permissions are loaded once
    # session, user, 2× permissions, the cases with their counts, the hall (header)
    with django_assert_num_queries(6):
        assert client.get(QUEUE).status_code == 200
    # session, user, 2× permissions, the sheets with their counts, the hall (header)
    with django_assert_num_queries(6):
        assert client.get(SHEETS).status_code == 200


@pytest.mark.parametrize("n", [1, 5])
def test_the_incoming_list_costs_a_fixed_number_of_queries(
    n: int,
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    client_for: Any,
    django_assert_num_queries: Any,
):
    sheets = [
        services.hand_over_paper(cases=[c], actor=clerk) for c in _fill(setup, hall, clerk, n)
    ]
    for sheet in sheets[: n // 2 + 1]:
        services.confirm_hand_over(hand_over=sheet, actor=reviewer)
    client = client_for(reviewer)
    client.get(INCOMING)
    # session, user, 2× permissions, department, waiting, confirmed, the hall (header)
    with django_assert_num_queries(8):
        assert client.get(INCOMING).status_code == 200


def test_the_work_queue_still_costs_ten_queries_with_hand_overs(
    setup: Setup,
    hall: Any,
    clerk: Any,
    reviewer: Any,
    client_for: Any,
    django_assert_num_queries: Any,
):
    cases = _fill(setup, hall, clerk, 4)
    sheet = services.hand_over_paper(cases=cases[:2], actor=clerk)
    services.confirm_hand_over(hand_over=sheet, actor=reviewer)
    services.hand_over_paper(cases=cases[2:3], actor=clerk)
    client = client_for(reviewer)
    url = reverse("cases:review-queue")
    client.get(url)
    # session, user, 2× permissions, department, cases (with their sheets), pauses, 2× calendar,
    # the hall (header)
    with django_assert_num_queries(10):
        html = client.get(url).content.decode()
    assert html.count('data-paper="received"') == 2
    assert html.count('data-paper="on_its_way"') == 1
    assert html.count('data-paper="none"') == 1
