"""Hall set-up and window state changes.

Window state (sign in, sign out, open, pause, close) is what `tickets.services.call_next` relies
on: a window calls only while it is open and its signed-in clerk is the caller. Every function here
is one transaction that locks the window rows it changes (in primary-key order) and writes its
audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core import audit
from onewindow.halls.models import Hall, Window, WindowState, Zone

STATE_FIELDS = ("state", "pause_reason", "clerk", "state_changed_at")
# Statuses of a ticket standing in front of a window (kept as strings: tickets sits above halls).
ACTIVE_TICKET_STATUSES = ("called", "serving")


class HallError(Exception):
    """A refused hall change; `str(e)` is a Chinese message a manager or clerk understands."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class WindowError(HallError):
    """A refused window state change (like `tickets.services.QueueError`)."""


# --- Window state -----------------------------------------------------------------------------


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _lock(*pks: int) -> dict[int, Window]:
    """Lock the windows in primary-key order (two services never wait on each other in a cycle)."""
    rows = Window.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    return {w.pk: w for w in rows}


def _active_ticket_code(window: Window) -> str | None:
    from onewindow.tickets.models import Ticket

    return (
        Ticket.objects.filter(window=window, status__in=ACTIVE_TICKET_STATUSES)
        .values_list("code", flat=True)
        .first()
    )


def _state(window: Window) -> dict[str, Any]:
    return audit.snapshot(window, STATE_FIELDS)


def _set_state(
    window: Window, *, state: str, now: datetime.datetime, reason: str = "", **extra: Any
) -> None:
    window.state = state
    window.pause_reason = reason
    window.state_changed_at = now
    for name, value in extra.items():
        setattr(window, name, value)
    window.save(update_fields=["state", "pause_reason", "state_changed_at", *extra])


def _require_usable(window: Window) -> None:
    if not window.is_active:
        raise WindowError(
            _("%(window)s is no longer in use.") % {"window": window.label}, code="inactive"
        )


def _require_no_active_ticket(window: Window, message: str) -> None:
    code = _active_ticket_code(window)
    if code is not None:
        raise WindowError(
            message % {"window": window.label, "ticket": code}, code="ticket_at_window"
        )


def _require_clerk(window: Window, actor: Any) -> None:
    if window.clerk_id is None:
        raise WindowError(
            _("Nobody is signed in at %(window)s. Sign in first.") % {"window": window.label},
            code="no_clerk",
        )
    if window.clerk_id != getattr(actor, "pk", None):
        raise WindowError(
            _("Only the clerk signed in at %(window)s can do this.") % {"window": window.label},
            code="not_your_window",
        )


def _record(action: str, actor: Any, window: Window, before: dict[str, Any]) -> None:
    audit.record(action=action, actor=actor, obj=window, before=before, after=_state(window))


def _other_window_pk(clerk: Any, window: Window) -> int | None:
    others = Window.objects.filter(clerk=clerk).exclude(pk=window.pk)
    return others.values_list("pk", flat=True).first()


def _sign_out_locked(window: Window, clerk: Any, now: datetime.datetime, note: str = "") -> None:
    _require_no_active_ticket(
        window,
        _(
            "Ticket %(ticket)s is still at %(window)s. Finish, transfer or park it before "
            "signing out."
        ),
    )
    before = _state(window)
    _set_state(window, state=WindowState.CLOSED, now=now, clerk=None)
    audit.record(
        action="halls.window.signed_out",
        actor=clerk,
        obj=window,
        before=before,
        after=_state(window),
        note=note,
    )


