"""Tool input and result models, defined once and shared by every front-end.

The field names are a contract: the LangChain tools and the MCP server publish these schemas as
they are, and the descriptions are what the model reads.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from veo_tools.availability import AvailabilityState
from veo_tools.wording import ARGS
from veo_tools.words import Audience, Words, flag

ChannelChoice = Literal["auto", "official", "reverse", "seedance", "wan", "grok"]
#: Whether a task is paid: ``pending`` until it ends, then ``billed`` / ``not_billed``;
#: ``unknown`` when nobody knows (an interrupted create or stream: its error says why).
Billing = Literal["pending", "billed", "not_billed", "unknown"]
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
#: Tool results name at most this many batch items (the rest are counted in items_omitted).
SUMMARY_ITEMS = 10
#: The most an agent reads of one tool result (JSON bytes); lists are cut to fit.
RESULT_BYTES = 2048
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


#: Echoed input (what was sent) is cut to this many characters in any error message.
ECHO_LIMIT = 60
#: A whole validation message never grows beyond this (a hostile call may carry hundreds of
#: invalid fields).
MESSAGE_LIMIT = 1500

ErrorStyle = Literal["tool", "flags", "fields"]


def explain_validation_error(exc: ValidationError, *, style: ErrorStyle = "tool") -> str:
    """One line an agent (or a CLI user) can act on: each bad field, what is wrong, what was
    sent (cut to :data:`ECHO_LIMIT` characters). ``style="flags"`` names fields as CLI flags
    (``--aspect-ratio``); ``style="fields"`` gives only the problems (a batch file line says
    where). Every front-end uses this one function."""
    problems = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"])
        if where and style == "flags":
            where = flag(where) or where.upper()
        message = str(err["msg"]).removeprefix("Value error, ")
        got = err.get("input")
        sent = f" (got {short(got)})" if isinstance(got, str | int | float | bool) else ""
        if not where and style == "tool":
            where = "arguments"
        problems.append(f"{where}: {message}{sent}" if where else f"{message}{sent}")
    text = "; ".join(problems)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    if style == "fields":
        return text.rstrip(".")
    tail = " Fix them and call the tool again." if style == "tool" else ""
    return f"Invalid arguments: {text.rstrip('.')}.{tail}"


def short(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters: how any echoed input is shown."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class ProgressEvent:
    """What a progress callback receives while the engine waits for a task (or a batch: then
    ``task_id`` is the batch id and ``progress`` the share of finished items)."""

    task_id: str
    status: str
    progress: int
    message: str


def compact_schema(schema: dict[str, Any], *, inputs: bool = True) -> dict[str, Any]:
    """A JSON schema as small as it can be with the same meaning for a caller: no titles; for
    ``inputs``, an optional argument as its own type (``anyOf [X, null]`` with ``default: null``
    becomes ``X``, left out of ``required``); for results (``inputs=False``), no descriptions.
    What every front-end publishes (an agent pays for these characters on every turn)."""
    return _compact(schema, inputs)  # type: ignore[no-any-return]


#: Kept out of result schemas: documentation and bounds the server itself guarantees.
_RESULT_ONLY_DOCS = frozenset(
    {"description", "default", "maximum", "minimum", "maxItems", "minItems", "maxLength"}
)


def _compact(node: Any, inputs: bool, key: str = "") -> Any:
    if isinstance(node, list):
        return [_compact(item, inputs) for item in node]
    if not isinstance(node, dict):
        return node
    if key in ("properties", "$defs"):  # keys here are names, not schema keywords
        return {name: _compact(sub, inputs) for name, sub in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options and len(options) == 2:
        other = next(o for o in options if o != {"type": "null"})
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if inputs and rest.get("default", "") is None:  # optional: simply left out
            rest.pop("default")
            node = {**other, **rest}
        elif not inputs and isinstance(other.get("type"), str):  # nullable result field
            node = {**other, "type": [other["type"], "null"], **rest}
    out = {}
    for k, v in node.items():
        if (k == "title" and isinstance(v, str)) or (k in _RESULT_ONLY_DOCS and not inputs):
            continue
        if k == "additionalProperties" and v is True:  # JSON Schema's default: says nothing
            continue
        out[k] = _compact(v, inputs, k)
    return out


def _compact_input(schema: dict[str, Any]) -> None:
    compacted = compact_schema(schema)
    schema.clear()
    schema.update(compacted)


#: A whole number or a decimal number as text (bounded: longer text is left for pydantic to refuse).
_INT_TEXT = re.compile(r"[+-]?[0-9]{1,40}")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]{1,40}(\.[0-9]{0,40})?|\.[0-9]{1,40})([eE][+-]?[0-9]{1,4})?")


def _alternatives(annotation: Any) -> tuple[Any, ...]:
    """The types a value of ``annotation`` may have (``X | None`` -> ``(X,)``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _alternatives(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return tuple(t for arg in get_args(annotation) for t in _alternatives(arg))
    return () if annotation is type(None) else (annotation,)


def _number_kind(annotation: Any) -> type[int] | type[float] | None:
    if annotation is int or annotation is float:
        return annotation
    values = get_args(annotation) if get_origin(annotation) is Literal else ()
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return int
    return None


def numbers_from_strings(value: Any, annotation: Any) -> Any:
    """``value`` for a field typed ``annotation``, with a number spelt as text (``"8"``) read as
    that number wherever a number is expected, also inside lists (``seeds``). A boolean is not a
    number there (pydantic would read ``true`` as 1). Anything else is returned unchanged, for
    the field's own validation to accept or refuse with its usual message.

    APIYI's wire format spells ``seconds`` as ``"8"``, and some MCP clients can only send
    strings for an ``integer | null`` argument; the schemas still say ``integer``."""
    options = _alternatives(annotation)
    if bool in options:
        return value
    for option in options:
        if get_origin(option) is list and isinstance(value, list):
            item = (get_args(option) or (Any,))[0]
            return [numbers_from_strings(v, item) for v in value]
        kind = _number_kind(option)
        if kind is None:
            continue
        if isinstance(value, bool):
            raise ValueError("Input should be a number, not true or false")
        if isinstance(value, str):
            text = value.strip()
            pattern = _INT_TEXT if kind is int else _FLOAT_TEXT
            return kind(text) if pattern.fullmatch(text) else value
        return value
    return value


class _Input(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_compact_input
    )

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_from_strings(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        return value if field is None else numbers_from_strings(value, field.annotation)


#: C0 controls other than tab, newline and carriage return, DEL, and the C1 controls: never part
#: of a prompt, and they would reach the API, the journal and the CLI's terminal as they are.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Bidi overrides/isolates (U+202A-202E, U+2066-2069) and zero-width characters (U+200B-200F,
#: U+2060, U+FEFF): invisible, they make the text shown differ from the text sent.
_INVISIBLE_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def _printable(text: str) -> str:
    if found := _CONTROL_CHARS.search(text):
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X} at position "
            f"{found.start()}; remove it. Text may hold any printable character, tabs and "
            "newlines, but no control codes such as NUL or ESC"
        )
    if found := _INVISIBLE_CHARS.search(text):
        raise ValueError(
            f"contains the invisible character U+{ord(found.group()):04X} at position "
            f"{found.start()} (a bidi or zero-width control, which makes the text shown differ "
            "from the text sent); remove it"
        )
    return text


#: Free text sent to the API (prompts): printable characters, tabs and newlines only.
PromptText = Annotated[str, AfterValidator(_printable)]


WaitSeconds = Annotated[float, Field(ge=0, le=MAX_WAIT_SECONDS, description=ARGS["wait_seconds"])]
Resolution = Literal["480p", "720p", "1080p", "4k"]
AspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"]


class GenerateVideoInput(_Input):
    """Arguments of the ``generate_video`` tool."""

    prompt: PromptText = Field("", max_length=MAX_PROMPT_CHARS, description=ARGS["prompt"])
    from_task_id: str | None = Field(None, max_length=200, description=ARGS["from_task_id"])
    channel: ChannelChoice = Field("auto", description=ARGS["channel"])
    model: str | None = Field(None, max_length=200, description=ARGS["model"])
    priority: Priority = Field("balanced", description=ARGS["priority"])
    seconds: int | None = Field(None, ge=1, le=30, description=ARGS["seconds"])
    resolution: Resolution | None = Field(None, description=ARGS["resolution"])
    aspect_ratio: AspectRatio | None = Field(None, description=ARGS["aspect_ratio"])
    images: list[str] = Field(default_factory=list, max_length=30, description=ARGS["images"])
    image_use: Literal["frames", "references"] | None = Field(None, description=ARGS["image_use"])
    audio: bool | None = Field(None, description=ARGS["audio"])
    mode: ModeChoice = Field("auto", description=ARGS["mode"])
    negative_prompt: PromptText | None = Field(
        None, max_length=2000, description=ARGS["negative_prompt"]
    )
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description=ARGS["seed"])
    wait_seconds: WaitSeconds = 0
    force_new: bool = Field(False, description=ARGS["force_new"])
    idempotency_key: str | None = Field(None, max_length=200, description=ARGS["idempotency_key"])

    @model_validator(mode="after")
    def _prompt_or_source(self) -> GenerateVideoInput:
        if not self.prompt and not self.from_task_id:
            raise ValueError(
                "prompt is required: describe the video, or give from_task_id to re-render an "
                "earlier task"
            )
        return self


