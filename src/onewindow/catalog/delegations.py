"""Which powers the comprehensive windows hold for an item on a day (DOMAIN-RULES §1).

Every front-desk action asks this once, so each server process keeps the answer per item and
day for `ONEWINDOW_DELEGATION_CACHE_SECONDS`. A change to a delegation, its agreement or the
item made through this process is seen at once (the answers are dropped when the change
commits; bulk writes in `catalog.services` and the importer drop them too); one made by another
process within that time. Validity by date is exact: the day is part of the key.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from onewindow.catalog.models import Delegation
from onewindow.core.localcache import LocalCache

_powers: LocalCache[frozenset[str]] = LocalCache(
    seconds="ONEWINDOW_DELEGATION_CACHE_SECONDS", max_entries=20_000
)


def delegated_powers(item_id: int, day: datetime.date) -> frozenset[str]:
    """The powers delegated for this item on `day` under a signed agreement valid that day."""

    def read() -> frozenset[str]:
        return frozenset(
            Delegation.objects.effective_on(day)
            .filter(item_id=item_id)
            .values_list("power", flat=True)
        )

    return _powers.get_or_set((item_id, day), read)


def forget_delegations() -> None:
    """Drop this process's answers now and when the current transaction commits (a thread
    reading meanwhile may have stored the rows as they were before the change)."""
    _powers.clear()
    transaction.on_commit(_powers.clear)


def changed(**kwargs: Any) -> None:
    """Signal receiver: a delegation, agreement or item was saved or deleted."""
    forget_delegations()