def sign_in(*, window: Window, clerk: Any, now: datetime.datetime | None = None) -> Window:
    """Sign `clerk` in at `window` (closed until they open it); they leave any other window."""
    now = _now(now)
    with transaction.atomic():
        while True:
            previous_pk = _other_window_pk(clerk, window)
            locked = _lock(window.pk, *([previous_pk] if previous_pk else []))
            # The clerk may have moved between the read and the lock: read again under the lock.
            if _other_window_pk(clerk, window) == previous_pk:
                break
        target = locked[window.pk]
        _require_usable(target)
        if target.hall_id != getattr(clerk, "hall_id", None):
            raise WindowError(
                _("%(window)s belongs to another hall. Choose a window of your own hall.")
                % {"window": target.label},
                code="other_hall",
            )
        if target.clerk_id == clerk.pk:
            return target
        if target.clerk_id is not None:
            raise WindowError(
                _(
                    "%(name)s is signed in at %(window)s. They must sign out first, or choose "
                    "another window."
                )
                % {"name": target.clerk.display_name, "window": target.label},
                code="window_taken",
            )
        if previous_pk:
            previous = locked[previous_pk]
            _sign_out_locked(previous, clerk, now, note=f"moved to {target.label}"[:200])
        before = _state(target)
        _set_state(target, state=WindowState.CLOSED, now=now, clerk=clerk)
        audit.record(
            action="halls.window.signed_in",
            actor=clerk,
            obj=target,
            before=before,
            after=_state(target),
        )
        return target


def sign_out(*, window: Window, clerk: Any, now: datetime.datetime | None = None) -> Window:
    """The clerk leaves the window; it closes."""
    now = _now(now)
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        if target.clerk_id != clerk.pk:
            raise WindowError(
                _("You are not signed in at %(window)s.") % {"window": target.label},
                code="not_your_window",
            )
        _sign_out_locked(target, clerk, now)
        return target


def release_window(*, window: Window, actor: Any, now: datetime.datetime | None = None) -> Window:
    """A hall manager signs out a clerk who left without doing so, freeing the window."""
    now = _now(now)
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        if target.clerk_id is None:
            return target
        _require_no_active_ticket(
            target,
            _("Ticket %(ticket)s is still at %(window)s. Finish, transfer or park it first."),
        )
        clerk_name = target.clerk.display_name
        before = _state(target)
        _set_state(target, state=WindowState.CLOSED, now=now, clerk=None)
        audit.record(
            action="halls.window.released",
            actor=actor,
            obj=target,
            before=before,
            after=_state(target),
            note=clerk_name,
        )
        return target


def open_window(*, window: Window, actor: Any, now: datetime.datetime | None = None) -> Window:
    """Open the window for calling. Needs its signed-in clerk."""
    now = _now(now)
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        _require_usable(target)
        _require_clerk(target, actor)
        if target.state == WindowState.OPEN:
            return target
        before = _state(target)
        _set_state(target, state=WindowState.OPEN, now=now)
        _record("halls.window.opened", actor, target, before)
        return target


def pause_window(
    *, window: Window, actor: Any, reason: str, now: datetime.datetime | None = None
) -> Window:
    """Stop calling for a while, saying why (shown on the displays and in the day's figures)."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise WindowError(_("Say why the window pauses."), code="reason_required", field="reason")
    max_length = Window._meta.get_field("pause_reason").max_length or 100
    if len(reason) > max_length:
        raise WindowError(
            _("Keep the reason under %(n)s characters.") % {"n": max_length},
            code="reason_too_long",
            field="reason",
        )
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        _require_usable(target)
        _require_clerk(target, actor)
        if target.state == WindowState.CLOSED:
            raise WindowError(
                _("%(window)s is closed. Open it before pausing it.") % {"window": target.label},
                code="closed",
            )
        before = _state(target)
        _set_state(target, state=WindowState.PAUSED, now=now, reason=reason)
        _record("halls.window.paused", actor, target, before)
        return target


def close_window(*, window: Window, actor: Any, now: datetime.datetime | None = None) -> Window:
    """Stop calling for the day; the clerk stays signed in. Refused while a citizen is there."""
    now = _now(now)
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        _require_clerk(target, actor)
        if target.state == WindowState.CLOSED:
            return target
        _require_no_active_ticket(
            target,
            _("Ticket %(ticket)s is still at %(window)s. Finish, transfer or park it first."),
        )
        before = _state(target)
        _set_state(target, state=WindowState.CLOSED, now=now)
        _record("halls.window.closed", actor, target, before)
        return target


# --- Hall set-up ------------------------------------------------------------------------------

HALL_SETTING_FIELDS = (
    "name",
    "address",
    "phone",
    "opening_hours",
    "no_show_after_calls",
    "notify_when_ahead",
    "announcement_template",
    "announcement_repeat",
)


def update_hall_settings(*, hall: Hall, values: dict[str, Any], actor: Any) -> bool:
    """Save the hall's details and queue settings. False when nothing changed."""
    with transaction.atomic():
        locked = Hall.objects.select_for_update().get(pk=hall.pk)
        before = audit.snapshot(locked, HALL_SETTING_FIELDS)
        for name in HALL_SETTING_FIELDS:
            if name in values:
                setattr(locked, name, values[name])
        after = audit.snapshot(locked, HALL_SETTING_FIELDS)
        if after == before:
            return False
        locked.save(update_fields=[n for n in HALL_SETTING_FIELDS if before[n] != after[n]])
        audit.record(
            action="halls.hall.updated", actor=actor, obj=locked, before=before, after=after
        )
        return True


