"""Token buckets against guessing (限流): so many tries, refilled at a steady rate.

One bucket per key (an IP address, a case number). A key that has not been seen for a while has
a full bucket again, so memory is bounded by dropping the least recently used keys past
``max_keys``: forgetting a key only ever gives it a full bucket, which an attacker could get
anyway by waiting, never more.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class TokenBuckets:
    """``capacity`` tries per key, one more every ``refill_seconds``."""

    def __init__(self, capacity: int, refill_seconds: float, *, max_keys: int = 100_000) -> None:
        if capacity < 1 or refill_seconds <= 0 or max_keys < 1:
            raise ValueError("capacity, refill_seconds and max_keys must be positive")
        self.capacity = capacity
        self.refill_seconds = refill_seconds
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.capacity), now))
        return min(float(self.capacity), tokens + max(0.0, now - at) / self.refill_seconds)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)

    def take(self, key: str, now: float) -> bool:
        """Spend one try of ``key``; False (nothing spent) when none is left."""
        with self._lock:
            tokens = self._level(key, now)
            if tokens < 1.0:
                self._store(key, tokens, now)
                return False
            self._store(key, tokens - 1.0, now)
            return True

    def has_left(self, key: str, now: float) -> bool:
        """Whether ``key`` has a try left, without spending it."""
        with self._lock:
            return self._level(key, now) >= 1.0

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` has a try again (0 when it has one now)."""
        with self._lock:
            return max(0.0, (1.0 - self._level(key, now)) * self.refill_seconds)

    def __len__(self) -> int:
        return len(self._buckets)
