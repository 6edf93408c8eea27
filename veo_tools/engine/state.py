"""The state every part of :class:`~veo_tools.service.VeoService` works on, and small helpers.

``Engine`` holds one HTTP client, both channel clients, the journal, the clock and the tasks this
process drives in the background (streams). ``submission`` and ``follow`` are functions over it;
``VeoService`` is the facade the front-ends call.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from veo_tools.availability import LiveList, ModelAvailability
from veo_tools.channels.base import ChannelClient
from veo_tools.channels.official import OfficialClient
from veo_tools.channels.reverse import ReverseClient
from veo_tools.engine import availability
from veo_tools.engine.task_views import public_status, task_view
from veo_tools.errors import TaskFailedError, TaskNotFoundError, VeoError
from veo_tools.journal.interface import JournalStore
from veo_tools.journal.store import Owner, TaskRecord
from veo_tools.protocols.dashscope import DashScopeClient
from veo_tools.protocols.grok import GrokClient
from veo_tools.protocols.volcano import VolcanoClient
from veo_tools.settings import Settings
from veo_tools.transport.http import ApiHttp
from veo_tools.types import ProgressEvent, TaskView
from veo_tools.words import GENERATE_VIDEO, LIST_TASKS, Words, call

ProgressCallback = Callable[[ProgressEvent], Awaitable[None] | None]
#: Answers model id -> availability (cached by whoever implements it); read by the failover.
AvailabilityProvider = Callable[[], Awaitable[Mapping[str, ModelAvailability]]]

TERMINAL = ("completed", "failed", "interrupted")
#: Real-time interval between progress callbacks while waiting (MCP asks for <= 5 s).
HEARTBEAT_S = 4.0


@dataclass
class Engine:
    settings: Settings
    journal: JournalStore
    http: ApiHttp
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]
    pid: int
    #: This process as recorded on the rows it owns (more than a PID: see journal.owner).
    owner: Owner = field(init=False)
    official: OfficialClient = field(init=False)
    reverse: ReverseClient = field(init=False)
    seedance: VolcanoClient = field(init=False)
    wan: DashScopeClient = field(init=False)
    grok: GrokClient = field(init=False)
    #: The client of every channel, by channel name (one adapter per protocol).
    clients: dict[str, ChannelClient] = field(init=False)
    #: Streamed tasks this process is driving, by local task id.
    streams: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    #: Tasks whose create request this process has in flight right now.
    submitting: set[str] = field(default_factory=set)
    #: Who is waiting on a stream right now; a stream reports progress only to a live waiter.
    listeners: dict[str, ProgressCallback] = field(default_factory=dict)
    #: The last ``GET /v1/models`` read (see :mod:`veo_tools.engine.availability`).
    live_models: LiveList | None = None
    probe_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Where routing and failover read availability; ``None`` = not checked (failover then
    #: learns only from the refusals it meets).
    availability_provider: AvailabilityProvider | None = None

    def __post_init__(self) -> None:
        self.owner = Owner.current() if self.pid == os.getpid() else Owner(self.pid)
        self.official = OfficialClient(self.http, time_scale=self.settings.time_scale)
        self.reverse = ReverseClient(self.http)
        self.seedance = VolcanoClient(self.http)
        self.wan = DashScopeClient(self.http)
        self.grok = GrokClient(self.http)
        self.clients = {
            "official": self.official,
            "reverse": self.reverse,
            "seedance": self.seedance,
            "wan": self.wan,
            "grok": self.grok,
        }

    def client(self, channel: str) -> ChannelClient:
        return self.clients[channel]

    async def get(self, task_id: str) -> TaskRecord:
        rec = await self.journal.get(task_id)
        if rec is None:
            raise TaskNotFoundError(
                Words(
                    "No task {task_id!r} in the journal. Use {tasks} to see the task ids this "
                    "machine knows, or {generate} to start one.",
                    task_id=task_id[:80],
                    tasks=call(LIST_TASKS),
                    generate=call(GENERATE_VIDEO),
                )
            )
        return rec

    async def view(self, rec: TaskRecord, *, deduplicated: bool = False) -> TaskView:
        gone = rec.status == "failed" and rec.error_kind == availability.UNAVAILABLE
        return task_view(
            rec,
            now=self.clock(),
            time_scale=self.settings.time_scale,
            deduplicated=deduplicated,
            unavailable_step=await availability.step_for(self, rec.model) if gone else None,
            simulated=self.settings.sandbox,
        )

    async def record_failure(self, rec: TaskRecord, exc: VeoError) -> TaskRecord:
        kind = exc.error_kind if isinstance(exc, TaskFailedError) else exc.kind
        return await self.journal.update(
            rec.task_id,
            status="failed",
            error_kind=kind,
            # Stream failures quote the server's text, which may echo the key back.
            error_message=self.http.redact(exc.message),
            error_retryable=exc.retryable or kind == "upstream",
        )

    async def interrupt(
        self, rec: TaskRecord, message: str, *, kind: str = "interrupted"
    ) -> TaskRecord:
        return await self.journal.update(
            rec.task_id,
            status="interrupted",
            error_kind=kind,
            error_message=message,
            error_retryable=False,
        )

    async def emit(
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
        result = callback(ProgressEvent(rec.task_id, public_status(rec), pct, message))
        if inspect.isawaitable(result):
            await result


def heartbeat(time_scale: float) -> float:
    """Seconds between progress reports while waiting: HEARTBEAT_S in real time, shorter on a
    time-scaled sandbox so a progress bar still moves (never below 20 ms)."""
    return max(0.02, HEARTBEAT_S * min(1.0, time_scale * 10))


def status_message(rec: TaskRecord) -> str:
    return {
        "pending": "waiting for a free slot",
        "submitting": "submitting the task",
        "queued": "queued",
        "in_progress": "rendering",
        "completed": "completed",
        "failed": f"failed: {rec.error_message or 'no reason given'}",
        "interrupted": "interrupted",
    }.get(rec.status, rec.status)
