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
import inspect
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from veo_tools.engine import failover, follow, submission
from veo_tools.engine.batch_views import batch_view
from veo_tools.engine.planning import plan_request
from veo_tools.engine.rerender import explicit_overrides, rerender_input
from veo_tools.engine.state import TERMINAL, Engine, ProgressCallback
from veo_tools.engine.task_views import policy_for
from veo_tools.errors import InvalidRequestError, TaskNotFoundError, VeoError
from veo_tools.journal.interface import WORKERS_BATCH
from veo_tools.journal.owner import owner_alive, pid_alive
from veo_tools.journal.store import TaskRecord, new_task_id
from veo_tools.types import (
    BatchItemInput,
    BatchPlan,
    BatchPlanItem,
    BatchView,
    GenerateVideoInput,
)
from veo_tools.words import LIST_TASKS, Words, call

#: Tasks in flight per channel unless told otherwise (APIYI recommends <= 10 on Official).
DEFAULT_CAPS: dict[str, int] = dict.fromkeys(("official", "reverse", "seedance", "wan", "grok"), 10)
#: The key under which a batch's caps are kept in its first stored item (``batches.items_json``).
CAPS_KEY = "_concurrency"


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
                price_usd=plan.price_usd,
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


class Batches:
    """The batches of one service: creating, running (one runner per batch) and summarising."""

    def __init__(self, eng: Engine, dedupe_window: float) -> None:
        self._eng = eng
        self._dedupe_window = dedupe_window
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def plan(self, items: Sequence[Any]) -> BatchPlan:
        """The dry run: every item priced as it would be sent (re-renders resolved)."""
        return plan_batch(
            [await self._resolve_rerender(i, inp) for i, inp in enumerate(expand(items))]
        )

    async def create(
        self,
        items: Sequence[Any],
        concurrency: int | Mapping[str, int] | None = None,
        *,
        status: str = "pending",
    ) -> tuple[str, list[GenerateVideoInput]]:
        """Check, price and record a batch and all its items; nothing is sent yet. The caps
        (``concurrency``) are stored with the first item, so a resume keeps them. ``status``
        ``WORKERS_BATCH`` hands the batch to shared workers in the same transaction."""
        inputs = [await self._resolve_rerender(i, inp) for i, inp in enumerate(expand(items))]
        plan_batch(inputs)  # an invalid item stops the batch with its index
        for index, inp in enumerate(inputs):  # every image is checked before anything is spent
            try:
                submission.load_images(self._eng, inp, plan_request(inp))
            except InvalidRequestError as exc:
                raise InvalidRequestError(
                    f"Batch item {index}: {exc.message}", field=exc.field
                ) from None
        # The batch and all its items go in at once, the budget judged in the same transaction:
        # another process spending meanwhile can never leave half a batch recorded.
        batch_id = "batch_" + new_task_id().removeprefix("veo_")
        stored = [i.model_dump(mode="json") for i in inputs]
        stored[0][CAPS_KEY] = caps(concurrency)  # a resume keeps the batch's own caps
        tasks = [self._item_record(inp, batch_id, index) for index, inp in enumerate(inputs)]
        cap = self._eng.settings.budget_usd
        await self._eng.journal.create_batch(
            batch_id,
            stored,
            created_at=self._eng.clock(),
            status=status,
            tasks=tasks,
            budget=None if cap is None else (cap, self._eng.clock() - submission.DAY_S),
        )
        return batch_id, inputs

    async def run(
        self,
        batch_id: str,
        inputs: list[GenerateVideoInput],
        concurrency: int | Mapping[str, int] | None,
        wait: bool,
        on_progress: ProgressCallback | None,
    ) -> BatchView:
        running = self.tasks.get(batch_id)
        if running is None or running.done():
            runner = _Runner(self, batch_id, caps(concurrency), on_progress)
            await self._eng.journal.update_batch(batch_id, f"running:{self._eng.pid}")
            self.tasks[batch_id] = asyncio.create_task(runner.run(inputs))
        if wait:
            await asyncio.shield(self.tasks[batch_id])
        return await self.status(batch_id)

    async def _resolve_rerender(self, index: int, inp: GenerateVideoInput) -> GenerateVideoInput:
        """A ``from_task_id`` item becomes the full input of that re-render."""
        if not inp.from_task_id:
            return inp
        try:
            source = await self._eng.get(inp.from_task_id)
        except TaskNotFoundError as exc:
            raise InvalidRequestError(
                f"Batch item {index}: {exc.message}", field="from_task_id"
            ) from None
        target, _notes = rerender_input(
            source,
            channel=inp.channel if inp.channel != "auto" else "official",
            model=inp.model,
            overrides=explicit_overrides(inp),
        )
        return target

    async def inputs(self, batch_id: str) -> list[GenerateVideoInput]:
        batch = await self._eng.journal.get_batch(batch_id)
        if batch is None:
            raise TaskNotFoundError(
                Words(
                    "No batch {batch_id!r} in the journal. Batch ids start with 'batch_'; "
                    "{tasks} shows tasks with their batch_id.",
                    batch_id=batch_id[:80],
                    tasks=call(LIST_TASKS),
                )
            )
        return [
            GenerateVideoInput.model_validate({k: v for k, v in item.items() if k != CAPS_KEY})
            for item in batch.items
        ]

    async def stored_caps(self, batch_id: str) -> dict[str, int]:
        """The per-channel caps the batch was started with (the defaults for older batches)."""
        batch = await self._eng.journal.get_batch(batch_id)
        first = batch.items[0] if batch is not None and batch.items else {}
        stored = first.get(CAPS_KEY) if isinstance(first, dict) else None
        return caps(stored if isinstance(stored, dict) else None)

    async def status(self, batch_id: str) -> BatchView:
        inputs = await self.inputs(batch_id)
        links = await self._eng.journal.batch_links(batch_id)
        return batch_view(batch_id, len(inputs), links, running=await self.running(batch_id))

    async def running(self, batch_id: str) -> bool:
        """Whether a runner (here, or in another live process) is working on the batch."""
        task = self.tasks.get(batch_id)
        if task is not None and not task.done():
            return True
        batch = await self._eng.journal.get_batch(batch_id)
        if batch is not None and batch.status == WORKERS_BATCH:  # shared workers run it
            links = (await self._eng.journal.batch_links(batch_id)).values()
            return any(r.status not in TERMINAL or not r.video_path for r in links)
        if batch is None or not batch.status.startswith("running:"):
            return False
        pid = int(batch.status.split(":", 1)[1] or 0)
        return pid != self._eng.pid and pid_alive(pid)

    async def follow(
        self,
        batch_id: str,
        *,
        wait_seconds: float,
        on_progress: Callable[[BatchView], Awaitable[None] | None] | None,
        resume: bool = True,
    ) -> BatchView:
        """Resume the batch if nobody runs it (unless ``resume=False``: then only watch it),
        then wait up to ``wait_seconds`` for it to end."""
        view = await self.status(batch_id)
        if view.status == "incomplete" and resume:
            caps_ = await self.stored_caps(batch_id)
            view = await self.run(batch_id, await self.inputs(batch_id), caps_, False, None)
        deadline = self._eng.clock() + wait_seconds
        step = max(0.02, 2.0 * min(1.0, self._eng.settings.time_scale * 10))
        while view.status == "running" and self._eng.clock() < deadline:
            await _call(on_progress, view)
            await self._eng.sleep(min(step, max(0.0, deadline - self._eng.clock())))
            view = await self.status(batch_id)
        if wait_seconds > 0:
            await _call(on_progress, view)
        return view

    def _item_record(
        self, inp: GenerateVideoInput, batch_id: str, index: int
    ) -> tuple[TaskRecord, float | None]:
        plan, _request, params = submission.prepare(self._eng, inp)
        rec = submission.record(
            self._eng, inp, plan, params, status="pending", batch=(batch_id, index)
        )
        return rec, submission.dedupe_since(inp, rec.created_at, self._dedupe_window)

    async def reserve_item(self, inp: GenerateVideoInput, batch_id: str, index: int) -> TaskRecord:
        rec, since = self._item_record(inp, batch_id, index)
        budget = self._eng.settings.budget_usd
        found, _duplicate = await self._eng.journal.reserve(
            rec,
            dedupe_since=since,
            budget=(budget, rec.created_at - submission.DAY_S) if budget is not None else None,
            link=(batch_id, index),
        )
        return found


