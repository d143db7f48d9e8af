"""Knowledge-base changes: answers written and reviewed by staff, citizens' feedback, gaps.

Answers are catalog data: every change bumps the catalog revision so the search indexes of every
process rebuild, and writes an audit event.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalog.models import Answer, ServiceItem
from onewindow.catalog.search import normalize
from onewindow.catalog.services import bump_revision
from onewindow.core import audit
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap

GAP_MAX_CHARS = 100


class KnowledgeError(Exception):
    """A knowledge-base change that cannot be made; `field` names the input at fault."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _next_code(item: ServiceItem | None) -> str:
    prefix = "Q" if item is not None else "G"
    siblings = Answer.objects.filter(item=item) if item else Answer.objects.filter(item=None)
    used = set(siblings.values_list("code", flat=True))
    n = len(used) + 1
    while f"{prefix}{n:02d}" in used:
        n += 1
    return f"{prefix}{n:02d}"


def _clean(*, question: str, answer_text: str, source: str) -> tuple[str, str, str]:
    question, answer_text, source = question.strip(), answer_text.strip(), source.strip()
    if not question:
        raise KnowledgeError(_("Write the question."), code="question_missing", field="question")
    if len(question) > 300:
        raise KnowledgeError(
            _("The question is too long (at most 300 characters)."),
            code="question_long",
            field="question",
        )
    if not answer_text:
        raise KnowledgeError(_("Write the answer."), code="answer_missing", field="answer")
    if len(source) > 300:
        raise KnowledgeError(
            _("The source is too long (at most 300 characters)."),
            code="source_long",
            field="source",
        )
    return question, answer_text, source


@transaction.atomic
def save_answer(
    *,
    answer: Answer | None,
    item: ServiceItem | None,
    question: str,
    answer_text: str,
    source: str,
    actor: Any,
    gap: KnowledgeGap | None = None,
) -> Answer:
    """Create (answer=None) or change an answer. Writing it counts as reviewing it today.

    When written for a knowledge gap, the gap is resolved with it.
    """
    question, answer_text, source = _clean(
        question=question, answer_text=answer_text, source=source
    )
    if item is not None and item.pk is None:
        raise KnowledgeError(_("Choose an item."), code="item_missing", field="item")
    before = None
    if answer is not None:
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        before = audit.snapshot(answer)
        if answer.item_id != (item.pk if item else None):
            answer.code = _next_code(item)
    else:
        answer = Answer(code=_next_code(item))
        last = Answer.objects.filter(item=item).order_by("-sort_order").first()
        answer.sort_order = (last.sort_order if last else 0) + 10
    duplicate = Answer.objects.filter(item=item, question=question)
    if answer.pk:
        duplicate = duplicate.exclude(pk=answer.pk)
    if duplicate.exists():
        raise KnowledgeError(
            _("This question already has an answer here; edit that one instead."),
            code="duplicate",
            field="question",
        )
    answer.item = item
    answer.question = question
    answer.answer = answer_text
    answer.source = source
    answer.reviewed_at = timezone.localdate()
    answer.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    answer.save()
    audit.record(
        action=f"knowledge.answer.{'updated' if before is not None else 'created'}",
        actor=actor,
        obj=answer,
        before=before,
        after=audit.snapshot(answer),
    )
    if gap is not None:
        _resolve(gap=gap, actor=actor, answer=answer)
    bump_revision()
    return answer


@transaction.atomic
def mark_reviewed(*, answer: Answer, actor: Any) -> Answer:
    """The answer was checked and is still right: reviewed today by `actor`."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    before = audit.snapshot(answer, fields=["reviewed_at", "reviewed_by"])
    answer.reviewed_at = timezone.localdate()
    answer.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    answer.save(update_fields=["reviewed_at", "reviewed_by", "updated_at"])
    audit.record(
        action="knowledge.answer.reviewed",
        actor=actor,
        obj=answer,
        before=before,
        after=audit.snapshot(answer, fields=["reviewed_at", "reviewed_by"]),
    )
    return answer


@transaction.atomic
def record_feedback(*, answer: Answer, helpful: bool) -> AnswerFeedback:
    """Count one citizen's “was this helpful?” vote (one per answer per browser session: the
    view checks the session). Anonymous counts only, so no audit event per vote."""
    feedback, _created = AnswerFeedback.objects.get_or_create(answer=answer)
    feedback = AnswerFeedback.objects.select_for_update().get(pk=feedback.pk)
    column = "helpful" if helpful else "not_helpful"
    AnswerFeedback.objects.filter(pk=feedback.pk).update(**{column: F(column) + 1})
    feedback.refresh_from_db()
    return feedback


def gap_text(query: str) -> str:
    """What a gap stores of a question: normalised words only (no spaces or punctuation)."""
    return normalize(query)[:GAP_MAX_CHARS]


def _looks_personal(text: str) -> bool:
    """Identity, phone or case numbers must never be stored (long digit runs)."""
    run = 0
    for ch in text:
        run = run + 1 if ch.isdigit() else 0
        if run >= 6:
            return True
    return False


@transaction.atomic
def log_gap(*, query: str, now: datetime.datetime | None = None) -> KnowledgeGap | None:
    """Count a question that found nothing. Texts with long digit runs (ID, phone numbers)
    and one-character texts are not logged."""
    text = gap_text(query)
    if len(text) < 2 or _looks_personal(text):
        return None
    now = now or timezone.now()
    gap, created = KnowledgeGap.objects.get_or_create(
        query=text, defaults={"first_seen": now, "last_seen": now}
    )
    if not created:
        gap = KnowledgeGap.objects.select_for_update().get(pk=gap.pk)
        gap.count = F("count") + 1
        gap.last_seen = now
        # Asked again after it was resolved: the answer did not help, look again.
        gap.resolved = False
        gap.save(update_fields=["count", "last_seen", "resolved"])
        gap.refresh_from_db()
    return gap


def _resolve(*, gap: KnowledgeGap, actor: Any, answer: Answer | None) -> KnowledgeGap:
    gap = KnowledgeGap.objects.select_for_update().get(pk=gap.pk)
    if gap.resolved:
        return gap
    gap.resolved = True
    gap.resolved_at = timezone.now()
    gap.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    gap.answer = answer
    gap.save(update_fields=["resolved", "resolved_at", "resolved_by", "answer"])
    audit.record(
        action="knowledge.gap.resolved",
        actor=actor,
        obj=gap,
        after={"query": gap.query, "answer": answer.pk if answer else None},
    )
    return gap


@transaction.atomic
def resolve_gap(*, gap: KnowledgeGap, actor: Any) -> KnowledgeGap:
    """The manager dealt with the gap (an answer exists already, or it needs none)."""
    return _resolve(gap=gap, actor=actor, answer=None)
