"""The DashScope adapter (Wan, HappyHorse) against a scripted API: every documented status,
error and quirk."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from channels_support import MP4, MockApi

from veo_tools.catalog import ENDPOINT_DASHSCOPE
from veo_tools.channels.base import ImagePayload, VideoRequest
from veo_tools.errors import InvalidRequestError
from veo_tools.protocols.dashscope import DashScopeClient
from veo_tools.transport.http import ApiHttp

POLL = "/v1/tasks/t-9"


def request(model: str = "wan2.7-t2v", **kw: object) -> VideoRequest:
    return VideoRequest(model=model, prompt="a lantern festival", **kw)  # type: ignore[arg-type]


async def test_the_create_is_async_with_uppercase_resolution_and_an_integer_duration(
    api: MockApi, http: ApiHttp
) -> None:
    created = {"output": {"task_id": "t-9", "task_status": "PENDING"}, "request_id": "r"}
    api.on("POST", ENDPOINT_DASHSCOPE, httpx.Response(200, json=created))
    task = await DashScopeClient(http).submit(
        request(seconds=12, resolution="1080p", negative_prompt="blur", seed=7)
    )
    assert (task.remote_id, task.status) == ("t-9", "queued")
    assert api.requests[0].headers["x-dashscope-async"] == "enable"
    body = api.bodies(ENDPOINT_DASHSCOPE)[0]
    assert body["input"] == {"prompt": "a lantern festival", "negative_prompt": "blur"}
    params = body["parameters"]
    assert params["resolution"] == "1080P" and params["duration"] == 12
    assert isinstance(params["duration"], int) and params["seed"] == 7


async def test_https_frames_go_as_media_with_their_type(api: MockApi, http: ApiHttp) -> None:
    api.on("POST", ENDPOINT_DASHSCOPE, httpx.Response(200, json={"output": {"task_id": "t-9"}}))
    frames = (
        ImagePayload(None, url="https://img.example/a.png"),
        ImagePayload(None, url="https://img.example/b.png"),
    )
    await DashScopeClient(http).submit(request("wan3.0-video", images=frames))
    media = api.bodies(ENDPOINT_DASHSCOPE)[0]["input"]["media"]
    assert media == [
        {"type": "first_frame", "url": "https://img.example/a.png"},
        {"type": "last_frame", "url": "https://img.example/b.png"},
    ]


async def test_a_local_image_is_refused_with_the_next_step_before_sending(
    api: MockApi, http: ApiHttp
) -> None:
    local = ImagePayload("image/png", data=b"\x89PNG", filename="a.png")
    with pytest.raises(InvalidRequestError, match="public https URLs only") as caught:
        await DashScopeClient(http).submit(request("wan2.7-i2v", images=(local,)))
    assert "doubao-seedance" in caught.value.message
    assert api.requests == []


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("submitted", "queued"),
        ("in_progress", "in_progress"),
        ("completed", "completed"),
        ("failed", "failed"),
        ("PENDING", "queued"),
        ("RUNNING", "in_progress"),
        ("SUCCEEDED", "completed"),
        ("FAILED", "failed"),
    ],
)
async def test_every_documented_status_is_read(
    api: MockApi, http: ApiHttp, said: str, status: str
) -> None:
    api.on("GET", POLL, httpx.Response(200, json={"task_id": "t-9", "status": said}))
    assert (await DashScopeClient(http).get("t-9")).status == status


async def test_a_result_url_and_a_coarse_progress_are_read(api: MockApi, http: ApiHttp) -> None:
    answer = {"task_id": "t-9", "status": "completed", "result_url": "https://oss.example/v.mp4"}
    api.on("GET", POLL, httpx.Response(200, json=answer))
    task = await DashScopeClient(http).get("t-9")
    assert task.video_url == "https://oss.example/v.mp4" and task.progress == 100
    api.on("GET", POLL, httpx.Response(200, json={"status": "in_progress", "progress": "40%"}))
    assert (await DashScopeClient(http).get("t-9")).progress == 40


async def test_an_execution_error_keeps_its_prefix_and_is_not_billed(
    api: MockApi, http: ApiHttp
) -> None:
    answer = {
        "task_id": "t-9",
        "status": "failed",
        "error": {"message": "[InvalidParameter] duration out of range"},
    }
    api.on("GET", POLL, httpx.Response(200, json=answer))
    task = await DashScopeClient(http).get("t-9")
    assert task.error == "[InvalidParameter] duration out of range" and task.billed is False
    api.on("GET", POLL, httpx.Response(200, json={"status": "failed", "fail_reason": "oops"}))
    assert (await DashScopeClient(http).get("t-9")).error == "oops"


async def test_the_result_is_fetched_without_the_key(
    api: MockApi, http: ApiHttp, tmp_path: Path
) -> None:
    api.on("GET", "oss.example", httpx.Response(200, content=MP4))
    dest = tmp_path / "v.mp4"
    await DashScopeClient(http).download("t-9", dest, video_url="https://oss.example/v.mp4")
    assert dest.read_bytes() == MP4
    assert "authorization" not in api.requests[-1].headers
