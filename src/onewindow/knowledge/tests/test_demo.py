"""The demo knowledge base installs through the services and can run twice."""

from __future__ import annotations

import io
from typing import Any

from onewindow.catalog.models import Answer
from onewindow.knowledge.demo import install_demo
from onewindow.knowledge.models import AnswerFeedback, KnowledgeGap
from onewindow.knowledge.queries import statistics


def test_install_demo_is_idempotent(db: Any) -> None:
    from onewindow.demo import setup_demo

    setup_demo()  # installs the knowledge demo too
    install_demo(stdout=io.StringIO())
    counts = (Answer.objects.count(), AnswerFeedback.objects.count(), KnowledgeGap.objects.count())
    assert Answer.objects.filter(item=None).count() == 8 + 6  # the catalog's and ours
    assert counts[1] >= 5
    assert KnowledgeGap.objects.get(query="电动车怎么上牌").count == 12
    assert KnowledgeGap.objects.filter(resolved=True, answer__isnull=False).count() == 1
    stats = statistics()
    assert stats["stale"] >= 2
    assert stats["helpful"] > stats["not_helpful"] > 0
    install_demo()
    assert (
        Answer.objects.count(),
        AnswerFeedback.objects.count(),
        KnowledgeGap.objects.count(),
    ) == counts
    assert KnowledgeGap.objects.get(query="电动车怎么上牌").count == 12
