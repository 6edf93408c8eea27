"""The Reverse channel's ``/v1/chat/completions``: SSE progress, the final link, non-stream."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import pytest
from httpx_sse import aconnect_sse

from veo_tools.catalog import MODELS
from veo_tools.sandbox import sample_video, still_png

FAST = "veo-3.1-fast"
FAST_FL = "veo-3.1-landscape-fast-fl"
LINK = re.compile(r"\[▶️ Watch\]\((http://sandbox\.invalid/sandbox/assets/video_\w+\.mp4)\)")
PNG_DATA_URL = "data:image/png;base64," + base64.b64encode(still_png()).decode()


def chat(content: Any = "画只猪在天上飞", model: str = FAST, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def with_images(*urls: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": "animate these frames"}]
    return parts + [{"type": "image_url", "image_url": {"url": url}} for url in urls]


async def read_stream(client: Any, body: dict[str, Any]) -> list[tuple[float, str]]:
    """(arrival time, data) of every event, in order."""
    events: list[tuple[float, str]] = []
    start = time.monotonic()
    async with aconnect_sse(client, "POST", "/v1/chat/completions", json=body) as source:
        async for event in source.aiter_sse():
            events.append((time.monotonic() - start, event.data))
    return events


def chunk_texts(events: list[tuple[float, str]]) -> list[str]:
    return [json.loads(d)["choices"][0]["delta"]["content"] for _, d in events if d != "[DONE]"]


async def test_progress_chunks_arrive_while_the_video_renders(client_for: Any) -> None:
    async with client_for(real_time=True, time_scale=0.01) as (client, sandbox):
        events = await read_stream(client, chat(stream=True))
        task = next(iter(sandbox.tasks.values()))
    assert events[0][0] < task.render_s / 2, "first chunk must come long before the render ends"
    assert events[-2][0] >= task.render_s * 0.9
    assert events[-1][1] == "[DONE]"
    texts = chunk_texts(events)
    assert texts[:4] == [f"视频生成中... {p}%\n" for p in (0, 25, 50, 75)]
    first, last = json.loads(events[0][1]), json.loads(events[-2][1])
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"]["role"] == "assistant"
    assert first["id"] == last["id"] and first["id"].startswith("chatcmpl-")
    assert last["choices"][0]["finish_reason"] == "stop"
    assert len(LINK.findall(texts[-1])) == 1


async def test_the_linked_video_is_served_once_the_stream_ends(client_for: Any) -> None:
    async with client_for(chat_progress_text="Video generating... {percent}%\n") as (client, _):
        events = await read_stream(client, chat(stream=True))
        url = LINK.findall(chunk_texts(events)[-1])[0]
        response = await client.get(url)
    assert chunk_texts(events)[1] == "Video generating... 25%\n"
    assert response.content == sample_video()


async def test_n_videos_give_n_links_and_n_billed_tasks(client_for: Any) -> None:
    async with client_for() as (client, sandbox):
        events = await read_stream(client, chat(stream=True, n=2))
        stats = sandbox.stats()
    assert len(set(LINK.findall(chunk_texts(events)[-1]))) == 2
    assert stats.create_count["reverse"] == 2
    assert stats.billed_usd["reverse"] == pytest.approx(2 * MODELS[FAST].price_usd)


async def test_non_stream_answers_one_completion_after_the_render(client_for: Any) -> None:
    async with client_for() as (client, sandbox):
        response = await client.post("/v1/chat/completions", json=chat())
        task = next(iter(sandbox.tasks.values()))
        assert sandbox.phase(task) == "completed"
    body = response.json()
    assert body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    assert LINK.findall(choice["message"]["content"])


@pytest.mark.parametrize("n", [0, 5, "2", True])
async def test_n_must_be_between_one_and_four(client_for: Any, n: Any) -> None:
    async with client_for() as (client, _):
        response = await client.post("/v1/chat/completions", json=chat(n=n))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"model": FAST},
        {"model": FAST, "messages": []},
        {"model": FAST, "messages": [{"role": "system", "content": "x"}]},
        chat(content=""),
        chat(content=[{"type": "audio", "data": "x"}]),
        chat(content=[{"type": "image_url", "image_url": {"url": PNG_DATA_URL}}]),
    ],
)
async def test_malformed_messages_are_refused(client_for: Any, body: Any) -> None:
    async with client_for() as (client, _):
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid message format"


async def test_frames_come_as_data_urls_or_https_urls(client_for: Any) -> None:
    body = chat(with_images(PNG_DATA_URL, "https://example.com/end.jpg"), model=FAST_FL)
    async with client_for() as (client, sandbox):
        response = await client.post("/v1/chat/completions", json=body)
        task = next(iter(sandbox.tasks.values()))
    assert response.status_code == 200
    assert task.image_count == 2


async def test_image_urls_can_be_refused_by_config(client_for: Any) -> None:
    body = chat(with_images("https://example.com/a.jpg"), model=FAST_FL)
    async with client_for(accept_image_urls=False) as (client, _):
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image_url"


async def test_frames_on_a_model_without_fl_are_refused(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await client.post("/v1/chat/completions", json=chat(with_images(PNG_DATA_URL)))
    assert response.json()["error"]["code"] == "model_not_support_image"


async def test_a_content_policy_block_ends_the_stream_with_a_failure_text(
    client_for: Any,
) -> None:
    async with client_for() as (client, sandbox):
        events = await read_stream(client, chat("[sandbox:content_policy] a fight", stream=True))
        billed = sandbox.stats().billed_usd["reverse"]
    final = chunk_texts(events)[-1]
    assert final.strip().startswith("生成失败: PUBLIC_ERROR_")
    assert "content policy" in final
    assert not LINK.findall(final)
    assert events[-1][1] == "[DONE]"
    assert billed == 0


async def test_a_cut_stream_ends_without_a_link_or_done(client_for: Any) -> None:
    async with client_for() as (client, sandbox):
        events = await read_stream(client, chat("[sandbox:cut_stream] a cat", stream=True))
        retry = await read_stream(client, chat("[sandbox:cut_stream] a cat", stream=True))
    assert "[DONE]" not in [data for _, data in events]
    assert not any(LINK.findall(text) for text in chunk_texts(events))
    assert retry[-1][1] == "[DONE]", "the marker fires on the first request only"
    assert sandbox.stats().create_count["reverse"] == 2
