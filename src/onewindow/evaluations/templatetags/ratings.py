"""Rating links for the pages that invite a rating (the ticket's status page, case tracking)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from onewindow.cases.models import FINAL_STATUSES
from onewindow.evaluations import tokens

register = template.Library()


@register.simple_tag
def ticket_rating_url(ticket: Any, via: str = "qr") -> str:
    """The rating page of a finished service ("" while it is not finished)."""
    if getattr(ticket, "status", "") != "done":
        return ""
    return reverse("evaluations:rate", args=[tokens.for_ticket(ticket.pk)]) + f"?via={via}"


@register.simple_tag
def case_rating_url(case: Any, via: str = "online") -> str:
    """The rating page of an ended case ("" while it is under way)."""
    if getattr(case, "status", "") not in FINAL_STATUSES:
        return ""
    return reverse("evaluations:rate", args=[tokens.for_case(case.pk)]) + f"?via={via}"
