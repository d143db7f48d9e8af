"""Read functions for the public guide pages (办事指南).

Each function returns plain data or an evaluated list with everything its page needs prefetched,
so a page's query count does not grow with the number of items, scenarios or materials. The
counts are pinned in `catalog/tests/test_guides.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import (
    Answer,
    Audience,
    Delegation,
    Department,
    ItemStatus,
    Material,
    OnlineDepth,
    Power,
    Scenario,
    ServiceItem,
    Synonym,
)

PUBLIC_AUDIENCES = (Audience.NATURAL, Audience.LEGAL)

# What each delegated power means for the applicant at the comprehensive window, in their words.
POWER_PHRASES = {
    Power.RECEIVE: _("receive your application"),
    Power.VERIFY_ORIGINAL: _("check your original documents"),
    Power.ONE_TIME_NOTICE: _("tell you at once, in writing, everything that is missing"),
    Power.ACCOUNT_USE: _("enter your application in the department's system"),
    Power.DELIVER_RESULT: _("hand you the result"),
}


def public_hall() -> Any | None:
    """The hall whose name, address and hours the public site shows (the first active one).

    Looked up through the app registry: `halls` sits below `catalog` in the app layering, and the
    guide pages only read three display fields of it.
    """
    hall_model = apps.get_model("halls", "Hall")
    return hall_model.objects.filter(is_active=True).order_by("pk").first()


def _audience_q(audience: str | None, prefix: str = "") -> Q:
    """Items for natural (or legal) persons include the items for both."""
    if audience in PUBLIC_AUDIENCES:
        return Q(**{f"{prefix}audience__in": [audience, Audience.BOTH]})
    return Q()


def _has_guide() -> Exists:
    """True when at least one scenario of the item lists materials (a full guide)."""
    return Exists(Material.objects.filter(scenario__item=OuterRef("pk")))


def published_items() -> QuerySet[ServiceItem]:
    return (
        ServiceItem.objects.published()
        .select_related("department")
        .annotate(has_guide=_has_guide())
    )


def filtered_items(
    *, audience: str | None = None, department_id: int | None = None, item_type: str | None = None
) -> QuerySet[ServiceItem]:
    """Published items matching the browse filters, with `department` and `has_guide`."""
    qs = published_items().filter(_audience_q(audience))
    if department_id:
        qs = qs.filter(department_id=department_id)
    if item_type:
        qs = qs.filter(item_type=item_type)
    return qs


def departments_with_counts(
    *, audience: str | None = None, item_type: str | None = None, keep_id: int | None = None
) -> list[Department]:
    """Active departments having matching published items, each with `item_count` (one query).

    `keep_id` keeps the selected department in the list even when none of its items match.
    """
    condition = Q(items__status=ItemStatus.PUBLISHED) & _audience_q(audience, "items__")
    if item_type:
        condition &= Q(items__item_type=item_type)
    qs = (
        Department.objects.filter(is_active=True)
        .annotate(item_count=Count("items", filter=condition))
        .filter(Q(item_count__gt=0) | Q(pk=keep_id or 0))
        .order_by("sort_order", "name")
    )
    return list(qs)


def item_type_counts(
    *, audience: str | None = None, department_id: int | None = None
) -> dict[str, int]:
    """Published item counts per item type code, for the type filter (one query)."""
    qs = ServiceItem.objects.published().filter(_audience_q(audience))
    if department_id:
        qs = qs.filter(department_id=department_id)
    rows = qs.order_by().values("item_type").annotate(n=Count("pk"))
    return {row["item_type"]: row["n"] for row in rows}


@dataclass(frozen=True)
class AudienceCounts:
    natural: int
    legal: int
    total: int
    with_guide: int


def audience_counts() -> AudienceCounts:
    """How many published items serve natural and legal persons (one query)."""
    row = ServiceItem.objects.published().aggregate(
        natural=Count("pk", filter=_audience_q(Audience.NATURAL)),
        legal=Count("pk", filter=_audience_q(Audience.LEGAL)),
        total=Count("pk"),
        with_guide=Count("pk", filter=_has_guide()),
    )
    return AudienceCounts(
        natural=row["natural"] or 0,
        legal=row["legal"] or 0,
        total=row["total"] or 0,
        with_guide=row["with_guide"] or 0,
    )


def featured_items(limit: int = 12) -> list[ServiceItem]:
    """Items with full guides (materials written out), for the home page (one query)."""
    return list(published_items().filter(has_guide=True)[:limit])


def items_in_order(item_ids: Sequence[int]) -> list[ServiceItem]:
    """Published items by id, in the given order, with `department` and `has_guide`.

    Search returns ranked items; this reloads them with what the result list shows in one query,
    whatever the search itself prefetched.
    """
    by_id = {item.pk: item for item in published_items().filter(pk__in=list(item_ids))}
    return [by_id[i] for i in item_ids if i in by_id]


def synonym_suggestions(query: str, limit: int = 6) -> list[str]:
    """Catalog words for a citizen's word (and the reverse), to suggest when nothing was found."""
    query = query.strip()
    if not query:
        return []
    # Also a citizen's word of two or more characters contained in the query ("我要办社保卡").
    rows = (
        Synonym.objects.annotate(q=Value(query), term_length=Length("term"))
        .filter(
            Q(term__icontains=query)
            | Q(canonical__icontains=query)
            | (Q(q__contains=F("term")) & Q(term_length__gte=2))
        )
        .order_by("term")
    )
    words: list[str] = []
    for synonym in rows[: limit * 2]:
        for word in (*[w.strip() for w in synonym.canonical.split("|")], synonym.term):
            if word and word != query and word not in words:
                words.append(word)
    return words[:limit]


