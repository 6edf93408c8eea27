"""The tool inputs: strict pydantic models whose field descriptions are what the model reads."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from veo_tools.types.coercion import numbers_from_strings
from veo_tools.types.schema import compact_input
from veo_tools.types.vocabulary import (
    MAX_PROMPT_CHARS,
    MAX_WAIT_SECONDS,
    ChannelChoice,
    ModeChoice,
    Priority,
    Scenario,
    TaskStatus,
)
from veo_tools.wording import ARGS


class _Input(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=compact_input
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
    compact_input(schema)
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
