"""Relay the engine's progress events to the client as MCP progress notifications.

The engine calls back at least every 4 s while it sleeps between polls; a keep-alive re-sends the
last state when anything else (a slow HTTP call, a retry honouring ``Retry-After``) keeps it
quiet longer, so a client that resets its time-out on progress never gives up on a live call.
``ctx.report_progress`` is a no-op when the client sent no progress token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType
from typing import Any

from mcp.server.mcpserver import Context

from veo_tools.types import ProgressEvent

log = logging.getLogger(__name__)

TOTAL = 100.0
#: Re-send the last state when nothing was reported for this long (MCP clients want <= 5 s).
KEEPALIVE_S = 4.0
#: Progress must increase with each notification; a repeated value is nudged by this much.
_STEP = 0.01


class ProgressRelay:
    """An ``on_progress`` callback for ``VeoService`` that reports through one request's context.

    Use as ``async with ProgressRelay(ctx) as relay:`` around the wait, passing ``relay`` as
    ``on_progress`` (a task: percent of 100) or calling ``relay.report(done, message)`` (a batch,
    with ``total`` its item count). Failures to report (the client went away) are logged, never
    raised.
    """

    def __init__(
        self,
        ctx: Context[Any, Any],
        *,
        total: float = TOTAL,
        keepalive_s: float = KEEPALIVE_S,
    ) -> None:
        self._ctx = ctx
        self._total = total
        self._keepalive_s = keepalive_s
        self._value = -1.0
        self._message = "starting"
        self._sent_at = time.monotonic()
        self._broken = False
        self._ticker: asyncio.Task[None] | None = None

    async def __call__(self, event: ProgressEvent) -> None:
        message = f"{event.status} {event.progress}%: {event.message} (task_id={event.task_id})"
        await self.report(float(event.progress), message)

    async def report(self, value: float, message: str) -> None:
        self._value = min(self._total, max(value, self._value + _STEP))
        self._message = message
        self._sent_at = time.monotonic()
        if self._broken:
            return
        try:
            await self._ctx.report_progress(self._value, self._total, message)
        except Exception:  # the request is gone or its stream closed: stop trying
            self._broken = True
            log.debug("progress notification failed; no more for this call", exc_info=True)

    async def _keepalive(self) -> None:
        while True:
            idle = time.monotonic() - self._sent_at
            if idle >= self._keepalive_s:
                await self.report(max(self._value, 0.0), self._message)
                idle = 0.0
            await asyncio.sleep(self._keepalive_s - idle)

    async def __aenter__(self) -> ProgressRelay:
        self._ticker = asyncio.create_task(self._keepalive())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