def _save_model(obj: Any, *, action_prefix: str, actor: Any) -> bool:
    """Create or update one row with its audit event. False when an update changed nothing."""
    model = type(obj)
    with transaction.atomic():
        if obj.pk is None:
            obj.save()
            audit.record(
                action=f"{action_prefix}.created", actor=actor, obj=obj, after=audit.snapshot(obj)
            )
            return True
        current = model.objects.select_for_update().get(pk=obj.pk)
        before, after = audit.snapshot(current), audit.snapshot(obj)
        if before == after:
            return False
        obj.save()
        audit.record(
            action=f"{action_prefix}.updated", actor=actor, obj=obj, before=before, after=after
        )
        return True


def save_zone(*, zone: Zone, actor: Any) -> bool:
    return _save_model(zone, action_prefix="halls.zone", actor=actor)


def delete_zone(*, zone: Zone, actor: Any) -> None:
    with transaction.atomic():
        locked = Zone.objects.select_for_update().get(pk=zone.pk)
        n = Window.objects.filter(zone=locked).count()
        if n:
            raise HallError(
                _(
                    "%(n)s windows are in the zone “%(zone)s”. Move them to another zone "
                    "before deleting it."
                )
                % {"n": n, "zone": locked.name},
                code="zone_in_use",
            )
        before = audit.snapshot(locked)
        audit.record(action="halls.zone.deleted", actor=actor, obj=locked, before=before)
        locked.delete()


def save_window(*, window: Window, actor: Any) -> bool:
    """Create or change a window's set-up (number, name, kind, zone, department)."""
    return _save_model(window, action_prefix="halls.window", actor=actor)


def set_window_active(*, window: Window, active: bool, actor: Any) -> Window:
    """Take a window out of use (never deleted: tickets point at it) or back into use."""
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        if target.is_active == active:
            return target
        before = audit.snapshot(target)
        if not active:
            if target.clerk_id is not None:
                raise HallError(
                    _("%(name)s is signed in at %(window)s. They must sign out first.")
                    % {"name": target.clerk.display_name, "window": target.label},
                    code="window_taken",
                )
            _require_no_active_ticket(
                target, _("Ticket %(ticket)s is still at %(window)s. Finish it first.")
            )
            target.state = WindowState.CLOSED
            target.pause_reason = ""
            target.state_changed_at = timezone.now()
        target.is_active = active
        target.save()
        audit.record(
            action="halls.window.deactivated" if not active else "halls.window.reactivated",
            actor=actor,
            obj=target,
            before=before,
            after=audit.snapshot(target),
        )
        return target


def save_queue(*, queue: Any, actor: Any) -> bool:
    return _save_model(queue, action_prefix="tickets.queue", actor=actor)


@dataclass(frozen=True)
class DefaultQueue:
    prefix: str
    name: str
    kind: str


