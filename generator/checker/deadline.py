"""A per-check wall-clock budget, enforced with SIGALRM inside a worker process."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CheckTimeout(Exception):
    """The per-check time budget ran out."""


class Deadline:
    """A wall-clock budget enforced with SIGALRM, so runaway SymPy calls are interrupted.

    Phases nest: an inner phase gets a share of what is left, and when it ends the
    outer phase's alarm is re-armed.
    """

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self._ends: list[float] = []

    def remaining(self) -> float:
        current = self._ends[-1] if self._ends else self.end
        return current - time.monotonic()

    @contextmanager
    def phase(self, fraction: float = 1.0) -> Iterator[None]:
        """Run a block with at most ``fraction`` of the remaining time."""
        budget = self.remaining() * fraction
        if budget <= 0:
            raise CheckTimeout()
        if threading.current_thread() is not threading.main_thread():
            yield  # signals only work on the main thread; the pool's hard limit still applies
            return
        self._ends.append(time.monotonic() + budget)
        previous = signal.signal(signal.SIGALRM, _expire)
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._ends.pop()
            signal.signal(signal.SIGALRM, previous)
            if self._ends:
                signal.setitimer(signal.ITIMER_REAL, max(self._ends[-1] - time.monotonic(), 1e-3))


def _expire(signum: int, frame: Any) -> None:
    raise CheckTimeout()
