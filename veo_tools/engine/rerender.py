"""Iterate-then-deliver: build the input that re-renders an earlier task on another model.

Pure logic: from the journal row of the source task to a ``GenerateVideoInput`` for the target
channel/model, plus notes on whatever could not carry over (an end frame on Official, 4 s on
Reverse, a seed on Reverse, images that were sent as data URLs and are not kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veo_tools.catalog import Model, get_model, pick_model
from veo_tools.engine.task_views import request_params
from veo_tools.journal.store import TaskRecord
from veo_tools.types import GenerateVideoInput

#: Fields of the source request that a re-render keeps unless overridden.
_CARRIED = ("seconds", "resolution", "aspect_ratio", "negative_prompt", "seed")


def explicit_overrides(inp: GenerateVideoInput) -> dict[str, Any]:
    """The arguments that differ from their defaults, minus those that pick the target.

    Front-ends differ in whether they pass defaults along (LangChain fills them all in), so
    "set" means "not the default", never "present in the call".
    """
    skip = {"from_task_id", "channel", "model", "wait_seconds"}
    fields = type(inp).model_fields
    return {
        name: getattr(inp, name)
        for name, info in fields.items()
        if name not in skip and getattr(inp, name) != info.get_default(call_default_factory=True)
    }


def rerender_input(
    source: TaskRecord,
    *,
    channel: str = "official",
    model: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[GenerateVideoInput, list[str]]:
    """The input that re-renders ``source`` on ``channel``/``model``, and what did not carry."""
    params = request_params(source)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    refs: list[str] = list(params.get("image_refs") or [])
    notes: list[str] = []
    if params.get("data_images"):
        notes.append(
            f"{params['data_images']} reference image(s) were data URLs, which the journal does "
            "not keep: pass them again in images to use them."
        )
    target = _target_model(channel, model, source, len(refs))
    images, image_notes = _fit_images(target, refs)
    notes += image_notes
    values: dict[str, Any] = {
        "prompt": params.get("prompt") or source.prompt,
        "channel": target.channel,
        "model": target.id,
        "images": images,
    }
    for name in _CARRIED:
        value = params.get(name)
        if value is None:
            continue
        if _fits(target, name, value):
            values[name] = value
        else:
            notes.append(f"{name}={value!r} does not carry over to {target.id}; dropped.")
    values.update(overrides)
    values.pop("from_task_id", None)
    return GenerateVideoInput.model_validate(values), notes


def _target_model(channel: str, model: str | None, source: TaskRecord, images: int) -> Model:
    if model:
        return get_model(model)
    if channel == "official":
        return pick_model("official", fast=False)
    aspect = get_model(source.model).fixed_aspect_ratio or _aspect(source)
    return pick_model("reverse", fast=False, aspect_ratio=aspect, frame_to_video=images > 0)


def _aspect(source: TaskRecord) -> str:
    value = request_params(source).get("aspect_ratio")
    return value if isinstance(value, str) else "16:9"


def _fit_images(target: Model, refs: list[str]) -> tuple[list[str], list[str]]:
    if len(refs) <= target.max_images:
        return refs, []
    kept = refs[: target.max_images]
    if target.max_images == 0:
        why = f"{target.id} takes no reference images; the frames were dropped."
    else:
        why = (
            f"{target.id} takes {target.max_images} reference image(s): kept the start frame, "
            "dropped the end frame (on Official the image guides the clip rather than pinning "
            "the first frame)."
        )
    return kept, [why]


def _fits(target: Model, name: str, value: Any) -> bool:
    if name == "seconds":
        return value in target.durations
    if name == "resolution":
        return value in target.resolutions
    if name == "aspect_ratio":
        return value in target.aspect_ratios
    return target.channel == "official"  # seed and negative_prompt
