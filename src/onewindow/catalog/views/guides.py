"""The public guide site (办事指南): home, browse, search, item page and its printout.

No account is needed. Only published items are visible; everything else is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from onewindow.catalog import queries
from onewindow.catalog.models import Audience, ItemType, ServiceItem
from onewindow.catalog.search import search_items

BROWSE_PAGE_SIZE = 50
SEARCH_LIMIT = 100
MAX_QUERY_CHARS = 100
FEATURED_LIMIT = 12
# Words citizens type, offered as one-tap examples under the search box. They are catalog data
# (searched against Chinese item names), so they are not translated.
SEARCH_EXAMPLES = ("社保卡", "开饭店", "营业执照", "不动产登记", "医保", "个体工商户")


AUDIENCE_CHOICES = [
    ("", _("All applicants")),
    (Audience.NATURAL, _("Individuals")),
    (Audience.LEGAL, _("Businesses and organisations")),
]


class GuideFilterForm(forms.Form):
    """The GET filters shared by browse and search. Invalid values are ignored, not errors."""

    q = forms.CharField(required=False, strip=True)
    audience = forms.ChoiceField(required=False, choices=AUDIENCE_CHOICES)
    department = forms.IntegerField(required=False, min_value=1)
    type = forms.ChoiceField(required=False, choices=[("", _("All types")), *ItemType.choices])

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "")[:MAX_QUERY_CHARS],
            "audience": data.get("audience") or None,
            "department_id": data.get("department") or None,
            "item_type": data.get("type") or None,
        }


def _public(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if "hall" not in context:
        context["hall"] = queries.public_hall()
    return render(request, template, context)


def _filter_context(filters: dict[str, Any]) -> dict[str, Any]:
    """Filter options with counts, and the selected department (without another query)."""
    departments = queries.departments_with_counts(
        audience=filters["audience"],
        item_type=filters["item_type"],
        keep_id=filters["department_id"],
    )
    type_counts = queries.item_type_counts(
        audience=filters["audience"], department_id=filters["department_id"]
    )
    selected = next((d for d in departments if d.pk == filters["department_id"]), None)
    return {
        "departments": departments,
        "item_types": [
            (code, label, type_counts[code])
            for code, label in ItemType.choices
            if code in type_counts
        ],
        "audiences": AUDIENCE_CHOICES,
        "selected_department": selected,
        "filters": filters,
        "has_filters": bool(
            filters["audience"] or filters["department_id"] or filters["item_type"]
        ),
    }


@require_GET
def guide_home(request: HttpRequest) -> HttpResponse:
    return _public(
        request,
        "catalog/guide/home.html",
        {
            "counts": queries.audience_counts(),
            "departments": queries.departments_with_counts(),
            "featured": queries.featured_items(FEATURED_LIMIT),
            "examples": SEARCH_EXAMPLES,
        },
    )


@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    filters = GuideFilterForm(request.GET).filters()
    items = queries.filtered_items(
        audience=filters["audience"],
        department_id=filters["department_id"],
        item_type=filters["item_type"],
    )
    if filters["department_id"]:
        items = items.order_by("name", "pk")
    page = Paginator(items, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _filter_context(filters)
    context.update({"page_obj": page, "items": page.object_list})
    return _public(request, "catalog/guide/browse.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    filters = GuideFilterForm(request.GET).filters()
    query = filters["q"]
    items: list[ServiceItem] = []
    suggestions: list[str] = []
    unfiltered = 0
    if query:
        hits = search_items(
            query,
            limit=SEARCH_LIMIT,
            audience=filters["audience"],
            department_id=filters["department_id"],
            item_type=filters["item_type"],
        )
        items = queries.items_in_order([hit.item.pk for hit in hits])
        if not items:
            suggestions = queries.synonym_suggestions(query)
    context = _filter_context(filters)
    if query and not items and context["has_filters"]:
        # Nothing within the filters: say whether dropping them would help.
        unfiltered = len(search_items(query, limit=SEARCH_LIMIT))
    context.update(
        {
            "query": query,
            "items": items,
            "suggestions": suggestions,
            "unfiltered_count": unfiltered,
            "truncated": len(items) >= SEARCH_LIMIT,
            "limit": SEARCH_LIMIT,
            "examples": SEARCH_EXAMPLES,
        }
    )
    return _public(request, "catalog/guide/search.html", context)


def _guide_or_404(pk: int) -> queries.ItemGuide:
    hall = queries.public_hall()
    try:
        return queries.guide_item(pk, hall=hall)
    except ServiceItem.DoesNotExist:
        raise Http404("No such published item.") from None


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    guide = _guide_or_404(pk)
    return _public(
        request,
        "catalog/guide/item.html",
        {"guide": guide, "item": guide.item, "hall": guide.hall},
    )


@require_GET
def item_print(request: HttpRequest, pk: int) -> HttpResponse:
    guide = _guide_or_404(pk)
    return _public(
        request,
        "catalog/guide/print.html",
        {
            "guide": guide,
            "item": guide.item,
            "hall": guide.hall,
            "printed_on": timezone.localdate(),
            "autoprint": request.GET.get("autoprint") == "1",
        },
    )
