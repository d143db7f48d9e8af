"""Guide search. Interface stable; the ranking is being built (see catalog search work)."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.catalog.models import ServiceItem


@dataclass(frozen=True)
class SearchHit:
    item: ServiceItem
    score: float


def search_items(
    query: str,
    *,
    limit: int = 20,
    audience: str | None = None,
    department_id: int | None = None,
    item_type: str | None = None,
) -> list[SearchHit]:
    """Items best matching a citizen's words, best first. Only published items."""
    qs = ServiceItem.objects.published().select_related("department")
    if audience:
        qs = qs.filter(audience__in=[audience, "both"])
    if department_id:
        qs = qs.filter(department_id=department_id)
    if item_type:
        qs = qs.filter(item_type=item_type)
    query = (query or "").strip()
    if not query:
        return []
    return [SearchHit(item=i, score=1.0) for i in qs.filter(name__icontains=query)[:limit]]
