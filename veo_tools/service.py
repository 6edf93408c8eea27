"""``VeoService``: the engine every front-end calls.

``generate`` validates before any money is spent, applies the duplicate and budget guards, records
the task in the journal *before* the create request leaves, submits, and optionally waits.
``check_status`` / ``wait`` follow a task with the catalog-driven polling policy and download the
MP4 atomically. Tasks live in the journal, so another process (or a restart) can pick them up.
The work itself is done by :mod:`veo_tools.engine.submission`, :mod:`veo_tools.engine.follow` and
:mod:`veo_tools.engine.batches` over one shared :class:`~veo_tools.engine.state.Engine`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from veo_tools.engine import follow, submission
from veo_tools.engine.batches import Batches, caps
from veo_tools.engine.rerender import explicit_overrides, rerender_input
from veo_tools.engine.state import TERMINAL, Engine, ProgressCallback
from veo_tools.engine.workers import DEFAULT_LEASE_S, Worker, WorkerReport
from veo_tools.journal.interface import WORKERS_BATCH, JournalStore, open_journal
from veo_tools.recommend import recommend_channel
from veo_tools.settings import SANDBOX_BASE_URL, Settings
from veo_tools.transport.http import ApiHttp
from veo_tools.types import (
    BatchPlan,
    BatchView,
    GenerateVideoInput,
    ListTasksInput,
    Recommendation,
    RecommendChannelInput,
    TaskList,
    TaskView,
)

if TYPE_CHECKING:
    from veo_tools.sandbox import Sandbox, SandboxConfig

__all__ = ["ProgressCallback", "VeoService"]

DEDUPE_WINDOW_S = 15 * 60
DAY_S = submission.DAY_S


class VeoService:
    """One HTTP client, one journal, both channels. Use as an async context manager.

    A service belongs to the event loop it first runs on (its HTTP client and its background
    streams and batches live there); to call it from several threads or loops, own it on one
    loop and hand work to it, as ``VeoToolkit`` does.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        journal: JournalStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        dedupe_window_s: float = DEDUPE_WINDOW_S,
        sandbox_config: SandboxConfig | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or Settings.from_env(**overrides)
        self.sandbox: Sandbox | None = None
        base_url = self.settings.base_url
        if self.settings.sandbox and transport is None:
            from veo_tools.sandbox import SandboxConfig, StreamingASGITransport, create_app

            app = create_app(sandbox_config or SandboxConfig(time_scale=self.settings.time_scale))
            self.sandbox = app.state.sandbox
            transport, base_url = StreamingASGITransport(app), SANDBOX_BASE_URL
        # No key is needed to read the journal (list_tasks, recommend); calls that spend money
        # check for it first, and any other API call without one gets the API's own 401.
        http = ApiHttp(
            base_url,
            self.settings.api_key or SecretStr(""),
            transport=transport,
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            stream_timeout=self.settings.stream_timeout,
            max_retries=self.settings.max_retries,
            sleep=sleep,
        )
        self.journal = journal or open_journal(self.settings)
        self._eng = Engine(self.settings, self.journal, http, clock, sleep, os.getpid())
        self._dedupe_window = dedupe_window_s
        self._batches = Batches(self._eng, dedupe_window_s)
        self.journal.mark_interrupted_streams()

    async def __aenter__(self) -> VeoService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop background work (streams are marked interrupted), close the client and journal."""
        background = [*self._batches.tasks.values(), *self._eng.streams.values()]
        for task in background:
            task.cancel()
        if background:
            await asyncio.gather(*background, return_exceptions=True)
        await self._eng.http.aclose()
        self.journal.close()

    # ---- tools ---------------------------------------------------------------------------

    def recommend(
        self, needs: RecommendChannelInput | Mapping[str, Any] | None = None
    ) -> Recommendation:
        if needs is not None and not isinstance(needs, RecommendChannelInput):
            needs = RecommendChannelInput.model_validate(needs)
        return recommend_channel(needs)

    async def generate(
        self,
        request: GenerateVideoInput | Mapping[str, Any],
        *,
        wait_seconds: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> TaskView:
        """Start a video (or return the identical one already made); wait if asked."""
        inp = _as_input(request)
        self.settings.require_key()
        wait = inp.wait_seconds if wait_seconds is None else wait_seconds
        if inp.from_task_id:
            return await self.rerender(
                inp.from_task_id,
                channel=inp.channel if inp.channel != "auto" else "official",
                model=inp.model,
                wait_seconds=wait,
                on_progress=on_progress,
                **explicit_overrides(inp),
            )
        plan, request_, params = submission.prepare(self._eng, inp)
        rec, duplicate = submission.reserve(
            self._eng, inp, plan, params, status="submitting", dedupe_window=self._dedupe_window
        )
        if duplicate:
            return self._eng.view(rec, deduplicated=True)
        rec = await submission.start(self._eng, rec, request_)
        if wait > 0:
            return await self.wait(rec.task_id, timeout=wait, on_progress=on_progress)
        return self._eng.view(rec)

    async def rerender(
        self,
        task_id: str,
        *,
        channel: str = "official",
        model: str | None = None,
        wait_seconds: float = 0,
        on_progress: ProgressCallback | None = None,
        **overrides: Any,
    ) -> TaskView:
        """Make the final version of an earlier task on another channel/model (same prompt and
        frames where the target takes them); ``notes`` say what could not carry over."""
        source = self._eng.get(task_id)
        inp, notes = rerender_input(source, channel=channel, model=model, overrides=overrides)
        view = await self.generate(inp, wait_seconds=wait_seconds, on_progress=on_progress)
        view.notes = [f"Re-render of {source.task_id} ({source.model}).", *notes, *view.notes]
        return view

    async def check_status(
        self,
        task_id: str,
        *,
        wait_seconds: float = 0,
        download: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> TaskView:
        """The task's current state (asking the API once), optionally waiting and downloading."""
        rec = self._eng.get(task_id)
        if rec.status not in TERMINAL:
            if wait_seconds > 0:
                return await self.wait(
                    rec.task_id, timeout=wait_seconds, download=download, on_progress=on_progress
                )
            rec = await follow.refresh(self._eng, rec)
        if rec.status == "completed" and download:
            return await self.download(rec.task_id)
        return self._eng.view(rec)

    def task_view(self, task_id: str) -> TaskView:
        """The task as the journal knows it, with no API call."""
        return self._eng.view(self._eng.get(task_id))

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float,
        download: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> TaskView:
        """Follow a task until it ends or ``timeout`` seconds pass; never raises on timeout."""
        return await follow.wait(
            self._eng, task_id, timeout=timeout, download=download, on_progress=on_progress
        )

    async def download(self, task_id: str) -> TaskView:
        """Save a completed task's MP4 as ``<output_dir>/<task_id>.mp4`` (idempotent, atomic)."""
        return await follow.save_video(self._eng, task_id)

    def list_tasks(self, request: ListTasksInput | Mapping[str, Any] | None = None) -> TaskList:
        inp = ListTasksInput.model_validate(request or {})
        statuses = ("queued", "pending", "submitting") if inp.status == "queued" else inp.status
        rows = self.journal.list(status=statuses, limit=inp.limit)
        return TaskList(
            tasks=[self._eng.view(r) for r in rows],
            spent_24h_usd=round(self.journal.spent_since(self._eng.clock() - DAY_S), 2),
            budget_usd=self.settings.budget_usd,
        )

    # ---- batches -------------------------------------------------------------------------

    def plan_batch(self, items: Sequence[Any]) -> BatchPlan:
        """Price a batch without submitting anything (a dry run)."""
        return self._batches.plan(items)

    async def generate_batch(
        self,
        items: Sequence[Any],
        *,
        concurrency: int | Mapping[str, int] | None = None,
        wait: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchView:
        """Submit and follow many videos; the whole batch is checked and priced first.

        With ``wait=False`` the batch runs in the background of this service and the result
        (batch id and item task ids) comes back at once.
        """
        self.settings.require_key()
        batch_id, inputs = self._batches.create(items)
        return await self._batches.run(batch_id, inputs, concurrency, wait, on_progress)

    async def resume_batch(
        self,
        batch_id: str,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        wait: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchView:
        """Carry on a batch cut short: nothing finished or possibly sent is submitted again."""
        self.settings.require_key()
        inputs = self._batches.inputs(batch_id)
        return await self._batches.run(batch_id, inputs, concurrency, wait, on_progress)

    def enqueue_batch(self, items: Sequence[Any]) -> BatchView:
        """Check, price and record a batch for shared workers (``veo-tools worker``) to run."""
        self.settings.require_key()
        batch_id, _inputs = self._batches.create(items)
        self.journal.update_batch(batch_id, WORKERS_BATCH)
        return self._batches.status(batch_id)

    async def run_worker(
        self,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        lease_s: float = DEFAULT_LEASE_S,
        poll_s: float = 1.0,
        exit_when_idle: bool = False,
    ) -> WorkerReport:
        """Work on the enqueued batches of the journal with other workers until stopped."""
        self.settings.require_key()
        worker = Worker(self._eng, caps(concurrency), lease_s=lease_s, poll_s=poll_s)
        return await worker.run(exit_when_idle=exit_when_idle)

    def batch_status(self, batch_id: str) -> BatchView:
        """Counts by status, spend, failed items with reasons, and one line per item."""
        return self._batches.status(batch_id)

    async def follow_batch(
        self,
        batch_id: str,
        *,
        wait_seconds: float = 0,
        on_progress: Callable[[BatchView], Awaitable[None] | None] | None = None,
    ) -> BatchView:
        """What ``check_status`` does with a batch id: resume the batch in the background if no
        process is running it (finished or sent items are never sent again), then wait up to
        ``wait_seconds`` for it to end, calling ``on_progress`` with each summary."""
        if self._batches.status(batch_id).status == "incomplete":
            self.settings.require_key()
        return await self._batches.follow(
            batch_id, wait_seconds=wait_seconds, on_progress=on_progress
        )


def _as_input(request: GenerateVideoInput | Mapping[str, Any]) -> GenerateVideoInput:
    if isinstance(request, GenerateVideoInput):
        return request
    return GenerateVideoInput.model_validate(request)
