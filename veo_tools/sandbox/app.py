"""The Starlette app: the ``/v1/videos`` trio routed by model or id (Veo Official, Veo Reverse,
Grok), the Seedance (Volcano) and Wan/HappyHorse (DashScope) task routes, the video URLs,
``GET /v1/models``, and the ``/_sandbox`` admin endpoints (stats, faults, lifecycle)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from veo_tools.errors import ConfigurationError
from veo_tools.sandbox.access import check_group, may_call
from veo_tools.sandbox.common import (
    SubmitBody,
    authenticate,
    channel_of_id,
    guard,
    read_json_object,
    read_submit,
    route_model,
    sandbox_of,
)
from veo_tools.sandbox.config import FaultRule, SandboxConfig
from veo_tools.sandbox.lifecycle import check_lifecycle, listed_models
from veo_tools.sandbox.replies import Reply, openai_error
from veo_tools.sandbox.results import get_result
from veo_tools.sandbox.routes_chat import chat_completions
from veo_tools.sandbox.routes_dashscope import dashscope_create, dashscope_get
from veo_tools.sandbox.routes_grok import grok_content, grok_create, grok_status, grok_view
from veo_tools.sandbox.routes_official import (
    official_content,
    official_create,
    official_status,
    official_view,
)
from veo_tools.sandbox.routes_reverse import (
    reverse_content,
    reverse_create,
    reverse_status,
    reverse_view,
    serve_asset,
)
from veo_tools.sandbox.routes_volcano import volcano_create, volcano_get
from veo_tools.sandbox.specs import SimModel, sim_model
from veo_tools.sandbox.state import Sandbox, SimTask

#: Where APIYI's pages send the models that must not go through ``/v1/videos``.
_NATIVE_PATHS = {
    "volcano": "/seedance/api/v3/contents/generations/tasks",
    "dashscope": "/wan/api/v1/services/aigc/video-generation/video-synthesis",
}
_OWNERS = {"seedance": "volcengine", "wan": "alibaba", "grok": "xai"}


async def create_video(request: Request) -> Response:
    """``POST /v1/videos``: the ``model`` field alone picks the channel."""
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    body = await read_submit(request)
    spec = sim_model(body.fields.get("model"))
    if spec is not None:
        return await _create_sim(request, sandbox, spec, body)
    model = route_model(body.fields.get("model"))
    prompt = body.text("prompt")
    hang = await guard(sandbox, "create", model.channel, model, prompt, stall_now=False)
    view: dict[str, Any]
    if model.channel == "official":
        view = official_view(sandbox, official_create(sandbox, model, body))
    else:
        view = reverse_view(sandbox, reverse_create(sandbox, model, body), request)
    if hang:
        await asyncio.sleep(sandbox.config.hang_s)
    return JSONResponse(view)


async def _create_sim(
    request: Request, sandbox: Sandbox, spec: SimModel, body: SubmitBody
) -> Response:
    """Grok on ``/v1/videos``; Seedance and Wan are refused here, pointing to their own path."""
    if spec.protocol != "openai_videos":
        return openai_error(
            400,
            f"{spec.id} is not served on /v1/videos (its fields would be dropped and billing "
            f"would be wrong): send it to {_NATIVE_PATHS[spec.protocol]}",
            code="invalid_request",
        )
    check_group(sandbox, request, spec)
    prompt = body.text("prompt")
    hang = await guard(sandbox, "create", spec.channel, spec, prompt, stall_now=False)
    view = grok_view(sandbox, grok_create(sandbox, spec, body))
    if hang:
        await asyncio.sleep(sandbox.config.hang_s)
    return JSONResponse(view)


def _grok_task(request: Request, sandbox: Sandbox) -> SimTask | None:
    """The Grok task a ``/v1/videos/{id}`` path names, after the token-group check."""
    task = sandbox.find(request.path_params["task_id"])
    if task is None or not isinstance(task.model, SimModel) or task.model.channel != "grok":
        return None
    check_group(sandbox, request, task.model)
    return task


async def get_video(request: Request) -> Response:
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    if (grok := _grok_task(request, sandbox)) is not None:
        await guard(sandbox, "status", "grok")
        return grok_status(sandbox, grok)
    task_id = request.path_params["task_id"]
    channel = channel_of_id(task_id)
    await guard(sandbox, "status", channel)
    task = sandbox.find(task_id)
    if channel == "official":
        return official_status(sandbox, task)
    return reverse_status(sandbox, task, request)


async def get_content(request: Request) -> Response:
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    if (grok := _grok_task(request, sandbox)) is not None:
        await guard(sandbox, "content", "grok")
        truncate = sandbox.take_fault("content", "grok", {"truncate"}) is not None
        return grok_content(sandbox, grok, truncate=truncate)
    task_id = request.path_params["task_id"]
    channel = channel_of_id(task_id)
    await guard(sandbox, "content", channel)
    truncate = sandbox.take_fault("content", channel, {"truncate"}) is not None
    task = sandbox.find(task_id)
    if channel == "official":
        return official_content(sandbox, task, truncate=truncate)
    return reverse_content(sandbox, task, request, truncate=truncate)


async def get_asset(request: Request) -> Response:
    """A Reverse video URL: public (no key), like the CDN URLs the real channel hands out."""
    sandbox = sandbox_of(request)
    await guard(sandbox, "asset", "reverse")
    truncate = sandbox.take_fault("asset", "reverse", {"truncate"}) is not None
    name: str = request.path_params["name"]
    task = sandbox.find(name.removesuffix(".mp4")) if name.endswith(".mp4") else None
    return serve_asset(sandbox, task, truncate=truncate)


async def list_models(request: Request) -> Response:
    """``GET /v1/models``: the ids this key can call now, in new-api's OpenAI-style list."""
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    await guard(sandbox, "models", "official")
    created = sandbox.unix()
    data = [
        {
            "id": model.id,
            "object": "model",
            "created": created,
            "owned_by": _OWNERS.get(model.channel, "vertex-ai"),
        }
        for model in listed_models(sandbox.lifecycle)
        if may_call(sandbox, request, model)
    ]
    return JSONResponse({"success": True, "object": "list", "data": data})