# Names are data (the hall's own words), like item names: stored in Chinese.
DEFAULT_QUEUES: tuple[DefaultQueue, ...] = (
    DefaultQueue("A", "自然人业务", "natural"),
    DefaultQueue("B", "法人业务", "legal"),
    DefaultQueue("C", "咨询", "consultation"),
    DefaultQueue("D", "办不成事", "complaint"),
    DefaultQueue("E", "帮办代办", "assistance"),
    DefaultQueue("F", "出证领取", "certificate"),
)


def create_default_queues(*, hall: Hall, actor: Any) -> list[Any]:
    """The usual queues A–F for a hall that has none yet."""
    from onewindow.tickets.models import Queue

    with transaction.atomic():
        Hall.objects.select_for_update().get(pk=hall.pk)
        if Queue.objects.filter(hall=hall).exists():
            raise HallError(
                _("This hall already has queues; add more one by one."), code="queues_exist"
            )
        created = []
        for order, spec in enumerate(DEFAULT_QUEUES, start=1):
            queue = Queue.objects.create(
                hall=hall, prefix=spec.prefix, name=spec.name, kind=spec.kind, sort_order=order * 10
            )
            audit.record(
                action="tickets.queue.created",
                actor=actor,
                obj=queue,
                after=audit.snapshot(queue),
                note="default queues",
            )
            created.append(queue)
        return created


@dataclass(frozen=True)
class QueueLink:
    """One queue a window serves: its place in the window's order, and overflow only or not."""

    queue: Any
    order: int = 0
    overflow_only: bool = False


def _links_snapshot(window: Window) -> list[dict[str, Any]]:
    from onewindow.tickets.models import WindowQueue

    return [
        {"queue": link.queue_id, "order": link.order, "overflow_only": link.overflow_only}
        for link in WindowQueue.objects.filter(window=window).order_by("queue_id")
    ]


def set_window_queues(*, window: Window, links: Sequence[QueueLink], actor: Any) -> bool:
    """Make `links` exactly the queues the window serves. False when nothing changed."""
    from onewindow.tickets.models import WindowQueue

    by_queue: dict[int, QueueLink] = {}
    for link in links:
        if link.queue.hall_id != window.hall_id:
            raise HallError(
                _("The queue %(queue)s belongs to another hall.") % {"queue": link.queue},
                code="other_hall",
            )
        if link.queue.pk in by_queue:
            raise HallError(
                _("The queue %(queue)s is listed twice.") % {"queue": link.queue},
                code="duplicate",
            )
        by_queue[link.queue.pk] = link
    with transaction.atomic():
        target = _lock(window.pk)[window.pk]
        before = _links_snapshot(target)
        existing = {wq.queue_id: wq for wq in WindowQueue.objects.filter(window=target)}
        WindowQueue.objects.filter(window=target).exclude(queue_id__in=list(by_queue)).delete()
        for queue_id, link in by_queue.items():
            current = existing.get(queue_id)
            if current is None:
                WindowQueue.objects.create(
                    window=target,
                    queue_id=queue_id,
                    order=link.order,
                    overflow_only=link.overflow_only,
                )
            elif (current.order, current.overflow_only) != (link.order, link.overflow_only):
                current.order = link.order
                current.overflow_only = link.overflow_only
                current.save(update_fields=["order", "overflow_only"])
        after = _links_snapshot(target)
        if after == before:
            return False
        audit.record(
            action="tickets.windowqueue.updated",
            actor=actor,
            obj=target,
            before={"queues": before},
            after={"queues": after},
        )
        return True


def windows_serving(queues: Iterable[Any]) -> dict[int, list[Window]]:
    """queue id → active windows serving it (for the queue list)."""
    from onewindow.tickets.models import WindowQueue

    result: dict[int, list[Window]] = {}
    links = WindowQueue.objects.filter(queue__in=list(queues), window__is_active=True)
    for link in links.select_related("window").order_by("window__number"):
        result.setdefault(link.queue_id, []).append(link.window)
    return result
