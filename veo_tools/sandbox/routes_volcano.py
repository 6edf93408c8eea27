"""Seedance 2.0 / 2.5 on the Volcano Engine (Ark) tasks protocol, as APIYI relays it.

``POST /seedance/api/v3/contents/generations/tasks`` → ``{"id": "cgt-…"}``;
``GET …/tasks/{id}`` → ``queued`` → ``running`` → ``succeeded`` (``content.video_url``,
``usage.completion_tokens``) | ``failed`` (``error``) | ``expired``; no progress field.
Bad parameters are Ark's 400 ``{"error": {"code": "InvalidParameter", "message", "param",
"type": "BadRequest"}}``. Every answer of these routes is gzip-encoded unless the request sends
``Accept-Encoding: identity`` (the gateway quirk; ``SandboxConfig.volcano_gzip``).
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from veo_tools.sandbox.access import check_group
from veo_tools.sandbox.common import authenticate, guard, outcome_for, read_json_object, sandbox_of
from veo_tools.sandbox.faults import CONTENT_POLICY_TEXT, UPSTREAM_FAILURE_TEXT
from veo_tools.sandbox.lifecycle import FAILS_AT_POLL, lifecycle_failure
from veo_tools.sandbox.replies import Reply, no_channel
from veo_tools.sandbox.results import result_url
from veo_tools.sandbox.specs import SimModel, sim_model
from veo_tools.sandbox.state import Sandbox, SimTask
from veo_tools.sandbox.volcano_body import VolcanoRequest, parse_volcano

_STATUS = {"queued": "queued", "running": "running", "completed": "succeeded", "failed": "failed"}


def _encoded(request: Request, sandbox: Sandbox, response: Response) -> Response:
    """Apply the gzip label unless the client asked for ``identity``."""
    accepted = request.headers.get("accept-encoding", "").lower()
    mode = sandbox.config.volcano_gzip
    if mode == "off" or "identity" in accepted:
        return response
    body = bytes(response.body)
    if mode == "compressed":
        body = gzip.compress(body)
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=response.status_code, headers=headers)


def volcano(
    handler: Callable[[Request, Sandbox], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a route so that its answers, errors included, carry the gzip quirk."""

    async def route(request: Request) -> Response:
        sandbox = sandbox_of(request)
        try:
            response = await handler(request, sandbox)
        except Reply as reply:
            response = reply.response
        return _encoded(request, sandbox, response)

    return route


async def _create(request: Request, sandbox: Sandbox) -> Response:
    authenticate(request, sandbox)
    body = await read_json_object(request)
    spec = sim_model(body.get("model"))
    if spec is None or spec.protocol != "volcano":
        raise Reply(no_channel(str(body.get("model") or "")))
    check_group(sandbox, request, spec)
    prompt = _prompt(body)
    hang = await guard(sandbox, "create", spec.channel, spec, prompt, stall_now=False)
    req = parse_volcano(spec, body)
    task = _add(sandbox, spec, req, outcome_for(sandbox, "create", spec.channel, prompt))
    if hang:
        await asyncio.sleep(sandbox.config.hang_s)
    return JSONResponse({"id": task.id})


def _prompt(body: dict[str, Any]) -> str:
    content = body.get("content")
    if isinstance(content, list):
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text":
                return str(item.get("text") or "")
    return ""


def _add(sandbox: Sandbox, spec: SimModel, req: VolcanoRequest, outcome: str) -> SimTask:
    task = sandbox.add_task(
        spec,
        req.prompt,
        "videos",
        outcome=outcome,
        resolution=req.resolution,
        aspect_ratio=req.ratio,
        seconds=req.seconds,
        image_count=req.image_count,
        price_usd=spec.price(req.seconds, req.resolution, req.ratio),
        extra={
            "tokens": spec.tokens(req.seconds, req.resolution, req.ratio),
            "generate_audio": req.generate_audio,
            "seed": req.seed,
            "watermark": req.watermark,
            "return_last_frame": req.return_last_frame,
        },
    )
    if outcome == "expired":  # never leaves the queue: Ark gives up after its time limit
        task.render_s = sandbox.scaled(sandbox.config.volcano_expire_s)
    return task


async def _get(request: Request, sandbox: Sandbox) -> Response:
    authenticate(request, sandbox)
    task = sandbox.find(request.path_params["task_id"])
    if task is None or not isinstance(task.model, SimModel) or task.model.protocol != "volcano":
        await guard(sandbox, "status", "seedance")
        return JSONResponse(
            {
                "error": {
                    "code": "ResourceNotFound",
                    "message": "The specified task is not found.",
                    "type": "NotFound",
                }
            },
            status_code=404,
        )
    check_group(sandbox, request, task.model)
    await guard(sandbox, "status", "seedance")
    return JSONResponse(volcano_view(sandbox, task, request))


def volcano_view(sandbox: Sandbox, task: SimTask, request: Request) -> dict[str, Any]:
    phase = sandbox.phase(task)
    status = _STATUS[phase]
    if task.outcome == "expired":
        status = "expired" if phase == "failed" else "queued"
    body: dict[str, Any] = {
        "id": task.id,
        "model": task.model.id,
        "status": status,
        "created_at": sandbox.unix(task.created),
        "updated_at": sandbox.unix(min(sandbox.now(), task.finish)),
        "seed": task.extra.get("seed", -1),
        "resolution": task.resolution,
        "ratio": task.aspect_ratio,
        "duration": task.seconds,
        "framespersecond": 24,
        "generate_audio": task.extra.get("generate_audio", True),
    }
    if status == "succeeded":
        body["content"] = {"video_url": result_url(sandbox, request, task)}
        if task.extra.get("return_last_frame"):
            body["content"]["last_frame_url"] = result_url(sandbox, request, task, ".png")
        tokens = int(task.extra.get("tokens", 0))
        body["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
    elif status == "failed":
        body["error"] = _error(task)
    return body


def _error(task: SimTask) -> dict[str, str]:
    if task.outcome in FAILS_AT_POLL.values():
        message = lifecycle_failure(task.outcome, task.model)
        return {"code": "fail_to_fetch_task", "message": message}
    if task.outcome == "content_policy":
        return {"code": "OutputVideoSensitiveContentDetected", "message": CONTENT_POLICY_TEXT}
    return {"code": "InternalServiceError", "message": UPSTREAM_FAILURE_TEXT}


volcano_create = volcano(_create)
volcano_get = volcano(_get)
