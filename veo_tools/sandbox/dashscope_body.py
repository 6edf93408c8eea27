"""Checking a Wan / HappyHorse create body the way the DashScope upstream does.

Rules (APIYI's Wan3.0 reference and overview pages, the HappyHorse overview): ``input.prompt``
(required unless a first frame is given), ``input.negative_prompt`` at most 500 characters,
``input.media`` ``[{type, url}]`` with types the model takes and **public https** urls only;
Wan3.0 does not mix frames with references; ``parameters.resolution`` uppercase (``720P``,
``1080P``; Wan3.0 also ``480P``); ``parameters.duration`` an integer (Wan2.7 2–15, Wan3.0 2–30).
Errors are DashScope's ``{"request_id", "code": "InvalidParameter", "message"}`` with 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from veo_tools.sandbox.replies import Reply, request_id
from veo_tools.sandbox.specs import SimModel

MAX_NEGATIVE_PROMPT = 500
_FRAMES = ("first_frame", "last_frame")
_MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class DashScopeRequest:
    prompt: str
    resolution: str
    ratio: str
    seconds: int
    image_count: int
    seed: int | None
    prompt_extend: bool
    watermark: bool


def dashscope_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"request_id": request_id(), "code": code, "message": message}, status_code=status
    )


def invalid(message: str) -> Reply:
    return Reply(dashscope_error(400, "InvalidParameter", message))


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name, {})
    if not isinstance(value, dict):
        raise invalid(f"Field required: {name} must be an object")
    return value


def parse_dashscope(spec: SimModel, body: dict[str, Any]) -> DashScopeRequest:
    inp, params = _object(body, "input"), _object(body, "parameters")
    types = _media(spec, inp.get("media", []))
    prompt = inp.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        if "first_frame" not in types:
            raise invalid("Field required: input.prompt")
        prompt = ""
    negative = inp.get("negative_prompt", "")
    if not isinstance(negative, str) or len(negative) > MAX_NEGATIVE_PROMPT:
        raise invalid(f"input.negative_prompt must be a string of at most {MAX_NEGATIVE_PROMPT}")
    return DashScopeRequest(
        prompt=prompt,
        resolution=_resolution(spec, params.get("resolution", spec.default_resolution)),
        ratio=_ratio(spec, params.get("ratio", "16:9")),
        seconds=_duration(spec, params.get("duration", spec.default_seconds)),
        image_count=sum(t in ("first_frame", "last_frame", "reference_image") for t in types),
        seed=_seed(params.get("seed")),
        prompt_extend=_flag(params, "prompt_extend", True),
        watermark=_flag(params, "watermark", False),
    )


def _media(spec: SimModel, media: object) -> list[str]:
    if not isinstance(media, list):
        raise invalid("input.media must be an array of {type, url}")
    types: list[str] = []
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        url = item.get("url") if isinstance(item, dict) else None
        if kind not in spec.media_types:
            allowed = ", ".join(spec.media_types) or "none (text only)"
            raise invalid(f"input.media type {kind!r} is not supported by {spec.id}: {allowed}")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise invalid(
                "url error, please check url! input.media url must be a public https URL "
                "(local files, data: URIs and http:// are not accepted)"
            )
        types.append(str(kind))
    _check_combination(spec, types)
    return types


def _check_combination(spec: SimModel, types: list[str]) -> None:
    frames = [t for t in types if t in _FRAMES]
    references = [t for t in types if t.startswith("reference_")]
    if frames and references:
        raise invalid("first_frame / last_frame cannot be mixed with reference media")
    if types.count("first_frame") > 1 or types.count("last_frame") > 1:
        raise invalid("at most one first_frame and one last_frame")
    if "last_frame" in types and "first_frame" not in types:
        raise invalid("a last_frame needs a first_frame")
    if references and len(references) > spec.max_images:
        raise invalid(f"{spec.id} takes at most {spec.max_images} reference media")
    if spec.id.endswith("-i2v") and "first_frame" not in types:
        raise invalid(f"{spec.id} needs a first_frame in input.media")
    if spec.id.endswith("-r2v") and "reference_image" not in types:
        raise invalid(f"{spec.id} needs at least one reference_image in input.media")


def _resolution(spec: SimModel, value: object) -> str:
    if value in spec.resolutions:
        return str(value)
    hint = " (uppercase, e.g. 720P)" if isinstance(value, str) and value.upper() != value else ""
    raise invalid(
        f"parameters.resolution {value!r} is not supported by {spec.id}{hint}; use one of "
        f"{', '.join(spec.resolutions)}"
    )


def _ratio(spec: SimModel, value: object) -> str:
    if value in spec.ratios:
        return str(value)
    raise invalid(f"parameters.ratio {value!r}: use one of {', '.join(spec.ratios)}")


def _duration(spec: SimModel, value: object) -> int:
    if type(value) is not int:
        raise invalid('parameters.duration must be an integer (5, not "5")')
    if not spec.min_seconds <= value <= spec.max_seconds:
        raise invalid(
            f"parameters.duration {value} is out of range for {spec.id} "
            f"({spec.min_seconds}-{spec.max_seconds})"
        )
    return value


def _seed(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= _MAX_SEED:
        raise invalid(f"parameters.seed must be an integer in [0, {_MAX_SEED}]")
    return value


def _flag(params: dict[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise invalid(f"parameters.{name} must be true or false")
    return value
