"""The complaint lifecycle, its deadline, the SMS sent and the rules of who may act."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from onewindow.complaints import services
from onewindow.complaints.models import Complaint, ComplaintEvent, ComplaintStatus
from onewindow.complaints.services import ComplaintError
from onewindow.core.calendar import shared_calendar
from onewindow.core.models import AuditEvent

from .conftest import NOW, TZ

pytestmark = pytest.mark.django_db


def test_registration_numbers_the_complaint_and_texts_the_code(
    make_complaint: Any, django_capture_on_commit_callbacks: Any, _sms: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = make_complaint()
        second = make_complaint()
    assert first.number == "TS2026120200001"
    assert second.number == "TS2026120200002"
    assert first.status == ComplaintStatus.REGISTERED
    assert len(first.query_code) == 6 and first.query_code.isdigit()
    # 10 working days from Wednesday 2 December 2026.
    assert first.due_on == datetime.date(2026, 12, 16)
    assert first.reply_limit_days == 10
    assert [m.phone for m in _sms] == ["13800138000", "13800138000"]
    assert first.number in _sms[0].text and first.query_code in _sms[0].text
    event = first.events.get()
    assert (event.action, event.to_status, event.actor) == (
        "complaint.registered",
        "registered",
        first.registered_by,
    )
    assert AuditEvent.objects.filter(action="complaint.registered").count() == 2


def test_no_sms_when_the_registration_rolls_back(
    make_complaint: Any, django_capture_on_commit_callbacks: Any, _sms: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_complaint()
    assert len(callbacks) == 1 and _sms == []


@override_settings(ONEWINDOW_COMPLAINT_REPLY_DAYS=3)
def test_reply_days_come_from_the_setting(make_complaint: Any) -> None:
    complaint = make_complaint()
    assert complaint.reply_limit_days == 3
    assert complaint.due_on == shared_calendar().add_working_days(datetime.date(2026, 12, 2), 3)


@pytest.mark.parametrize(
    ("complainant", "field"),
    [
        (services.Complainant(name="", phone="13800138000"), "name"),
        (services.Complainant(name="李四", phone="12345"), "phone"),
        (
            services.Complainant(name="李四", phone="13800138000", id_number="110105194912310021"),
            "id_number",
        ),
    ],
)
def test_bad_complainant_is_refused_and_nothing_is_saved(
    make_complaint: Any, complainant: Any, field: str
) -> None:
    with pytest.raises(ComplaintError) as error:
        make_complaint(complainant=complainant)
    assert error.value.field == field
    assert Complaint.objects.count() == 0


def test_content_is_required(make_complaint: Any) -> None:
    with pytest.raises(ComplaintError) as error:
        make_complaint(content="  ")
    assert error.value.field == "content"


def test_full_lifecycle_to_closure(
    make_complaint: Any,
    complaint_handler: Any,
    reviewer: Any,
    department: Any,
    django_capture_on_commit_callbacks: Any,
    _sms: Any,
) -> None:
    complaint = make_complaint()
    services.assign_complaint(
        complaint=complaint, department=department, handler=reviewer, actor=complaint_handler
    )
    services.start_handling(complaint=complaint, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_to_complainant(
            complaint=complaint,
            reply="已协调区市监局当场办结",
            cause="buck_passing",
            actor=reviewer,
        )
    assert "已协调区市监局当场办结" in _sms[-1].text
    services.record_satisfaction(complaint=complaint, satisfaction="satisfied", actor=reviewer)
    services.close_complaint(complaint=complaint, actor=reviewer)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.replied_on_time is True
    assert complaint.cause == "buck_passing"
    assert complaint.satisfaction == "satisfied"
    steps = list(complaint.events.values_list("action", "from_status", "to_status"))
    assert steps == [
        ("complaint.registered", "", "registered"),
        ("complaint.assigned", "registered", "assigned"),
        ("complaint.handling", "assigned", "handling"),
        ("complaint.replied", "handling", "replied"),
        ("complaint.satisfaction", "", "replied"),
        ("complaint.closed", "replied", "closed"),
    ]


def test_dissatisfied_complainant_reopens_with_a_fresh_deadline(
    make_complaint: Any, reviewer: Any, department: Any, hall_manager: Any, time_machine: Any
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    services.start_handling(complaint=complaint, actor=reviewer)
    assert Complaint.objects.get().handler == reviewer  # the one who took it up
    services.reply_to_complainant(complaint=complaint, reply="材料已一次性告知", actor=reviewer)
    with pytest.raises(ComplaintError) as error:
        services.reopen_complaint(complaint=complaint, actor=reviewer, note="再办")
    assert error.value.code == "not_dissatisfied"
    services.record_satisfaction(complaint=complaint, satisfaction="dissatisfied", actor=reviewer)
    with pytest.raises(ComplaintError) as error:
        services.close_complaint(complaint=complaint, actor=reviewer)
    assert error.value.field == "note"
    time_machine.move_to(datetime.datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    services.reopen_complaint(complaint=complaint, actor=reviewer, note="群众不满意，重新办理")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REOPENED
    assert complaint.satisfaction == ""
    assert complaint.times_reopened == 1
    assert complaint.due_on == datetime.date(2026, 12, 21)
    services.start_handling(complaint=complaint, actor=reviewer)
    services.reply_to_complainant(complaint=complaint, reply="已现场办结", actor=reviewer)
    services.record_satisfaction(complaint=complaint, satisfaction="basically", actor=reviewer)
    services.close_complaint(complaint=complaint, actor=reviewer)
    assert Complaint.objects.get().status == ComplaintStatus.CLOSED


def test_invalid_transitions_change_nothing(make_complaint: Any, hall_manager: Any) -> None:
    complaint = make_complaint()
    with pytest.raises(ComplaintError) as error:
        services.reply_to_complainant(complaint=complaint, reply="已答复群众", actor=hall_manager)
    assert error.value.code == "transition"
    with pytest.raises(ComplaintError):
        services.close_complaint(complaint=complaint, actor=hall_manager)
    with pytest.raises(ComplaintError) as error:
        services.start_handling(complaint=complaint, actor=hall_manager)
    assert error.value.code == "unassigned"
    assert Complaint.objects.get().status == ComplaintStatus.REGISTERED
    assert ComplaintEvent.objects.count() == 1


def test_close_needs_the_satisfaction(
    make_complaint: Any, hall_manager: Any, department: Any
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    services.start_handling(complaint=complaint, actor=hall_manager)
    services.reply_to_complainant(complaint=complaint, reply="已答复群众", actor=hall_manager)
    with pytest.raises(ComplaintError) as error:
        services.close_complaint(complaint=complaint, actor=hall_manager)
    assert error.value.code == "no_satisfaction"


def test_handler_of_another_department_cannot_close(
    make_complaint: Any,
    hall_manager: Any,
    department: Any,
    reviewer: Any,
    reviewer_other_department: Any,
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    for act in (
        lambda: services.start_handling(complaint=complaint, actor=reviewer_other_department),
        lambda: services.close_complaint(complaint=complaint, actor=reviewer_other_department),
    ):
        with pytest.raises(ComplaintError) as error:
            act()
        assert error.value.code == "forbidden"
        assert "本部门" in error.value.message
    assert Complaint.objects.get().status == ComplaintStatus.ASSIGNED


def test_handler_must_belong_to_the_department(
    make_complaint: Any, hall_manager: Any, department: Any, reviewer_other_department: Any
) -> None:
    complaint = make_complaint()
    with pytest.raises(ComplaintError) as error:
        services.assign_complaint(
            complaint=complaint,
            department=department,
            handler=reviewer_other_department,
            actor=hall_manager,
        )
    assert error.value.field == "handler"
    assert Complaint.objects.get().status == ComplaintStatus.REGISTERED


def test_a_department_member_cannot_assign(
    make_complaint: Any, reviewer: Any, department: Any
) -> None:
    complaint = make_complaint()
    with pytest.raises(ComplaintError):
        services.assign_complaint(complaint=complaint, department=department, actor=reviewer)


def test_hotline_number_registers_once(hall: Any) -> None:
    person = services.Complainant(name="王五", phone="13900139000")
    first, created = services.register_or_find(
        hall=hall,
        channel="hotline",
        complainant=person,
        content="12345转来：社保卡补办不成",
        hotline_number="GD20261202-0001",
        actor=None,
    )
    again, created_again = services.register_or_find(
        hall=hall,
        channel="hotline",
        complainant=person,
        content="12345转来：社保卡补办不成",
        hotline_number="GD20261202-0001",
        actor=None,
    )
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk and Complaint.objects.count() == 1


def test_hotline_channel_needs_its_number(hall: Any) -> None:
    with pytest.raises(ComplaintError) as error:
        services.register_complaint(
            hall=hall,
            channel="hotline",
            complainant=services.Complainant(name="王五", phone="13900139000"),
            content="12345转来：社保卡补办不成",
            actor=None,
        )
    assert error.value.field == "hotline_number"


# --- escalation ---------------------------------------------------------------------------------


def test_overdue_complaint_is_escalated_by_the_command_once(
    make_complaint: Any,
    make_user: Any,
    time_machine: Any,
    django_capture_on_commit_callbacks: Any,
    _sms: Any,
) -> None:
    manager = make_user("hall_manager", phone="13700137000")
    overdue = make_complaint()
    time_machine.move_to(datetime.datetime(2026, 12, 10, 9, 0, tzinfo=TZ))
    fresh = make_complaint()
    # The due day (Wednesday 16 December) itself is not overdue yet.
    time_machine.move_to(datetime.datetime(2026, 12, 16, 18, 0, tzinfo=TZ))
    call_command("escalate_complaints", stdout=_Null())
    assert not Complaint.objects.filter(escalated_at__isnull=False).exists()
    time_machine.move_to(datetime.datetime(2026, 12, 17, 8, 0, tzinfo=TZ))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("escalate_complaints", stdout=_Null())
        call_command("escalate_complaints", stdout=_Null())
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.escalated_at is not None and fresh.escalated_at is None
    assert overdue.events.filter(action="complaint.escalated").count() == 1
    assert [m.phone for m in _sms if "escalated" in m.text or overdue.number in m.text][-1] == (
        manager.phone
    )
    assert services.complaint_clock(overdue, datetime.date(2026, 12, 17)).light == "red"


def test_replied_complaints_are_not_escalated(
    make_complaint: Any, hall_manager: Any, department: Any, time_machine: Any
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    services.start_handling(complaint=complaint, actor=hall_manager)
    services.reply_to_complainant(complaint=complaint, reply="已答复群众", actor=hall_manager)
    time_machine.move_to(datetime.datetime(2026, 12, 31, 9, 0, tzinfo=TZ))
    assert services.escalate_overdue() == []


def test_late_reply_is_counted_late(
    make_complaint: Any, hall_manager: Any, department: Any, time_machine: Any
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    services.start_handling(complaint=complaint, actor=hall_manager)
    time_machine.move_to(datetime.datetime(2026, 12, 17, 9, 0, tzinfo=TZ))
    services.reply_to_complainant(complaint=complaint, reply="已答复群众", actor=hall_manager)
    assert Complaint.objects.get().replied_on_time is False


def test_events_are_never_changed(make_complaint: Any) -> None:
    event = make_complaint().events.get()
    event.note = "changed"
    with pytest.raises(ValueError):
        event.save()


class _Null:
    def write(self, *args: Any) -> None:
        pass


assert NOW.tzinfo is TZ
