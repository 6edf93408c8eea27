"""How a sandbox behaves: timing, spellings, retention and the faults it injects.

Every duration below is in *simulated* seconds and is multiplied by ``time_scale``, except
``hang_s``, which is real seconds (it exists to trip a client's real read timeout).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from veo_tools.catalog import Channel, all_models
from veo_tools.errors import ConfigurationError
from veo_tools.sandbox.lifecycle import LifecycleState, check_lifecycle

Operation = Literal["create", "status", "content", "asset", "chat", "models"]
FaultKind = Literal[
    "429",
    "500",
    "502",
    "503",
    "balance",
    "hang",
    "content_policy",
    "fail",
    "truncate",
    "cut_stream",
    "expire",
]

OPERATIONS: tuple[str, ...] = get_args(Operation)
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
#: Kinds answered with an error status (or a delay) before the endpoint does its work.
HTTP_KINDS = frozenset({"429", "500", "502", "503", "balance", "hang"})
#: Kinds that let the task be created and make it end ``failed`` (``expire``: Seedance's
#: ``expired``; a failure elsewhere).
OUTCOME_KINDS = frozenset({"content_policy", "fail", "expire"})
FAULT_CHANNELS = ("official", "reverse", "seedance", "wan", "grok")
_KINDS_BY_OPERATION: dict[str, frozenset[str]] = {
    "create": HTTP_KINDS | OUTCOME_KINDS,
    "chat": HTTP_KINDS | OUTCOME_KINDS | {"cut_stream"},
    "status": HTTP_KINDS,
    "content": HTTP_KINDS | {"truncate"},
    "asset": HTTP_KINDS | {"truncate"},
    "models": HTTP_KINDS,
}


@dataclass(frozen=True)
class FaultRule:
    """Make the next ``times`` matching requests misbehave in one way.

    ``operation`` is the endpoint family (``create`` = ``POST /v1/videos``, ``status``,
    ``content``, ``asset`` = the Reverse video URL, ``chat`` = ``/v1/chat/completions``,
    ``models`` = ``GET /v1/models``);
    ``channel`` narrows it to ``"official"``, ``"reverse"``, ``"seedance"`` (Volcano tasks),
    ``"wan"`` (Wan and HappyHorse, DashScope) or ``"grok"`` (``None`` = all). ``asset`` also
    covers the signed result URLs of Seedance and DashScope.
    """

    operation: Operation
    kind: FaultKind
    times: int = 1
    channel: Channel | Literal["seedance", "wan", "grok"] | None = None

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ConfigurationError(
                f"FaultRule.operation={self.operation!r}; use one of {', '.join(OPERATIONS)}."
            )
        allowed = _KINDS_BY_OPERATION[self.operation]
        if self.kind not in allowed:
            raise ConfigurationError(
                f"FaultRule.kind={self.kind!r} does not apply to {self.operation!r}; "
                f"use one of {', '.join(sorted(allowed))}."
            )
        if self.times < 1:
            raise ConfigurationError(f"FaultRule.times must be >= 1 (got {self.times}).")
        if self.channel is not None and self.channel not in FAULT_CHANNELS:
            raise ConfigurationError(
                f"FaultRule.channel={self.channel!r}; use one of {', '.join(FAULT_CHANNELS)} "
                "or None."
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        """Build a rule from its JSON form (``POST /_sandbox/faults``)."""
        unknown = set(data) - {"operation", "kind", "times", "channel"}
        if unknown:
            raise ConfigurationError(f"Unknown fault rule fields: {', '.join(sorted(unknown))}.")
        return cls(
            operation=data.get("operation"),  # type: ignore[arg-type]
            kind=str(data.get("kind")),  # type: ignore[arg-type]
            times=int(data.get("times", 1)),
            channel=data.get("channel"),
        )


@dataclass(frozen=True)
class SandboxConfig:
    """Knobs of the simulator; the defaults mimic APIYI as documented (see the spec, §7)."""

    #: Multiplies every simulated duration (render, race window, retention). 1.0 = real time.
    time_scale: float = 1.0
    #: Seed of the render-time draws (``None`` = a fresh seed each run). Ids are always random.
    seed: int | None = 0
    #: Monotonic clock the task states are computed from.
    clock: Callable[[], float] = time.monotonic
    #: How the chat stream waits between progress chunks; swap it with a fake clock in tests.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    #: Accepted keys, with or without ``sk-``; ``None`` accepts any non-empty key.
    api_keys: Collection[str] | None = None
    #: Official: seconds used when ``seconds`` is absent (docs say 8, reality says 4, §5.1).
    official_default_seconds: int = 4
    #: Official: how the running state is spelled (docs: ``in_progress``; seen: ``processing``).
    official_status_spelling: Literal["in_progress", "processing"] = "in_progress"
    #: Official: the ``error`` of a failed task: absent (docs), ``""`` (seen) or an object.
    official_failure_error: Literal["absent", "empty", "object"] = "absent"
    #: Official: ``/content`` keeps answering 400 this long after completion (CDN sync race).
    content_race_s: float = 0.0
    #: How long finished videos stay downloadable (Official ``/content``, Reverse URLs).
    retention_s: float = 24 * 3600.0
    #: Fraction of the render time a task spends ``queued`` (progress 0).
    queued_fraction: float = 0.1
    #: Official image-to-video renders take longer by a factor drawn from this range.
    image_to_video_slowdown: tuple[float, float] = (1.1, 1.3)
    #: Body shape of Official validation errors: ``{"error":{…}}`` or new-api's task error.
    validation_error_shape: Literal["error_object", "task_error"] = "error_object"
    #: Reverse: also return ``task_id`` (= ``id``) on create and status.
    reverse_include_task_id: bool = False
    #: Reverse ``/content``: the sister-documented JSON with a ``url``, or the MP4 bytes.
    reverse_content_mode: Literal["json", "mp4"] = "json"
    #: Reverse: accept http(s) image URLs besides ``data:`` URLs and uploads.
    accept_image_urls: bool = True
    #: Status of the insufficient-balance fault: 403 (seen), 429 (APIYI docs), 402 (sister).
    balance_status: Literal[402, 403, 429] = 403
    #: ``Retry-After`` seconds sent with a 429.
    retry_after_s: int = 1
    #: Real seconds a ``hang`` fault stalls before answering.
    hang_s: float = 30.0
    #: Percentages at which the chat stream reports progress, spread over the render time.
    chat_progress_steps: tuple[int, ...] = (0, 25, 50, 75)
    #: Text of one progress chunk; ``{percent}`` is replaced.
    chat_progress_text: str = "视频生成中... {percent}%\n"
    #: The video every task delivers; ``None`` = the packaged ``sample.mp4``.
    video_bytes: bytes | None = None
    faults: tuple[FaultRule, ...] = field(default=())
    #: Models or channels that went away: ``{model id or "official"/"reverse": state}``, with
    #: states ``retired_at_create``, ``retired_at_poll``, ``outage``, ``outage_at_poll``
    #: (see :mod:`veo_tools.sandbox.lifecycle`).
    lifecycle: Mapping[str, LifecycleState] = field(default_factory=dict)
    #: Keep the task table in this JSON file, so tasks outlive the process (``VeoService``'s
    #: embedded sandbox sets it under the sandbox state dir); ``None`` = memory only.
    persist_path: Path | None = None
    #: Token groups of each key (with or without ``sk-``): Seedance, Wan/HappyHorse and Grok
    #: answer only keys in their group (``SeeDance2``, ``Wan&HappyHorse``, ``GrokOfficial``).
    #: A key not listed here is in every group.
    key_groups: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: Origin (``scheme://host[:port]``) of the signed result URLs of Seedance and DashScope, like
    #: a CDN; ``None`` = the origin the request came to. In-process any host reaches the app.
    video_origin: str | None = None
    #: How long a signed result URL works (simulated seconds; APIYI: 24 h), then 403.
    result_url_ttl_s: float = 24 * 3600.0
    #: DashScope: tasks a key may have submitted or running at once; the next create gets 429.
    dashscope_max_active: int = 10
    #: Seedance without ``Accept-Encoding: identity``: ``compressed`` = a real gzip body labelled
    #: gzip; ``mislabelled`` = a plain body labelled gzip (the gateway quirk at its worst);
    #: ``off`` = no quirk.
    volcano_gzip: Literal["compressed", "mislabelled", "off"] = "compressed"
    #: Seedance: a task still queued this long ends ``expired`` (Ark's 48 h limit).
    volcano_expire_s: float = 48 * 3600.0

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ConfigurationError(f"time_scale must be > 0 (got {self.time_scale}).")
        if not 0 <= self.queued_fraction < 1:
            raise ConfigurationError(
                f"queued_fraction must be in [0, 1) (got {self.queued_fraction})."
            )
        check_lifecycle(self.lifecycle)
        durations = all_models("official")[0].durations
        if self.official_default_seconds not in durations:
            raise ConfigurationError(
                f"official_default_seconds must be one of {durations} "
                f"(got {self.official_default_seconds})."
            )

    def scaled(self, seconds: float) -> float:
        """A simulated duration in clock seconds."""
        return seconds * self.time_scale
