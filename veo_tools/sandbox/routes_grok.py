"""Grok Imagine on the OpenAI-Videos-style ``/v1/videos`` trio (APIYI's GrokOfficial relay).

Create: ``prompt``, ``seconds`` 1–15, ``size`` ``WxH`` (the base model has no 1080p: 400);
omitted fields default to 480p and 8 s, and are billed so. ``input_reference`` is taken as JSON
(an https URL, a ``data:`` URI, or ``{"url"|"image_url": …}``) or as a multipart file, since the
page does not settle it. Status: ``queued`` → ``in_progress`` → ``completed`` | ``failed``; a
moderation block ends ``completed`` with ``error.code: "moderation_blocked"``, no video, billed.
``/content``: the MP4 with the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from veo_tools.sandbox.common import SubmitBody, outcome_for
from veo_tools.sandbox.faults import UPSTREAM_FAILURE_TEXT
from veo_tools.sandbox.lifecycle import FAILS_AT_POLL, lifecycle_failure
from veo_tools.sandbox.replies import Reply, openai_error
from veo_tools.sandbox.specs import SimModel
from veo_tools.sandbox.state import Sandbox, SimTask
from veo_tools.sandbox.uploads import FilePart, ImageError, image_from_form, image_from_text
from veo_tools.sandbox.video import video_response

MODERATION_TEXT = "Generated video was blocked by the moderation system."


@dataclass(frozen=True)
class GrokRequest:
    prompt: str
    seconds: int
    resolution: str
    ratio: str
    size: str
    image_count: int


def _bad(message: str, code: str = "invalid_request") -> Reply:
    return Reply(openai_error(400, message, code=code))


def parse_grok(spec: SimModel, body: SubmitBody) -> GrokRequest:
    prompt = body.text("prompt")
    if not prompt or not prompt.strip():
        raise _bad("prompt is required")
    seconds = _seconds(spec, body.fields.get("seconds"))
    sizes = {spec.size(r, a): (r, a) for r in spec.resolutions for a in spec.ratios}
    size = body.fields.get("size") or spec.size(spec.default_resolution, "16:9")
    if size not in sizes:
        raise _bad(
            f"Unsupported size {size!r} for {spec.id}: use one of {', '.join(sizes)}",
            "invalid_size",
        )
    resolution, ratio = sizes[size]
    images = _references(body)
    return GrokRequest(prompt, seconds, resolution, ratio, str(size), images)


def _seconds(spec: SimModel, raw: object) -> int:
    if raw is None:
        return spec.default_seconds
    text = str(raw).strip() if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
    if not text.isdigit() or not spec.min_seconds <= int(text) <= spec.max_seconds:
        raise _bad(f"seconds must be an integer from {spec.min_seconds} to {spec.max_seconds}")
    return int(text)


def _references(body: SubmitBody) -> int:
    values: list[FilePart | str] = list(body.references)
    if not body.multipart and "input_reference" in body.fields:
        raw = body.fields["input_reference"]
        if isinstance(raw, dict):
            raw = raw.get("url") or raw.get("image_url")
        if not isinstance(raw, str):
            raise _bad("input_reference must be an image URL, a data: URI or a file")
        values = [raw]
    if len(values) > 1:
        raise _bad("Only one input_reference image is accepted")
    try:
        for value in values:
            if isinstance(value, str):
                image_from_text(value, allow_urls=True)
            else:
                image_from_form(value, allow_urls=True)
    except ImageError as err:
        raise Reply(openai_error(err.status, err.message, code=err.code)) from None
    return len(values)


def grok_create(sandbox: Sandbox, spec: SimModel, body: SubmitBody) -> SimTask:
    req = parse_grok(spec, body)
    outcome = outcome_for(sandbox, "create", spec.channel, req.prompt)
    if outcome == "content_policy":
        outcome = "moderation_blocked"
    return sandbox.add_task(
        spec,
        req.prompt,
        "videos",
        outcome=outcome,
        resolution=req.resolution,
        aspect_ratio=req.ratio,
        seconds=req.seconds,
        image_count=req.image_count,
        price_usd=spec.price(req.seconds, req.resolution, images=req.image_count),
        extra={"size": req.size},
    )


def grok_view(sandbox: Sandbox, task: SimTask) -> dict[str, Any]:
    phase = sandbox.phase(task)
    body: dict[str, Any] = {
        "id": task.id,
        "object": "video",
        "model": task.model.id,
        "status": "in_progress" if phase == "running" else phase,
        "progress": 100 if phase in ("completed", "failed") else int(50 * (phase == "running")),
        "created_at": sandbox.unix(task.created),
        "seconds": str(task.seconds),
        "size": task.extra.get("size", ""),
    }
    if phase == "completed":
        body["completed_at"] = sandbox.unix(task.finish)
        if task.outcome == "moderation_blocked":
            body["error"] = {"code": "moderation_blocked", "message": MODERATION_TEXT}
    elif phase == "failed":
        if task.outcome in FAILS_AT_POLL.values():
            message = lifecycle_failure(task.outcome, task.model)
            body["error"] = {"code": "fail_to_fetch_task", "message": message}
        else:
            body["error"] = {"code": "task_failed", "message": UPSTREAM_FAILURE_TEXT}
    return body


def grok_status(sandbox: Sandbox, task: SimTask) -> Response:
    if not sandbox.retained(task):
        return openai_error(404, "Task not found or expired", code="task_not_exist")
    return JSONResponse(grok_view(sandbox, task))


def grok_content(sandbox: Sandbox, task: SimTask, *, truncate: bool) -> Response:
    if not sandbox.retained(task):
        return openai_error(404, "Task not found or expired", code="task_not_exist")
    phase = sandbox.phase(task)
    if phase != "completed":
        status = "in_progress" if phase == "running" else phase
        return openai_error(
            400, f"Video is not ready, current status: {status}", code="video_not_ready"
        )
    if task.outcome == "moderation_blocked":
        return openai_error(400, f"No video: {MODERATION_TEXT} (billed)", code="moderation_blocked")
    return video_response(sandbox.video, truncate=truncate or sandbox.take_truncation(task))
