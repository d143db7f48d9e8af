"""Catalog state changes that span rows: versions, delegations, revision stamps.

Plain field edits of one item go through `save_item_change`, which keeps the version history and
the audit log in the same transaction as the edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F

from onewindow.catalog.models import (
    CatalogRevision,
    Delegation,
    DelegationAgreement,
    Department,
    ItemVersion,
    Power,
    ServiceItem,
)
from onewindow.core import audit


class CatalogError(Exception):
    """A catalog change that cannot be made; the message is shown to the manager."""


def item_snapshot(item: ServiceItem) -> dict[str, Any]:
    """Everything a guide shows for one item, as plain data (what a version freezes)."""
    data = audit.snapshot(item, None)
    data.pop("version", None)
    data.pop("id", None)
    data["department"] = item.department.name
    scenarios = []
    for scenario in item.scenarios.all().prefetch_related("materials"):
        s = audit.snapshot(scenario)
        s.pop("id", None)
        s.pop("item", None)
        materials = []
        for material in scenario.materials.all():
            m = audit.snapshot(material)
            m.pop("id", None)
            m.pop("scenario", None)
            materials.append(m)
        s["materials"] = materials
        scenarios.append(s)
    data["scenarios"] = scenarios
    points = []
    for point in item.review_points.all().select_related("material__scenario"):
        p = audit.snapshot(point)
        p.pop("id", None)
        p.pop("item", None)
        p["material"] = (
            f"{point.material.scenario.code}/{point.material.code}" if point.material else ""
        )
        points.append(p)
    data["review_points"] = points
    return data


def bump_revision() -> None:
    """Mark the catalog as changed so search indexes in every process rebuild."""
    updated = CatalogRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        CatalogRevision.objects.get_or_create(pk=1, defaults={"revision": 1})


def current_revision() -> int:
    row = CatalogRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return int(row or 0)


def record_item_version(*, item: ServiceItem, actor: Any = None, note: str = "") -> ItemVersion | None:
    """Freeze the item as a new version if its content changed since the last version.

    Call inside the transaction of the change. Returns the new version, or None when nothing
    changed (so a re-import or a no-op save never creates versions).
    """
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    snap = item_snapshot(item)
    last = item.versions.order_by("-number").first()
    if last is not None and last.snapshot == snap:
        return None
    number = (last.number if last else 0) + 1
    version = ItemVersion.objects.create(
        item=item, number=number, snapshot=snap, created_by=_user(actor), note=note[:200]
    )
    ServiceItem.objects.filter(pk=item.pk).update(version=number)
    bump_revision()
    return version


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def save_item_change(
    *, item: ServiceItem, actor: Any, before: dict[str, Any], action: str = "catalog.item.updated"
) -> ItemVersion | None:
    """Record an edit already applied to `item` (and its children) in this transaction."""
    after = audit.snapshot(item)
    after.pop("version", None)
    before = {k: v for k, v in before.items() if k != "version"}
    if before != after:
        audit.record(action=action, actor=actor, obj=item, before=before, after=after)
    return record_item_version(item=item, actor=actor, note=action)


@transaction.atomic
def set_delegations(
    *,
    department: Department,
    grants: Iterable[tuple[int, str]],
    agreement: DelegationAgreement | None,
    actor: Any,
) -> tuple[int, int]:
    """Make the department's delegations exactly `grants` ((item_id, power) pairs).

    New grants are linked to `agreement`; kept grants keep their agreement. Returns
    (added, removed). One audit event per changed item.
    """
    if agreement is not None and agreement.department_id != department.pk:
        raise CatalogError("The agreement belongs to another department.")
    wanted = {(int(i), p) for i, p in grants}
    valid_powers = set(Power.values)
    item_ids = set(
        ServiceItem.objects.filter(department=department).values_list("pk", flat=True)
    )
    for item_id, power in wanted:
        if item_id not in item_ids or power not in valid_powers:
            raise CatalogError("A delegation refers to an item of another department.")
    # Lock the department's items in primary-key order so concurrent edits serialise.
    list(
        ServiceItem.objects.select_for_update()
        .filter(department=department)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    current = {
        (d.item_id, d.power): d
        for d in Delegation.objects.filter(item__department=department).select_related("item")
    }
    to_add = wanted - set(current)
    to_remove = set(current) - wanted
    changed_items: dict[int, tuple[list[str], list[str]]] = {}
    for key in to_remove:
        changed_items.setdefault(key[0], ([], []))[1].append(key[1])
    Delegation.objects.filter(pk__in=[current[k].pk for k in to_remove]).delete()
    Delegation.objects.bulk_create(
        [Delegation(item_id=i, power=p, agreement=agreement) for i, p in sorted(to_add)]
    )
    for key in to_add:
        changed_items.setdefault(key[0], ([], []))[0].append(key[1])
    items = ServiceItem.objects.in_bulk(list(changed_items))
    for item_id, (added, removed) in sorted(changed_items.items()):
        before = sorted(p for (i, p) in current if i == item_id)
        after = sorted(p for (i, p) in wanted if i == item_id)
        audit.record(
            action="catalog.delegation.changed",
            actor=actor,
            obj=items[item_id],
            before={"powers": before},
            after={
                "powers": after,
                "agreement": agreement.number if (agreement and added) else None,
            },
        )
    if changed_items:
        bump_revision()
    return len(to_add), len(to_remove)
