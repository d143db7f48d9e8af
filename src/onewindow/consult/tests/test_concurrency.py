"""Under real concurrency (PostgreSQL, threads): a question is answered once, a chat is taken
by one guide."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from onewindow.accounts.models import Role
from onewindow.consult import services
from onewindow.consult.models import Consultation
from onewindow.consult.services import ConsultError
from onewindow.consult.tests.helpers import ask
from onewindow.core.services import sync_calendar_from_library


def _race(n: int, action: Callable[[int], None]) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            action(i)
            outcomes.append("ok")
        except ConsultError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_yield_exactly_one(hall: Any, make_user: Any):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    sync_calendar_from_library()  # a transactional test may have flushed the calendar
    question = ask(hall, when=timezone.now())
    guides = [make_user(Role.GUIDE) for _ in range(6)]
    outcomes = _race(
        len(guides),
        lambda i: services.answer_question(
            question=question, actor=guides[i], answer_text=f"答复{i}"
        ),
    )
    assert outcomes == ["answered"] * 5 + ["ok"]
    assert Consultation.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_yield_one_guide(hall: Any, make_user: Any):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    guides = [make_user(Role.GUIDE) for _ in range(6)]
    services.set_available(actor=guides[0], available=True)
    chat = services.open_chat(hall=hall, name="王大爷", question="问题")
    outcomes = _race(len(guides), lambda i: services.accept_chat(chat=chat, actor=guides[i]))
    assert outcomes == ["ok"] + ["taken"] * 5
    chat.refresh_from_db()
    assert chat.guide in guides
