"""Appointments: slot generation, the public booking pages, double submits, lookup and cancel."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from onewindow.accounts.models import Role, User
from onewindow.catalog.models import Department, ServiceItem
from onewindow.core.calendar import UnknownCalendarYear
from onewindow.core.models import AuditEvent, CalendarDay, CalendarYear
from onewindow.halls.models import Hall
from onewindow.tickets import booking
from onewindow.tickets.models import Appointment, AppointmentSlot, Queue
from onewindow.tickets.services import QueueError
from onewindow.tickets.tests.factories import at, make_queues

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onewindow.tickets.tests.booking_urls")]

NOW = at(10)  # Wednesday 2 December 2026, 10:00
TODAY = NOW.date()
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _calendar(db: Any) -> None:
    # 2026 known, 2027 not: the tests do not depend on the seeded holiday library.
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarYear.objects.get_or_create(year=2026, defaults={"source": "manual"})


@pytest.fixture
def queues(hall: Hall) -> dict[str, Queue]:
    return make_queues(hall)


def make_slot(queue: Queue, day: datetime.date = TODAY, start: int = 14, **fields: Any) -> Any:
    return AppointmentSlot.objects.create(
        queue=queue,
        day=day,
        starts_at=datetime.time(start, 0),
        ends_at=datetime.time(start, 30),
        capacity=fields.pop("capacity", 2),
        **fields,
    )


# --- generating slots -------------------------------------------------------------------------


def test_slot_times_fill_each_period() -> None:
    t = datetime.time
    times = booking.slot_times([(t(14), t(16, 30)), (t(9), t(11, 30))], 30)
    starts = [f"{s:%H:%M}" for s, _e in times]
    assert starts == [
        "09:00", "09:30", "10:00", "10:30", "11:00",
        "14:00", "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip
    assert times[4][1] == t(11, 30)
    assert booking.slot_times([(t(9), t(9, 20))], 30) == []


def test_generate_skips_non_working_days_and_keeps_existing(
    queues: dict[str, Queue], hall_manager: User
) -> None:
    a = queues["A"]
    # Friday 4 December made a holiday, Saturday 5 December a working day (调休).
    CalendarDay.objects.update_or_create(
        date=datetime.date(2026, 12, 4), defaults={"is_workday": False, "source": "manual"}
    )
    CalendarDay.objects.update_or_create(
        date=datetime.date(2026, 12, 5), defaults={"is_workday": True, "source": "manual"}
    )
    existing = make_slot(a, datetime.date(2026, 12, 3), 9, capacity=7)
    t = datetime.time
    result = booking.generate_slots(
        queue=a,
        date_from=datetime.date(2026, 12, 3),
        date_to=datetime.date(2026, 12, 7),
        periods=[(t(9), t(10)), (t(14), t(15))],
        minutes=30,
        capacity=3,
        actor=hall_manager,
    )
    assert result.days == [datetime.date(2026, 12, d) for d in (3, 5, 7)]
    assert result.skipped_days == [datetime.date(2026, 12, d) for d in (4, 6)]
    assert (result.created, result.existing) == (11, 1)
    slots = AppointmentSlot.objects.filter(queue=a)
    assert slots.count() == 12
    assert set(slots.values_list("day", flat=True)) == {
        datetime.date(2026, 12, d) for d in (3, 5, 7)
    }
    existing.refresh_from_db()
    assert existing.capacity == 7  # kept as it was
    assert set(slots.exclude(pk=existing.pk).values_list("capacity", flat=True)) == {3}
    event = AuditEvent.objects.get(action="tickets.slots.generated")
    assert event.actor == hall_manager
    assert event.after["created"] == 11
    assert event.after["skipped_days"] == ["2026-12-04", "2026-12-06"]


def test_generate_into_an_unknown_year_creates_nothing(
    queues: dict[str, Queue], hall_manager: User
) -> None:
    t = datetime.time
    with pytest.raises(UnknownCalendarYear):
        booking.generate_slots(
            queue=queues["A"],
            date_from=datetime.date(2026, 12, 28),
            date_to=datetime.date(2027, 1, 4),
            periods=[(t(9), t(10))],
            minutes=30,
            capacity=1,
            actor=hall_manager,
        )
    assert not AppointmentSlot.objects.exists()
    assert not AuditEvent.objects.filter(action="tickets.slots.generated").exists()


SLOTS_URL = "/booking/manage/slots/"


def test_slots_page_access(any_persona: User | None, client_for: Callable[..., Client]) -> None:
    response = client_for(any_persona).get(SLOTS_URL)
    if any_persona is None:
        assert response.status_code == 302
    elif any_persona.has_role(Role.HALL_MANAGER):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_slots_page_generates_and_lists(
    queues: dict[str, Queue], hall_manager: User, client_for: Callable[..., Client]
) -> None:
    client = client_for(hall_manager)
    a = queues["A"]
    response = client.post(
        SLOTS_URL,
        {
            "queue": a.pk,
            "date_from": "2026-12-03",
            "date_to": "2026-12-04",
            "periods": "09:00-11:30 14:00-16:30",
            "minutes": "30",
            "capacity": "2",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SLOTS_URL}?queue={a.pk}"
    assert AppointmentSlot.objects.filter(queue=a).count() == 20  # 2 days × 10
    slot = AppointmentSlot.objects.get(queue=a, day="2026-12-03", starts_at="09:00")
    slot.booked = 1
    slot.save()
    page = client.get(response["Location"]).content.decode()
    assert "09:00 1/2" in page
    assert "1/20" in page  # the day's total


def test_slots_page_explains_unknown_year_and_bad_periods(
    queues: dict[str, Queue], hall_manager: User, client_for: Callable[..., Client]
) -> None:
    client = client_for(hall_manager)
    data = {
        "queue": queues["A"].pk,
        "date_from": "2026-12-30",
        "date_to": "2027-01-05",
        "periods": "09:00-10:00",
        "minutes": "30",
        "capacity": "2",
    }
    response = client.post(SLOTS_URL, data)
    assert response.status_code == 400
    assert "2027" in response.content.decode()
    assert not AppointmentSlot.objects.exists()
    response = client.post(SLOTS_URL, {**data, "date_to": "2026-12-31", "periods": "9点到10点"})
    assert response.status_code == 400
    assert "9点到10点" in response.content.decode()
    assert not AppointmentSlot.objects.exists()


def test_slots_page_only_offers_own_hall_queues(
    queues: dict[str, Queue],
    other_hall: Hall,
    hall_manager: User,
    client_for: Callable[..., Client],
) -> None:
    other = make_queues(other_hall)["A"]
    response = client_for(hall_manager).post(
        SLOTS_URL,
        {
            "queue": other.pk,
            "date_from": "2026-12-03",
            "date_to": "2026-12-03",
            "periods": "09:00-10:00",
            "minutes": "30",
            "capacity": "2",
        },
    )
    assert response.status_code == 400
    assert not AppointmentSlot.objects.exists()


# --- the public booking pages -----------------------------------------------------------------


def book_url(hall: Hall, queue: Queue) -> str:
    return reverse("booking:book", args=[hall.code, queue.pk])


def form_key(html: str) -> str:
    match = re.search(r'name="key" value="([0-9a-f-]{36})"', html)
    assert match, "no idempotency key in the form"
    return match.group(1)


def test_start_lists_categories_with_free_slots(hall: Hall, queues: dict[str, Queue]) -> None:
    make_slot(queues["A"], capacity=3)
    make_slot(queues["B"], capacity=1, booked=1)  # full: still listed (0 free)
    make_slot(queues["C"], day=TODAY, start=8)  # 08:00–08:30 today: over
    html = Client().get(f"/booking/{hall.code}/").content.decode()
    assert queues["A"].name in html
    assert book_url(hall, queues["A"]) in html
    assert book_url(hall, queues["C"]) not in html
    assert "/booking/demo/lookup/" in html


def test_book_and_confirm(hall: Hall, queues: dict[str, Queue], department: Department) -> None:
    hall.address = "示范区政务服务中心一楼"
    hall.save()
    item = ServiceItem.objects.create(
        implementation_code="T-1", name="个体工商户设立登记", item_type="XK", department=department
    )
    slot = make_slot(queues["A"], day=datetime.date(2026, 12, 3), start=9)
    client = Client()
    page = client.get(book_url(hall, queues["A"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "12月3日" in html and "09:00–09:30" in html
    # Search for the item by name, then book with it.
    search = client.post(
        book_url(hall, queues["A"]),
        {"key": form_key(html), "q": "个体工商户", "action": "search", "day": "2026-12-03"},
    )
    assert item.name in search.content.decode()
    key = form_key(search.content.decode())
    response = client.post(
        book_url(hall, queues["A"]),
        {"key": key, "slot": slot.pk, "item": item.pk, "phone": "138 1234 5678", "action": "book"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.phone, appointment.item, appointment.slot) == (PHONE, item, slot)
    slot.refresh_from_db()
    assert slot.booked == 1
    done = client.get(response["Location"]).content.decode()
    assert appointment.code in done
    assert "2026年12月3日" in done and "09:00–09:30" in done
    assert "示范区政务服务中心一楼" in done
    assert item.name in done


def test_double_submit_gives_one_booking(hall: Hall, queues: dict[str, Queue]) -> None:
    slot = make_slot(queues["A"], capacity=5)
    client = Client()
    key = form_key(client.get(book_url(hall, queues["A"])).content.decode())
    data = {"key": key, "slot": slot.pk, "phone": PHONE, "action": "book"}
    first = client.post(book_url(hall, queues["A"]), data)
    second = client.post(book_url(hall, queues["A"]), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Appointment.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1


def test_same_phone_same_slot_from_another_session_gives_one_booking(
    hall: Hall, queues: dict[str, Queue]
) -> None:
    slot = make_slot(queues["A"], capacity=5)
    first, created = booking.book_once(slot=slot, phone=PHONE)
    again, created_again = booking.book_once(slot=slot, phone="138-1234-5678".replace("-", ""))
    assert (created, created_again) == (True, False)
    assert again == first
    other, created_other = booking.book_once(slot=slot, phone="13900000000")
    assert created_other and other != first
    slot.refresh_from_db()
    assert slot.booked == 2


def test_full_slot_says_so(hall: Hall, queues: dict[str, Queue]) -> None:
    slot = make_slot(queues["A"], capacity=1, booked=1)
    client = Client()
    key = form_key(client.get(book_url(hall, queues["A"])).content.decode())
    response = client.post(
        book_url(hall, queues["A"]),
        {"key": key, "slot": slot.pk, "phone": PHONE, "action": "book"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "fully booked" in html or "已约满" in html
    assert not Appointment.objects.exists()


def test_past_slot_says_so(hall: Hall, queues: dict[str, Queue]) -> None:
    slot = make_slot(queues["A"], day=TODAY, start=9)  # 09:00–09:30, it is 10:00
    response = Client().post(
        book_url(hall, queues["A"]),
        {"key": "6f1c3f1e-6a43-4c8e-9d0e-1f1f1f1f1f1f", "slot": slot.pk, "phone": PHONE,
         "action": "book"},
    )  # fmt: skip
    assert response.status_code == 409
    html = response.content.decode()
    assert "has passed" in html or "已过" in html
    assert not Appointment.objects.exists()


def test_bad_phone_is_shown_beside_the_field(hall: Hall, queues: dict[str, Queue]) -> None:
    slot = make_slot(queues["A"])
    response = Client().post(
        book_url(hall, queues["A"]),
        {"key": "6f1c3f1e-6a43-4c8e-9d0e-1f1f1f1f1f1f", "slot": slot.pk, "phone": "12345",
         "action": "book"},
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="ow-phone-error"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_slot_of_another_queue_is_refused(hall: Hall, queues: dict[str, Queue]) -> None:
    slot_b = make_slot(queues["B"])
    response = Client().post(
        book_url(hall, queues["A"]),
        {"key": "6f1c3f1e-6a43-4c8e-9d0e-1f1f1f1f1f1f", "slot": slot_b.pk, "phone": PHONE,
         "action": "book"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_confirmation_link_is_tamper_proof(hall: Hall, other_hall: Hall, queues: Any) -> None:
    appointment = booking.book_once(slot=make_slot(queues["A"]), phone=PHONE)[0]
    from onewindow.tickets.views.booking import booking_token

    token = booking_token(appointment)
    assert Client().get(f"/booking/{hall.code}/done/{token}/").status_code == 200
    assert Client().get(f"/booking/{other_hall.code}/done/{token}/").status_code == 404
    assert Client().get(f"/booking/{hall.code}/done/{token}x/").status_code == 404


# --- lookup and cancel ------------------------------------------------------------------------


def test_lookup_and_cancel_frees_the_place(hall: Hall, queues: dict[str, Queue]) -> None:
    slot = make_slot(queues["A"], capacity=1)
    appointment = booking.book_once(slot=slot, phone=PHONE)[0]
    url = f"/booking/{hall.code}/lookup/"
    client = Client()
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"code": appointment.code, "phone": "13900000000", "action": "find"})
    assert wrong.status_code == 404
    found = client.post(url, {"code": appointment.code.lower(), "phone": PHONE, "action": "find"})
    html = found.content.decode()
    assert found.status_code == 200
    assert appointment.code in html and 'value="cancel"' in html
    cancelled = client.post(url, {"code": appointment.code, "phone": PHONE, "action": "cancel"})
    assert cancelled.status_code == 200
    assert 'data-status="cancelled"' in cancelled.content.decode()
    appointment.refresh_from_db()
    slot.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert slot.booked == 0
    event = AuditEvent.objects.get(action="tickets.appointment.cancelled")
    assert event.after == {"status": "cancelled", "slot_booked": 0}
    # Twice: refused, nothing changes.
    again = client.post(url, {"code": appointment.code, "phone": PHONE, "action": "cancel"})
    assert again.status_code == 409
    slot.refresh_from_db()
    assert slot.booked == 0
    # The freed place can be booked again.
    assert booking.book_once(slot=slot, phone="13900000000")[1] is True


def test_cancel_after_the_slot_is_refused(hall: Hall, queues: dict[str, Queue]) -> None:
    slot = make_slot(queues["A"], capacity=1)
    appointment = booking.book_once(slot=slot, phone=PHONE)[0]
    with pytest.raises(QueueError):
        booking.cancel_appointment(appointment=appointment, now=at(15))
    slot.refresh_from_db()
    assert slot.booked == 1


def test_lookup_is_per_hall(hall: Hall, other_hall: Hall, queues: dict[str, Queue]) -> None:
    appointment = booking.book_once(slot=make_slot(queues["A"]), phone=PHONE)[0]
    response = Client().post(
        f"/booking/{other_hall.code}/lookup/",
        {"code": appointment.code, "phone": PHONE, "action": "cancel"},
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
