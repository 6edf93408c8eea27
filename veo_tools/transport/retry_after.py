"""``Retry-After`` read as seconds, and a wait said as a person would say it."""

from __future__ import annotations

import math
import time
from email.utils import parsedate_to_datetime

#: The longest ``Retry-After`` believed (a day); a larger one is read as this.
MAX_RETRY_AFTER_S = 24 * 3600.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now; accepts delta-seconds or an HTTP-date. Not a number
    (``nan``, ``inf`` spelled out, garbage) is ``None``; the result is clamped to 0..one day."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or (math.isinf(seconds) and not value.strip()[0].isdigit()):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


def describe_wait(seconds: float | None) -> str:
    """A wait as a person would say it: "20 s", "3 min", "2 h", "a day or more"."""
    if seconds is None or math.isnan(seconds):
        return "30-60 s"
    if seconds >= MAX_RETRY_AFTER_S:
        return "a day or more"
    if seconds >= 5400:
        return f"{math.ceil(seconds / 3600)} h"
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} min"
    return f"{math.ceil(max(seconds, 1.0))} s"