class _Runner:
    """Submits and follows the items of one batch with a cap per channel."""

    def __init__(
        self,
        batches: Batches,
        batch_id: str,
        caps: Mapping[str, int],
        on_progress: ProgressCallback | None,
    ) -> None:
        self._batches = batches
        self._eng = batches._eng
        self._batch_id = batch_id
        self._slots = {ch: asyncio.Semaphore(max(1, n)) for ch, n in caps.items()}
        self._on_progress = on_progress

    async def run(self, inputs: Sequence[GenerateVideoInput]) -> None:
        links = await self._eng.journal.batch_links(self._batch_id)
        try:
            await asyncio.gather(
                *(self._item(i, inp, links.get(i)) for i, inp in enumerate(inputs))
            )
        finally:
            await self._eng.journal.update_batch(self._batch_id, "stopped")

    async def _item(self, index: int, inp: GenerateVideoInput, rec: TaskRecord | None) -> None:
        eng = self._eng
        try:
            if rec is None:  # the process stopped while the batch was being recorded
                rec = await self._batches.reserve_item(inp, self._batch_id, index)
            if rec.status == "submitting" and self._orphaned(rec):
                rec = await eng.interrupt(rec, ORPHAN_MESSAGE, kind="submit_outcome_unknown")
            if rec.status in TERMINAL:
                if rec.status == "completed" and not rec.video_path:
                    await follow.save_video(eng, rec.task_id)
                return
            async with self._slots[rec.channel]:
                if rec.status == "pending" and await eng.journal.claim(
                    rec.task_id, owner=eng.owner
                ):
                    # An unpinned item refused as unavailable fails over, as generate does.
                    rec = await failover.start_item(
                        eng,
                        inp,
                        await eng.get(rec.task_id),
                        batch=(self._batch_id, index),
                        dedupe_window=self._batches._dedupe_window,
                    )
                await follow.wait(
                    eng,
                    rec.task_id,
                    timeout=self._deadline(rec),
                    download=True,
                    on_progress=self._on_progress,
                )
        except VeoError:
            # Recorded on the task by the engine (failed or interrupted); the batch goes on.
            return

    def _orphaned(self, rec: TaskRecord) -> bool:
        """True when no live process (nor this one) is still submitting ``rec``."""
        silent = self._eng.clock() - rec.updated_at
        if not owner_alive(rec.owner, silent_for=silent, me=self._eng.owner):
            return True
        return rec.owner_pid == self._eng.pid and rec.task_id not in self._eng.submitting

    def _deadline(self, rec: TaskRecord) -> float:
        """How long the batch follows one task before leaving it to check_status."""
        hi = policy_for(rec, self._eng.settings.time_scale).window[1]
        return max(3 * hi, hi + 600) * self._eng.settings.time_scale


async def _call(
    callback: Callable[[BatchView], Awaitable[None] | None] | None, view: BatchView
) -> None:
    if callback is not None and inspect.isawaitable(result := callback(view)):
        await result


ORPHAN_MESSAGE = (
    "The process submitting this task stopped before the answer arrived: the task may exist "
    "and be billed, so it is not sent again."
)


def caps(concurrency: int | Mapping[str, int] | None) -> dict[str, int]:
    """Per-channel caps from an int (both channels), a mapping (some channels) or None."""
    if concurrency is None:
        return dict(DEFAULT_CAPS)
    if isinstance(concurrency, int):
        return dict.fromkeys(DEFAULT_CAPS, concurrency)
    return {**DEFAULT_CAPS, **concurrency}
