"""The clerk's intake pages: pick the item, open the case, check materials, decide the outcome."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases.models import Case, CaseStatus, MaterialState
from onewindow.cases.tests.factories import PERSON_ID, PHONE, Setup, make_case_item
from onewindow.catalog.models import Delegation, Power

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    department.window_location = "二楼 12 号窗口"
    department.save()
    return make_case_item(department, name="食品经营许可", status="published")


def applicant(**extra: str) -> dict[str, str]:
    data = {
        "scenario": "S01",
        "kind": "person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": PERSON_ID,
        "phone": PHONE,
    }
    data.update(extra)
    return data


def test_only_clerks_receive(setup: Setup, any_persona: Any, client_for: Any):
    for url in (
        reverse("cases:intake-pick"),
        reverse("cases:intake-start", args=[setup.item.pk]),
    ):
        response = client_for(any_persona).get(url)
        if any_persona is None:
            assert response.status_code == 302
        elif any_persona.has_role(Role.CLERK, Role.HELPER):
            assert response.status_code == 200
        else:
            assert response.status_code == 403


def test_a_clerk_opens_checks_and_accepts_a_case(setup: Setup, clerk: Any, client_for: Any):
    client = client_for(clerk)
    response = client.post(reverse("cases:intake-start", args=[setup.item.pk]), applicant())
    assert response.status_code == 302
    case = Case.objects.get()
    url = reverse("cases:intake-case", args=[case.number])
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "申请表" in page and "营业执照" in page
    for code in ("M01", "M02"):
        response = client.post(
            url,
            {
                "action": "material",
                "code": code,
                f"{code}-state": "received",
                f"{code}-paper": "on",
                f"{code}-copies": "1",
            },
        )
        assert response.status_code == 302
    assert client.post(url, {"action": "accept"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.received_by == clerk


def test_bad_applicant_data_stands_next_to_its_field(setup: Setup, clerk: Any, client_for: Any):
    response = client_for(clerk).post(
        reverse("cases:intake-start", args=[setup.item.pk]),
        applicant(id_number="110105194912310021"),
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
    html = response.content.decode()
    message = "身份证号码校验位不正确"
    assert html.index('name="id_number"') < html.index(message) < html.index('name="credit_code"')


def test_without_the_power_to_receive_the_clerk_is_told_where_to_send_the_applicant(
    setup: Setup, clerk: Any, client_for: Any
):
    Delegation.objects.filter(item=setup.item, power=Power.RECEIVE).delete()
    client = client_for(clerk)
    page = client.get(reverse("cases:intake-start", args=[setup.item.pk])).content.decode()
    assert "二楼 12 号窗口" in page
    response = client.post(reverse("cases:intake-start", args=[setup.item.pk]), applicant())
    assert response.status_code == 400 and not Case.objects.exists()


def test_a_one_time_notice_from_the_page_and_a_material_error_in_its_row(
    setup: Setup, clerk: Any, client_for: Any
):
    client = client_for(clerk)
    client.post(reverse("cases:intake-start", args=[setup.item.pk]), applicant())
    case = Case.objects.get()
    url = reverse("cases:intake-case", args=[case.number])
    # "Needs correcting" without saying what: refused, shown in the material's row.
    response = client.post(url, {"action": "material", "code": "M01", "M01-state": "wrong"})
    assert response.status_code == 400
    assert "请说明需要补正的内容" in response.content.decode()
    assert case.materials.get(code="M01").state == MaterialState.MISSING
    assert client.post(url, {"action": "notice"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_GIVEN
    assert client.post(url, {"action": "accept"}).status_code == 400  # forged: nothing changes
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_GIVEN
    assert client.post(url, {"action": "resume"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.visits) == (CaseStatus.RECEIVED, 2)


def test_another_halls_clerk_cannot_open_the_case(
    setup: Setup, clerk: Any, client_for: Any, make_user: Any, other_hall: Any
):
    client_for(clerk).post(reverse("cases:intake-start", args=[setup.item.pk]), applicant())
    case = Case.objects.get()
    outsider = make_user(Role.CLERK, hall=other_hall)
    url = reverse("cases:intake-case", args=[case.number])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).post(url, {"action": "accept"}).status_code == 404


def test_refusal_needs_a_reason(setup: Setup, clerk: Any, client_for: Any):
    client = client_for(clerk)
    client.post(reverse("cases:intake-start", args=[setup.item.pk]), applicant())
    case = Case.objects.get()
    url = reverse("cases:intake-case", args=[case.number])
    assert client.post(url, {"action": "refuse", "refuse-reason": ""}).status_code == 400
    response = client.post(
        url, {"action": "refuse", "refuse-reason": "不属于本机关职权", "refuse-go_to": "市局"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED


def test_an_application_taken_from_the_window_keeps_its_ticket(setup: Setup, client_for: Any):
    import datetime

    from django.utils import timezone

    from onewindow.tickets import services as queue
    from onewindow.tickets.tests.factories import make_setup

    hall_setup = make_setup(windows=2)
    hall_setup.a.issue_from, hall_setup.a.issue_until = datetime.time(0), datetime.time(23, 59)
    hall_setup.a.save()
    window, clerk = hall_setup.windows[0], hall_setup.clerk(0)
    now = timezone.now()
    ticket = queue.issue_ticket(hall=hall_setup.hall, queue=hall_setup.a, now=now)
    other = queue.issue_ticket(hall=hall_setup.hall, queue=hall_setup.a, now=now)
    queue.call_next(window=window, actor=clerk, now=now)
    queue.start_service(ticket=ticket, actor=clerk, now=now)
    client = client_for(clerk)
    page = client.get(reverse("workstation:page")).content.decode()
    assert f"{reverse('cases:intake-pick')}?ticket={ticket.pk}" in page

    start = reverse("cases:intake-start", args=[setup.item.pk])
    assert client.post(start, applicant(ticket=str(ticket.pk))).status_code == 302
    assert Case.objects.get().ticket_id == ticket.pk
    # A ticket that is not at this clerk's window is not attached.
    Case.objects.all().delete()
    assert client.post(start, applicant(ticket=str(other.pk))).status_code == 302
    assert Case.objects.get().ticket_id is None


def test_a_correction_comes_back_through_the_front_desk(
    setup: Setup, hall: Any, clerk: Any, reviewer: Any, client_for: Any
):
    from onewindow.cases import services
    from onewindow.cases.tests.test_review import accepted_case

    case = accepted_case(setup, hall, clerk)
    services.claim_case(case=case, actor=reviewer)
    services.request_correction(case=case, actor=reviewer, items=["补充股东会决议"])
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    assert "补充股东会决议" in client.get(url).content.decode()
    assert client.post(url, {"action": "supplement"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.visits) == (CaseStatus.IN_REVIEW, 2)
    assert case.due_on is not None
    assert client.post(url, {"action": "supplement"}).status_code == 400  # not twice
