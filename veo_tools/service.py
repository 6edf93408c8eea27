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
import inspect
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from pydantic import SecretStr

from veo_tools import catalog
from veo_tools.availability import ModelAvailability
from veo_tools.engine import availability, failover, follow, submission
from veo_tools.engine.batch_views import batch_event
from veo_tools.engine.batches import Batches, caps, expand
from veo_tools.engine.models_view import models_view
from veo_tools.engine.planning import plan_request
from veo_tools.engine.rerender import explicit_overrides, rerender_input
from veo_tools.engine.state import TERMINAL, AvailabilityProvider, Engine, ProgressCallback
from veo_tools.engine.workers import DEFAULT_LEASE_S, Worker, WorkerReport
from veo_tools.errors import InvalidRequestError
from veo_tools.journal.factory import open_journal
from veo_tools.journal.interface import WORKERS_BATCH, JournalStore
from veo_tools.recommend import recommend_channel
from veo_tools.settings import SANDBOX_BASE_URL, Settings
from veo_tools.transport.http import ApiHttp
from veo_tools.types import (
    BatchItemInput,
    BatchPlan,
    BatchView,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    ModelsView,
    Recommendation,
    RecommendChannelInput,
    TaskList,
    TaskView,
)
from veo_tools.words import CHECK_STATUS, Words, call

if TYPE_CHECKING:
    from veo_tools.sandbox import Sandbox, SandboxConfig

__all__ = ["WORKER_LEASE_S", "ProgressCallback", "VeoService", "is_batch_id"]

