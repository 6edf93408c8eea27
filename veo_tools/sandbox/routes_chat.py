"""The Reverse channel's sync endpoint, ``POST /v1/chat/completions``.

``stream: true`` sends ``chat.completion.chunk`` events with progress text spread over the render
time, then a final delta holding one ``[▶️ Watch](URL)`` markdown link per video (``n`` of them)
and ``finish_reason: "stop"``, then ``data: [DONE]``. ``stream: false`` waits the render time and
answers one ``chat.completion`` with the same final text. An Official model here gets an HTML page
with status 200, as observed on the real gateway.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from veo_tools.sandbox.common import (
    asset_url,
    authenticate,
    guard,
    outcome_for,
    read_json_object,
    route_model,
    sandbox_of,
)
from veo_tools.sandbox.replies import CHAT_ON_OFFICIAL_HTML, Reply, openai_error, random_alnum
from veo_tools.sandbox.routes_reverse import add_reverse_task, check_frames, failure_text
from veo_tools.sandbox.state import Sandbox, SimTask

MAX_N = 4
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class ChatPlan:
    """One chat request: its tasks (one per video) and where their videos will be."""

    id: str
    created: int
    model: str
    tasks: tuple[SimTask, ...]
    urls: tuple[str, ...]
    cut: bool

    @property
    def start(self) -> float:
        return self.tasks[0].created

    @property
    def finish(self) -> float:
        return max(task.finish for task in self.tasks)


async def chat_completions(request: Request) -> Response:
    sandbox = sandbox_of(request)
    authenticate(request, sandbox)
    body = await read_json_object(request)
    model = route_model(body.get("model"))
    if not model.streaming:
        sandbox.requests["chat"] += 1
        return HTMLResponse(CHAT_ON_OFFICIAL_HTML)
    prompt, references = read_messages(body)
    n = _n(body)
    stream = body.get("stream") is True
    hang = await guard(sandbox, "chat", model.channel, model, prompt, stall_now=False)
    images = check_frames(sandbox, model, list(references))
    cut = stream and sandbox.take_fault("chat", model.channel, {"cut_stream"}, prompt) is not None
    outcome = outcome_for(sandbox, "chat", model.channel, prompt)
    tasks = tuple(
        add_reverse_task(sandbox, model, prompt, "chat", len(images), outcome) for _ in range(n)
    )
    plan = ChatPlan(
        id="chatcmpl-" + random_alnum(29),
        created=sandbox.unix(),
        model=model.id,
        tasks=tasks,
        urls=tuple(asset_url(request, task.id) for task in tasks),
        cut=cut,
    )
    if hang:
        await asyncio.sleep(sandbox.config.hang_s)
    if stream:
        return StreamingResponse(
            _events(sandbox, plan), media_type="text/event-stream", headers=_SSE_HEADERS
        )
    await _sleep_until(sandbox, plan.finish)
    return JSONResponse(_completion(plan, final_text(plan)))


def _invalid_format() -> Reply:
    return Reply(openai_error(400, "Invalid message format"))


def read_messages(body: dict[str, Any]) -> tuple[str, list[str]]:
    """The prompt and image URLs of the last user message (string or array of parts)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid_format()
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise _invalid_format()
    content = users[-1].get("content")
    texts, urls = _parts(content) if isinstance(content, list) else ([content], [])
    prompt = "\n".join(t for t in texts if isinstance(t, str)).strip()
    if not prompt or not all(isinstance(t, str) for t in texts):
        raise _invalid_format()
    return prompt, urls


def _parts(content: list[Any]) -> tuple[list[Any], list[str]]:
    texts: list[Any] = []
    urls: list[str] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(part.get("text"))
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if not isinstance(url, str):
                raise _invalid_format()
            urls.append(url)
        else:
            raise _invalid_format()
    return texts, urls


def _n(body: dict[str, Any]) -> int:
    n = body.get("n", 1)
    if n is None:
        return 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise Reply(openai_error(400, f"n must be an integer from 1 to {MAX_N}, got {n!r}"))
    return n


def final_text(plan: ChatPlan) -> str:
    failed = [task for task in plan.tasks if task.outcome != "completed"]
    if failed:
        return f"\n生成失败: {failure_text(failed[0])}\n"
    links = "\n".join(f"[▶️ Watch]({url})" for url in plan.urls)
    return f"\n✅ 视频生成完成\n\n{links}\n"


async def _events(sandbox: Sandbox, plan: ChatPlan) -> AsyncIterator[str]:
    role: dict[str, str] = {"role": "assistant"}
    render_s = plan.finish - plan.start
    for percent in sorted(sandbox.config.chat_progress_steps):
        await _sleep_until(sandbox, plan.start + render_s * percent / 100)
        text = sandbox.config.chat_progress_text.format(percent=percent)
        yield _chunk(plan, {**role, "content": text}, None)
        role = {}
    if plan.cut:
        return
    await _sleep_until(sandbox, plan.finish)
    yield _chunk(plan, {**role, "content": final_text(plan)}, "stop")
    yield "data: [DONE]\n\n"


async def _sleep_until(sandbox: Sandbox, deadline: float) -> None:
    """Wait until the sandbox clock reaches ``deadline`` (a few tries, for coarse clocks)."""
    for _ in range(3):
        remaining = deadline - sandbox.now()
        if remaining <= 0:
            return
        await sandbox.config.sleep(remaining)


def _chunk(plan: ChatPlan, delta: dict[str, str], finish_reason: str | None) -> str:
    payload = {
        "id": plan.id,
        "object": "chat.completion.chunk",
        "created": plan.created,
        "model": plan.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _completion(plan: ChatPlan, text: str) -> dict[str, Any]:
    content = text.strip()
    return {
        "id": plan.id,
        "object": "chat.completion",
        "created": plan.created,
        "model": plan.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }
