"""The sandbox's memory: tasks, their simulated timeline, faults, and the billing ledger.

A task's state is a pure function of the clock: it is ``queued`` for ``queued_fraction`` of its
render time, then running, then ``completed`` (or ``failed``) at ``created + render_s``. Nothing
runs in the background; every read computes the state afresh.
"""

from __future__ import annotations

import random
import string
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from veo_tools.sandbox import persist
from veo_tools.sandbox.assets import sample_video
from veo_tools.sandbox.config import SandboxConfig
from veo_tools.sandbox.faults import ONCE_PER_PROMPT, FaultBook, markers_in
from veo_tools.sandbox.lifecycle import FAILS_AT_POLL, check_lifecycle, state_of
from veo_tools.sandbox.replies import random_alnum
from veo_tools.sandbox.specs import SIM_CHANNELS, AnyModel, SimModel, lookup

Phase = Literal["queued", "running", "completed", "failed"]
#: A phase as the package's readers spell it (``veo_tools.channels.base.RemoteStatus``).
Status = Literal["queued", "in_progress", "completed", "failed"]
#: ``retired`` / ``outage``: accepted, then failed because the model went away (lifecycle).
#: ``moderation_blocked`` (Grok): ends ``completed`` without a video, and is billed.
#: ``expired`` (Seedance): never leaves the queue, ends ``expired``.
Outcome = Literal[
    "completed", "content_policy", "fail", "retired", "outage", "moderation_blocked", "expired"
]
Via = Literal["videos", "chat"]
CHANNELS: tuple[str, ...] = ("official", "reverse")
#: Outcomes whose task ends in the ``completed`` phase (and is billed).
ENDS_COMPLETED = frozenset({"completed", "moderation_blocked"})


@dataclass
class SimTask:
    """One simulated generation; times are on the sandbox clock."""

    id: str
    model: AnyModel
    prompt: str
    via: Via
    created: float
    render_s: float
    outcome: Outcome = "completed"
    resolution: str = "720p"
    aspect_ratio: str = "16:9"
    seconds: int = 8
    image_count: int = 0
    #: Downloads of this task's video still to be cut short.
    truncations: int = 0
    #: What the task bills when it completes (non-Veo models); ``None`` = the model's price.
    price_usd: float | None = None
    #: Protocol-specific request facts (ratio, seed, audio, tokens, the key's hash …), JSON-safe.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def channel(self) -> str:
        return self.model.channel

    @property
    def finish(self) -> float:
        return self.created + self.render_s

    def fraction_done(self, now: float) -> float:
        if self.render_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (now - self.created) / self.render_s))

    def phase(self, now: float, queued_fraction: float) -> Phase:
        done = self.fraction_done(now)
        if done >= 1.0:
            return "completed" if self.outcome in ENDS_COMPLETED else "failed"
        return "queued" if done < queued_fraction else "running"


@dataclass(frozen=True)
class LedgerEntry:
    """A task as the billing ledger sees it."""

    id: str
    channel: str
    model: str
    via: Via
    price_usd: float
    status: Status
    outcome: Outcome
    billed: bool
    created_at: int
    finished_at: int
    #: Simulated render time in clock seconds (already multiplied by ``time_scale``).
    render_s: float = 0.0