def _item_schema(schema: dict[str, Any]) -> None:
    """A batch item's fields are generate_video's: their descriptions and defaults are not
    repeated (the ``items`` argument says so), which keeps ``generate_batch``'s schema small."""
    _compact_input(schema)
    for name, prop in schema.get("properties", {}).items():
        if name not in ("seeds", "variants"):
            prop.pop("description", None)
            prop.pop("default", None)
    schema.pop("description", None)


class BatchItemInput(GenerateVideoInput):
    """One line of a batch: a ``generate_video`` input, optionally expanded over seeds."""

    model_config = ConfigDict(json_schema_extra=_item_schema)

    seeds: list[int] | None = Field(None, min_length=1, max_length=50, description=ARGS["seeds"])
    variants: int | None = Field(None, ge=1, le=50, description=ARGS["variants"])


class GenerateBatchInput(_Input):
    """Arguments of the ``generate_batch`` tool: new ``items``, or a ``resume_batch_id``."""

    resume_batch_id: str | None = Field(
        None, min_length=1, max_length=200, description=ARGS["resume_batch_id"]
    )
    items: list[BatchItemInput] = Field(
        default_factory=list, max_length=500, validate_default=True, description=ARGS["items"]
    )
    concurrency: int | None = Field(None, ge=1, le=50, description=ARGS["concurrency"])

    @field_validator("items")
    @classmethod
    def _items_or_resume(cls, items: list[BatchItemInput], info: ValidationInfo) -> Any:
        if bool(items) == bool(info.data.get("resume_batch_id")):
            raise ValueError(
                "give at least 1 item (a new batch) or resume_batch_id (a stopped batch), not both"
            )
        return items


