"""Checking several materials at once: the service (all or nothing) and the page's 全部收齐."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent, CaseMaterial, MaterialState
from onewindow.cases.services import CaseError, MaterialCheck
from onewindow.cases.tests.factories import Setup, make_case_item, person
from onewindow.cases.tests.test_intake import MONDAY, at
from onewindow.catalog.models import Delegation, Power

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(department: Any) -> Setup:
    department.window_location = "二楼 12 号窗口"
    department.save()
    return make_case_item(department, name="食品经营许可", status="published")


def opened(setup: Setup, hall: Any, clerk: Any, **kw: Any) -> Case:
    return services.start_intake(
        hall=hall,
        item=setup.item,
        scenario_code=setup.scenario_code,
        applicant=person(),
        actor=clerk,
        **kw,
    )


def received(**kw: Any) -> MaterialCheck:
    return MaterialCheck(state=MaterialState.RECEIVED, paper=True, copies=1, **kw)


def test_several_checks_are_saved_together_with_one_event_each(setup: Setup, hall: Any, clerk: Any):
    case = opened(setup, hall, clerk, now=at(MONDAY))
    materials = services.check_materials(
        case=case,
        checks={"M01": received(original_verified=True), "M02": received()},
        actor=clerk,
        now=at(MONDAY, 11),
    )
    assert [m.code for m in materials] == ["M01", "M02"]
    rows = {m.code: m for m in CaseMaterial.objects.filter(case=case)}
    assert rows["M01"].state == rows["M02"].state == MaterialState.RECEIVED
    assert rows["M01"].original_verified and rows["M01"].verified_by == clerk
    assert not rows["M02"].original_verified and rows["M02"].copies == 1
    events = list(CaseEvent.objects.filter(case=case, action="case.material.checked"))
    assert sorted(e.data["material"] for e in events) == ["M01", "M02"]
    # The power is recorded on the check that used it, and only there.
    assert {e.data["material"]: e.power for e in events} == {
        "M01": Power.VERIFY_ORIGINAL,
        "M02": "",
    }


def test_one_bad_check_saves_none_and_names_its_material(setup: Setup, hall: Any, clerk: Any):
    case = opened(setup, hall, clerk, now=at(MONDAY))
    with pytest.raises(CaseError) as raised:
        services.check_materials(
            case=case,
            checks={
                "M01": received(),
                # 容缺 without the date it will be supplied by
                "M02": MaterialCheck(state=MaterialState.DEFERRED),
            },
            actor=clerk,
            now=at(MONDAY, 11),
        )
    assert raised.value.material == "M02" and raised.value.field == "deferred_until"
    assert set(CaseMaterial.objects.filter(case=case).values_list("state", flat=True)) == {
        MaterialState.MISSING
    }
    assert not CaseEvent.objects.filter(case=case, action="case.material.checked").exists()


def test_an_unknown_material_saves_none(setup: Setup, hall: Any, clerk: Any):
    case = opened(setup, hall, clerk)
    with pytest.raises(CaseError) as raised:
        services.check_materials(
            case=case, checks={"M01": received(), "M99": received()}, actor=clerk
        )
    assert raised.value.code == "not_found"
    assert not CaseEvent.objects.filter(case=case, action="case.material.checked").exists()
    with pytest.raises(CaseError):
        services.check_materials(case=case, checks={}, actor=clerk)


def test_verifying_an_original_without_the_power_saves_none(setup: Setup, hall: Any, clerk: Any):
    Delegation.objects.filter(item=setup.item, power=Power.VERIFY_ORIGINAL).delete()
    case = opened(setup, hall, clerk)
    with pytest.raises(CaseError) as raised:
        services.check_materials(
            case=case,
            checks={"M02": received(), "M01": received(original_verified=True)},
            actor=clerk,
        )
    assert raised.value.code == "not_delegated"
    assert not CaseMaterial.objects.filter(case=case, state=MaterialState.RECEIVED).exists()


def test_remaining_as_received_leaves_checked_materials_alone(setup: Setup, hall: Any, clerk: Any):
    case = opened(setup, hall, clerk)
    services.check_material(
        case=case,
        code="M02",
        check=MaterialCheck(state=MaterialState.MISSING, reason="营业执照过期"),
        actor=clerk,
    )
    checks = services.remaining_as_received(Case.objects.get(pk=case.pk), may_verify=True)
    assert list(checks) == ["M01"]
    assert checks["M01"] == MaterialCheck(
        state=MaterialState.RECEIVED, paper=True, copies=0, original_verified=True
    )
    no_power = services.remaining_as_received(Case.objects.get(pk=case.pk), may_verify=False)
    assert not no_power["M01"].original_verified


def _post_all(client: Any, case: Case) -> Any:
    return client.post(reverse("cases:intake-case", args=[case.number]), {"action": "receive_all"})


def test_the_page_receives_every_unchecked_material_in_one_click(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = opened(setup, hall, clerk)
    client = client_for(clerk)
    url = reverse("cases:intake-case", args=[case.number])
    page = client.get(url).content.decode()
    assert 'value="receive_all"' in page and "其余2项材料全部收齐" in page
    assert "原件已核验" in page
    response = _post_all(client, case)
    assert response.status_code == 302
    rows = {m.code: m for m in CaseMaterial.objects.filter(case=case)}
    assert all(m.state == MaterialState.RECEIVED and m.paper for m in rows.values())
    assert rows["M01"].original_verified  # originals seen: the window holds the power
    assert rows["M02"].copies == 1  # the copies the checklist asks for
    page = client.get(url).content.decode()
    assert 'value="receive_all"' not in page  # nothing left to check
    # A second (double-tapped or forged) post changes nothing and says why.
    before = CaseEvent.objects.filter(case=case).count()
    response = _post_all(client, case)
    assert response.status_code == 400
    assert "所有材料均已核验" in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == before


def test_without_the_power_originals_are_not_marked_seen(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    Delegation.objects.filter(item=setup.item, power=Power.VERIFY_ORIGINAL).delete()
    case = opened(setup, hall, clerk)
    client = client_for(clerk)
    page = client.get(reverse("cases:intake-case", args=[case.number])).content.decode()
    assert "原件已核验" not in page.split("data-receive-all")[1].split("</form>")[0]
    assert _post_all(client, case).status_code == 302
    assert not CaseMaterial.objects.filter(case=case, original_verified=True).exists()
    assert CaseMaterial.objects.filter(case=case, state=MaterialState.RECEIVED).count() == 2


def test_only_the_cases_own_hall_may_receive_all(
    setup: Setup, hall: Any, other_hall: Any, clerk: Any, make_user: Any, client_for: Any
):
    case = opened(setup, hall, clerk)
    stranger = make_user(Role.CLERK, hall=other_hall)
    assert _post_all(client_for(stranger), case).status_code == 404
    assert not CaseMaterial.objects.filter(case=case, state=MaterialState.RECEIVED).exists()


def test_receive_all_is_only_for_cases_being_received(
    setup: Setup, hall: Any, clerk: Any, client_for: Any
):
    case = opened(setup, hall, clerk)
    services.refuse_case(case=case, actor=clerk, reason="不属于本机关职权范围")
    response = _post_all(client_for(clerk), case)
    assert response.status_code == 400
    assert not CaseMaterial.objects.filter(case=case, state=MaterialState.RECEIVED).exists()


def test_a_deferred_date_in_the_past_is_refused_next_to_its_material(
    setup: Setup, hall: Any, clerk: Any
):
    case = opened(setup, hall, clerk, now=at(MONDAY))
    with pytest.raises(CaseError) as raised:
        services.check_materials(
            case=case,
            checks={
                "M02": MaterialCheck(
                    state=MaterialState.DEFERRED, deferred_until=MONDAY - datetime.timedelta(1)
                )
            },
            actor=clerk,
            now=at(MONDAY, 11),
        )
    assert raised.value.material == "M02"
