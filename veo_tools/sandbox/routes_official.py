"""The Official channel (Google AI Studio passthrough): validation, task object, ``/content``.

Validation runs in the order of the spec's §7 checklist, and the texts are the ones APIYI's docs
quote (``parse_request_failed: …``, ``INVALID_ARGUMENT: Resolution 1080p requires …``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from veo_tools.catalog import Model
from veo_tools.sandbox.common import SubmitBody, outcome_for
from veo_tools.sandbox.config import SandboxConfig
from veo_tools.sandbox.faults import CONTENT_POLICY_TEXT, UPSTREAM_FAILURE_TEXT
from veo_tools.sandbox.lifecycle import FAILS_AT_POLL, lifecycle_failure
from veo_tools.sandbox.replies import Reply, openai_error, task_error
from veo_tools.sandbox.state import Phase, Sandbox, SimTask
from veo_tools.sandbox.uploads import ImageError, image_from_form
from veo_tools.sandbox.video import video_response

_AUDIO_FIELDS = ("generateAudio", "generate_audio")
#: new-api's database spelling of a task state, as ``/content`` reports it.
_DB_STATUS: dict[Phase, str] = {
    "queued": "QUEUED",
    "running": "IN_PROGRESS",
    "completed": "IN_PROGRESS",  # only seen inside the post-completion race window
    "failed": "FAILURE",
}


@dataclass(frozen=True)
class OfficialRequest:
    prompt: str
    seconds: int
    resolution: str
    aspect_ratio: str
    image_count: int


def official_create(sandbox: Sandbox, model: Model, body: SubmitBody) -> SimTask:
    """Validate a submit and record its task (faults may make it end ``failed``)."""
    req = parse_official(sandbox.config, model, body)
    return sandbox.add_task(
        model,
        req.prompt,
        "videos",
        outcome=outcome_for(sandbox, "create", model.channel, req.prompt),
        resolution=req.resolution,
        aspect_ratio=req.aspect_ratio,
        seconds=req.seconds,
        image_count=req.image_count,
    )


def parse_official(config: SandboxConfig, model: Model, body: SubmitBody) -> OfficialRequest:
    prompt = body.text("prompt")
    if not prompt or not prompt.strip():
        raise _invalid(config, "prompt is required", "invalid_request")
    seconds = _seconds(config, model, body)
    resolution, aspect_ratio = _resolution_and_aspect(config, model, body)
    if resolution in model.resolutions_need_8s and seconds != 8:
        raise _invalid(
            config,
            f"INVALID_ARGUMENT: Resolution {resolution} requires duration seconds to be 8 "
            f"seconds, but got {seconds}",
        )
    _reject_generate_audio(config, body)
    image_count = _check_image(config, body)
    return OfficialRequest(prompt, seconds, resolution, aspect_ratio, image_count)


def _invalid(
    config: SandboxConfig, message: str, code: str = "INVALID_ARGUMENT", status: int = 400
) -> Reply:
    if config.validation_error_shape == "task_error":
        return Reply(task_error(status, message, code))
    return Reply(openai_error(status, message, code=code))


def _metadata(body: SubmitBody) -> dict[str, Any]:
    """``metadata`` in JSON; in multipart its fields are flattened into the form."""
    if body.multipart:
        return body.fields
    metadata = body.fields.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _seconds(config: SandboxConfig, model: Model, body: SubmitBody) -> int:
    """``metadata.durationSeconds`` > ``seconds`` (a string!) > the default; ``duration`` is
    ignored."""
    allowed = ", ".join(f'"{d}"' for d in model.durations)
    override = None if body.multipart else _metadata(body).get("durationSeconds")
    if override is not None:
        if type(override) is int and override in model.durations:
            return override
        raise _invalid(config, f"INVALID_ARGUMENT: durationSeconds must be one of {allowed}")
    raw = body.fields.get("seconds")
    if raw is None:
        return config.official_default_seconds
    if not isinstance(raw, str):
        raise _invalid(
            config,
            "parse_request_failed: cannot unmarshal number into Go struct field "
            "TaskSubmitReq.duration of type string",
            "parse_request_failed",
        )
    if raw.strip() not in {str(d) for d in model.durations}:
        raise _invalid(
            config, f'INVALID_ARGUMENT: Unsupported seconds "{raw}": use one of {allowed}'
        )
    return int(raw)


def _resolution_and_aspect(
    config: SandboxConfig, model: Model, body: SubmitBody
) -> tuple[str, str]:
    """Resolution: ``metadata.resolution`` > ``size`` > 720p; aspect: explicit > size > 16:9."""
    sizes = {model.size(r, a): (r, a) for r in model.resolutions for a in model.aspect_ratios}
    metadata = _metadata(body)
    size = body.text("size")
    from_size = sizes.get(size.strip().lower()) if size else None
    if size and from_size is None:
        raise _invalid(
            config, f"INVALID_ARGUMENT: Unsupported size {size!r}: use one of {', '.join(sizes)}"
        )
    resolution = _choice(config, "resolution", metadata.get("resolution"), model.resolutions)
    aspect = _choice(config, "aspectRatio", metadata.get("aspectRatio"), model.aspect_ratios)
    return (
        resolution or (from_size[0] if from_size else model.resolutions[0]),
        aspect or (from_size[1] if from_size else model.aspect_ratios[0]),
    )


def _choice(
    config: SandboxConfig, name: str, value: object, allowed: tuple[str, ...]
) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in allowed:
        return value.strip().lower()
    raise _invalid(
        config, f"INVALID_ARGUMENT: Unsupported {name} {value!r}: use one of {', '.join(allowed)}"
    )


def _reject_generate_audio(config: SandboxConfig, body: SubmitBody) -> None:
    for where in (body.fields, _metadata(body)):
        if any(name in where for name in _AUDIO_FIELDS):
            raise _invalid(
                config,
                "INVALID_ARGUMENT: generateAudio isn't supported by this model. Audio is always "
                "generated; describe it in the prompt instead.",
            )


def _check_image(config: SandboxConfig, body: SubmitBody) -> int:
    """Only the first ``input_reference`` counts; it must be an uploaded (or Base64) image."""
    if not body.multipart:
        if "input_reference" not in body.fields:
            return 0
        value = body.fields["input_reference"]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            raise _invalid(config, "Remote URLs are not accepted for input_reference")
        raise _invalid(config, "input_reference must be sent as a multipart/form-data file field")
    if not body.references:
        return 0
    try:
        image_from_form(body.references[0], allow_urls=False)
    except ImageError as err:
        raise _invalid(config, err.message, err.code, err.status) from None
    return 1


def official_view(sandbox: Sandbox, task: SimTask) -> dict[str, Any]:
    """The task object: ``id`` = ``task_id``, progress 0/50/100, ``completed_at`` when done."""
    phase = sandbox.phase(task)
    running = sandbox.config.official_status_spelling
    body: dict[str, Any] = {
        "id": task.id,
        "task_id": task.id,
        "object": "video",
        "model": task.model.id,
        "status": running if phase == "running" else phase,
        "progress": {"queued": 0, "running": 50}.get(phase, 100),
        "created_at": sandbox.unix(task.created),
    }
    if phase == "completed":
        body["completed_at"] = sandbox.unix(task.finish)
    if phase == "failed" and task.outcome in FAILS_AT_POLL.values():
        # The gateway's own failure when it cannot fetch the task upstream: always a reason.
        message = lifecycle_failure(task.outcome, task.model)
        body["error"] = {"message": message, "code": "fail_to_fetch_task"}
    elif phase == "failed" and sandbox.config.official_failure_error != "absent":
        body["error"] = _failure_error(sandbox.config, task)
    return body


def _failure_error(config: SandboxConfig, task: SimTask) -> str | dict[str, str]:
    if config.official_failure_error == "empty":
        return ""
    if task.outcome == "content_policy":
        return {"message": CONTENT_POLICY_TEXT, "code": "content_policy_violation"}
    return {"message": UPSTREAM_FAILURE_TEXT, "code": "task_failed"}


def official_status(sandbox: Sandbox, task: SimTask | None) -> Response:
    if task is None:
        return task_error(400, "task_not_exist", "task_not_exist")
    return JSONResponse(official_view(sandbox, task))


def official_content(sandbox: Sandbox, task: SimTask | None, *, truncate: bool) -> Response:
    """MP4 bytes; 400 until completed (and through the race window); 404 once expired."""
    if task is None or (sandbox.phase(task) == "completed" and not sandbox.retained(task)):
        return openai_error(404, "Task not found")
    if not sandbox.content_ready(task):
        status = _DB_STATUS[sandbox.phase(task)]
        return openai_error(400, f"Task is not completed yet, current status: {status}")
    truncate = truncate or sandbox.take_truncation(task)
    return video_response(sandbox.video, truncate=truncate)
