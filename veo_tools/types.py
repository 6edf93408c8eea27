"""Tool input and result models, defined once and shared by every front-end.

The field names are a contract: the LangChain tools and the MCP server publish these schemas as
they are, and the descriptions are what the model reads.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from veo_tools.availability import AvailabilityState
from veo_tools.catalog import shipped_catalog

ChannelChoice = Literal["auto", "official", "reverse"]
Priority = Literal["balanced", "budget", "quality", "iteration"]
ModeChoice = Literal["auto", "async", "stream"]
TaskStatus = Literal["queued", "in_progress", "completed", "failed", "interrupted"]
Scenario = Literal[
    "batch_matrix",
    "client_delivery",
    "live_progress_ui",
    "poster_to_motion",
    "cinematic_4k",
    "overseas_onboarding",
    "seed_exploration",
    "iterate_then_deliver",
]

MAX_PROMPT_CHARS = 20_000
MAX_WAIT_SECONDS = 3600

SCENARIO_DESCRIPTIONS: dict[str, str] = {
    "batch_matrix": "short-video matrix batch production (100+/day)",
    "client_delivery": "final client ad delivery",
    "live_progress_ui": "front-end live display that needs a loading animation",
    "poster_to_motion": "static poster + frame-to-video -> motion clip",
    "cinematic_4k": "4K cinematic clips (hero asset)",
    "overseas_onboarding": "overseas team onboarding with an existing key",
    "seed_exploration": "same-prompt multi-seed style exploration",
    "iterate_then_deliver": "iterate cheaply, then deliver the final version",
}


def explain_validation_error(exc: ValidationError) -> str:
    """One line an agent can act on: each bad field, what is wrong, what was sent."""
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "arguments"
        got = err.get("input")
        sent = f" (got {_short(got)})" if isinstance(got, str | int | float | bool) else ""
        problems.append(f"{where}: {err['msg']}{sent}")
    return f"Invalid arguments: {'; '.join(problems)}. Fix them and call the tool again."


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


#: C0 controls other than tab, newline and carriage return, DEL, and the C1 controls: never part
#: of a prompt, and they would reach the API, the journal and the CLI's terminal as they are.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    if found := _CONTROL_CHARS.search(text):
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X} at position "
            f"{found.start()}; remove it. Text may hold any printable character, tabs and "
            "newlines, but no control codes such as NUL or ESC"
        )
    return text


#: Free text sent to the API (prompts): printable characters, tabs and newlines only.
PromptText = Annotated[str, AfterValidator(_printable)]


WaitSeconds = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_WAIT_SECONDS,
        description=(
            "How long to wait inline for the task to finish before returning, in seconds "
            "(0 = return at once; max 3600). Front-ends may cap it (the MCP server caps it so a "
            "call returns inside client time-outs). If the task is not done by then you get its "
            "task_id: call check_status later."
        ),
    ),
]


class GenerateVideoInput(_Input):
    """Arguments of the ``generate_video`` tool."""

    prompt: PromptText = Field(
        "",
        max_length=MAX_PROMPT_CHARS,
        description=(
            "Required (unless from_task_id is given). What the video shows: subject, action, "
            "camera, lighting and the sound you want (audio is generated natively; there is no "
            "audio switch). Max 20000 characters."
        ),
    )
    from_task_id: str | None = Field(
        None,
        max_length=200,
        description=(
            "Re-render an earlier task (iterate cheaply, then deliver): reuses its prompt and "
            "frames on the channel/model given here (default: Official standard); any other "
            "argument you pass overrides the earlier one. The result's notes say what could not "
            "carry over (e.g. an end frame on Official)."
        ),
    )
    channel: ChannelChoice = Field(
        "auto",
        description=(
            "'official' (Google AI Studio passthrough: "
            f"{shipped_catalog().prices_text('official')}, 4/6/8 s, 720p/1080p/4k, 1 reference "
            f"image), 'reverse' ({shipped_catalog().prices_text('reverse')}, fixed "
            "8 s 720p, frame-to-video with 1-2 frames, live streaming progress) or 'auto' "
            "(default: chosen by recommend_channel from the other arguments)."
        ),
    )
    model: str | None = Field(
        None,
        description=(
            "Exact model id to use (overrides channel and priority), e.g. "
            f"'{shipped_catalog().pick('official', fast=True).id}' or "
            f"'{shipped_catalog().pick('reverse', fast=True, frame_to_video=True).id}'. "
            "Default: picked for you."
        ),
    )
    priority: Priority = Field(
        "balanced",
        description=(
            "What matters most when the channel is 'auto': 'budget' (cheapest), 'quality' "
            "(Official standard), 'iteration' (cheap previews) or 'balanced' (default)."
        ),
    )
    seconds: Literal[4, 6, 8] | None = Field(
        None,
        description=(
            "Clip length: 4, 6 or 8 seconds. 4 and 6 only on Official at 720p; Reverse is "
            "always 8. Default 8."
        ),
    )
    resolution: Literal["720p", "1080p", "4k"] | None = Field(
        None,
        description=(
            "'720p' (default), '1080p' or '4k'. 1080p and 4k are Official only and need "
            "seconds=8; price does not depend on resolution."
        ),
    )
    aspect_ratio: Literal["16:9", "9:16"] | None = Field(
        None, description="'16:9' landscape (default) or '9:16' portrait."
    )
    images: list[str] = Field(
        default_factory=list,
        max_length=2,
        description=(
            "0-2 reference images: local file paths (inside the allowed input directories), "
            "'data:image/...;base64,...' URLs, or https URLs. One image = image-to-video "
            "(Official) or start frame (Reverse '-fl'); two = start frame then end frame "
            "(Reverse '-fl' only). JPEG, PNG or WebP, at most 10 MB each."
        ),
    )
    mode: ModeChoice = Field(
        "auto",
        description=(
            "'async' (submit and poll; survives restarts), 'stream' (Reverse only: live progress "
            "over one long request) or 'auto' (default: async)."
        ),
    )
    negative_prompt: PromptText | None = Field(
        None,
        max_length=2000,
        description="What to avoid, e.g. 'blurry, watermark, distorted'. Official only.",
    )
    seed: int | None = Field(
        None,
        ge=0,
        le=2**32 - 1,
        description=(
            "Seed (0-4294967295) to cluster outputs in style; not byte-reproducible. Official only."
        ),
    )
    wait_seconds: WaitSeconds = 0
    force_new: bool = Field(
        False,
        description=(
            "Set true to pay for another take even when an identical request ran in the last "
            "15 minutes (otherwise that task is returned with deduplicated=true)."
        ),
    )
    idempotency_key: str | None = Field(
        None,
        max_length=200,
        description=(
            "Your own key for this intended video. The same key never creates a second task; a "
            "new key asks for a new take on purpose."
        ),
    )

    @model_validator(mode="after")
    def _prompt_or_source(self) -> GenerateVideoInput:
        if not self.prompt and not self.from_task_id:
            raise ValueError(
                "prompt is required: describe the video, or give from_task_id to re-render an "
                "earlier task"
            )
        return self


class BatchItemInput(GenerateVideoInput):
    """One line of a batch: a ``generate_video`` input, optionally expanded over seeds."""

    seeds: list[int] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description=(
            "Seed exploration: one video per seed, identical otherwise (Official only; up to 50)."
        ),
    )
    variants: int | None = Field(
        None,
        ge=1,
        le=50,
        description="Seed exploration: this many videos with seeds picked for you (Official only).",
    )


class GenerateBatchInput(_Input):
    """Arguments of the ``generate_batch`` tool."""

    items: list[BatchItemInput] = Field(
        min_length=1,
        max_length=500,
        description=(
            "The videos to make: each item takes the generate_video arguments (wait_seconds is "
            "ignored), plus optional seeds/variants. Checked and priced as a whole before "
            "anything is submitted."
        ),
    )
    concurrency: int | None = Field(
        None,
        ge=1,
        le=50,
        description="Tasks in flight per channel (default 10, as APIYI recommends).",
    )


class CheckStatusInput(_Input):
    """Arguments of the ``check_status`` tool."""

    task_id: str = Field(
        min_length=1,
        max_length=200,
        description=(
            "The task_id returned by generate_video (or shown by list_tasks), or a batch_id "
            "returned by generate_batch for a summary of the whole batch."
        ),
    )
    wait_seconds: WaitSeconds = 0
    download: bool = Field(
        True,
        description="Download the MP4 to the output directory once completed (default true).",
    )


class RecommendChannelInput(_Input):
    """Arguments of the ``recommend_channel`` tool."""

    frame_to_video: bool = Field(
        False, description="True to animate from a start frame (and optional end frame)."
    )
    reference_images: int = Field(
        0, ge=0, le=2, description="How many reference images you will send (0-2)."
    )
    streaming_progress: bool = Field(
        False, description="True when a user-facing UI must show live progress while rendering."
    )
    priority: Priority = Field(
        "balanced",
        description="'budget', 'quality', 'iteration' (cheap previews) or 'balanced' (default).",
    )
    resolution: Literal["720p", "1080p", "4k"] | None = Field(
        None, description="Needed resolution, if any: '720p', '1080p' or '4k'."
    )
    seconds: Literal[4, 6, 8] | None = Field(None, description="Needed clip length: 4, 6 or 8.")
    aspect_ratio: Literal["16:9", "9:16"] | None = Field(
        None, description="'16:9' landscape or '9:16' portrait."
    )
    count: int = Field(
        1, ge=1, le=100_000, description="Videos in the batch (or per day), for the cost estimate."
    )
    scenario: Scenario | None = Field(
        None,
        description="A known business scenario: "
        + "; ".join(f"'{k}' = {v}" for k, v in SCENARIO_DESCRIPTIONS.items())
        + ".",
    )


class ListTasksInput(_Input):
    """Arguments of the ``list_tasks`` tool."""

    status: TaskStatus | None = Field(
        None,
        description=(
            "Only tasks in this status: queued, in_progress, completed, failed or interrupted. "
            "Default: all."
        ),
    )
    limit: int = Field(20, ge=1, le=200, description="Most recent tasks to return (1-200).")


class TaskError(BaseModel):
    kind: str = Field(
        description="content_policy, invalid_request, upstream, timeout, network, ..."
    )
    message: str
    retryable: bool


class TaskView(BaseModel):
    """The one result shape for every task-related tool."""

    task_id: str = Field(description="Use this id with check_status to follow the task.")
    channel: Literal["official", "reverse"]
    model: str
    status: TaskStatus
    progress: int = Field(ge=0, le=100)
    price_usd: float
    billed: bool = Field(description="Whether this task is (or will be) paid: failed ones are not.")
    video_path: str | None = None
    video_url: str | None = None
    error: TaskError | None = None
    next_step: str = Field(description="What to do now, in one sentence.")
    deduplicated: bool = False
    created_at: str
    elapsed_s: float
    eta_s: float | None = None
    prompt: str | None = None
    seed: int | None = Field(None, description="The seed sent (Official only), if any.")
    notes: list[str] = Field(
        default_factory=list,
        description="Remarks on the request, e.g. what a re-render could not carry over.",
    )
    batch_id: str | None = None


class TaskList(BaseModel):
    tasks: list[TaskView]
    spent_24h_usd: float = Field(description="Spend of non-failed tasks in the last 24 hours.")
    budget_usd: float | None = None


class BatchItemView(BaseModel):
    index: int
    task_id: str | None = None
    seed: int | None = None
    status: TaskStatus | None = None
    model: str | None = None
    price_usd: float | None = None
    video_path: str | None = None
    error: TaskError | None = None
    deduplicated: bool = False


class BatchView(BaseModel):
    """A compact summary of a batch: counts, spend, failures, and one line per item."""

    batch_id: str = Field(description="Use with check_status to follow the batch.")
    status: Literal["running", "completed", "incomplete"]
    total: int
    counts: dict[str, int] = Field(description="Items per status.")
    estimated_cost_usd: float = Field(description="Price of every item that is not failed.")
    spent_usd: float = Field(description="Price of the completed items.")
    items: list[BatchItemView]
    failed: list[BatchItemView]
    next_step: str


class BatchPlanItem(BaseModel):
    index: int
    channel: Literal["official", "reverse"]
    model: str
    mode: Literal["async", "stream"]
    price_usd: float
    seed: int | None = None
    prompt: str


class BatchPlan(BaseModel):
    """What a batch would submit and cost (a dry run submits nothing)."""

    items: list[BatchPlanItem]
    total_usd: float
    by_channel: dict[str, float]


class AvailabilityNote(BaseModel):
    """Whether a model can be used now, in two fields (the full answer is ``veo://models``)."""

    state: AvailabilityState = Field(description="available, down, unlisted or unknown.")
    reason: str | None = Field(None, description="Why, whenever the state is not plain.")


class Alternative(BaseModel):
    channel: Literal["official", "reverse"]
    model: str
    price_usd: float
    trade_off: str
    availability: AvailabilityNote | None = Field(
        None, description="Whether this model is up now (absent when not checked)."
    )


class Recommendation(BaseModel):
    channel: Literal["official", "reverse"]
    model: str
    endpoint: str
    mode: Literal["async", "stream"]
    price_usd: float
    count: int
    estimated_cost_usd: float
    render_time_s: tuple[float, float]
    reasons: list[str]
    alternatives: list[Alternative]
    conflicts: list[str]
    generate_video_args: dict[str, object]
    availability: AvailabilityNote | None = Field(
        None, description="Whether the recommended model is up now (absent when not checked)."
    )
    best_fit: str | None = Field(
        None,
        description=(
            "The model the decision tree picked, when it is not the one recommended because it "
            "is not available; warnings say what the recommended model gives up."
        ),
    )
    warnings: list[str] = Field(
        default_factory=list,
        description=(
            "Read these first: a substitute's trade, or that nothing fitting is available now "
            "(a create would likely be refused) and how to check again."
        ),
    )


class ModelInfo(BaseModel):
    """One model: its catalog facts, what the public notices say, and whether it is up now."""

    id: str
    channel: Literal["official", "reverse"]
    tier: Literal["fast", "standard"]
    price_usd: float = Field(description="USD per generated video.")
    lifecycle: Literal["active", "degraded", "unavailable", "retired"] = Field(
        description="What the public notices say (advice, not a lock)."
    )
    lifecycle_since: str | None = Field(None, description="Date of the notice (YYYY-MM-DD).")
    lifecycle_source: str | None = Field(None, description="URL of the notice.")
    replacement: str | None = Field(None, description="The model the notice points to, if any.")
    note: str | None = None
    availability: Literal["available", "down", "unlisted", "unknown"] = Field(
        description="available: usable now; down: retired, or refused recently; unlisted: not "
        "in GET /v1/models for this key; unknown: the live check failed (see reason)."
    )
    reason: str | None = Field(None, description="Why, whenever availability is not available.")
    since: str | None = Field(None, description="Since when it is down (ISO 8601), if known.")


class ModelsView(BaseModel):
    """Every model with its availability now (``veo-tools models``, ``veo://models``)."""

    models: list[ModelInfo]
    available: list[str] = Field(description="Ids of the models usable now.")
    live_checked_at: str | None = Field(
        None, description="When GET /v1/models was read (ISO 8601); null if never."
    )
    live_error: str | None = Field(None, description="Why the live check failed, if it did.")
    catalog_error: str | None = Field(
        None,
        description="Why the user's catalog override file was ignored (file, model id, field).",
    )
    next_step: str
