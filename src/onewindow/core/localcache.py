"""A small per-process cache with expiry, for answers that many requests ask for at once.

Kiosks, displays and windows call several times a second; some of what they need changes
rarely (a device's token, a window's number, a queue's pace) or may be a moment old (a hall's
display feed). Each server process keeps such answers for a few seconds in a `LocalCache`:
thread-safe, bounded, with the lifetime read from a setting so tests and operators can set it
(0 turns the cache off). Nothing here is shared between processes: a change shows everywhere
within the lifetime.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.conf import settings

V = TypeVar("V")
_MISSING = object()


class LocalCache(Generic[V]):
    def __init__(self, *, seconds: float | str, max_entries: int = 10_000) -> None:
        """`seconds`: the lifetime, or the name of the setting that holds it."""
        self._seconds = seconds
        self._max = max_entries
        self._data: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    @property
    def seconds(self) -> float:
        if isinstance(self._seconds, str):
            return float(getattr(settings, self._seconds))
        return float(self._seconds)

    def get(self, key: Hashable, default: Any = None) -> V | Any:
        if self.seconds <= 0:
            return default
        with self._lock:
            hit = self._data.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return default
        return hit[1]

    def set(self, key: Hashable, value: V) -> None:
        seconds = self.seconds
        if seconds <= 0:
            return
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()
            self._data[key] = (time.monotonic() + seconds, value)

    def get_or_set(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, or `compute()` (stored unless the cache is off)."""
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        value = compute()
        self.set(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)
