"""Set-up services: default queues, the queues a window serves, taking a window out of use."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from onewindow.core.models import AuditEvent
from onewindow.halls import services
from onewindow.halls.models import Window, Zone
from onewindow.tickets.models import Queue, Ticket, WindowQueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(hall: Any) -> Window:
    return Window.objects.create(hall=hall, number=1, kind="natural")


def test_create_default_queues(hall, hall_manager):
    queues = services.create_default_queues(hall=hall, actor=hall_manager)
    assert [(q.prefix, q.name, q.kind) for q in queues] == [
        ("A", "自然人业务", "natural"),
        ("B", "法人业务", "legal"),
        ("C", "咨询", "consultation"),
        ("D", "办不成事", "complaint"),
        ("E", "帮办代办", "assistance"),
        ("F", "出证领取", "certificate"),
    ]
    assert list(Queue.objects.filter(hall=hall)) == queues  # ordered by sort_order
    assert AuditEvent.objects.filter(action="tickets.queue.created").count() == 6


def test_default_queues_are_refused_when_the_hall_has_queues(hall, hall_manager):
    Queue.objects.create(hall=hall, prefix="Z", name="其他", kind="natural")
    with pytest.raises(services.HallError) as caught:
        services.create_default_queues(hall=hall, actor=hall_manager)
    assert caught.value.code == "queues_exist"
    assert Queue.objects.count() == 1


def test_default_queues_per_hall(hall, other_hall, hall_manager):
    services.create_default_queues(hall=hall, actor=hall_manager)
    services.create_default_queues(hall=other_hall, actor=hall_manager)
    assert Queue.objects.filter(prefix="A").count() == 2


def test_set_window_queues_adds_updates_and_removes(hall, window, hall_manager):
    a, b, c = services.create_default_queues(hall=hall, actor=hall_manager)[:3]
    changed = services.set_window_queues(
        window=window,
        links=[services.QueueLink(a, 1), services.QueueLink(b, 2, overflow_only=True)],
        actor=hall_manager,
    )
    assert changed
    assert list(
        WindowQueue.objects.filter(window=window).values_list("queue", "order", "overflow_only")
    ) == [(a.pk, 1, False), (b.pk, 2, True)]

    changed = services.set_window_queues(
        window=window,
        links=[services.QueueLink(b, 1), services.QueueLink(c, 2)],
        actor=hall_manager,
    )
    assert changed
    assert list(
        WindowQueue.objects.filter(window=window).values_list("queue", "order", "overflow_only")
    ) == [(b.pk, 1, False), (c.pk, 2, False)]
    events = AuditEvent.objects.filter(action="tickets.windowqueue.updated").order_by("pk")
    assert len(events) == 2
    assert events[1].before["queues"][0] == {"queue": a.pk, "order": 1, "overflow_only": False}

    unchanged = services.set_window_queues(
        window=window,
        links=[services.QueueLink(b, 1), services.QueueLink(c, 2)],
        actor=hall_manager,
    )
    assert not unchanged
    assert AuditEvent.objects.filter(action="tickets.windowqueue.updated").count() == 2


def test_set_window_queues_refuses_another_halls_queue_and_duplicates(
    hall, other_hall, window, hall_manager
):
    foreign = Queue.objects.create(hall=other_hall, prefix="A", name="自然人", kind="natural")
    with pytest.raises(services.HallError) as caught:
        services.set_window_queues(
            window=window, links=[services.QueueLink(foreign)], actor=hall_manager
        )
    assert caught.value.code == "other_hall"
    own = Queue.objects.create(hall=hall, prefix="A", name="自然人", kind="natural")
    with pytest.raises(services.HallError) as caught:
        services.set_window_queues(
            window=window,
            links=[services.QueueLink(own, 1), services.QueueLink(own, 2)],
            actor=hall_manager,
        )
    assert caught.value.code == "duplicate"
    assert not WindowQueue.objects.exists()


def test_a_window_with_a_citizen_is_not_taken_out_of_use(hall, window, hall_manager):
    queue = Queue.objects.create(hall=hall, prefix="A", name="自然人", kind="natural")
    now = timezone.now()
    Ticket.objects.create(
        hall=hall,
        issued_queue=queue,
        queue=queue,
        day=now.date(),
        number=1,
        code="A001",
        status="called",
        issued_at=now,
        queued_at=now,
        window=window,
    )
    with pytest.raises(services.HallError):
        services.set_window_active(window=window, active=False, actor=hall_manager)
    window.refresh_from_db()
    assert window.is_active


def test_deactivating_closes_the_window(window, hall_manager):
    Window.objects.filter(pk=window.pk).update(state="paused", pause_reason="临时离开")
    services.set_window_active(window=window, active=False, actor=hall_manager)
    window.refresh_from_db()
    assert not window.is_active and window.state == "closed" and window.pause_reason == ""


def test_update_hall_settings_saves_only_known_fields(hall, hall_manager):
    changed = services.update_hall_settings(
        hall=hall, values={"address": "新址", "code": "hacked"}, actor=hall_manager
    )
    assert changed
    hall.refresh_from_db()
    assert hall.address == "新址" and hall.code == "demo"
    assert not services.update_hall_settings(
        hall=hall, values={"address": "新址"}, actor=hall_manager
    )


def test_delete_zone_service_refuses_a_zone_in_use(hall, window, hall_manager):
    zone = Zone.objects.create(hall=hall, name="咨询引导区")
    Window.objects.filter(pk=window.pk).update(zone=zone)
    with pytest.raises(services.HallError) as caught:
        services.delete_zone(zone=zone, actor=hall_manager)
    assert caught.value.code == "zone_in_use"
    assert Zone.objects.filter(pk=zone.pk).exists()
