"""Wan3.0, Wan2.7 and HappyHorse on the DashScope protocol, as APIYI passes it through.

``POST /wan/api/v1/services/aigc/video-generation/video-synthesis`` with
``X-DashScope-Async: enable`` → ``{"output": {"task_id", "task_status": "PENDING"},
"request_id"}``; ``GET /v1/tasks/{task_id}`` → top-level ``status`` ``submitted`` →
``in_progress`` → ``completed`` (``result_url``) | ``failed`` (``error.message`` and
``fail_reason``, prefixed like ``[InvalidParameter]``), with a coarse ``progress``.
Without the header: DashScope's 403 ``AccessDenied`` "current user api does not support
synchronous calls". More than ``dashscope_max_active`` (10) tasks active on one key: 429
``Throttling``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from veo_tools.sandbox.access import check_group, key_hash
from veo_tools.sandbox.common import authenticate, guard, outcome_for, read_json_object, sandbox_of
from veo_tools.sandbox.dashscope_body import DashScopeRequest, dashscope_error, parse_dashscope
from veo_tools.sandbox.lifecycle import FAILS_AT_POLL, lifecycle_failure
from veo_tools.sandbox.replies import Reply, no_channel, openai_error, request_id
from veo_tools.sandbox.results import result_url
from veo_tools.sandbox.specs import SimModel, sim_model
from veo_tools.sandbox.state import Sandbox, SimTask

_STATUS = {
    "queued": "submitted",
    "running": "in_progress",
    "completed": "completed",
    "failed": "failed",
}


async def dashscope_create(request: Request) -> Response:
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    body = await read_json_object(request)
    spec = sim_model(body.get("model"))
    if spec is None or spec.protocol != "dashscope":
        raise Reply(no_channel(str(body.get("model") or "")))
    check_group(sandbox, request, spec)
    inp = body.get("input")
    prompt = str(inp.get("prompt") or "") if isinstance(inp, dict) else ""
    hang = await guard(sandbox, "create", spec.channel, spec, prompt, stall_now=False)
    if request.headers.get("x-dashscope-async", "").strip().lower() != "enable":
        return dashscope_error(
            403, "AccessDenied", "current user api does not support synchronous calls"
        )
    req = parse_dashscope(spec, body)
    owner = key_hash(request)
    if _active(sandbox, owner) >= sandbox.config.dashscope_max_active:
        return dashscope_error(
            429,
            "Throttling",
            f"Requests rate limit exceeded: at most {sandbox.config.dashscope_max_active} "
            "tasks may be submitted or running per key; wait for one to finish",
        )
    task = _add(sandbox, spec, req, owner, outcome_for(sandbox, "create", spec.channel, prompt))
    if hang:
        await asyncio.sleep(sandbox.config.hang_s)
    return JSONResponse(
        {"output": {"task_id": task.id, "task_status": "PENDING"}, "request_id": request_id()}
    )


def _active(sandbox: Sandbox, owner: str) -> int:
    return sum(
        task.channel == "wan"
        and task.extra.get("owner") == owner
        and sandbox.phase(task) in ("queued", "running")
        for task in sandbox.tasks.values()
    )


def _add(
    sandbox: Sandbox, spec: SimModel, req: DashScopeRequest, owner: str, outcome: str
) -> SimTask:
    return sandbox.add_task(
        spec,
        req.prompt,
        "videos",
        outcome=outcome,
        resolution=req.resolution,
        aspect_ratio=req.ratio,
        seconds=req.seconds,
        image_count=req.image_count,
        price_usd=spec.price(req.seconds, req.resolution),
        extra={
            "owner": owner,
            "seed": req.seed,
            "prompt_extend": req.prompt_extend,
            "watermark": req.watermark,
        },
    )


async def dashscope_get(request: Request) -> Response:
    """``GET /v1/tasks/{task_id}``."""
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    task = sandbox.find(request.path_params["task_id"])
    if task is not None and isinstance(task.model, SimModel):
        check_group(sandbox, request, task.model)
    await guard(sandbox, "status", "wan")
    if task is None or not isinstance(task.model, SimModel):
        return openai_error(404, "task_not_exist", code="task_not_exist")
    return JSONResponse(dashscope_view(sandbox, task, request))


def dashscope_view(sandbox: Sandbox, task: SimTask, request: Request) -> dict[str, Any]:
    phase = sandbox.phase(task)
    done = task.fraction_done(sandbox.now())
    body: dict[str, Any] = {
        "task_id": task.id,
        "model": task.model.id,
        "status": _STATUS[phase],
        "progress": 100 if phase in ("completed", "failed") else int(done * 10) * 10,
        "created_at": sandbox.unix(task.created),
        "updated_at": sandbox.unix(min(sandbox.now(), task.finish)),
        "duration": task.seconds,
        "resolution": task.resolution,
    }
    if phase == "completed":
        body["result_url"] = result_url(sandbox, request, task)
        body["finished_at"] = sandbox.unix(task.finish)
    elif phase == "failed":
        code, message = _failure(task)
        body["error"] = {"code": code, "message": message}
        body["fail_reason"] = message
        body["finished_at"] = sandbox.unix(task.finish)
    return body


def _failure(task: SimTask) -> tuple[str, str]:
    if task.outcome in FAILS_AT_POLL.values():
        return "fail_to_fetch_task", lifecycle_failure(task.outcome, task.model)
    if task.outcome == "content_policy":
        return (
            "DataInspectionFailed",
            "[DataInspectionFailed] Output data may contain inappropriate content.",
        )
    if task.outcome == "expired":
        return "Timeout", "[Timeout] The task timed out in the upstream queue; submit it again."
    return "InternalError", "[InternalError] 服务内部异常 (task_failed), please retry"
