"""Following a batch from ``check_status``: ``VeoService.follow_batch`` on the runner's loop.

The engine resumes a stopped batch and waits on it; this module turns its summaries into the
progress events the tools emit. It runs on the runner's event loop, where the batch itself runs.
"""

from __future__ import annotations

from veo_tools.engine.task_views import ProgressEvent
from veo_tools.money import usd
from veo_tools.service import ProgressCallback, VeoService
from veo_tools.types import BatchView

BATCH_PREFIX = "batch_"
_UNFINISHED = frozenset({"queued", "in_progress", "not_reserved"})


def is_batch_id(task_id: str) -> bool:
    return task_id.startswith(BATCH_PREFIX)


async def follow_batch(
    service: VeoService,
    batch_id: str,
    *,
    wait_seconds: float = 0,
    on_progress: ProgressCallback | None = None,
) -> BatchView:
    """The batch's summary (resumed first if no process runs it); with ``wait_seconds`` > 0,
    once it is over or the wait has elapsed. The engine does the work; this adapts progress."""

    def relay(view: BatchView) -> None:
        if on_progress is not None:
            on_progress(batch_event(view))

    return await service.follow_batch(batch_id, wait_seconds=wait_seconds, on_progress=relay)


def batch_event(view: BatchView) -> ProgressEvent:
    """A progress event for a batch: share of finished items, and the counts in words."""
    unfinished = sum(n for status, n in view.counts.items() if status in _UNFINISHED)
    finished = view.total - unfinished
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view.counts.items()))
    return ProgressEvent(
        task_id=view.batch_id,
        status=view.status,
        progress=finished * 100 // max(1, view.total),
        message=f"{finished}/{view.total} finished ({counts}); {usd(view.spent_usd)} spent",
    )
