"""Staff pages: who may use them, identity masking, department scope, errors by field."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from onewindow.accounts.models import Role
from onewindow.complaints import services
from onewindow.complaints.models import Complaint, ComplaintStatus
from onewindow.core.models import AuditEvent

from .conftest import TZ

pytestmark = pytest.mark.django_db

LIST_ROLES = {Role.COMPLAINT_HANDLER, Role.REVIEWER, Role.HALL_MANAGER, Role.SUPERVISOR}
REGISTER_ROLES = {Role.COMPLAINT_HANDLER, Role.HALL_MANAGER}
STATISTICS_ROLES = {Role.HALL_MANAGER, Role.SUPERVISOR}


def _expected(persona: Any, allowed: set[str]) -> int:
    if persona is None:
        return 302
    return 200 if persona.role_codes() & allowed else 403


@pytest.mark.parametrize(
    ("url_name", "allowed"),
    [
        ("complaints:list", LIST_ROLES),
        ("complaints:register", REGISTER_ROLES),
        ("complaints:statistics", STATISTICS_ROLES),
    ],
)
def test_staff_pages_per_role(
    any_persona: Any, client_for: Any, url_name: str, allowed: set[str]
) -> None:
    response = client_for(any_persona).get(reverse(url_name))
    assert response.status_code == _expected(any_persona, allowed)


def test_detail_per_role(
    any_persona: Any, client_for: Any, make_complaint: Any, hall_manager: Any, department: Any
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    response = client_for(any_persona).get(reverse("complaints:detail", args=[complaint.number]))
    # A reviewer sees the complaint because it is assigned to their department.
    assert response.status_code == _expected(any_persona, LIST_ROLES)


def test_register_at_the_window(client_for: Any, complaint_handler: Any, department: Any) -> None:
    client = client_for(complaint_handler)
    response = client.post(
        reverse("complaints:register"),
        {
            "channel": "window",
            "name": "赵六",
            "phone": "138 0013 8000",
            "id_number": "",
            "content": "办理不动产登记被要求提供无法取得的证明",
            "cause": "unclear_materials",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.number])
    assert complaint.phone == "13800138000"
    assert complaint.registered_by == complaint_handler
    assert complaint.cause == "unclear_materials"


def test_register_errors_show_next_to_the_field(client_for: Any, complaint_handler: Any) -> None:
    client = client_for(complaint_handler)
    response = client.post(
        reverse("complaints:register"),
        {
            "channel": "window",
            "name": "赵六",
            "phone": "13800138000",
            "id_number": "110105194912310021",
            "content": "办理不动产登记被要求提供无法取得的证明",
            "cause": "other",
            "case_number": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="id_number"' in html
    assert Complaint.objects.count() == 0
    response = client.post(
        reverse("complaints:register"),
        {
            "channel": "window",
            "name": "赵六",
            "phone": "13800138000",
            "content": "没办成的事情",
            "cause": "other",
            "case_number": "2026000000001",
        },
    )
    assert response.status_code == 400
    assert 'data-error-for="case_number"' in response.content.decode()
    assert Complaint.objects.count() == 0


def test_register_prefills_from_the_ticket(
    client_for: Any, complaint_handler: Any, hall: Any
) -> None:
    from onewindow.tickets.models import Queue, QueueKind, Ticket

    queue = Queue.objects.create(hall=hall, prefix="D", name="办不成事", kind=QueueKind.COMPLAINT)
    now = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    ticket = Ticket.objects.create(
        hall=hall,
        issued_queue=queue,
        queue=queue,
        day=now.date(),
        number=1,
        code="D001",
        phone="13600136000",
        issued_at=now,
        queued_at=now,
    )
    client = client_for(complaint_handler)
    response = client.get(reverse("complaints:register") + f"?ticket={ticket.pk}")
    html = response.content.decode()
    assert 'value="13600136000"' in html and f'value="{ticket.pk}"' in html
    client.post(
        reverse("complaints:register"),
        {
            "channel": "window",
            "name": "赵六",
            "phone": "13600136000",
            "content": "没办成的事情",
            "cause": "other",
            "ticket": ticket.pk,
        },
    )
    assert Complaint.objects.get().ticket == ticket


def test_identity_only_for_the_assigned_handler_and_managers(
    client_for: Any,
    make_complaint: Any,
    hall_manager: Any,
    complaint_handler: Any,
    make_user: Any,
    department: Any,
    supervisor: Any,
) -> None:
    handler = make_user(Role.REVIEWER, department=department)
    colleague = make_user(Role.REVIEWER, department=department)
    complaint = make_complaint()
    services.assign_complaint(
        complaint=complaint, department=department, handler=handler, actor=hall_manager
    )
    url = reverse("complaints:detail", args=[complaint.number])
    for user, full in [
        (handler, True),
        (hall_manager, True),
        (colleague, False),
        (complaint_handler, False),
        (supervisor, False),
    ]:
        html = client_for(user).get(url).content.decode()
        assert ("13800138000" in html) is full, user
        assert ("11010519491231002X" in html) is full, user
        assert ("张三丰" in html) is full, user
        assert 'data-identity="%s"' % ("full" if full else "masked") in html
    assert AuditEvent.objects.filter(action="complaint.identity.viewed").count() == 2
    # The list masks the same way.
    assert (
        "张三丰"
        not in client_for(complaint_handler).get(reverse("complaints:list")).content.decode()
    )
    assert "张三丰" in client_for(hall_manager).get(reverse("complaints:list")).content.decode()


def test_another_department_cannot_see_or_close(
    client_for: Any,
    make_complaint: Any,
    hall_manager: Any,
    department: Any,
    reviewer: Any,
    reviewer_other_department: Any,
) -> None:
    complaint = make_complaint()
    services.assign_complaint(complaint=complaint, department=department, actor=hall_manager)
    services.start_handling(complaint=complaint, actor=reviewer)
    services.reply_to_complainant(complaint=complaint, reply="已答复群众", actor=reviewer)
    services.record_satisfaction(complaint=complaint, satisfaction="satisfied", actor=reviewer)
    url = reverse("complaints:detail", args=[complaint.number])
    other = client_for(reviewer_other_department)
    assert other.get(url).status_code == 404
    assert other.post(url, {"action": "close", "close-note": ""}).status_code == 404
    assert Complaint.objects.get().status == ComplaintStatus.REPLIED
    assert complaint.number not in other.get(reverse("complaints:list")).content.decode()
    # The department's own reviewer can.
    response = client_for(reviewer).post(url, {"action": "close", "close-note": ""})
    assert response.status_code == 302
    assert Complaint.objects.get().status == ComplaintStatus.CLOSED


def test_other_hall_does_not_see_it(
    client_for: Any, make_complaint: Any, make_user: Any, other_hall: Any
) -> None:
    complaint = make_complaint()
    manager = make_user(Role.HALL_MANAGER, hall=other_hall)
    assert (
        client_for(manager).get(reverse("complaints:detail", args=[complaint.number])).status_code
        == 404
    )


def test_supervisor_reads_but_cannot_act(
    client_for: Any, make_complaint: Any, supervisor: Any, department: Any
) -> None:
    complaint = make_complaint()
    url = reverse("complaints:detail", args=[complaint.number])
    client = client_for(supervisor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "assign", "assign-department": department.pk})
    assert response.status_code == 403
    assert Complaint.objects.get().status == ComplaintStatus.REGISTERED


def test_action_errors_are_400_next_to_the_field(
    client_for: Any, make_complaint: Any, hall_manager: Any, department: Any
) -> None:
    complaint = make_complaint()
    client = client_for(hall_manager)
    url = reverse("complaints:detail", args=[complaint.number])
    assert (
        client.post(url, {"action": "assign", "assign-department": department.pk}).status_code
        == 302
    )
    assert client.post(url, {"action": "start"}).status_code == 302
    response = client.post(url, {"action": "reply", "reply-reply": "短", "reply-cause": "other"})
    assert response.status_code == 400
    assert 'data-error-for="reply-reply"' in response.content.decode()
    assert Complaint.objects.get().status == ComplaintStatus.HANDLING
    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_walk_through_the_detail_page(
    client_for: Any, make_complaint: Any, hall_manager: Any, department: Any
) -> None:
    complaint = make_complaint()
    client = client_for(hall_manager)
    url = reverse("complaints:detail", args=[complaint.number])
    steps = [
        {"action": "assign", "assign-department": department.pk, "assign-handler": hall_manager.pk},
        {"action": "start"},
        {"action": "reply", "reply-reply": "已协调部门当场办结", "reply-cause": "buck_passing"},
        {"action": "satisfaction", "satisfaction-satisfaction": "dissatisfied"},
        {"action": "reopen", "reopen-note": "群众仍不满意"},
        {"action": "start"},
        {"action": "reply", "reply-reply": "已再次协调并办结", "reply-cause": "buck_passing"},
        {"action": "satisfaction", "satisfaction-satisfaction": "satisfied"},
        {"action": "close", "close-note": ""},
    ]
    for data in steps:
        response = client.post(url, data)
        assert response.status_code == 302, (data, response.content.decode()[:2000])
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.times_reopened == 1
    html = client.get(url).content.decode()
    assert "已再次协调并办结" in html
    assert reverse("admin:catalog_answer_add") in html


def test_list_filters_and_escalated_first(
    client_for: Any,
    make_complaint: Any,
    hall_manager: Any,
    department: Any,
    reviewer: Any,
    time_machine: Any,
    django_assert_max_num_queries: Any,
) -> None:
    old = make_complaint()
    time_machine.move_to(datetime.datetime(2026, 12, 15, 9, 0, tzinfo=TZ))
    recent = make_complaint()
    services.assign_complaint(
        complaint=recent, department=department, handler=reviewer, actor=hall_manager
    )
    for _i in range(8):
        make_complaint()
    time_machine.move_to(datetime.datetime(2026, 12, 17, 9, 0, tzinfo=TZ))
    services.escalate_overdue()
    client = client_for(hall_manager)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("complaints:list")).content.decode()
    assert html.index(old.number) < html.index(recent.number)
    assert 'data-light="red"' in html
    overdue = client.get(reverse("complaints:list") + "?filter=overdue").content.decode()
    assert old.number in overdue and recent.number not in overdue
    escalated = client.get(reverse("complaints:list") + "?filter=escalated").content.decode()
    assert old.number in escalated and recent.number not in escalated
    mine = client_for(reviewer).get(reverse("complaints:list") + "?filter=mine").content.decode()
    assert recent.number in mine and old.number not in mine


def test_list_query_count_does_not_grow(
    client_for: Any,
    make_complaint: Any,
    hall_manager: Any,
    department: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for _i in range(30):
        c = make_complaint()
        services.assign_complaint(
            complaint=c, department=department, handler=hall_manager, actor=hall_manager
        )
    client = client_for(hall_manager)
    client.get(reverse("complaints:list"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("complaints:list")).status_code == 200


def test_staff_without_a_hall_is_told_so(client_for: Any, make_user: Any) -> None:
    for role, url_name in (
        (Role.COMPLAINT_HANDLER, "complaints:register"),
        (Role.HALL_MANAGER, "complaints:statistics"),
    ):
        user = make_user(role, hall=None)
        response = client_for(user).get(reverse(url_name))
        assert response.status_code == 403
        assert "未归属任何中心" in response.content.decode()
        assert client_for(user).get(reverse("complaints:list")).status_code == 200