DEDUPE_WINDOW_S = 15 * 60
BATCH_PREFIX = "batch_"
#: The embedded sandbox's task table, in the sandbox journal's directory.
SANDBOX_TASKS_FILE = "sandbox-tasks.json"
DAY_S = submission.DAY_S
#: Seconds a shared batch worker's claim lasts without renewal (``veo-tools worker --lease``).
WORKER_LEASE_S = DEFAULT_LEASE_S


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
        availability_provider: AvailabilityProvider | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or Settings.from_env(**overrides)
        if self.settings.models_file is not None:
            catalog.use(catalog.load_catalog(self.settings.models_file))
        self.sandbox: Sandbox | None = None
        base_url = self.settings.base_url
        if self.settings.sandbox and transport is None:
            from veo_tools.sandbox import SandboxConfig, StreamingASGITransport, create_app

            # Its tasks are kept beside the sandbox journal, so a task started by one command
            # (or one-shot MCP client) can be followed by the next, as on the real API.
            app = create_app(
                sandbox_config
                or SandboxConfig(
                    time_scale=self.settings.time_scale,
                    persist_path=self.settings.journal_dir / SANDBOX_TASKS_FILE,
                )
            )
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
            max_video_bytes=self.settings.max_video_bytes,
            sleep=sleep,
        )
        self.journal = journal or open_journal(self.settings)
        self._eng = Engine(self.settings, self.journal, http, clock, sleep, os.getpid())
        # Routing and failover read the live availability (cached probe + journal refusals)
        # unless the caller injects its own source.
        self._eng.availability_provider = availability_provider or (
            lambda: availability.availability(self._eng)
        )
        self._dedupe_window = dedupe_window_s
        self._batches = Batches(self._eng, dedupe_window_s)
        self._opened = False
        follow.sweep_stale_partials(self.settings.output_dir)

    async def open(self) -> VeoService:
        """Open the journal in the running loop (a PostgreSQL pool lives in the loop that
        opened it) and settle the rows of processes that died. Idempotent; ``async with``
        calls it, and a service used without it opens its journal on the first call."""
        if not self._opened:
            await self.journal.open()
            await self.journal.recover_orphans()
            self._opened = True
        return self

    async def __aenter__(self) -> VeoService:
        return await self.open()

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
        await self.journal.aclose()

    # ---- tools ---------------------------------------------------------------------------

    def recommend(
        self,
        needs: RecommendChannelInput | Mapping[str, Any] | None = None,
        *,
        availability: Mapping[str, ModelAvailability] | None = None,
    ) -> Recommendation:
        """The recommender's answer; given an availability map it routes around models that
        are down (see :mod:`veo_tools.recommend`)."""
        if needs is not None and not isinstance(needs, RecommendChannelInput):
            needs = RecommendChannelInput.model_validate(needs)
        return recommend_channel(needs, availability)

    async def recommend_now(
        self, needs: RecommendChannelInput | Mapping[str, Any] | None = None
    ) -> Recommendation:
        """:meth:`recommend` with the engine's current availability (when it has a provider)."""
        return self.recommend(needs, availability=await failover.current(self._eng))

    async def models(self, refresh: bool = False) -> ModelsView:
        """Every model with its availability now: the catalog's lifecycle, the live list from
        ``GET /v1/models`` (cached for ``models_ttl_s``; ``refresh`` reads it again) and the
        creates the journal saw refused recently. Free: no task is created."""
        avail = await availability.availability(self._eng, refresh=refresh)
        return models_view(avail, self._eng.live_models)

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
        # Journal-first, with duplicate and budget checks per attempt (see engine.failover).
        # Once a create request leaves it must be journaled with its answer, even if the caller
        # abandons the call now: never leave a paid task half-recorded.
        with anyio.CancelScope(shield=True):
            sent = await failover.create(
                self._eng, inp, dedupe_window=self._dedupe_window, within=follow.ANSWER_GRACE_S
            )
        view = await self._eng.view(sent.rec, deduplicated=sent.duplicate)
        if wait > 0:
            # A duplicate with a wait waits for the task it stands for, like a fresh one. The
            # wait reads the journal afresh: keep what only the submission knew.
            waited = await self.wait(sent.rec.task_id, timeout=wait, on_progress=on_progress)
            view = waited.model_copy(update={"deduplicated": sent.duplicate})
        view.notes = [*sent.notes, *view.notes]
        return view

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
        source = await self._eng.get(task_id)
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
        rec = await follow.settle_orphan(self._eng, await self._eng.get(task_id))
        if rec.status not in TERMINAL and wait_seconds > 0:
            return await self.wait(
                rec.task_id, timeout=wait_seconds, download=download, on_progress=on_progress
            )
        return await follow.check(self._eng, rec.task_id, download=download)

    async def task_view(self, task_id: str) -> TaskView:
        """The task as the journal knows it, with no API call."""
        return await self._eng.view(await self._eng.get(task_id))

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

    async def list_tasks(
        self, request: ListTasksInput | Mapping[str, Any] | None = None
    ) -> TaskList:
        inp = ListTasksInput.model_validate(request or {})
        statuses = ("queued", "pending", "submitting") if inp.status == "queued" else inp.status
        await self.journal.recover_orphans()
        rows = await self.journal.list(status=statuses, limit=inp.limit)
        return TaskList(
            tasks=[await self._eng.view(r) for r in rows],
            spent_24h_usd=round(await self.journal.spent_since(self._eng.clock() - DAY_S), 2),
            budget_usd=self.settings.budget_usd,
        )

    # ---- batches -------------------------------------------------------------------------

    async def plan_batch(self, items: Sequence[Any]) -> BatchPlan:
        """Price a batch without submitting anything (a dry run)."""
        return await self._batches.plan(items)

    @staticmethod
    def check_batch_item(item: BatchItemInput) -> None:
        """Plan every video of one batch item (pure, no I/O, no key): what the API would refuse
        raises ``InvalidRequestError`` here. A re-render is planned later, from the journal."""
        if item.from_task_id:
            return
        for inp in expand([item]):
            plan_request(inp)

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
        (batch id and item task ids) comes back at once. ``concurrency`` is kept with the batch,
        so a resume runs at the same caps.
        """
        self.settings.require_key()
        batch_id, inputs = await self._batches.create(items, concurrency)
        return await self._batches.run(batch_id, inputs, concurrency, wait, on_progress)

    async def start_batch(
        self, request: GenerateBatchInput | Mapping[str, Any], *, wait: bool = False
    ) -> BatchView:
        """What the ``generate_batch`` tool does: start the ``items`` (or resume the batch named
        by ``resume_batch_id``) and, unless ``wait``, return at once with every item's task id."""
        inp = GenerateBatchInput.model_validate(request)
        if inp.resume_batch_id:
            view = await self.batch_status(inp.resume_batch_id)
            if view.status == "running" and not self._batches.tasks.get(view.batch_id):
                raise InvalidRequestError(
                    Words(
                        "Batch {batch_id} is being run by another process right now; follow it "
                        "with {follow}.",
                        batch_id=view.batch_id,
                        follow=call(CHECK_STATUS, task_id=view.batch_id),
                    ),
                    field="resume_batch_id",
                )
            return await self.resume_batch(
                inp.resume_batch_id, concurrency=inp.concurrency, wait=wait
            )
        return await self.generate_batch(inp.items, concurrency=inp.concurrency, wait=wait)

    async def resume_batch(
        self,
        batch_id: str,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        wait: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchView:
        """Carry on a batch cut short: nothing finished or possibly sent is submitted again.
        Without ``concurrency`` it runs at the caps the batch was started with."""
        self.settings.require_key()
        inputs = await self._batches.inputs(batch_id)
        caps = await self._batches.stored_caps(batch_id) if concurrency is None else concurrency
        return await self._batches.run(batch_id, inputs, caps, wait, on_progress)

    async def enqueue_batch(self, items: Sequence[Any]) -> BatchView:
        """Check, price and record a batch for shared workers (``veo-tools worker``) to run."""
        self.settings.require_key()
        batch_id, _inputs = await self._batches.create(items, status=WORKERS_BATCH)
        return await self._batches.status(batch_id)

    async def run_worker(
        self,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        lease_s: float = WORKER_LEASE_S,
        poll_s: float = 1.0,
        exit_when_idle: bool = False,
    ) -> WorkerReport:
        """Work on the enqueued batches of the journal with other workers until stopped."""
        self.settings.require_key()
        worker = Worker(
            self._eng,
            caps(concurrency),
            lease_s=lease_s,
            poll_s=poll_s,
            dedupe_window=self._dedupe_window,
        )
        return await worker.run(exit_when_idle=exit_when_idle)

    async def batch_status(self, batch_id: str) -> BatchView:
        """Counts by status, spend, failed items with reasons, and one line per item."""
        return await self._batches.status(batch_id)

    async def batch_task_views(self, view: BatchView) -> list[TaskView]:
        """One ``TaskView`` per reserved item, in input order, from the journal (no API call)."""
        views = []
        for item in view.items:
            rec = await self.journal.get(item.task_id) if item.task_id else None
            if rec is not None:
                views.append(await self._eng.view(rec, deduplicated=item.deduplicated))
        return views

    async def follow_batch(
        self,
        batch_id: str,
        *,
        wait_seconds: float = 0,
        on_progress: Callable[[BatchView], Awaitable[None] | None] | None = None,
    ) -> BatchView:
        """Resume the batch in the background if no process is running it (finished or sent
        items are never sent again), then wait up to ``wait_seconds`` for it to end, calling
        ``on_progress`` with each summary. ``check`` only watches; this one may spend."""
        if (await self._batches.status(batch_id)).status == "incomplete":
            self.settings.require_key()
        return await self._batches.follow(
            batch_id, wait_seconds=wait_seconds, on_progress=on_progress
        )

    # ---- one door for a task or batch id ---------------------------------------------------

    async def check(
        self,
        task_or_batch_id: str,
        *,
        wait_seconds: float = 0,
        download: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> TaskView | BatchView:
        """What the ``check_status`` tool does: a task's state (see ``check_status``) or, for a
        batch id, the batch's summary. Read-only for a batch: a stopped batch is reported, never
        resumed (``start_batch`` with ``resume_batch_id`` does that); a running one is watched
        for up to ``wait_seconds``, with progress as the share of finished items."""
        if not is_batch_id(task_or_batch_id):
            return await self.check_status(
                task_or_batch_id,
                wait_seconds=wait_seconds,
                download=download,
                on_progress=on_progress,
            )
        last: list[str] = []

        async def relay(view: BatchView) -> None:
            event = batch_event(view)
            news = f"{event.status} {event.message}"
            if on_progress is not None and last[-1:] != [news]:  # only news
                last.append(news)
                if inspect.isawaitable(result := on_progress(event)):
                    await result

        return await self._batches.follow(
            task_or_batch_id, wait_seconds=wait_seconds, on_progress=relay, resume=False
        )


def is_batch_id(task_id: str) -> bool:
    """Batch ids start with ``batch_`` (task ids with ``veo_``)."""
    return task_id.startswith(BATCH_PREFIX)


def _as_input(request: GenerateVideoInput | Mapping[str, Any]) -> GenerateVideoInput:
    if isinstance(request, GenerateVideoInput):
        return request
    return GenerateVideoInput.model_validate(request)
