"""When to ask the API for a task's status.

The docs suggest polling every 8 s. Render times are known in advance, though (catalog), so the
policy waits until the task could plausibly be done, then polls every ``step`` seconds through the
expected window, then backs off geometrically. For a render time spread uniformly over the window
this makes half or fewer of the requests of a fixed 8-second poller at a smaller mean detection
lag (``step / 2`` instead of 4 s); ``bench/polling.py`` measures it.

Every figure scales with ``time_scale`` — the same factor the sandbox uses — so a time-scaled
sandbox is polled in proportion.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollingPolicy:
    #: Expected render time window in real-world seconds (before scaling).
    window: tuple[float, float]
    time_scale: float = 1.0
    #: Interval inside the expected window (real-world seconds).
    step: float = 7.0
    #: Growth factor of the interval once the window has passed, and its cap.
    backoff: float = 1.5
    max_interval: float = 30.0
    #: Never poll more often than this (real-world seconds), whatever the schedule says.
    min_interval: float = 2.0

    def next_delay(self, elapsed: float) -> float:
        """Seconds to wait, ``elapsed`` seconds after submission, before the next status call."""
        scale = self.time_scale
        lo, hi = self.window[0] * scale, self.window[1] * scale
        step = self.step * scale
        first = lo + step
        if elapsed < first:
            return max(first - elapsed, self.min_interval * scale)
        if elapsed < hi + step:
            # Stay on the grid lo + k*step so the lag stays below one step.
            into = (elapsed - lo) % step
            return max(step - into, self.min_interval * scale)
        overdue = elapsed - hi
        interval = step * self.backoff ** max(1.0, overdue / step)
        return float(min(interval, self.max_interval * scale))

    def estimate_progress(self, elapsed: float) -> int:
        """A time-based progress estimate (0-95) for progress bars between coarse API updates."""
        scale = self.time_scale
        mid = (self.window[0] + self.window[1]) / 2 * scale
        if mid <= 0:
            return 0
        return int(min(95.0, 100.0 * elapsed / (mid * 1.1)))

    def eta(self, elapsed: float) -> float:
        """Seconds until the expected end of the render window (0 once it has passed)."""
        return max(0.0, (self.window[0] + self.window[1]) / 2 * self.time_scale - elapsed)