@dataclass
class ItemGuide:
    """Everything the item page and its printout show, loaded in a fixed number of queries."""

    item: ServiceItem
    scenarios: list[Scenario]
    answers: list[Answer]
    powers: list[str]
    hall: Any | None = None
    has_guide: bool = field(init=False)

    def __post_init__(self) -> None:
        self.has_guide = any(s.material_list for s in self.scenarios)

    @property
    def front_desk_receives(self) -> bool:
        return Power.RECEIVE in self.powers

    @property
    def front_desk_powers(self) -> str:
        """What the comprehensive window can do for this item, in the order of the procedure."""
        phrases = [str(POWER_PHRASES[Power(p)]) for p in Power.values if p in self.powers]
        return gettext(", ").join(phrases)

    @property
    def applies_online(self) -> bool:
        return self.item.online_depth in (OnlineDepth.PREREVIEW, OnlineDepth.FULL)

    @property
    def material_count(self) -> int:
        return sum(len(s.material_list) for s in self.scenarios)

    @property
    def place(self) -> str:
        item = self.item
        if item.place:
            return item.place
        hall_address = getattr(self.hall, "address", "")
        return " ".join(p for p in (hall_address, item.department.window_location) if p)

    @property
    def hours(self) -> str:
        return self.item.hours or getattr(self.hall, "opening_hours", "") or ""

    @property
    def consult_phone(self) -> str:
        return (
            self.item.consult_phone
            or self.item.department.phone
            or getattr(self.hall, "phone", "")
            or ""
        )


def guide_item(pk: int, *, hall: Any | None = None) -> ItemGuide:
    """A published item with scenarios, materials, Q&A and delegations (five queries).

    Raises ServiceItem.DoesNotExist for unknown and unpublished items.
    """
    item = (
        ServiceItem.objects.published()
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "scenarios",
                queryset=Scenario.objects.order_by("sort_order", "pk").prefetch_related(
                    Prefetch(
                        "materials",
                        queryset=Material.objects.order_by("sort_order", "pk"),
                        to_attr="material_list",
                    )
                ),
                to_attr="scenario_list",
            ),
            Prefetch(
                "answers",
                queryset=Answer.objects.order_by("sort_order", "pk"),
                to_attr="answer_list",
            ),
            Prefetch(
                "delegations",
                # Only powers backed by a valid signed agreement can be used at the window.
                queryset=Delegation.objects.effective_on(timezone.localdate()).only(
                    "item_id", "power"
                ),
                to_attr="delegation_list",
            ),
        )
        .get(pk=pk)
    )
    return ItemGuide(
        item=item,
        scenarios=item.scenario_list,  # type: ignore[attr-defined]
        answers=item.answer_list,  # type: ignore[attr-defined]
        powers=sorted({d.power for d in item.delegation_list}),  # type: ignore[attr-defined]
        hall=hall,
    )
