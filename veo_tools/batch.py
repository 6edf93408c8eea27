"""Batches: many videos, priced and guarded as a whole, followed with per-channel caps.

A batch is written to the journal before anything is sent: its inputs, then one ``pending`` task
per item (linked to the item in the same transaction). The runner claims a pending task, submits
it, and follows it to the end while holding a slot of its channel's cap, so the number of tasks in
flight never exceeds the cap. A batch cut short (crash, Ctrl-C) resumes from the journal: finished
items are left alone, submitted ones are followed, pending ones are submitted, and a task whose
create request may have left is never sent again.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from veo_tools.errors import InvalidRequestError, VeoError
from veo_tools.journal import TaskRecord
from veo_tools.models import (
    BatchItemInput,
    BatchItemView,
    BatchPlan,
    BatchPlanItem,
    BatchView,
    GenerateVideoInput,
    TaskError,
)
from veo_tools.planning import plan_request
from veo_tools.views import public_status

if TYPE_CHECKING:
    from veo_tools.service import ProgressCallback, VeoService

#: Tasks in flight per channel unless told otherwise (APIYI recommends <= 10 on Official).
DEFAULT_CAPS: dict[str, int] = {"official": 10, "reverse": 10}
TERMINAL = ("completed", "failed", "interrupted")


def expand(
    items: Sequence[BatchItemInput | GenerateVideoInput | Mapping[str, Any]],
) -> list[GenerateVideoInput]:
    """One ``GenerateVideoInput`` per video: ``seeds``/``variants`` expand into seed variants."""
    out: list[GenerateVideoInput] = []
    for item in items:
        batch_item = (
            item
            if isinstance(item, BatchItemInput)
            else BatchItemInput.model_validate(
                item.model_dump() if isinstance(item, GenerateVideoInput) else item
            )
        )
        base = batch_item.model_dump(exclude={"seeds", "variants"})
        seeds = batch_item.seeds or _pick_seeds(batch_item)
        if not seeds:
            out.append(GenerateVideoInput.model_validate(base))
            continue
        out.extend(GenerateVideoInput.model_validate({**base, "seed": s}) for s in seeds)
    return out


def _pick_seeds(item: BatchItemInput) -> list[int]:
    if not item.variants:
        return []
    rng = random.Random(f"{item.prompt}|{item.model}|{item.variants}")
    return rng.sample(range(1, 2**31), item.variants)


def plan_batch(inputs: Sequence[GenerateVideoInput]) -> BatchPlan:
    """Price every item; an invalid item stops the batch before anything is spent."""
    rows: list[BatchPlanItem] = []
    for index, inp in enumerate(inputs):
        try:
            plan = plan_request(inp)
        except InvalidRequestError as exc:
            raise InvalidRequestError(
                f"Batch item {index}: {exc.message}", field=exc.field
            ) from None
        rows.append(
            BatchPlanItem(
                index=index,
                channel=plan.model.channel,
                model=plan.model.id,
                mode=plan.mode,
                price_usd=plan.model.price_usd,
                seed=inp.seed,
                prompt=inp.prompt[:80],
            )
        )
    by_channel: dict[str, float] = {}
    for row in rows:
        by_channel[row.channel] = by_channel.get(row.channel, 0.0) + row.price_usd
    return BatchPlan(
        items=rows,
        total_usd=round(sum(r.price_usd for r in rows), 2),
        by_channel={k: round(v, 2) for k, v in by_channel.items()},
    )


class BatchRunner:
    """Submits and follows the items of one batch with a cap per channel."""

    def __init__(
        self,
        service: VeoService,
        batch_id: str,
        caps: Mapping[str, int],
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self._service = service
        self._batch_id = batch_id
        self._slots = {ch: asyncio.Semaphore(max(1, n)) for ch, n in caps.items()}
        self._on_progress = on_progress

    async def run(self, inputs: Sequence[GenerateVideoInput]) -> None:
        links = self._service.journal.batch_links(self._batch_id)
        await asyncio.gather(*(self._item(i, inp, links.get(i)) for i, inp in enumerate(inputs)))

    async def _item(self, index: int, inp: GenerateVideoInput, rec: TaskRecord | None) -> None:
        svc = self._service
        try:
            if rec is None:
                rec = await svc._reserve_item(inp, self._batch_id, index)
            if rec.status == "submitting" and svc.orphaned(rec):
                rec = svc.journal.update(
                    rec.task_id,
                    status="interrupted",
                    error_kind="submit_outcome_unknown",
                    error_message="The process submitting this task stopped before the answer "
                    "arrived: the task may exist and be billed, so it is not sent again.",
                )
            if rec.status in TERMINAL:
                if rec.status == "completed" and not rec.video_path:
                    await svc.download(rec.task_id)
                return
            async with self._slots[rec.channel]:
                if rec.status == "pending":
                    if not svc.journal.claim(rec.task_id, owner_pid=svc.pid):
                        rec = svc.journal.get(rec.task_id) or rec
                    else:
                        await svc._launch(rec, inp, self._on_progress)
                await svc.wait(
                    rec.task_id, timeout=svc.item_deadline(rec), on_progress=self._on_progress
                )
        except VeoError:
            # Recorded on the task by the engine (failed or interrupted); the batch goes on.
            return


def batch_view(
    batch_id: str, inputs_count: int, links: Mapping[int, TaskRecord], running: bool
) -> BatchView:
    """The compact summary ``check_status`` returns for a batch id."""
    items = [_item_view(batch_id, i, links.get(i)) for i in range(inputs_count)]
    counts = Counter(item.status or "not_reserved" for item in items)
    failed = [i for i in items if i.status in ("failed", "interrupted")]
    unique = {rec.task_id: rec for rec in links.values()}.values()
    done = all(item.status in TERMINAL for item in items)
    status = "completed" if done else ("running" if running else "incomplete")
    return BatchView(
        batch_id=batch_id,
        status=status,
        total=inputs_count,
        counts=dict(counts),
        estimated_cost_usd=round(sum(r.price_usd for r in unique if r.status != "failed"), 2),
        spent_usd=round(sum(r.price_usd for r in unique if r.status == "completed"), 2),
        items=items,
        failed=failed,
        next_step=_next_step(batch_id, status, len(failed)),
    )


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
        status=public_status(rec),
        model=rec.model,
        price_usd=rec.price_usd,
        video_path=rec.video_path,
        error=error,
        deduplicated=(rec.batch_id, rec.batch_index) != (batch_id, index),
    )


def _next_step(batch_id: str, status: str, failed: int) -> str:
    retry = (
        f" {failed} item(s) failed: see failed[].error; fix and submit them again."
        if failed
        else ""
    )
    if status == "completed":
        return f"Batch done; videos are at items[].video_path.{retry}"
    if status == "running":
        return f"Still running: call check_status(task_id='{batch_id}') again later.{retry}"
    return (
        f"Not running in any process: call resume_batch('{batch_id}') (CLI: veo-tools batch "
        f"--resume {batch_id}); finished items are not submitted again.{retry}"
    )
