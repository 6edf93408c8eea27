"""The compact summary of a batch that ``check_status`` returns for a batch id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from veo_tools.engine.state import TERMINAL
from veo_tools.engine.task_views import public_status, request_params
from veo_tools.journal.store import TaskRecord
from veo_tools.money import usd
from veo_tools.types import BatchItemView, BatchView, ProgressEvent, TaskError
from veo_tools.words import CHECK_STATUS, GENERATE_BATCH, Term, Words, run


def batch_view(
    batch_id: str, inputs_count: int, links: Mapping[int, TaskRecord], running: bool
) -> BatchView:
    """The compact summary ``check_status`` returns for a batch id."""
    items = [_item_view(batch_id, i, links.get(i)) for i in range(inputs_count)]
    counts = Counter(item.status or "not_reserved" for item in items)
    failed = [i for i in items if i.status in ("failed", "interrupted")]
    unique = {rec.task_id: rec for rec in links.values()}.values()
    done = all(item.status in TERMINAL for item in items)
    # While a runner works the batch is running, even if every status is final: the last
    # downloads may still be on their way.
    status = "running" if running else ("completed" if done else "incomplete")
    advice = _next_step(batch_id, status, len(failed))
    view = BatchView(
        batch_id=batch_id,
        status=status,
        total=inputs_count,
        counts=dict(counts),
        estimated_cost_usd=round(sum(r.price_usd for r in unique if r.status != "failed"), 2),
        spent_usd=round(sum(r.price_usd for r in unique if r.status == "completed"), 2),
        items=items,
        failed=failed,
        next_step=advice.render("agent"),
    )
    view.advise(advice)
    return view


def _item_view(batch_id: str, index: int, rec: TaskRecord | None) -> BatchItemView:
    if rec is None:
        return BatchItemView(index=index)
    error = None
    if rec.error_kind:
        error = TaskError(
            kind=rec.error_kind, message=rec.error_message or "", retryable=rec.error_retryable
        )
    return BatchItemView(
        index=index,
        task_id=rec.task_id,
        seed=request_params(rec).get("seed"),
        status=public_status(rec),
        model=rec.model,
        price_usd=rec.price_usd,
        video_path=rec.video_path,
        error=error,
        deduplicated=(rec.batch_id, rec.batch_index) != (batch_id, index),
    )


def _next_step(batch_id: str, status: str, failed: int) -> Words:
    retry = (
        f" {failed} item(s) failed: see failed[].error; fix and submit them again."
        if failed
        else ""
    )
    if status == "completed":
        return Words("Batch done; videos are at items[].video_path.{retry}", retry=retry)
    if status == "running":
        return Words(
            "Still running: {follow} again later.{retry}",
            follow=run(CHECK_STATUS, task_id=batch_id),
            retry=retry,
        )
    return Words(
        "Stopped before the end: {resume} to resume it{cli}; finished or sent items are not sent "
        "again.{retry}",
        resume=run(GENERATE_BATCH, resume_batch_id=batch_id),
        cli=Term(f" (CLI: veo-tools batch --resume {batch_id})", ""),
        retry=retry,
    )


def batch_event(view: BatchView) -> ProgressEvent:
    """A progress event for a batch: share of finished items (below 100 while it runs: the
    last downloads may be on their way), and the counts in words."""
    finished = view.finished_items
    share = finished * 100 // max(1, view.total)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(view.counts.items()))
    return ProgressEvent(
        task_id=view.batch_id,
        status=view.status,
        progress=min(share, 99) if view.status == "running" else share,
        message=f"{finished}/{view.total} finished ({counts}); {usd(view.spent_usd)} spent",
    )
