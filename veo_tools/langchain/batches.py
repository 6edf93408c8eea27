"""Following a batch from ``check_status``: poll ``batch_status`` on the runner's loop.

``VeoService`` runs a batch in the background and summarises it on demand; waiting on one (with
progress) is what a tool call that was asked to wait adds. It runs on the runner's event loop,
where the batch itself runs, so the summary and the batch never cross threads.
"""

from __future__ import annotations

import asyncio

from veo_tools.models import BatchView
from veo_tools.service import ProgressCallback, VeoService
from veo_tools.views import ProgressEvent

BATCH_PREFIX = "batch_"
#: Sandbox seconds between two looks at a running batch (scaled by ``time_scale``).
POLL_INTERVAL_S = 2.0
MIN_POLL_INTERVAL_S = 0.01
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
    """The batch's summary; with ``wait_seconds`` > 0, once it is over or the wait has elapsed.

    Only a batch running in this service can change while we wait: a ``completed`` or
    ``incomplete`` one (cut short, not running here) comes back at once.
    """
    view = service.batch_status(batch_id)
    if wait_seconds <= 0 or view.status != "running":
        return view
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    interval = max(MIN_POLL_INTERVAL_S, POLL_INTERVAL_S * service.settings.time_scale)
    last: dict[str, int] | None = None
    while True:
        if on_progress is not None and view.counts != last:
            on_progress(batch_event(view))
            last = view.counts
        remaining = deadline - loop.time()
        if remaining <= 0 or not (view.status == "running" or _saving(view)):
            return view
        await asyncio.sleep(min(interval, remaining))
        view = service.batch_status(batch_id)


def _saving(view: BatchView) -> bool:
    """A batch seen running whose last items are rendered but maybe still downloading.

    ``batch_status`` says ``completed`` once every item is, while the batch may still be saving
    the last MP4s; waiting for their ``video_path`` (within the same deadline) keeps "completed"
    meaning "files ready". A download that failed just runs the wait to its deadline.
    """
    return view.status == "completed" and any(
        item.status == "completed" and not item.video_path for item in view.items
    )


def batch_event(view: BatchView) -> ProgressEvent:
    """A progress event for a batch: share of finished items, and the counts in words."""
    unfinished = sum(n for status, n in view.counts.items() if status in _UNFINISHED)
    finished = view.total - unfinished
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view.counts.items()))
    return ProgressEvent(
        task_id=view.batch_id,
        status=view.status,
        progress=finished * 100 // max(1, view.total),
        message=f"{finished}/{view.total} finished ({counts}); ${view.spent_usd:.2f} spent",
    )
