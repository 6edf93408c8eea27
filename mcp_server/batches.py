"""Following a batch from ``check_status``: ``VeoService.follow_batch`` with MCP progress.

The batch runs in the background of the server's ``VeoService`` (started by ``generate_batch``);
the engine resumes a stopped one and waits on it, and this module relays ``finished/total`` as
progress notifications while it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context

from mcp_server.progress import ProgressRelay
from mcp_server.results import finished_items
from veo_tools.money import usd
from veo_tools.types import BatchView

if TYPE_CHECKING:
    from veo_tools.service import VeoService

BATCH_PREFIX = "batch_"


def is_batch_id(task_id: str) -> bool:
    return task_id.startswith(BATCH_PREFIX)


async def follow_batch(
    ctx: Context[Any, Any], service: VeoService, batch_id: str, wait_seconds: float
) -> BatchView:
    """The batch's summary (the engine resumes it first if no process runs it); with
    ``wait_seconds`` > 0, once it is over or the wait has elapsed, relaying progress."""
    if wait_seconds <= 0:
        return await service.follow_batch(batch_id)
    total = float(service.batch_status(batch_id).total)
    async with ProgressRelay(ctx, total=total) as relay:
        last: list[str] = []

        async def report(view: BatchView) -> None:
            message = _message(view)
            if last[-1:] != [message]:  # progress values must rise: only news is reported
                last.append(message)
                await relay.report(float(finished_items(view)), message)

        return await service.follow_batch(batch_id, wait_seconds=wait_seconds, on_progress=report)


def _message(view: BatchView) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view.counts.items()))
    return (
        f"{finished_items(view)}/{view.total} finished ({counts}); {usd(view.spent_usd)} spent "
        f"(batch_id={view.batch_id})"
    )
