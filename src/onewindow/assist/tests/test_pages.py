"""The 帮办代办 pages: public list and request with SMS code, tracking, staff pages per role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.assist import services
from onewindow.assist.models import AssistedItem, AssistRequest, RequestStatus
from onewindow.assist.tests.helpers import OTHER_ID, make_request, offered_item
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import PERSON_ID, PHONE
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> Any:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(hall: Any, department: Any, hall_manager: Any) -> Any:
    return offered_item(hall, department, hall_manager)


def _code() -> str:
    match = re.search(r"(\d{6})", sms.outbox[-1].text)
    assert match
    return match.group(1)


# --- public --------------------------------------------------------------------------------------


def test_the_public_list_says_free_and_lists_published_items(
    client: Any, hall: Any, setup: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        page = client.get(reverse("assist:home")).content.decode()
    assert "企业开办" in page and "免费" in page
    AssistedItem.objects.update(active=False)
    assert "企业开办" not in client.get(reverse("assist:home")).content.decode()


def test_a_citizen_requests_help_with_a_confirmed_phone(
    client: Any, hall: Any, setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    form = {
        "item": setup.item.pk,
        "mode": "act",
        "applicant_name": "王秀兰",
        "id_number": PERSON_ID,
        "phone": PHONE,
        "preferred_time": "周三上午",
        "note": "不会用电脑",
    }
    bad = client.post(reverse("assist:request"), {**form, "id_number": OTHER_ID[:-1] + "4"})
    assert bad.status_code == 400 and "ow-error" in bad.content.decode()
    wrong_mode = client.post(reverse("assist:request"), {**form, "mode": "accompany"})
    assert wrong_mode.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assist:request"), form)
    assert response.status_code == 302 and response["Location"] == reverse("assist:request-code")
    assert not AssistRequest.objects.exists()
    wrong = client.post(reverse("assist:request-code"), {"action": "verify", "code": "000000"})
    if _code() != "000000":
        assert wrong.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assist:request-code"), {"action": "verify", "code": _code()}
        )
    assert response.status_code == 302
    made = AssistRequest.objects.get()
    assert (made.channel, made.mode, made.preferred_time) == ("online", "act", "周三上午")
    done = client.get(reverse("assist:request-done")).content.decode()
    assert made.number in done and made.query_code in done
    assert made.query_code in sms.outbox[-1].text


def test_tracking_shows_the_request_only_with_its_code(
    client: Any, hall: Any, setup: Any, helper: Any, hall_manager: Any
) -> None:
    made = make_request(hall, setup.item)
    url = reverse("assist:track")
    miss = client.post(url, {"number": made.number, "query_code": "123456x"})
    assert miss.status_code == 400 and "王秀兰" not in miss.content.decode()
    page = client.post(url, {"number": made.number, "query_code": made.query_code})
    assert page.status_code == 200 and "已申请" in page.content.decode()
    services.assign_request(request=made, helper=helper, actor=hall_manager)
    services.start_request(request=made, actor=helper)
    services.ask_online_confirmation(request=made, actor=helper)
    response = client.post(
        url, {"number": made.number, "query_code": made.query_code, "action": "confirm"}
    )
    assert response.status_code == 200
    made.refresh_from_db()
    assert made.status == RequestStatus.COMPLETED and made.confirmation == "online"


def test_the_applicant_cancels_with_a_reason(client: Any, hall: Any, setup: Any) -> None:
    made = make_request(hall, setup.item)
    url = reverse("assist:track")
    data = {"number": made.number, "query_code": made.query_code, "action": "cancel"}
    assert client.post(url, data).status_code == 400
    assert client.post(url, {**data, "reason": "已自行办理"}).status_code == 200
    made.refresh_from_db()
    assert made.status == RequestStatus.CANCELLED


# --- access per role -----------------------------------------------------------------------------

STAFF_PAGES = {
    "assist:workbench": {Role.HELPER},
    "assist:register": {Role.HELPER, Role.GUIDE, Role.HALL_MANAGER},
    "assist:manage-items": {Role.HALL_MANAGER},
    "assist:manage-requests": {Role.HALL_MANAGER},
    "assist:statistics": {Role.HALL_MANAGER, Role.SUPERVISOR},
}


@pytest.mark.parametrize("name", sorted(STAFF_PAGES))
def test_staff_pages_per_role(name: str, any_persona: Any, client_for: Any, setup: Any) -> None:
    response = client_for(any_persona).get(reverse(name))
    if any_persona is None:
        assert response.status_code == 302
    elif any_persona.role_codes() & STAFF_PAGES[name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_a_request_page_is_for_its_helper_and_the_hall_managers(
    hall: Any,
    other_hall: Any,
    setup: Any,
    helper: Any,
    hall_manager: Any,
    make_user: Any,
    client_for: Any,
    supervisor: Any,
) -> None:
    made = make_request(hall, setup.item)
    services.assign_request(request=made, helper=helper, actor=hall_manager)
    url = reverse("assist:request-detail", args=[made.number])
    assert client_for(helper).get(url).status_code == 200
    assert client_for(hall_manager).get(url).status_code == 200
    assert client_for(make_user("helper")).get(url).status_code == 404  # not theirs
    assert client_for(make_user("hall_manager", hall=other_hall)).get(url).status_code == 404
    assert client_for(make_user("clerk")).get(url).status_code == 403
    assert client_for(supervisor).get(url).status_code == 404  # may count, not handle


def test_a_hall_manager_adds_and_changes_assisted_items(
    hall: Any, department: Any, hall_manager: Any, client_for: Any
) -> None:
    from onewindow.cases.tests.factories import make_case_item

    item = make_case_item(department, name="工程建设项目施工许可", status="published").item
    client = client_for(hall_manager)
    url = reverse("assist:manage-items")
    bad = client.post(url, {"item": item.pk, "sort_order": 1, "active": "on"})
    assert bad.status_code == 400 and "至少" in bad.content.decode()
    assert (
        client.post(
            url, {"item": item.pk, "modes": ["act", "accompany"], "sort_order": 1, "active": "on"}
        ).status_code
        == 302
    )
    assisted = AssistedItem.objects.get()
    again = client.post(url, {"item": item.pk, "modes": ["act"], "sort_order": 1})
    assert again.status_code == 400
    edit = reverse("assist:manage-item", args=[assisted.pk])
    assert (
        client.post(edit, {"item": item.pk, "modes": ["help"], "sort_order": 2}).status_code == 302
    )
    assisted.refresh_from_db()
    assert assisted.modes == ["help"] and assisted.active is False


def test_window_registration_by_a_guide(hall: Any, setup: Any, guide: Any, client_for: Any) -> None:
    client = client_for(guide)
    url = reverse("assist:register")
    form = {
        "item": setup.item.pk,
        "mode": "help",
        "applicant_name": "赵大爷",
        "id_number": PERSON_ID,
        "phone": PHONE,
    }
    bad = client.post(url, {**form, "phone": "123"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert client.post(url, form).status_code == 302
    made = AssistRequest.objects.get()
    assert made.channel == "window" and made.events.get().actor == guide


def test_assign_start_and_complete_through_the_request_page(
    hall: Any, setup: Any, helper: Any, hall_manager: Any, client_for: Any
) -> None:
    made = make_request(hall, setup.item)
    url = reverse("assist:request-detail", args=[made.number])
    manager = client_for(hall_manager)
    assert manager.post(url, {"action": "assign", "assign-helper": ""}).status_code == 400
    assert manager.post(url, {"action": "assign", "assign-helper": helper.pk}).status_code == 302
    # The helper may not assign.
    own = client_for(helper)
    assert own.post(url, {"action": "assign", "assign-helper": helper.pk}).status_code == 404
    assert own.post(url, {"action": "start"}).status_code == 302
    assert own.post(url, {"action": "note", "note-note": "已联系"}).status_code == 302
    response = own.post(
        url,
        {
            "action": "complete",
            "complete-applicant_confirmed": "on",
            "complete-id_number": OTHER_ID,
        },
    )
    assert response.status_code == 400 and "不一致" in response.content.decode()
    made.refresh_from_db()
    assert made.status == RequestStatus.IN_PROGRESS
    response = own.post(
        url,
        {
            "action": "complete",
            "complete-applicant_confirmed": "on",
            "complete-id_number": PERSON_ID,
        },
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == RequestStatus.COMPLETED


def test_the_helper_starts_intake_as_the_agent_and_the_case_is_linked(
    hall: Any, setup: Any, helper: Any, hall_manager: Any, client_for: Any
) -> None:
    made = make_request(hall, setup.item)
    services.assign_request(request=made, helper=helper, actor=hall_manager)
    services.start_request(request=made, actor=helper)
    client = client_for(helper)
    detail = client.get(reverse("assist:request-detail", args=[made.number])).content.decode()
    start = reverse("cases:intake-start", args=[setup.item.pk]) + f"?assist={made.number}"
    assert start.replace("?", "?") in detail.replace("&amp;", "&")
    page = client.get(start).content.decode()
    assert 'value="王秀兰"' in page and f'value="{PERSON_ID}"' in page
    assert f'value="{helper.display_name}"' in page
    response = client.post(
        start,
        {
            "scenario": "S01",
            "kind": "person",
            "name": "王秀兰",
            "id_type": "resident_id",
            "id_number": PERSON_ID,
            "phone": PHONE,
            "agent_name": helper.display_name,
            "agent_id_number": OTHER_ID,
        },
    )
    assert response.status_code == 302, re.findall(
        r"text-danger[^>]*>([^<]*)<", response.content.decode()
    )
    case = Case.objects.get()
    assert case.agent_name == helper.display_name
    assert list(made.cases.all()) == [case]
    # Without ?assist, or for someone else's request, nothing is prefilled or linked.
    other = client_for(hall_manager).get(start)
    assert other.status_code == 403


def test_list_pages_have_pinned_query_counts(
    hall: Any,
    setup: Any,
    helper: Any,
    hall_manager: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for _n in range(12):
        made = make_request(hall, setup.item)
        services.assign_request(request=made, helper=helper, actor=hall_manager)
    own, manager = client_for(helper), client_for(hall_manager)
    with django_assert_max_num_queries(10):
        page = own.get(reverse("assist:workbench"))
    assert page.content.decode().count("data-request=") == 12
    with django_assert_max_num_queries(11):
        page = manager.get(reverse("assist:manage-requests"))
    assert page.content.decode().count("data-request=") == 12


def test_statistics_count_seeded_requests(
    hall: Any, setup: Any, helper: Any, hall_manager: Any, client_for: Any
) -> None:
    done = make_request(hall, setup.item, mode="act")
    services.assign_request(request=done, helper=helper, actor=hall_manager)
    services.start_request(request=done, actor=helper)
    services.complete_at_window(
        request=done, actor=helper, applicant_confirmed=True, id_number=PERSON_ID
    )
    make_request(hall, setup.item, mode="help")
    cancelled = make_request(hall, setup.item, mode="help")
    services.cancel_request(request=cancelled, reason="x", actor=hall_manager)
    from onewindow.assist import queries

    stats = queries.statistics(hall.pk)
    assert stats["total"] == 3
    assert [n for _label, n in stats["by_mode"]] == [2, 1, 0]  # help, act, accompany
    assert [n for _label, n in stats["by_status"]] == [1, 0, 0, 1, 1]
    assert stats["completed"] == 1 and stats["on_time"] == 1 and stats["on_time_rate"] == 100.0
    assert stats["average_days"] == 0.0
    assert stats["by_item"] == [{"item__name": "企业开办", "n": 3}]
    page = client_for(hall_manager).get(reverse("assist:statistics")).content.decode()
    assert 'id="ow-total">3<' in page


def test_the_kiosk_links_to_the_assisted_items(client: Any, hall: Any) -> None:
    page = client.get(reverse("kiosk:start", args=[hall.code])).content.decode()
    assert f"{reverse('assist:home')}?hall={hall.code}" in page and "免费帮办代办" in page


def test_statistics_page_query_count_is_pinned(
    hall: Any,
    setup: Any,
    hall_manager: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for _n in range(6):
        make_request(hall, setup.item)
    manager = client_for(hall_manager)
    with django_assert_max_num_queries(12):
        assert manager.get(reverse("assist:statistics")).status_code == 200
