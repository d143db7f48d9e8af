"""Catalog state changes that span rows: versions, delegations, revision stamps.

Plain field edits of one item go through `save_item_change`, which keeps the version history and
the audit log in the same transaction as the edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalog.delegations import forget_delegations
from onewindow.catalog.models import (
    Answer,
    CatalogRevision,
    Delegation,
    DelegationAgreement,
    Department,
    ItemVersion,
    Material,
    Power,
    ReviewPoint,
    Scenario,
    ServiceItem,
    Synonym,
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
    """Mark the catalog as changed so search indexes in every process rebuild (and this
    process's cached delegation answers go: bulk writes send no signals)."""
    forget_delegations()
    updated = CatalogRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        CatalogRevision.objects.get_or_create(pk=1, defaults={"revision": 1})


def current_revision() -> int:
    row = CatalogRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return int(row or 0)


def record_item_version(
    *, item: ServiceItem, actor: Any = None, note: str = ""
) -> ItemVersion | None:
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
    item_ids = set(ServiceItem.objects.filter(department=department).values_list("pk", flat=True))
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
    for item_id, (added, _removed) in sorted(changed_items.items()):
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


# --- Manager edits (catalog/views/manage.py) -------------------------------------------------


def _item_note(item: ServiceItem) -> str:
    return f"{item.implementation_code} {item.name}"[:200]


@transaction.atomic
def create_item(*, values: Mapping[str, Any], actor: Any) -> ServiceItem:
    """Create an item from validated form values; audit event and version 1 in one transaction."""
    item = ServiceItem(**values)
    item.save()
    save_item_change(item=item, actor=actor, before={}, action="catalog.item.created")
    item.refresh_from_db()
    return item


@transaction.atomic
def update_item(*, item: ServiceItem, values: Mapping[str, Any], actor: Any) -> ItemVersion | None:
    """Apply validated field values to the item; audit before/after and record a version.

    The "before" state is read from the locked row, not from `item`, which a bound form may
    already have changed. Returns the new version, or None when nothing changed.
    """
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    before = audit.snapshot(locked)
    for name, value in values.items():
        setattr(locked, name, value)
    if audit.snapshot(locked) == before:
        return None
    locked.save()
    return save_item_change(item=locked, actor=actor, before=before)


def _next_code(prefix: str, used: set[str]) -> str:
    n = 1
    while f"{prefix}{n:02d}" in used:
        n += 1
    code = f"{prefix}{n:02d}"
    used.add(code)
    return code


def _save_children(
    *,
    action_prefix: str,
    code_prefix: str,
    siblings: QuerySet[Any],
    upserts: Sequence[models.Model],
    deletes: Sequence[models.Model],
    parent_field: str,
    parent_id: int,
    actor: Any,
    note: str,
) -> int:
    """Save and delete rows of one parent, one audit event per changed row. Returns the count."""
    model = siblings.model
    for obj in [*upserts, *deletes]:
        if getattr(obj, f"{parent_field}_id") != parent_id:
            raise CatalogError(_("A row belongs to another item."))
    changed = 0
    for obj in deletes:
        current = model.objects.filter(pk=obj.pk).first()
        if current is None:
            continue
        before = audit.snapshot(current)
        if isinstance(current, Scenario):
            before["materials"] = list(current.materials.values_list("name", flat=True))
        elif isinstance(current, Material):
            before["review_points"] = list(current.review_points.values_list("text", flat=True))
        audit.record(
            action=f"{action_prefix}.deleted", actor=actor, obj=current, before=before, note=note
        )
        current.delete()
        changed += 1
    used = set(siblings.values_list("code", flat=True)) | {o.code for o in upserts if o.code}
    originals = model.objects.in_bulk([o.pk for o in upserts if o.pk])
    for obj in upserts:
        if not obj.code:
            obj.code = _next_code(code_prefix, used)
        original = originals.get(obj.pk) if obj.pk else None
        before = audit.snapshot(original) if original is not None else None
        if before is not None and audit.snapshot(obj) == before:
            continue
        obj.save()
        audit.record(
            action=f"{action_prefix}.{'updated' if before is not None else 'created'}",
            actor=actor,
            obj=obj,
            before=before,
            after=audit.snapshot(obj),
            note=note,
        )
        changed += 1
    return changed


def _lock_item(item: ServiceItem) -> ServiceItem:
    return ServiceItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def save_scenarios(
    *,
    item: ServiceItem,
    upserts: Sequence[Scenario],
    deletes: Sequence[Scenario] = (),
    actor: Any,
) -> ItemVersion | None:
    """Create, change or delete scenarios of one item (codes S01… when left empty)."""
    item = _lock_item(item)
    changed = _save_children(
        action_prefix="catalog.scenario",
        code_prefix="S",
        siblings=item.scenarios.all(),
        upserts=upserts,
        deletes=deletes,
        parent_field="item",
        parent_id=item.pk,
        actor=actor,
        note=_item_note(item),
    )
    if not changed:
        return None
    return record_item_version(item=item, actor=actor, note="catalog.scenario.updated")


@transaction.atomic
def save_materials(
    *,
    scenario: Scenario,
    upserts: Sequence[Material],
    deletes: Sequence[Material] = (),
    actor: Any,
) -> ItemVersion | None:
    """Create, change or delete materials of one scenario (codes M01… when left empty)."""
    item = _lock_item(scenario.item)
    changed = _save_children(
        action_prefix="catalog.material",
        code_prefix="M",
        siblings=scenario.materials.all(),
        upserts=upserts,
        deletes=deletes,
        parent_field="scenario",
        parent_id=scenario.pk,
        actor=actor,
        note=_item_note(item),
    )
    if not changed:
        return None
    return record_item_version(item=item, actor=actor, note="catalog.material.updated")


@transaction.atomic
def save_review_points(
    *,
    item: ServiceItem,
    upserts: Sequence[ReviewPoint],
    deletes: Sequence[ReviewPoint] = (),
    actor: Any,
) -> ItemVersion | None:
    """Create, change or delete review points of one item (codes P01… when left empty)."""
    item = _lock_item(item)
    for point in upserts:
        if (
            point.material_id
            and not Material.objects.filter(pk=point.material_id, scenario__item=item).exists()
        ):
            raise CatalogError(_("A review point refers to a material of another item."))
    changed = _save_children(
        action_prefix="catalog.reviewpoint",
        code_prefix="P",
        siblings=item.review_points.all(),
        upserts=upserts,
        deletes=deletes,
        parent_field="item",
        parent_id=item.pk,
        actor=actor,
        note=_item_note(item),
    )
    if not changed:
        return None
    return record_item_version(item=item, actor=actor, note="catalog.reviewpoint.updated")


@transaction.atomic
def save_answers(
    *,
    item: ServiceItem,
    upserts: Sequence[Answer],
    deletes: Sequence[Answer] = (),
    actor: Any,
) -> ItemVersion | None:
    """Create, change or delete the item's Q&A (codes Q01… when left empty).

    Q&A is not part of the frozen item snapshot, so this records a version only if the
    snapshot changed for another reason; it always marks the catalog changed for search.
    """
    item = _lock_item(item)
    changed = _save_children(
        action_prefix="catalog.answer",
        code_prefix="Q",
        siblings=item.answers.all(),
        upserts=upserts,
        deletes=deletes,
        parent_field="item",
        parent_id=item.pk,
        actor=actor,
        note=_item_note(item),
    )
    if not changed:
        return None
    bump_revision()
    return record_item_version(item=item, actor=actor, note="catalog.answer.updated")


@transaction.atomic
def save_agreement(*, agreement: DelegationAgreement, actor: Any) -> DelegationAgreement:
    """Create or change a delegation agreement (授权委托书) with an audit event."""
    before = None
    if agreement.pk:
        current = DelegationAgreement.objects.select_for_update().get(pk=agreement.pk)
        before = audit.snapshot(current)
        if current.department_id != agreement.department_id and current.delegations.exists():
            raise CatalogError(
                _("This agreement already backs delegations; its department cannot change.")
            )
        if audit.snapshot(agreement) == before:
            return agreement
    agreement.save()
    audit.record(
        action=f"catalog.agreement.{'updated' if before is not None else 'created'}",
        actor=actor,
        obj=agreement,
        before=before,
        after=audit.snapshot(agreement),
    )
    return agreement


@transaction.atomic
def save_synonym(*, synonym: Synonym, actor: Any) -> Synonym:
    """Create or change a synonym; the search index rebuilds on the next query."""
    before = None
    if synonym.pk:
        current = Synonym.objects.select_for_update().get(pk=synonym.pk)
        before = audit.snapshot(current)
        if audit.snapshot(synonym) == before:
            return synonym
    synonym.save()
    audit.record(
        action=f"catalog.synonym.{'updated' if before is not None else 'created'}",
        actor=actor,
        obj=synonym,
        before=before,
        after=audit.snapshot(synonym),
    )
    bump_revision()
    return synonym


@transaction.atomic
def delete_synonym(*, synonym: Synonym, actor: Any) -> None:
    current = Synonym.objects.select_for_update().filter(pk=synonym.pk).first()
    if current is None:
        return
    audit.record(
        action="catalog.synonym.deleted", actor=actor, obj=current, before=audit.snapshot(current)
    )
    current.delete()
    bump_revision()


# --- Version comparison -----------------------------------------------------------------------

_SNAPSHOT_CHILDREN = ("scenarios", "review_points")


def _diff_fields(
    old: Mapping[str, Any], new: Mapping[str, Any], skip: Iterable[str] = ()
) -> list[tuple[str, Any, Any]]:
    skipped = set(skip)
    keys = [k for k in dict.fromkeys([*old.keys(), *new.keys()]) if k not in skipped]
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def _diff_rows(
    old: Iterable[Mapping[str, Any]],
    new: Iterable[Mapping[str, Any]],
    key: Any,
    skip: Iterable[str] = (),
) -> dict[str, list[Any]]:
    before = {key(r): r for r in old}
    after = {key(r): r for r in new}
    changed = []
    for k, row in after.items():
        if k in before:
            fields = _diff_fields(before[k], row, skip)
            if fields:
                changed.append(
                    {"key": k, "name": row.get("name") or row.get("text", ""), "fields": fields}
                )
    return {
        "added": [after[k] for k in after if k not in before],
        "removed": [before[k] for k in before if k not in after],
        "changed": changed,
    }


def diff_item_snapshots(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """What changed between two item snapshots (ItemVersion.snapshot): top-level fields,
    scenarios, materials (keyed scenario code/material code) and review points."""
    old = old or {}

    def materials(snap: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {**m, "scenario_code": s.get("code", ""), "scenario_name": s.get("name", "")}
            for s in snap.get("scenarios", [])
            for m in s.get("materials", [])
        ]

    return {
        "fields": _diff_fields(old, new, _SNAPSHOT_CHILDREN),
        "scenarios": _diff_rows(
            old.get("scenarios", []),
            new.get("scenarios", []),
            lambda r: r.get("code"),
            ["materials"],
        ),
        "materials": _diff_rows(
            materials(old),
            materials(new),
            lambda r: f"{r.get('scenario_code')}/{r.get('code')}",
            ["scenario_name"],
        ),
        "review_points": _diff_rows(
            old.get("review_points", []), new.get("review_points", []), lambda r: r.get("code")
        ),
    }


@transaction.atomic
def save_delegation_matrix(
    *,
    department: Department,
    grants: Iterable[tuple[int, str]],
    agreement: DelegationAgreement | None,
    relink: bool,
    actor: Any,
) -> tuple[int, int, int]:
    """The matrix page's save: `set_delegations`, then (when `relink`) link every kept
    delegation that lacks a valid agreement today to `agreement`.

    Returns (added, removed, relinked).
    """
    added, removed = set_delegations(
        department=department, grants=grants, agreement=agreement, actor=actor
    )
    relinked = 0
    if relink and agreement is not None:
        today = timezone.localdate()
        stale: dict[int, list[Delegation]] = {}
        for d in Delegation.objects.filter(item__department=department).select_related("agreement"):
            if d.agreement_id != agreement.pk and (
                d.agreement is None or not d.agreement.is_valid_on(today)
            ):
                stale.setdefault(d.item_id, []).append(d)
        items = ServiceItem.objects.in_bulk(list(stale))
        for item_id, rows in sorted(stale.items()):
            audit.record(
                action="catalog.delegation.relinked",
                actor=actor,
                obj=items[item_id],
                before={
                    "agreements": sorted({d.agreement.number if d.agreement else "" for d in rows})
                },
                after={"agreement": agreement.number, "powers": sorted(d.power for d in rows)},
            )
            relinked += len(rows)
        Delegation.objects.filter(pk__in=[d.pk for rows in stale.values() for d in rows]).update(
            agreement=agreement
        )
        forget_delegations()
    return added, removed, relinked
