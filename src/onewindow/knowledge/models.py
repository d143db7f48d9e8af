"""Feedback on answers and the questions that found nothing. The answers themselves are catalog
data (`catalog.Answer`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnswerFeedback(models.Model):
    """“Was this helpful?” counts of one answer (votes are anonymous: no per-vote rows)."""

    answer = models.OneToOneField(
        "catalog.Answer",
        verbose_name=_("Answer"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    helpful = models.PositiveIntegerField(_("Helpful"), default=0)
    not_helpful = models.PositiveIntegerField(_("Not helpful"), default=0)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        verbose_name = _("Answer feedback")
        verbose_name_plural = _("Answer feedback")
        permissions = [
            ("maintain_answers", "Can write and review knowledge-base answers"),
            ("use_quick_answers", "Can use the staff quick-answer panel"),
            ("manage_gaps", "Can see and resolve knowledge gaps"),
            ("view_knowledge_stats", "Can see knowledge-base statistics"),
        ]

    def __str__(self) -> str:
        return f"{self.answer_id}: +{self.helpful} -{self.not_helpful}"


class KnowledgeGap(models.Model):
    """A question citizens asked that found nothing: the normalised text only, no personal data."""

    query = models.CharField(_("Question"), max_length=100, unique=True)
    count = models.PositiveIntegerField(_("Times asked"), default=1)
    first_seen = models.DateTimeField(_("First asked"))
    last_seen = models.DateTimeField(_("Last asked"))
    resolved = models.BooleanField(_("Resolved"), default=False)
    resolved_at = models.DateTimeField(_("Resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer = models.ForeignKey(
        "catalog.Answer",
        verbose_name=_("Answer written"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Knowledge gap")
        verbose_name_plural = _("Knowledge gaps")
        ordering = ["resolved", "-count", "-last_seen"]
        indexes = [models.Index(fields=["resolved", "-count"], name="knowledge_gap_open_idx")]

    def __str__(self) -> str:
        return self.query