class CheckStatusInput(_Input):
    """Arguments of the ``check_status`` tool."""

    task_id: str = Field(min_length=1, max_length=200, description=ARGS["task_id"])
    wait_seconds: WaitSeconds = 0
    download: bool = Field(True, description=ARGS["download"])


class RecommendChannelInput(_Input):
    """Arguments of the ``recommend_channel`` tool."""

    frame_to_video: bool = Field(False, description=ARGS["frame_to_video"])
    reference_images: int = Field(0, ge=0, le=30, description=ARGS["reference_images"])
    streaming_progress: bool = Field(False, description=ARGS["streaming_progress"])
    priority: Priority = Field("balanced", description=ARGS["priority"])
    resolution: Resolution | None = Field(None, description=ARGS["need_resolution"])
    seconds: int | None = Field(None, ge=1, le=30, description=ARGS["need_seconds"])
    aspect_ratio: AspectRatio | None = Field(None, description=ARGS["need_aspect_ratio"])
    audio: bool | None = Field(None, description=ARGS["need_audio"])
    count: int = Field(1, ge=1, le=100_000, description=ARGS["count"])
    scenario: Scenario | None = Field(None, description=ARGS["scenario"])


class ListTasksInput(_Input):
    """Arguments of the ``list_tasks`` tool."""

    status: TaskStatus | None = Field(None, description=ARGS["status"])
    limit: int = Field(20, ge=1, le=200, description=ARGS["limit"])


