"""The Reverse channel's async trio (``/v1/videos``), in the shapes of the sister-site docs.

Create answers ``{"id":"video_…","object":"video","created":…,"status":"queued","model":…}``;
status runs ``queued`` → ``processing`` → ``completed`` (with ``video_url``) | ``failed`` (with an
``error`` message); ``/content`` answers JSON with a ``url`` served by the sandbox, or the MP4.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from veo_tools.catalog import Model
from veo_tools.sandbox.common import SubmitBody, asset_url, outcome_for
from veo_tools.sandbox.faults import CONTENT_POLICY_TEXT, UPSTREAM_FAILURE_TEXT
from veo_tools.sandbox.lifecycle import FAILS_AT_POLL, lifecycle_failure
from veo_tools.sandbox.replies import Reply, openai_error, sister_error
from veo_tools.sandbox.state import Outcome, Phase, Sandbox, SimTask, Via
from veo_tools.sandbox.uploads import FilePart, ImageError, ImageIn, image_from_form
from veo_tools.sandbox.video import video_response

_STATUS: dict[Phase, str] = {
    "queued": "queued",
    "running": "processing",
    "completed": "completed",
    "failed": "failed",
}


def reverse_create(sandbox: Sandbox, model: Model, body: SubmitBody) -> SimTask:
    prompt = body.text("prompt")
    if not prompt or not prompt.strip():
        raise Reply(openai_error(400, "prompt is required", code="invalid_request"))
    images = check_frames(sandbox, model, body.references)
    outcome = outcome_for(sandbox, "create", model.channel, prompt)
    return add_reverse_task(sandbox, model, prompt, "videos", len(images), outcome)


def add_reverse_task(
    sandbox: Sandbox, model: Model, prompt: str, via: Via, image_count: int, outcome: Outcome
) -> SimTask:
    """A Reverse task: fixed duration and size, both read from the catalog entry."""
    return sandbox.add_task(
        model,
        prompt,
        via,
        outcome=outcome,
        resolution=model.resolutions[0],
        aspect_ratio=model.aspect_ratios[0],
        seconds=model.default_seconds,
        image_count=image_count,
    )


def check_frames(sandbox: Sandbox, model: Model, references: list[FilePart | str]) -> list[ImageIn]:
    """1–2 frames, only on ``-fl`` models; each a JPEG/PNG/WebP of at most 10 MB."""
    if references and model.max_images == 0:
        raise Reply(
            sister_error(400, "This model does not support image input", "model_not_support_image")
        )
    if len(references) > model.max_images:
        raise Reply(
            sister_error(
                400,
                f"Too many images: {model.id} takes at most {model.max_images} "
                f"(start frame, end frame), got {len(references)}",
                "too_many_images",
            )
        )
    try:
        return [
            image_from_form(ref, allow_urls=sandbox.config.accept_image_urls) for ref in references
        ]
    except ImageError as err:
        raise Reply(sister_error(err.status, err.message, err.code)) from None


def reverse_view(sandbox: Sandbox, task: SimTask, request: Request) -> dict[str, Any]:
    phase = sandbox.phase(task)
    body: dict[str, Any] = {
        "id": task.id,
        "object": "video",
        "model": task.model.id,
        "status": _STATUS[phase],
        "progress": 0 if phase == "queued" else int(100 * task.fraction_done(sandbox.now())),
        "created": sandbox.unix(task.created),
    }
    if sandbox.config.reverse_include_task_id:
        body["task_id"] = task.id
    if phase == "completed":
        body["prompt"] = task.prompt
        body["video_url"] = asset_url(request, task.id)
    if phase == "failed":
        code = "fail_to_fetch_task" if task.outcome in FAILS_AT_POLL.values() else "task_failed"
        body["error"] = {"message": failure_text(task), "code": code}
    return body


def failure_text(task: SimTask) -> str:
    if task.outcome in FAILS_AT_POLL.values():
        return lifecycle_failure(task.outcome, task.model)
    return CONTENT_POLICY_TEXT if task.outcome == "content_policy" else UPSTREAM_FAILURE_TEXT


def _not_found() -> Response:
    return openai_error(404, "Task not found or expired", code="task_not_exist")


def reverse_status(sandbox: Sandbox, task: SimTask | None, request: Request) -> Response:
    if task is None or not sandbox.retained(task):
        return _not_found()
    return JSONResponse(reverse_view(sandbox, task, request))


def reverse_content(
    sandbox: Sandbox, task: SimTask | None, request: Request, *, truncate: bool
) -> Response:
    if task is None or not sandbox.retained(task):
        return _not_found()
    phase = sandbox.phase(task)
    if phase != "completed":
        return openai_error(
            400, f"Video is not ready, current status: {_STATUS[phase]}", code="video_not_ready"
        )
    if sandbox.config.reverse_content_mode == "mp4":
        return video_response(sandbox.video, truncate=truncate or sandbox.take_truncation(task))
    model = task.model
    return JSONResponse(
        {
            "id": task.id,
            "object": "video",
            "created": sandbox.unix(task.created),
            "status": "completed",
            "model": model.id,
            "prompt": task.prompt,
            "url": asset_url(request, task.id),
            "duration": task.seconds,
            "resolution": model.size(task.resolution, task.aspect_ratio),
        }
    )


def serve_asset(sandbox: Sandbox, task: SimTask | None, *, truncate: bool) -> Response:
    """The video behind a Reverse URL: no key needed; 404 before completion and after expiry."""
    if (
        task is None
        or task.channel != "reverse"
        or sandbox.phase(task) != "completed"
        or not sandbox.retained(task)
    ):
        return Response("Not Found", status_code=404, media_type="text/plain")
    return video_response(sandbox.video, truncate=truncate or sandbox.take_truncation(task))
