"""The request's life: submit, assign, start, notes, appointments, cases, completion, cancel."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from onewindow.assist import services
from onewindow.assist.models import AssistedItem, AssistEvent, AssistRequest, RequestStatus
from onewindow.assist.tests.helpers import OTHER_ID, make_request, offered_item
from onewindow.cases.services import start_intake
from onewindow.cases.tests.factories import PERSON_ID, person
from onewindow.core.models import AuditEvent
from onewindow.tickets import sms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> None:
    settings.ONEWINDOW_SMS_BACKEND = "onewindow.tickets.sms.MemoryBackend"
    sms.outbox.clear()


@pytest.fixture
def setup(hall: Any, department: Any, hall_manager: Any) -> Any:
    return offered_item(hall, department, hall_manager)


def test_an_assisted_item_needs_a_mode_and_is_listed_once(
    hall: Any, department: Any, hall_manager: Any, setup: Any
) -> None:
    with pytest.raises(services.AssistError) as error:
        services.save_assisted_item(hall=hall, item=setup.item, modes=[], actor=hall_manager)
    assert error.value.field == "modes"
    with pytest.raises(services.AssistError) as error:
        services.save_assisted_item(hall=hall, item=setup.item, modes=["help"], actor=hall_manager)
    assert error.value.code == "duplicate"
    assisted = AssistedItem.objects.get()
    assert assisted.modes == ["help", "act"]
    assert AuditEvent.objects.filter(action="assist.item.added").count() == 1
    services.save_assisted_item(
        hall=hall, item=setup.item, modes=["accompany"], actor=hall_manager, assisted=assisted
    )
    assisted.refresh_from_db()
    assert assisted.modes == ["accompany"]
    assert AuditEvent.objects.filter(action="assist.item.changed").count() == 1


def test_a_request_gets_a_number_code_due_date_and_sms(
    hall: Any, setup: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.ONEWINDOW_ASSIST_DAYS = 5
    with django_capture_on_commit_callbacks(execute=True):
        made = make_request(hall, setup.item, phone="138 0013 8000")
    assert made.number.startswith("BB") and len(made.query_code) == 6
    assert made.status == RequestStatus.REQUESTED
    assert made.phone == "13800138000"
    from onewindow.core.calendar import shared_calendar

    assert made.due_on == shared_calendar().add_working_days(timezone.localdate(), 5)
    assert made.number in sms.outbox[0].text and made.query_code in sms.outbox[0].text
    assert AssistEvent.objects.get(request=made).action == "assist.requested"
    second = make_request(hall, setup.item)
    assert second.number != made.number


def test_a_request_must_be_for_an_offered_item_and_mode(
    hall: Any, other_hall: Any, setup: Any
) -> None:
    with pytest.raises(services.AssistError) as error:
        make_request(hall, setup.item, mode="accompany")
    assert error.value.field == "mode"
    with pytest.raises(services.AssistError) as error:
        make_request(other_hall, setup.item)
    assert error.value.field == "item"
    with pytest.raises(services.AssistError) as error:
        make_request(hall, setup.item, id_number="110101199003077778")
    assert error.value.field == "id_number"
    with pytest.raises(services.AssistError) as error:
        make_request(hall, setup.item, phone="12345")
    assert error.value.field == "phone"
    assert not AssistRequest.objects.exists()


def test_only_a_helper_of_the_hall_is_assigned(
    hall: Any,
    other_hall: Any,
    setup: Any,
    make_user: Any,
    hall_manager: Any,
    clerk: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    made = make_request(hall, setup.item)
    far_helper = make_user("helper", hall=other_hall)
    for wrong in (clerk, far_helper, None):
        with pytest.raises(services.AssistError) as error:
            services.assign_request(request=made, helper=wrong, actor=hall_manager)
        assert error.value.field == "helper"
    helper = make_user("helper", full_name="李帮办", phone="13900001111")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = services.assign_request(request=made, helper=helper, actor=hall_manager)
    assert made.status == RequestStatus.ASSIGNED and made.helper == helper
    assert "李帮办" in sms.outbox[0].text
    event = made.events.get(action="assist.assigned")
    assert (event.from_status, event.to_status) == ("requested", "assigned")
    # Re-assigning keeps the status; the same helper twice is refused.
    other = make_user("helper")
    made = services.assign_request(request=made, helper=other, actor=hall_manager)
    assert made.status == RequestStatus.ASSIGNED and made.helper == other
    with pytest.raises(services.AssistError):
        services.assign_request(request=made, helper=other, actor=hall_manager)


@pytest.fixture
def started(hall: Any, setup: Any, helper: Any, hall_manager: Any) -> AssistRequest:
    made = make_request(hall, setup.item)
    services.assign_request(request=made, helper=helper, actor=hall_manager)
    return services.start_request(request=made, actor=helper)


def test_only_the_assigned_helper_works_on_it(
    hall: Any, setup: Any, helper: Any, make_user: Any, hall_manager: Any
) -> None:
    made = make_request(hall, setup.item)
    with pytest.raises(services.AssistError):
        services.start_request(request=made, actor=helper)  # not assigned yet
    services.assign_request(request=made, helper=helper, actor=hall_manager)
    stranger = make_user("helper")
    with pytest.raises(services.AssistError) as error:
        services.start_request(request=made, actor=stranger)
    assert error.value.code == "not_helper"
    made = services.start_request(request=made, actor=helper)
    assert made.status == RequestStatus.IN_PROGRESS and made.started_at
    with pytest.raises(services.AssistError):
        services.start_request(request=made, actor=helper)


def test_notes_and_appointments(
    started: AssistRequest, helper: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(services.AssistError):
        services.add_note(request=started, actor=helper, note="  ")
    services.add_note(request=started, actor=helper, note="已电话联系，约定材料")
    past = timezone.now() - datetime.timedelta(hours=1)
    with pytest.raises(services.AssistError) as error:
        services.add_appointment(request=started, actor=helper, starts_at=past, place="二楼")
    assert error.value.field == "starts_at"
    when = timezone.now() + datetime.timedelta(days=1)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_appointment(
            request=started, actor=helper, starts_at=when, place="二楼帮办代办窗口"
        )
    assert started.appointments.count() == 1
    assert "二楼帮办代办窗口" in sms.outbox[0].text
    assert [e.action for e in started.events.all()][-2:] == ["assist.note", "assist.appointment"]


def test_link_case_checks_item_and_hall(
    hall: Any,
    other_hall: Any,
    department: Any,
    started: AssistRequest,
    helper: Any,
    clerk: Any,
) -> None:
    case = start_intake(
        hall=hall, item=started.item, scenario_code="S01", applicant=person(), actor=helper
    )
    from onewindow.cases.tests.factories import make_case_item

    other_item = make_case_item(department, name="其他事项", status="published").item
    wrong_item = start_intake(
        hall=hall, item=other_item, scenario_code="S01", applicant=person(), actor=clerk
    )
    wrong_hall = start_intake(
        hall=other_hall, item=started.item, scenario_code="S01", applicant=person(), actor=clerk
    )
    with pytest.raises(services.AssistError) as error:
        services.link_case(request=started, case=wrong_item, actor=helper)
    assert error.value.code == "item"
    with pytest.raises(services.AssistError) as error:
        services.link_case(request=started, case=wrong_hall, actor=helper)
    assert error.value.code == "hall"
    services.link_case(request=started, case=case, actor=helper)
    assert list(started.cases.all()) == [case]
    with pytest.raises(services.AssistError) as error:
        services.link_case(request=started, case=case, actor=helper)
    assert error.value.code == "linked"


def test_completion_at_the_window_needs_the_tick_and_the_right_id(
    started: AssistRequest, helper: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(services.AssistError) as error:
        services.complete_at_window(
            request=started, actor=helper, applicant_confirmed=False, id_number=PERSON_ID
        )
    assert error.value.field == "applicant_confirmed"
    with pytest.raises(services.AssistError) as error:
        services.complete_at_window(
            request=started, actor=helper, applicant_confirmed=True, id_number=OTHER_ID
        )
    assert error.value.field == "id_number"
    started.refresh_from_db()
    assert started.status == RequestStatus.IN_PROGRESS
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = services.complete_at_window(
            request=started, actor=helper, applicant_confirmed=True, id_number=PERSON_ID.lower()
        )
    assert done.status == RequestStatus.COMPLETED and done.confirmation == "window"
    assert done.closed_at and done.number in sms.outbox[0].text
    with pytest.raises(services.AssistError):
        services.complete_at_window(
            request=done, actor=helper, applicant_confirmed=True, id_number=PERSON_ID
        )


def test_completion_online_with_the_query_code(started: AssistRequest, helper: Any) -> None:
    with pytest.raises(services.AssistError) as error:
        services.complete_online(request=started, query_code=started.query_code)
    assert error.value.code == "not_asked"
    services.ask_online_confirmation(request=started, actor=helper)
    with pytest.raises(services.AssistError) as error:
        services.complete_online(request=started, query_code="000000x")
    assert error.value.code == "code"
    done = services.complete_online(request=started, query_code=started.query_code)
    assert done.status == RequestStatus.COMPLETED and done.confirmation == "online"


def test_cancel_by_staff_or_applicant(
    hall: Any, setup: Any, started: AssistRequest, helper: Any, clerk: Any, hall_manager: Any
) -> None:
    with pytest.raises(services.AssistError) as error:
        services.cancel_request(request=started, reason="不需要了", actor=clerk)
    assert error.value.code == "not_allowed"
    with pytest.raises(services.AssistError) as error:
        services.cancel_request(request=started, reason=" ", actor=helper)
    assert error.value.field == "reason"
    done = services.cancel_request(request=started, reason="申请人已自行办理", actor=helper)
    assert done.status == RequestStatus.CANCELLED
    with pytest.raises(services.AssistError):
        services.cancel_request(request=done, reason="again", actor=hall_manager)
    other = make_request(hall, setup.item)
    with pytest.raises(services.AssistError):
        services.cancel_request(request=other, reason="x", query_code="999999x")
    other = services.cancel_request(request=other, reason="x", query_code=other.query_code)
    assert other.status == RequestStatus.CANCELLED
    assert other.events.last().data["by_applicant"] is True


def test_events_record_every_step(started: AssistRequest, helper: Any) -> None:
    services.complete_at_window(
        request=started, actor=helper, applicant_confirmed=True, id_number=PERSON_ID
    )
    assert [e.action for e in started.events.all()] == [
        "assist.requested",
        "assist.assigned",
        "assist.started",
        "assist.completed",
    ]
