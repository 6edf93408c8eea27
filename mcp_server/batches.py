"""Following a batch from ``check_status``: its summary, or a wait that polls it with progress.

The batch itself runs in the background of the server's ``VeoService`` (started by
``generate_batch``); a ``check_status`` call that was asked to wait only looks at the journal's
summary now and then, and relays ``finished/total`` as progress while the batch runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.mcpserver import Context

from mcp_server.progress import ProgressRelay
from mcp_server.results import finished_items
from veo_tools.models import BatchView

if TYPE_CHECKING:
    from veo_tools.service import VeoService

BATCH_PREFIX = "batch_"
#: Seconds between two looks at a running batch, scaled by the engine's ``time_scale``.
POLL_INTERVAL_S = 2.0
MIN_POLL_INTERVAL_S = 0.01


def is_batch_id(task_id: str) -> bool:
    return task_id.startswith(BATCH_PREFIX)


async def follow_batch(
    ctx: Context[Any, Any], service: VeoService, batch_id: str, wait_seconds: float
) -> BatchView:
    """The batch's summary; with ``wait_seconds`` > 0, once it is over or the wait has elapsed.

    Only a batch running in this server can change while we wait: a ``completed`` or
    ``incomplete`` one comes back at once.
    """
    view = service.batch_status(batch_id)
    if wait_seconds <= 0 or view.status != "running":
        return view
    interval = max(MIN_POLL_INTERVAL_S, POLL_INTERVAL_S * service.settings.time_scale)
    deadline = anyio.current_time() + wait_seconds
    async with ProgressRelay(ctx, total=float(view.total)) as relay:
        last: dict[str, int] | None = None
        while True:
            if view.counts != last:
                await relay.report(float(finished_items(view)), _message(view))
                last = view.counts
            remaining = deadline - anyio.current_time()
            if remaining <= 0 or not (view.status == "running" or _saving(view)):
                return view
            await anyio.sleep(min(interval, remaining))
            view = service.batch_status(batch_id)


def _saving(view: BatchView) -> bool:
    """A batch seen running whose last items are rendered but maybe still downloading.

    The engine calls a batch completed once every item is, while its runner may still be saving
    the last MP4s; waiting for their ``video_path`` (within the same deadline) lets the summary
    point at every file. A download that failed just runs the wait to its deadline.
    """
    return view.status == "completed" and any(
        item.status == "completed" and not item.video_path for item in view.items
    )


def _message(view: BatchView) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view.counts.items()))
    return (
        f"{finished_items(view)}/{view.total} finished ({counts}); ${view.spent_usd:g} spent "
        f"(batch_id={view.batch_id})"
    )
