"""The Grok Imagine adapter (OpenAI Videos endpoints) against a scripted API."""

from __future__ import annotations

import httpx
from channels_support import MockApi, multipart_parts

from veo_tools.channels.base import ImagePayload, VideoRequest
from veo_tools.protocols.grok import GrokClient
from veo_tools.transport.http import ApiHttp


def request(**kw: object) -> VideoRequest:
    return VideoRequest(model="grok-imagine-video", prompt="a fox", **kw)  # type: ignore[arg-type]


async def test_size_and_seconds_are_always_sent(api: MockApi, http: ApiHttp) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json={"id": "g-1", "status": "queued"}))
    await GrokClient(http).submit(request())
    body = api.bodies("/v1/videos")[0]
    assert body == {
        "model": "grok-imagine-video",
        "prompt": "a fox",
        "seconds": "8",
        "size": "1280x720",
    }


async def test_an_image_goes_as_one_input_reference_file(api: MockApi, http: ApiHttp) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json={"id": "g-1", "status": "queued"}))
    frame = ImagePayload("image/png", data=b"\x89PNG", filename="a.png")
    await GrokClient(http).submit(request(images=(frame,), resolution="480p", seconds=3))
    parts = {p.name: p for p in multipart_parts(api.requests[0])}
    assert parts["input_reference"].data == b"\x89PNG"
    assert parts["size"].data == b"848x480" and parts["seconds"].data == b"3"


async def test_a_moderation_block_is_a_billed_failure(api: MockApi, http: ApiHttp) -> None:
    answer = {"id": "g-1", "status": "completed", "error": {"code": "moderation_blocked"}}
    api.on("GET", "/v1/videos/g-1", httpx.Response(200, json=answer))
    task = await GrokClient(http).get("g-1")
    assert task.status == "failed" and task.billed is True
    assert task.error is not None and "billed" in task.error


async def test_a_plain_completion_is_read_as_completed(api: MockApi, http: ApiHttp) -> None:
    api.on("GET", "/v1/videos/g-1", httpx.Response(200, json={"id": "g-1", "status": "completed"}))
    task = await GrokClient(http).get("g-1")
    assert task.status == "completed" and task.billed is None
