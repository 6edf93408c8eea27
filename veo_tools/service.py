"""``VeoService``: the engine every front-end calls.

``generate`` validates before any money is spent, applies the duplicate and budget guards, records
the task in the journal *before* the create request leaves, submits, and optionally waits.
``check_status`` / ``wait`` follow a task with the catalog-driven polling policy and download the
MP4 atomically. Tasks live in the journal, so another process (or a restart) can pick them up.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from veo_tools import images as images_mod
from veo_tools.batch import DEFAULT_CAPS, BatchRunner, batch_view, expand, plan_batch
from veo_tools.channels.base import ImagePayload, RemoteTask, VideoRequest
from veo_tools.channels.official import OfficialClient
from veo_tools.channels.reverse import ReverseClient
from veo_tools.errors import (
    BudgetExceededError,
    DownloadError,
    SubmitOutcomeUnknownError,
    TaskFailedError,
    TaskNotFoundError,
    VeoError,
    looks_like_content_policy,
)
from veo_tools.http import ApiHttp
from veo_tools.journal import Journal, TaskRecord, fingerprint, new_task_id, pid_alive
from veo_tools.journal_schema import RecordStatus
from veo_tools.models import (
    BatchPlan,
    BatchView,
    GenerateVideoInput,
    ListTasksInput,
    Recommendation,
    RecommendChannelInput,
    TaskError,
    TaskList,
    TaskView,
)
from veo_tools.planning import Plan, plan_request
from veo_tools.recommend import recommend_channel
from veo_tools.rerender import rerender_input
from veo_tools.settings import SANDBOX_BASE_URL, Settings
from veo_tools.views import ProgressEvent, policy_for, public_status, task_view

if TYPE_CHECKING:
    from veo_tools.sandbox import Sandbox, SandboxConfig

log = logging.getLogger(__name__)

ProgressCallback = Callable[[ProgressEvent], Awaitable[None] | None]

DEDUPE_WINDOW_S = 15 * 60
DAY_S = 24 * 3600
#: Real-time interval between progress callbacks while waiting (MCP asks for <= 5 s).
HEARTBEAT_S = 4.0
TERMINAL = ("completed", "failed", "interrupted")


class VeoService:
    """One HTTP client, one journal, both channels. Use as an async context manager."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        journal: Journal | None = None,
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

            config = sandbox_config or SandboxConfig(time_scale=self.settings.time_scale)
            app = create_app(config)
            self.sandbox = app.state.sandbox
            transport, base_url = StreamingASGITransport(app), SANDBOX_BASE_URL
        self._http = ApiHttp(
            base_url,
            self.settings.require_key(),
            transport=transport,
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            stream_timeout=self.settings.stream_timeout,
            max_retries=self.settings.max_retries,
            sleep=sleep,
        )
        self._official = OfficialClient(self._http, time_scale=self.settings.time_scale)
        self._reverse = ReverseClient(self._http)
        self.journal = journal or Journal.in_state_dir(self.settings.state_dir)
        self._clock, self._sleep = clock, sleep
        self._dedupe_window = dedupe_window_s
        self._streams: dict[str, asyncio.Task[None]] = {}
        self._batches: dict[str, asyncio.Task[None]] = {}
        self._submitting: set[str] = set()
        self.pid = os.getpid()
        self.journal.mark_interrupted_streams()

    async def __aenter__(self) -> VeoService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        background = [*self._batches.values(), *self._streams.values()]
        for task in background:
            task.cancel()
        if background:
            await asyncio.gather(*background, return_exceptions=True)
        await self._http.aclose()
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
        inp = _as_input(request)
        if inp.from_task_id:
            return await self.rerender(
                inp.from_task_id,
                channel=inp.channel if inp.channel != "auto" else "official",
                model=inp.model,
                wait_seconds=inp.wait_seconds if wait_seconds is None else wait_seconds,
                on_progress=on_progress,
                **_explicit_overrides(inp),
            )
        plan, video_request, params = self._prepare(inp)
        rec, duplicate = self._reserve(inp, plan, params, status="submitting")
        if duplicate:
            return self._view(rec, deduplicated=True)
        rec = await self._start(rec, video_request, on_progress)
        wait = inp.wait_seconds if wait_seconds is None else wait_seconds
        if wait > 0:
            return await self.wait(rec.task_id, timeout=wait, on_progress=on_progress)
        return self._view(rec)

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
        source = self._get(task_id)
        inp, notes = rerender_input(source, channel=channel, model=model, overrides=overrides)
        view = await self.generate(inp, wait_seconds=wait_seconds, on_progress=on_progress)
        view.notes = [f"Re-render of {source.task_id} ({source.model}).", *notes, *view.notes]
        return view

    # ---- batches -------------------------------------------------------------------------

    def plan_batch(self, items: Sequence[Any]) -> BatchPlan:
        """Price a batch without submitting anything (a dry run)."""
        return plan_batch(expand(items))

    async def generate_batch(
        self,
        items: Sequence[Any],
        *,
        concurrency: int | Mapping[str, int] | None = None,
        wait: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchView:
        """Submit and follow many videos; the whole batch is checked and priced first."""
        inputs = expand(items)
        plan = plan_batch(inputs)
        for inp in inputs:  # every image is checked before anything is recorded or spent
            self._load_images(inp, plan_request(inp))
        self._check_batch_budget(plan.total_usd)
        batch_id = "batch_" + new_task_id().removeprefix("veo_")
        self.journal.create_batch(
            batch_id, [i.model_dump(mode="json") for i in inputs], created_at=self._clock()
        )
        for index, inp in enumerate(inputs):
            await self._reserve_item(inp, batch_id, index)
        return await self._run_batch(batch_id, inputs, concurrency, wait, on_progress)

    async def resume_batch(
        self,
        batch_id: str,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        wait: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchView:
        """Carry on a batch cut short: nothing finished or possibly sent is submitted again."""
        inputs = self._batch_inputs(batch_id)
        return await self._run_batch(batch_id, inputs, concurrency, wait, on_progress)

    def batch_status(self, batch_id: str) -> BatchView:
        inputs = self._batch_inputs(batch_id)
        links = self.journal.batch_links(batch_id)
        task = self._batches.get(batch_id)
        return batch_view(batch_id, len(inputs), links, running=bool(task and not task.done()))

    async def _run_batch(
        self,
        batch_id: str,
        inputs: list[GenerateVideoInput],
        concurrency: int | Mapping[str, int] | None,
        wait: bool,
        on_progress: ProgressCallback | None,
    ) -> BatchView:
        existing = self._batches.get(batch_id)
        if existing is None or existing.done():
            runner = BatchRunner(self, batch_id, _caps(concurrency), on_progress)
            self._batches[batch_id] = asyncio.create_task(runner.run(inputs))
        if wait:
            await asyncio.shield(self._batches[batch_id])
        return self.batch_status(batch_id)

    def _batch_inputs(self, batch_id: str) -> list[GenerateVideoInput]:
        batch = self.journal.get_batch(batch_id)
        if batch is None:
            raise TaskNotFoundError(
                f"No batch {batch_id[:80]!r} in the journal. Batch ids start with 'batch_'; "
                "list_tasks shows tasks with their batch_id."
            )
        return [GenerateVideoInput.model_validate(item) for item in batch.items]

    def _check_batch_budget(self, total: float) -> None:
        cap = self.settings.budget_usd
        if cap is None:
            return
        spent = self.journal.spent_since(self._clock() - DAY_S)
        if spent + total > cap + 1e-9:
            raise BudgetExceededError(
                f"Budget guard: this batch costs ${total:.2f} and ${spent:.2f} of the ${cap:.2f} "
                "budget (VEO_TOOLS_BUDGET_USD, rolling 24 h) is already spent or committed. "
                "Nothing was submitted. Shrink the batch, use cheaper models (Reverse fast), or "
                "ask the user to raise the budget."
            )

    async def _reserve_item(self, inp: GenerateVideoInput, batch_id: str, index: int) -> TaskRecord:
        plan, _request, params = self._prepare(inp)
        rec, _duplicate = self._reserve(
            inp, plan, params, status="pending", batch=(batch_id, index)
        )
        return rec

    async def _launch(
        self, rec: TaskRecord, inp: GenerateVideoInput, on_progress: ProgressCallback | None
    ) -> TaskRecord:
        """Send a claimed batch task (status ``submitting``)."""
        _plan, video_request, _params = self._prepare(inp)
        return await self._start(rec, video_request, on_progress)

    def orphaned(self, rec: TaskRecord) -> bool:
        """True when no live process (nor this service) is still submitting ``rec``."""
        if rec.owner_pid == self.pid:
            return rec.task_id not in self._submitting
        return not pid_alive(rec.owner_pid)

    def item_deadline(self, rec: TaskRecord) -> float:
        """How long a batch follows one task before leaving it for check_status."""
        hi = policy_for(rec, self.settings.time_scale).window[1]
        return max(3 * hi, hi + 600) * self.settings.time_scale

    async def check_status(
        self,
        task_id: str,
        *,
        wait_seconds: float = 0,
        download: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> TaskView:
        rec = self._get(task_id)
        if rec.status not in TERMINAL:
            if wait_seconds > 0:
                return await self.wait(
                    rec.task_id, timeout=wait_seconds, download=download, on_progress=on_progress
                )
            rec = await self._refresh(rec)
        if rec.status == "completed" and download:
            return await self.download(rec.task_id)
        return self._view(rec)

    async def wait(
        self,
        task_id: str,
        *,
        timeout: float,
        download: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> TaskView:
        """Follow a task until it ends or ``timeout`` seconds pass; never raises on timeout."""
        rec = self._get(task_id)
        deadline = self._clock() + timeout
        policy = policy_for(rec, self.settings.time_scale)
        while rec.status not in TERMINAL:
            if rec.mode == "stream" or rec.remote_id is None:
                rec = await self._wait_local(rec, deadline, on_progress)
                if rec.status not in TERMINAL:
                    break
                continue
            elapsed = self._clock() - (rec.submitted_at or rec.created_at)
            delay = policy.next_delay(elapsed)
            if self._clock() + delay > deadline:
                await self._idle(rec, deadline - self._clock(), policy, on_progress)
                rec = await self._refresh(rec)
                break
            await self._idle(rec, delay, policy, on_progress)
            rec = await self._refresh(rec)
        await self._emit(on_progress, rec, _status_message(rec))
        if rec.status == "completed" and download:
            return await self.download(rec.task_id)
        return self._view(rec)

    async def download(self, task_id: str) -> TaskView:
        """Save a completed task's MP4 as ``<output_dir>/<task_id>.mp4`` (idempotent, atomic)."""
        rec = self._get(task_id)
        if rec.status != "completed":
            return self._view(rec)
        dest = (self.settings.output_dir / f"{rec.task_id}.mp4").resolve()
        if rec.video_path and Path(rec.video_path).is_file():
            return self._view(rec)
        if dest.is_file():
            return self._view(self.journal.update(rec.task_id, video_path=str(dest)))
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            url = await self._fetch(rec, dest)
        except DownloadError as exc:
            view = self._view(rec)
            view.error = _error_info(exc)
            view.next_step = (
                f"The video is rendered but the download failed ({exc.message}). Call "
                f"check_status(task_id='{rec.task_id}') again to retry the download."
            )
            return view
        rec = self.journal.update(rec.task_id, video_path=str(dest), video_url=url or rec.video_url)
        return self._view(rec)

    def list_tasks(self, request: ListTasksInput | Mapping[str, Any] | None = None) -> TaskList:
        inp = ListTasksInput.model_validate(request or {})
        statuses = ("queued", "submitting") if inp.status == "queued" else inp.status
        rows = self.journal.list(status=statuses, limit=inp.limit)
        return TaskList(
            tasks=[self._view(r) for r in rows],
            spent_24h_usd=round(self.journal.spent_since(self._clock() - DAY_S), 2),
            budget_usd=self.settings.budget_usd,
        )

    # ---- guards and submission ------------------------------------------------------------

    def _prepare(self, inp: GenerateVideoInput) -> tuple[Plan, VideoRequest, dict[str, object]]:
        """Plan, load the images, and build the wire request and the journal parameters."""
        plan = plan_request(inp)
        payloads = self._load_images(inp, plan)
        params = plan.params(inp, [p.digest for p in payloads])
        return plan, _video_request(plan, inp, payloads), params

    def _load_images(self, inp: GenerateVideoInput, plan: Plan) -> tuple[ImagePayload, ...]:
        return images_mod.load_images(
            inp.images, input_dirs=self.settings.input_dirs, allow_urls=plan.mode == "stream"
        )

    def _reserve(
        self,
        inp: GenerateVideoInput,
        plan: Plan,
        params: dict[str, object],
        *,
        status: RecordStatus,
        batch: tuple[str, int] | None = None,
    ) -> tuple[TaskRecord, bool]:
        now = self._clock()
        stored = {
            **params,
            # Paths and URLs are kept so a re-render can reuse the frames; data URLs are not.
            "image_refs": [r for r in inp.images if not r.startswith("data:")],
            "data_images": sum(r.startswith("data:") for r in inp.images),
        }
        rec = TaskRecord(
            task_id=new_task_id(),
            remote_id=None,
            channel=plan.model.channel,
            model=plan.model.id,
            mode=plan.mode,
            prompt=inp.prompt,
            request_json=json.dumps(stored, sort_keys=True),
            fingerprint=fingerprint(params),
            idempotency_key=inp.idempotency_key,
            price_usd=plan.model.price_usd,
            status=status,
            owner_pid=self.pid,
            batch_id=batch[0] if batch else None,
            batch_index=batch[1] if batch else None,
            created_at=now,
            updated_at=now,
        )
        # A caller-chosen idempotency key replaces fingerprint matching: a new key is a new take.
        fresh = inp.force_new or inp.idempotency_key is not None
        dedupe_since = None if fresh else now - self._dedupe_window
        budget = self.settings.budget_usd
        return self.journal.reserve(
            rec,
            dedupe_since=dedupe_since,
            budget=(budget, now - DAY_S) if budget is not None else None,
            link=batch,
        )

    async def _start(
        self, rec: TaskRecord, request: VideoRequest, on_progress: ProgressCallback | None
    ) -> TaskRecord:
        if rec.mode == "stream":
            self._start_stream(rec, request, on_progress)
            return rec
        return await self._submit(rec, request)

    async def _submit(self, rec: TaskRecord, request: VideoRequest) -> TaskRecord:
        client = self._official if rec.channel == "official" else self._reverse
        self._submitting.add(rec.task_id)
        try:
            remote = await client.submit(request)
        except SubmitOutcomeUnknownError as exc:
            self.journal.update(
                rec.task_id,
                status="interrupted",
                error_kind=exc.kind,
                error_message=exc.message,
                error_retryable=False,
            )
            raise SubmitOutcomeUnknownError(
                f"{exc.message} The attempt is recorded as task_id '{rec.task_id}'; calling "
                "generate_video again with the same arguments returns it instead of paying twice.",
                task_id=rec.task_id,
            ) from exc
        except VeoError as exc:
            self._record_failure(rec, exc)
            raise
        except asyncio.CancelledError:
            self.journal.update(
                rec.task_id,
                status="interrupted",
                error_kind="submit_outcome_unknown",
                error_message="Cancelled while the create request was in flight: the task may "
                "exist and be billed. It is not re-sent automatically.",
            )
            raise
        finally:
            self._submitting.discard(rec.task_id)
        now = self._clock()
        return self.journal.update(
            rec.task_id,
            remote_id=remote.remote_id,
            status=remote.status,
            progress=remote.progress,
            submitted_at=now,
            **_terminal_fields(remote, now),
        )

    def _record_failure(self, rec: TaskRecord, exc: VeoError) -> TaskRecord:
        kind = exc.error_kind if isinstance(exc, TaskFailedError) else exc.kind
        return self.journal.update(
            rec.task_id,
            status="failed",
            error_kind=kind,
            error_message=exc.message,
            error_retryable=exc.retryable or kind == "upstream",
        )

    # ---- following -----------------------------------------------------------------------

    async def _refresh(self, rec: TaskRecord) -> TaskRecord:
        if rec.remote_id is None or rec.mode == "stream":
            return self._get(rec.task_id)
        client = self._official if rec.channel == "official" else self._reverse
        remote = await client.get(rec.remote_id)
        now = self._clock()
        fields: dict[str, Any] = {"status": remote.status, "progress": remote.progress}
        if remote.video_url:
            fields["video_url"] = remote.video_url
        fields.update(_terminal_fields(remote, now))
        if (rec.status, rec.progress) == (remote.status, remote.progress) and len(fields) == 2:
            return rec
        return self.journal.update(rec.task_id, **fields)

    async def _idle(
        self,
        rec: TaskRecord,
        seconds: float,
        policy: Any,
        on_progress: ProgressCallback | None,
    ) -> None:
        """Sleep ``seconds``, reporting estimated progress at least every HEARTBEAT_S."""
        end = self._clock() + max(0.0, seconds)
        while (left := end - self._clock()) > 0:
            elapsed = self._clock() - (rec.submitted_at or rec.created_at)
            pct = max(rec.progress, policy.estimate_progress(elapsed))
            await self._emit(on_progress, rec, _status_message(rec), progress=pct)
            await self._sleep(min(left, HEARTBEAT_S))

    async def _wait_local(
        self, rec: TaskRecord, deadline: float, on_progress: ProgressCallback | None
    ) -> TaskRecord:
        """Wait for a task this process drives itself (a stream), or re-read a foreign one."""
        task = self._streams.get(rec.task_id)
        if task is None:
            if rec.mode == "stream" and rec.owner_pid != os.getpid():
                self.journal.mark_interrupted_streams()
            return self._get(rec.task_id)
        while not task.done() and self._clock() < deadline:
            current = self._get(rec.task_id)
            await self._emit(on_progress, current, _status_message(current))
            left = deadline - self._clock()
            await asyncio.wait({task}, timeout=max(0.0, min(left, HEARTBEAT_S)))
        return self._get(rec.task_id)

    def _start_stream(
        self, rec: TaskRecord, request: VideoRequest, on_progress: ProgressCallback | None
    ) -> None:
        task = asyncio.create_task(self._run_stream(rec, request, on_progress))
        self._streams[rec.task_id] = task

    async def _run_stream(
        self, rec: TaskRecord, request: VideoRequest, on_progress: ProgressCallback | None
    ) -> None:
        client = self._reverse
        self.journal.update(rec.task_id, status="in_progress", submitted_at=self._clock())
        try:
            async for event in client.stream(request):
                if event.kind == "result":
                    now = self._clock()
                    self.journal.update(
                        rec.task_id,
                        status="completed",
                        progress=100,
                        video_url=event.video_url,
                        remote_id=event.completion_id,
                        completed_at=now,
                    )
                    continue
                fields: dict[str, Any] = {}
                if event.progress is not None:
                    fields["progress"] = event.progress
                current = self.journal.update(rec.task_id, **fields)
                await self._emit(on_progress, current, event.text.strip() or "rendering")
        except TaskFailedError as exc:
            self._record_failure(rec, exc)
        except asyncio.CancelledError:
            self._interrupt(rec, "The stream was cancelled before the video URL arrived.")
            raise
        except VeoError as exc:
            self._interrupt(rec, exc.message)
        else:
            if self._get(rec.task_id).status != "completed":
                self._interrupt(rec, "The stream ended without a video URL.")

    def _interrupt(self, rec: TaskRecord, message: str) -> None:
        self.journal.update(
            rec.task_id,
            status="interrupted",
            error_kind="interrupted",
            error_message=message,
            error_retryable=False,
        )

    async def _fetch(self, rec: TaskRecord, dest: Path) -> str | None:
        if rec.mode == "stream" or rec.remote_id is None:
            if not rec.video_url:
                raise DownloadError("No video URL was recorded for this task.")
            api = self._http.is_api_url(rec.video_url)
            await self._http.download_to(rec.video_url, dest, api=api)
            return rec.video_url
        if rec.channel == "reverse":
            result = await self._reverse.download(rec.remote_id, dest, video_url=rec.video_url)
        else:
            result = await self._official.download(rec.remote_id, dest)
        return result.video_url

    # ---- helpers -------------------------------------------------------------------------

    def _get(self, task_id: str) -> TaskRecord:
        rec = self.journal.get(task_id)
        if rec is None:
            raise TaskNotFoundError(
                f"No task {task_id[:80]!r} in the journal. Use list_tasks to see the task ids "
                "this machine knows, or generate_video to start one."
            )
        return rec

    def _view(self, rec: TaskRecord, *, deduplicated: bool = False) -> TaskView:
        return task_view(
            rec, now=self._clock(), time_scale=self.settings.time_scale, deduplicated=deduplicated
        )

    async def _emit(
        self,
        callback: ProgressCallback | None,
        rec: TaskRecord,
        message: str,
        *,
        progress: int | None = None,
    ) -> None:
        if callback is None:
            return
        pct = 100 if rec.status == "completed" else rec.progress if progress is None else progress
        event = ProgressEvent(rec.task_id, public_status(rec), pct, message)
        result = callback(event)
        if inspect.isawaitable(result):
            await result


def _as_input(request: GenerateVideoInput | Mapping[str, Any]) -> GenerateVideoInput:
    if isinstance(request, GenerateVideoInput):
        return request
    return GenerateVideoInput.model_validate(request)


def _explicit_overrides(inp: GenerateVideoInput) -> dict[str, Any]:
    """The arguments a caller set explicitly, minus those that pick the re-render target."""
    skip = {"from_task_id", "channel", "model", "wait_seconds"}
    return {k: getattr(inp, k) for k in inp.model_fields_set - skip}


def _caps(concurrency: int | Mapping[str, int] | None) -> dict[str, int]:
    if concurrency is None:
        return dict(DEFAULT_CAPS)
    if isinstance(concurrency, int):
        return dict.fromkeys(DEFAULT_CAPS, concurrency)
    return {**DEFAULT_CAPS, **concurrency}


def _video_request(plan: Plan, inp: GenerateVideoInput, payloads: Any) -> VideoRequest:
    return VideoRequest(
        model=plan.model.id,
        prompt=inp.prompt,
        seconds=plan.seconds,
        resolution=plan.resolution,
        aspect_ratio=plan.aspect_ratio,
        images=tuple(payloads),
        negative_prompt=inp.negative_prompt,
        seed=inp.seed,
    )


def _terminal_fields(remote: RemoteTask, now: float) -> dict[str, Any]:
    if remote.status == "completed":
        return {"completed_at": now, "progress": 100}
    if remote.status == "failed":
        policy = looks_like_content_policy(remote.error)
        return {
            "completed_at": now,
            "error_kind": "content_policy" if policy else "upstream",
            "error_message": remote.error
            or "The task failed without a reason (usually content review or upstream capacity).",
            "error_retryable": not policy,
        }
    return {}


def _status_message(rec: TaskRecord) -> str:
    return {
        "submitting": "submitting the task",
        "queued": "queued",
        "in_progress": "rendering",
        "completed": "completed",
        "failed": f"failed: {rec.error_message or 'no reason given'}",
        "interrupted": "interrupted",
    }.get(rec.status, rec.status)


def _error_info(exc: VeoError) -> TaskError:
    return TaskError(kind=exc.kind, message=exc.message, retryable=exc.retryable)
