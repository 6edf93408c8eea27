"""The overall deadline of the call in progress, read by the transport on every request.

A per-chunk read time-out does not bound a call: a server that dribbles a byte every few seconds
never trips it. The engine opens a :func:`deadline_after` scope for each call (``wait_seconds``
plus a short grace); :class:`~veo_tools.transport.http.ApiHttp` then bounds each whole request,
body included, by the time left, and does not sleep before a retry that would end past it.

The deadline lives in a context variable, so it follows the call through every layer without
each method growing a parameter, and a background task started with :func:`detached_context`
(a stream that outlives the call that started it) is not bound by it. Times are the event loop's
monotonic clock.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "veo_tools_deadline", default=None
)


def loop_time() -> float:
    return asyncio.get_running_loop().time()


@contextmanager
def deadline_after(seconds: float | None) -> Iterator[None]:
    """Bound the wire work inside the block to ``seconds`` from now (``None``: no new bound).
    A nested scope can only tighten the deadline, never extend it."""
    if seconds is None:
        yield
        return
    at = loop_time() + max(0.0, seconds)
    current = _DEADLINE.get()
    token = _DEADLINE.set(at if current is None else min(at, current))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> float | None:
    """The deadline in force (loop time), if any."""
    return _DEADLINE.get()


def time_left() -> float | None:
    """Seconds until the deadline in force (never negative), or ``None`` without one."""
    at = _DEADLINE.get()
    return None if at is None else max(0.0, at - loop_time())


def detached_context() -> contextvars.Context:
    """A copy of the current context without a deadline, for background tasks."""
    context = contextvars.copy_context()
    context.run(_DEADLINE.set, None)
    return context