@dataclass(frozen=True)
class SandboxStats:
    """What the sandbox has done so far (``GET /_sandbox/stats``)."""

    tasks: tuple[LedgerEntry, ...]
    #: Tasks created, per channel (a chat request with ``n=2`` creates two).
    create_count: dict[str, int]
    #: Tasks created and not yet finished, now.
    in_flight: dict[str, int]
    #: The highest ``in_flight`` ever reached at any instant.
    max_in_flight: dict[str, int]
    billed_usd: dict[str, float]
    #: Requests received per operation (create, status, content, asset, chat).
    requests: dict[str, int]
    faults_fired: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Sandbox:
    """State shared by every endpoint of one sandbox app (``app.state.sandbox``)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.tasks: dict[str, SimTask] = {}
        self.faults = FaultBook(self.config.faults)
        #: Models or channels that went away (``POST /_sandbox/lifecycle`` changes it).
        self.lifecycle: dict[str, str] = check_lifecycle(self.config.lifecycle)
        self.requests: Counter[str] = Counter()
        self.faults_fired: Counter[str] = Counter()
        self.video = self.config.video_bytes or sample_video()
        self._rng = random.Random(self.config.seed)
        self._seen_markers: set[tuple[str, str]] = set()
        self._epoch = (self.config.clock(), time.time())
        if self.config.persist_path is not None:
            self._reload(self.config.persist_path)

    def now(self) -> float:
        return self.config.clock()

    def unix(self, at: float | None = None) -> int:
        """Unix seconds of a sandbox-clock instant (default: now)."""
        at = self.now() if at is None else at
        return int(self._epoch[1] + (at - self._epoch[0]))

    def scaled(self, seconds: float) -> float:
        return self.config.scaled(seconds)

    # -- tasks ----------------------------------------------------------------------------

    def draw_render_s(
        self, model: AnyModel, resolution: str | None, *, with_image: bool, length: int = 5
    ) -> float:
        """A render time from the catalog's range for the model, scaled to the sandbox clock."""
        if isinstance(model, SimModel):
            low, high = model.render_time(resolution, length)
        else:
            low, high = model.render_time(resolution)
        seconds = self._rng.uniform(low, high)
        if with_image and model.channel == "official":
            seconds *= self._rng.uniform(*self.config.image_to_video_slowdown)
        return self.scaled(seconds)

    def add_task(self, model: AnyModel, prompt: str, via: Via, **fields: Any) -> SimTask:
        """Record a new task; its render time is drawn now.

        A model in a fails-at-poll lifecycle state gets that outcome, and fails as soon as it
        leaves the queue (the upstream refuses it at once)."""
        resolution = fields.get("resolution")
        render_s = self.draw_render_s(
            model,
            resolution,
            with_image=fields.get("image_count", 0) > 0,
            length=int(fields.get("seconds", 5)),
        )
        if gone := FAILS_AT_POLL.get(self.lifecycle_state(model)):
            fields["outcome"] = gone
            render_s *= max(self.config.queued_fraction, 0.05)
        task = SimTask(
            id=_new_id(model.channel, self.unix()),
            model=model,
            prompt=prompt,
            via=via,
            created=self.now(),
            render_s=render_s,
            **fields,
        )
        if "truncate" in markers_in(prompt):
            task.truncations = 1
        self.tasks[task.id] = task
        self._persist(task)
        return task

    # -- persistence (tasks that outlive the process) ---------------------------------------

    def _reload(self, path: Path) -> None:
        """Load the tasks an earlier process left, placed on this clock by their Unix times."""
        for row in persist.load(path):
            model = lookup(str(row["model"]))
            if model is None:
                continue  # a model the catalog no longer has
            created = self._epoch[0] + (float(row["created_unix"]) - self._epoch[1])
            fields = {k: row[k] for k in persist.FIELDS[5:]}
            fields.update((k, row[k]) for k in persist.OPTIONAL_FIELDS if k in row)
            task = SimTask(row["id"], model, row["prompt"], row["via"], created, **fields)
            self.tasks.setdefault(task.id, task)

    def _persist(self, task: SimTask) -> None:
        path = self.config.persist_path
        if path is None:
            return
        row = {
            "id": task.id,
            "model": task.model.id,
            "prompt": task.prompt,
            "via": task.via,
            "created_unix": self._epoch[1] + (task.created - self._epoch[0]),
            "render_s": task.render_s,
            **{k: getattr(task, k) for k in persist.FIELDS[6:] + persist.OPTIONAL_FIELDS},
        }
        retention = self.scaled(self.config.retention_s)
        persist.save(path, [row], keep_after_unix=time.time() - retention)

    def find(self, task_id: str) -> SimTask | None:
        return self.tasks.get(task_id)

    def phase(self, task: SimTask) -> Phase:
        return task.phase(self.now(), self.config.queued_fraction)

    def retained(self, task: SimTask) -> bool:
        """False once the finished video has passed its retention period."""
        return self.now() < task.finish + self.scaled(self.config.retention_s)

    def content_ready(self, task: SimTask) -> bool:
        """Completed, and past the window in which ``/content`` still says 'not completed'."""
        if self.phase(task) != "completed":
            return False
        return self.now() >= task.finish + self.scaled(self.config.content_race_s)

    def take_truncation(self, task: SimTask) -> bool:
        if task.truncations <= 0:
            return False
        task.truncations -= 1
        return True

    def lifecycle_state(self, model: AnyModel) -> str:
        return state_of(self.lifecycle, model)

    # -- faults ---------------------------------------------------------------------------

    def take_fault(
        self, operation: str, channel: str, kinds: Iterable[str], prompt: str | None = None
    ) -> str | None:
        """The fault to apply to this request, from the armed rules first, then the prompt."""
        allowed = frozenset(kinds)
        kind = self.faults.take(operation, channel, allowed) or self._marker_fault(prompt, allowed)
        if kind is not None:
            self.faults_fired[kind] += 1
        return kind

    def _marker_fault(self, prompt: str | None, allowed: frozenset[str]) -> str | None:
        for kind in markers_in(prompt):
            if kind not in allowed:
                continue
            if kind in ONCE_PER_PROMPT:
                key = (kind, prompt or "")
                if key in self._seen_markers:
                    continue
                self._seen_markers.add(key)
            return kind
        return None

    # -- ledger ---------------------------------------------------------------------------

    def record(self, task: SimTask) -> LedgerEntry:
        phase = self.phase(task)
        return LedgerEntry(
            id=task.id,
            channel=task.channel,
            model=task.model.id,
            via=task.via,
            price_usd=task.model.price_usd if task.price_usd is None else task.price_usd,
            status="in_progress" if phase == "running" else phase,
            outcome=task.outcome,
            billed=phase == "completed",
            created_at=self.unix(task.created),
            finished_at=self.unix(task.finish),
            render_s=task.render_s,
        )

    def stats(self) -> SandboxStats:
        records = tuple(self.record(task) for task in self.tasks.values())
        now = self.now()
        seen = {r.channel for r in records}
        channels = CHANNELS + tuple(c for c in SIM_CHANNELS if c in seen)
        return SandboxStats(
            tasks=records,
            create_count={c: sum(r.channel == c for r in records) for c in channels},
            in_flight={
                c: sum(t.channel == c and t.created <= now < t.finish for t in self.tasks.values())
                for c in channels
            },
            max_in_flight={c: self._max_overlap(c) for c in channels},
            billed_usd={
                c: round(sum(r.price_usd for r in records if r.channel == c and r.billed), 4)
                for c in channels
            },
            requests=dict(self.requests),
            faults_fired=dict(self.faults_fired),
        )

    def _max_overlap(self, channel: str) -> int:
        """Most tasks of a channel ever running at one instant (intervals are half-open)."""
        events = sorted(
            (at, delta)
            for task in self.tasks.values()
            if task.channel == channel
            for at, delta in ((task.created, 1), (task.finish, -1))
        )
        running = peak = 0
        for _, delta in events:
            running += delta
            peak = max(peak, running)
        return peak


def _new_id(channel: str, unix: int) -> str:
    """``task_`` + 32 alphanumerics (Official, new-api); ``video_`` + 24 (Reverse, docs);
    ``cgt-<time>-<5>`` (Volcano, as Ark's examples); a UUID (DashScope and xAI task ids)."""
    if channel == "official":
        return "task_" + random_alnum(32)
    if channel == "seedance":
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(unix))
        return f"cgt-{stamp}-{random_alnum(5, string.ascii_lowercase + string.digits)}"
    if channel in ("wan", "grok"):
        return str(uuid.uuid4())
    return "video_" + random_alnum(24, string.ascii_lowercase + string.digits)