class TaskError(BaseModel):
    kind: str = Field(
        description="content_policy, invalid_request, upstream, timeout, network, ..."
    )
    message: str
    retryable: bool


class _Advised(BaseModel):
    """A result with a ``next_step``, kept as :class:`Words` too (not published): the tools
    send the agent form, the CLI shows the person form. (``next_step`` is declared by each
    subclass, where it keeps its place in the result.)"""

    _advice: Words | None = PrivateAttr(default=None)

    def advise(self, advice: Words) -> None:
        setattr(self, "next_step", advice.render("agent"))  # noqa: B010
        self._advice = advice

    def next_step_for(self, audience: Audience) -> str:
        said: str = getattr(self, "next_step")  # noqa: B009
        return said if self._advice is None else self._advice.render(audience)


class TaskView(_Advised):
    """The one result shape for every task-related tool."""

    task_id: str = Field(description="Use this id with check_status to follow the task.")
    channel: str
    model: str
    status: TaskStatus
    progress: int = Field(ge=0, le=100)
    price_usd: float
    billed: bool | None = Field(description="Paid? null until the task ends (see billing).")
    billing: str = "pending"
    video_path: str | None = None
    video_url: str | None = None
    error: TaskError | None = None
    next_step: str = Field(description="What to do now, in one sentence.")
    deduplicated: bool = False
    created_at: str
    elapsed_s: float
    eta_s: float | None = None
    prompt: str | None = None
    seed: int | None = Field(None, description="The seed sent, if any.")
    notes: list[str] = Field(
        default_factory=list,
        description="Remarks on the request, e.g. what a re-render could not carry over.",
    )
    batch_id: str | None = None


class TaskList(BaseModel):
    tasks: list[TaskView]
    spent_24h_usd: float = Field(description="Spend of possibly billed tasks in the last 24 h.")
    budget_usd: float | None = None
    tasks_omitted: int = Field(
        0, description="Older tasks left out to keep the result small: narrow with status/limit."
    )

    def summary(self, max_bytes: int = RESULT_BYTES) -> TaskList:
        """This list as a tool result an agent reads: the newest tasks whose JSON fits in
        ``max_bytes``; ``tasks_omitted`` counts the rest (each works with check_status, and the
        CLI's ``veo-tools tasks`` shows them all)."""
        kept = list(self.tasks)
        view = self
        while kept and len(view.model_dump_json().encode()) > max_bytes:
            kept.pop()
            view = self.model_copy(
                update={
                    "tasks": kept,
                    "tasks_omitted": self.tasks_omitted + len(self.tasks) - len(kept),
                }
            )
        return view


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


class BatchView(_Advised):
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
    items_omitted: int = 0

    def summary(self, max_items: int = SUMMARY_ITEMS) -> BatchView:
        """This view as a tool result an agent reads (<= 2 kB): at most ``max_items`` items and
        failed items; ``items_omitted`` says how many items are left out (each item's task_id
        works with check_status; the CLI's report file has them all)."""
        if len(self.items) <= max_items and len(self.failed) <= max_items:
            return self
        shown = self.items[:max_items]
        return self.model_copy(
            update={
                "items": shown,
                "failed": self.failed[:max_items],
                "items_omitted": self.items_omitted + len(self.items) - len(shown),
            }
        )


class BatchPlanItem(BaseModel):
    index: int
    channel: str
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
    channel: str
    model: str
    price_usd: float
    trade_off: str
    availability: AvailabilityNote | None = Field(
        None, description="Whether this model is up now (absent when not checked)."
    )


class Recommendation(BaseModel):
    channel: str
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
    channel: str
    tier: str
    protocol: str = Field("openai_videos", description="The wire protocol (adapter).")
    access_group: str | None = Field(None, description="The APIYI token group it needs.")
    price_usd: float = Field(description="USD per video at the default length and resolution.")
    price: str = Field("", description="The price rule, e.g. '$0.084/s at 720p'.")
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


class ModelsView(_Advised):
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
