"""Read functions of the knowledge base: maintenance lists and statistics."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from onewindow.catalog.models import Answer
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap


def review_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Answers last reviewed before this date need review."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.ONEWINDOW_ANSWER_REVIEW_DAYS)


def needs_review_q(today: datetime.date | None = None) -> Q:
    return Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=review_cutoff(today))


def answer_list(
    *, kind: str = "", needs_review: bool = False, item_id: int | None = None, q: str = ""
) -> QuerySet[Answer]:
    answers = Answer.objects.select_related("item", "reviewed_by", "feedback").order_by(
        "item__name", "sort_order", "pk"
    )
    if kind == "general":
        answers = answers.filter(item__isnull=True)
    elif kind == "item":
        answers = answers.filter(item__isnull=False)
    if item_id:
        answers = answers.filter(item_id=item_id)
    if needs_review:
        answers = answers.filter(needs_review_q())
    if q:
        answers = answers.filter(
            Q(question__icontains=q) | Q(answer__icontains=q) | Q(item__name__icontains=q)
        )
    return answers


def popular_general_answers(limit: int = 8) -> list[Answer]:
    """General answers, the most helpful first (then in their own order)."""
    return list(
        Answer.objects.filter(item__isnull=True)
        .select_related("feedback")
        .order_by(F("feedback__helpful").desc(nulls_last=True), "sort_order", "pk")[:limit]
    )


def open_gaps(limit: int | None = None) -> QuerySet[KnowledgeGap]:
    gaps = KnowledgeGap.objects.filter(resolved=False).order_by("-count", "-last_seen")
    return gaps[:limit] if limit else gaps


def statistics(today: datetime.date | None = None) -> dict[str, Any]:
    """Figures for the hall manager: five queries."""
    counts = Answer.objects.aggregate(
        total=Count("pk"),
        general=Count("pk", filter=Q(item__isnull=True)),
        for_items=Count("pk", filter=Q(item__isnull=False)),
        stale=Count("pk", filter=needs_review_q(today)),
        items=Count("item", distinct=True),
    )
    votes = AnswerFeedback.objects.aggregate(
        helpful=Sum("helpful", default=0), not_helpful=Sum("not_helpful", default=0)
    )
    least_helpful = list(
        AnswerFeedback.objects.filter(not_helpful__gt=0)
        .select_related("answer__item")
        .order_by("-not_helpful", "helpful")[:10]
    )
    gaps = list(open_gaps(10))
    by_department = list(
        Answer.objects.filter(item__isnull=False)
        .values("item__department__name")
        .annotate(
            answers=Count("pk"),
            items=Count("item", distinct=True),
            stale=Count("pk", filter=needs_review_q(today)),
        )
        .order_by("-answers", "item__department__name")
    )
    return {
        **counts,
        **votes,
        "least_helpful": least_helpful,
        "top_gaps": gaps,
        "by_department": by_department,
    }