async def get_lifecycle(request: Request) -> Response:
    return JSONResponse({"lifecycle": sandbox_of(request).lifecycle})


async def post_lifecycle(request: Request) -> Response:
    """Set states: ``{"<model id or channel>": "<state>", ...}`` (``DELETE`` clears them all)."""
    sandbox = sandbox_of(request)
    data = await read_json_object(request)
    try:
        changes = check_lifecycle(data)
    except ConfigurationError as err:
        return openai_error(400, f"Bad lifecycle change: {err.message}")
    sandbox.lifecycle.update(changes)
    return JSONResponse({"lifecycle": sandbox.lifecycle})


async def delete_lifecycle(request: Request) -> Response:
    sandbox_of(request).lifecycle.clear()
    return JSONResponse({"lifecycle": {}})


async def get_stats(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).stats().as_dict())


async def post_faults(request: Request) -> Response:
    """Arm fault rules: a JSON list of rules, or ``{"faults": [...], "replace": bool}``."""
    sandbox = sandbox_of(request)
    data = await read_json_object_or_list(request)
    rules_data = data.get("faults", []) if isinstance(data, dict) else data
    try:
        rules = [FaultRule.from_dict(item) for item in rules_data]
    except (ConfigurationError, TypeError, ValueError, AttributeError) as err:
        return openai_error(400, f"Bad fault rule: {err}")
    if isinstance(data, dict) and data.get("replace"):
        sandbox.faults.clear()
    armed = sandbox.faults.arm(rules)
    return JSONResponse({"armed": armed, "pending": sandbox.faults.pending()})


async def get_faults(request: Request) -> Response:
    return JSONResponse({"pending": sandbox_of(request).faults.pending()})


async def delete_faults(request: Request) -> Response:
    sandbox_of(request).faults.clear()
    return JSONResponse({"pending": []})


async def read_json_object_or_list(request: Request) -> dict[str, Any] | list[Any]:
    if (await request.body()).lstrip().startswith(b"["):
        try:
            data: list[Any] = json.loads(await request.body())
        except json.JSONDecodeError:
            raise Reply(openai_error(400, "Body is not valid JSON")) from None
        return data
    return await read_json_object(request)


async def _reply(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Reply)
    return exc.response


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A fresh simulator; its state is ``app.state.sandbox`` (a :class:`Sandbox`)."""
    app = Starlette(
        routes=[
            Route("/v1/videos", create_video, methods=["POST"]),
            Route("/v1/videos/{task_id}", get_video, methods=["GET"]),
            Route("/v1/videos/{task_id}/content", get_content, methods=["GET"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route(_NATIVE_PATHS["volcano"], volcano_create, methods=["POST"]),
            Route(_NATIVE_PATHS["volcano"] + "/{task_id}", volcano_get, methods=["GET"]),
            Route(_NATIVE_PATHS["dashscope"], dashscope_create, methods=["POST"]),
            Route("/v1/tasks/{task_id}", dashscope_get, methods=["GET"]),
            Route("/sandbox/results/{name}", get_result, methods=["GET"], name="sandbox_result"),
            Route("/sandbox/assets/{name}", get_asset, methods=["GET"], name="sandbox_asset"),
            Route("/_sandbox/stats", get_stats, methods=["GET"]),
            Route("/_sandbox/faults", get_faults, methods=["GET"]),
            Route("/_sandbox/faults", post_faults, methods=["POST"]),
            Route("/_sandbox/faults", delete_faults, methods=["DELETE"]),
            Route("/_sandbox/lifecycle", get_lifecycle, methods=["GET"]),
            Route("/_sandbox/lifecycle", post_lifecycle, methods=["POST"]),
            Route("/_sandbox/lifecycle", delete_lifecycle, methods=["DELETE"]),
        ],
        exception_handlers={Reply: _reply},
    )
    app.state.sandbox = Sandbox(config)
    return app
