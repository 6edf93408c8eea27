"""ReverseClient against a scripted API: async tasks, /content branching, SSE and URL extraction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from channels_support import BASE_URL, KEY, MP4, CutStream, MockApi, multipart_parts, sse

from veo_tools.channels.base import ImagePayload, StreamEvent, VideoRequest
from veo_tools.channels.reverse import ReverseClient
from veo_tools.errors import (
    DownloadError,
    InsufficientBalanceError,
    InvalidRequestError,
    SubmitOutcomeUnknownError,
    TaskFailedError,
)
from veo_tools.transport.http import ApiHttp

FL = "veo-3.1-landscape-fast-fl"
CREATED = {"id": "video_abc123", "object": "video", "created": 1762181811, "status": "queued"}
START = ImagePayload(mime="image/jpeg", data=b"\xff\xd8start", filename="start.jpg")
END = ImagePayload(mime="image/png", data=b"\x89PNGend", filename="end.png")
CDN = "https://veo-video.example.com/assets/xxx.mp4"
CHAT = "/v1/chat/completions"
EVENT_STREAM = {"content-type": "text/event-stream; charset=utf-8"}


@pytest.fixture
def client(http: ApiHttp) -> ReverseClient:
    return ReverseClient(http)


def stream_answer(body: bytes | httpx.AsyncByteStream) -> httpx.Response:
    if isinstance(body, bytes):
        return httpx.Response(200, headers=EVENT_STREAM, content=body)
    return httpx.Response(200, headers=EVENT_STREAM, stream=body)


async def collect(client: ReverseClient, request: VideoRequest) -> list[StreamEvent]:
    return [event async for event in client.stream(request)]


# -- submit -------------------------------------------------------------------------------------


async def test_text_submit_sends_only_model_and_prompt(api: MockApi, client: ReverseClient) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json={**CREATED, "model": "veo-3.1"}))
    task = await client.submit(VideoRequest(model="veo-3.1", prompt="A cute kitten playing"))
    assert api.bodies("/v1/videos") == [{"model": "veo-3.1", "prompt": "A cute kitten playing"}]
    assert (task.remote_id, task.status, task.created_at) == ("video_abc123", "queued", 1762181811)
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_frame_submit_repeats_input_reference_for_start_and_end_frames(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json=CREATED))
    await client.submit(VideoRequest(model=FL, prompt="animate", images=(START, END)))
    parts = multipart_parts(api.requests[0])
    assert [(p.name, p.filename, p.content_type) for p in parts] == [
        ("model", None, None),
        ("prompt", None, None),
        ("input_reference", "start.jpg", "image/jpeg"),
        ("input_reference", "end.png", "image/png"),
    ]
    assert [p.data for p in parts] == [FL.encode(), b"animate", START.data, END.data]


async def test_submit_never_sends_seconds_or_size(api: MockApi, client: ReverseClient) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json=CREATED))
    await client.submit(VideoRequest(model="veo-3.1-landscape", prompt="p", seconds=8))
    (body,) = api.bodies("/v1/videos")
    assert set(body) == {"model", "prompt"}


async def test_images_on_a_model_without_fl_are_refused_locally(
    api: MockApi, client: ReverseClient
) -> None:
    with pytest.raises(InvalidRequestError, match="-fl"):
        await client.submit(VideoRequest(model="veo-3.1-fast", prompt="p", images=(START,)))
    with pytest.raises(InvalidRequestError):
        await collect(client, VideoRequest(model="veo-3.1-fast", prompt="p", images=(START,)))
    assert api.requests == []


async def test_an_https_image_url_on_async_submit_is_refused_with_a_stream_hint(
    api: MockApi, client: ReverseClient
) -> None:
    image = ImagePayload(mime="image/png", url="https://example.com/frame.png")
    with pytest.raises(InvalidRequestError, match="mode='stream'"):
        await client.submit(VideoRequest(model=FL, prompt="p", images=(image,)))
    assert api.requests == []


async def test_an_official_model_is_refused_by_the_reverse_client(
    api: MockApi, client: ReverseClient
) -> None:
    with pytest.raises(InvalidRequestError, match="Official"):
        await client.submit(VideoRequest(model="veo-3.1-generate-preview", prompt="p"))


# -- get ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        {"video_url": CDN},
        {"result_url": CDN},
        {"url": CDN},
        {"result": {"url": CDN}},
        {"data": {"url": CDN}},
    ],
    ids=["video_url", "result_url", "url", "result.url", "data.url"],
)
async def test_get_finds_the_video_url_in_any_known_field(
    api: MockApi, client: ReverseClient, where: dict[str, Any]
) -> None:
    api.on(
        "GET",
        "/v1/videos/video_abc123",
        httpx.Response(200, json={**CREATED, "status": "completed", **where}),
    )
    task = await client.get("video_abc123")
    assert (task.status, task.video_url, task.progress) == ("completed", CDN, 100)


async def test_get_reads_the_documented_processing_answer(
    api: MockApi, client: ReverseClient
) -> None:
    body = {"id": "video_abc123", "object": "video", "model": "veo-3.1", "status": "processing"}
    api.on("GET", "/v1/videos/video_abc123", httpx.Response(200, json={**body, "created": 1}))
    task = await client.get("video_abc123")
    assert (task.status, task.progress, task.video_url, task.created_at) == (
        "in_progress",
        0,
        None,
        1,
    )


async def test_get_reads_a_task_wrapped_in_a_data_envelope(
    api: MockApi, client: ReverseClient
) -> None:
    wrapped = {
        "code": "success",
        "data": {"task_id": "task_1", "status": "SUCCESS", "progress": "100%"},
    }
    api.on("GET", "/v1/videos/task_1", httpx.Response(200, json=wrapped))
    task = await client.get("task_1")
    assert (task.remote_id, task.status, task.progress) == ("task_1", "completed", 100)


async def test_get_answered_with_html_says_so(api: MockApi, client: ReverseClient) -> None:
    page = "<!DOCTYPE html><html><body>console</body></html>"
    api.on(
        "GET", "/v1/videos/x", httpx.Response(200, text=page, headers={"content-type": "text/html"})
    )
    with pytest.raises(InvalidRequestError, match="HTML"):
        await client.get("x")


# -- download -----------------------------------------------------------------------------------

CONTENT = "/v1/videos/video_abc123/content"


def cdn_mp4(api: MockApi) -> None:
    api.on(
        "GET",
        "veo-video.example.com",
        httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"}),
    )


async def test_download_follows_the_url_in_content_json_without_sending_the_key(
    api: MockApi, client: ReverseClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, httpx.Response(200, json={**CREATED, "status": "completed", "url": CDN}))
    cdn_mp4(api)
    result = await client.download("video_abc123", tmp_path / "v.mp4")
    assert (result.path.read_bytes(), result.video_url) == (MP4, CDN)
    content_request, cdn_request = api.requests
    assert content_request.headers["authorization"] == f"Bearer {KEY}"
    assert "authorization" not in cdn_request.headers
    assert KEY not in str(cdn_request.headers) and KEY not in str(cdn_request.url)


async def test_download_saves_mp4_bytes_when_content_serves_the_video_itself(
    api: MockApi, client: ReverseClient, tmp_path: Path
) -> None:
    api.on(
        "GET",
        CONTENT,
        httpx.Response(200, content=MP4, headers={"content-type": "application/octet-stream"}),
    )
    result = await client.download("video_abc123", tmp_path / "v.mp4")
    assert (result.path.read_bytes(), result.video_url) == (MP4, None)
    assert len(api.requests) == 1


async def test_download_of_a_known_url_skips_content_and_sends_no_key(
    api: MockApi, client: ReverseClient, tmp_path: Path
) -> None:
    cdn_mp4(api)
    result = await client.download("video_abc123", tmp_path / "v.mp4", video_url=CDN)
    assert result.video_url == CDN
    (request,) = api.requests
    assert request.url.host == "veo-video.example.com" and "authorization" not in request.headers


async def test_download_of_a_url_on_the_api_origin_goes_through_content(
    api: MockApi, client: ReverseClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"}))
    await client.download("video_abc123", tmp_path / "v.mp4", video_url=f"{BASE_URL}{CONTENT}")
    (request,) = api.requests
    assert request.url.path == CONTENT and request.headers["authorization"] == f"Bearer {KEY}"


async def test_download_of_content_json_without_a_url_is_a_download_error(
    api: MockApi, client: ReverseClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, httpx.Response(200, json={"status": "processing"}))
    with pytest.raises(DownloadError, match="without a video URL"):
        await client.download("video_abc123", tmp_path / "v.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_download_of_an_expired_video_url_says_the_link_expired(
    api: MockApi, client: ReverseClient, tmp_path: Path
) -> None:
    api.on("GET", "veo-video.example.com", httpx.Response(403, text="AccessDenied"))
    with pytest.raises(DownloadError, match="expired"):
        await client.download("video_abc123", tmp_path / "v.mp4", video_url=CDN)


# -- stream (SSE) -------------------------------------------------------------------------------


async def test_stream_yields_progress_events_then_the_video_url(
    api: MockApi, client: ReverseClient
) -> None:
    body = sse("> 视频生成中... 进度 30%\n", "进度 80%\n", f"![video]({CDN})")
    api.on("POST", CHAT, stream_answer(body))
    events = await collect(client, VideoRequest(model="veo-3.1", prompt="画只猪在天上飞"))
    assert [(e.kind, e.progress) for e in events] == [
        ("progress", 30),
        ("progress", 80),
        ("progress", None),
        ("result", 100),
    ]
    assert events[-1].video_url == CDN and events[-1].completion_id == "chatcmpl-1"


async def test_stream_request_asks_for_sse_with_a_plain_string_message(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, stream_answer(sse(CDN)))
    await collect(client, VideoRequest(model="veo-3.1", prompt="a pig flying"))
    (request,) = api.requests
    assert json.loads(request.content) == {
        "model": "veo-3.1",
        "stream": True,
        "messages": [{"role": "user", "content": "a pig flying"}],
    }
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.extensions["timeout"]["read"] == 900.0


async def test_stream_sends_frames_as_image_url_parts_with_data_urls_and_https_urls(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, stream_answer(sse(CDN)))
    end = ImagePayload(mime="image/png", url="https://example.com/end.png")
    await collect(client, VideoRequest(model=FL, prompt="animate", images=(START, end)))
    content = json.loads(api.requests[0].content)["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "animate"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9hzdGFydA=="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/end.png"}},
    ]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (f"[▶️ 在线观看]({CDN}) | [⏬ 下载视频]({CDN})", CDN),
        (f"![video]({CDN})", CDN),
        (f"```html\n<video src='{CDN}' controls></video>\n```", CDN),
        (f'<video controls src="{CDN}?a=1&amp;b=2"></video>', f"{CDN}?a=1&b=2"),
        (f"Video URL: {CDN}.", CDN),
        ("视频URL: https://cdn.example.com/v/123.webm，请尽快下载", "https://cdn.example.com/v/123.webm"),
        (f"reference https://example.com/frame.png then ({CDN})", CDN),
        ("see https://example.com/page and https://files.example.com/assets/abc", "https://files.example.com/assets/abc"),
        ("done: https://example.com/watch?id=1", "https://example.com/watch?id=1"),
    ],
    ids=["markdown-links", "markdown-image", "video-tag", "video-tag-entities", "bare", "bare-cjk",
         "prefer-mp4", "prefer-assets", "fallback-first"],
)  # fmt: skip
async def test_stream_extracts_the_video_url_from_every_known_text_style(
    api: MockApi, client: ReverseClient, text: str, url: str
) -> None:
    api.on("POST", CHAT, stream_answer(sse("生成中 50%\n", text)))
    events = await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert events[-1].kind == "result" and events[-1].video_url == url


async def test_stream_cut_before_any_url_is_an_unknown_outcome_that_says_so(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, stream_answer(sse("进度 40%\n", done=False)))
    with pytest.raises(SubmitOutcomeUnknownError, match="no video URL was seen") as info:
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert "40%" in str(info.value)
    assert len(api.requests) == 1


async def test_stream_dropped_by_the_network_before_any_url_is_an_unknown_outcome(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, stream_answer(CutStream(sse("进度 10%\n", done=False))))
    with pytest.raises(SubmitOutcomeUnknownError, match="cut"):
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert len(api.requests) == 1


async def test_stream_cut_after_the_url_still_returns_the_video(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, stream_answer(CutStream(sse("进度 90%\n", f"[下载]({CDN})", done=False))))
    events = await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert events[-1].video_url == CDN


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("❌ 视频生成失败，请稍后重试", False),
        ("Generation failed: upstream error", False),
        ("PUBLIC_ERROR_UNSAFE_GENERATION", True),
        ("Your prompt violates our content policy.", True),
    ],
)
async def test_stream_failure_text_without_a_url_is_a_task_failure(
    api: MockApi, client: ReverseClient, text: str, policy: bool
) -> None:
    api.on("POST", CHAT, stream_answer(sse("进度 50%\n", text)))
    with pytest.raises(TaskFailedError) as info:
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert info.value.content_policy is policy


async def test_stream_that_finishes_without_a_url_is_a_task_failure(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, stream_answer(sse("进度 100%\n", "完成")))
    with pytest.raises(TaskFailedError, match="without a video URL"):
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))


async def test_stream_error_chunk_is_a_task_failure(api: MockApi, client: ReverseClient) -> None:
    body = b'data: {"error": {"message": "PUBLIC_ERROR_SEXUAL"}}\n\ndata: [DONE]\n\n'
    api.on("POST", CHAT, stream_answer(body))
    with pytest.raises(TaskFailedError) as info:
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert info.value.content_policy


async def test_stream_reads_reasoning_content_when_content_is_empty(
    api: MockApi, client: ReverseClient
) -> None:
    chunk = {"choices": [{"delta": {"content": "", "reasoning_content": f"video: {CDN}"}}]}
    body = f"data: {json.dumps(chunk)}\n\n: keep-alive\n\ndata: not-json\n\ndata: [DONE]\n\n"
    api.on("POST", CHAT, stream_answer(body.encode()))
    events = await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert events[-1].video_url == CDN


async def test_stream_answered_with_html_says_the_model_does_not_stream(
    api: MockApi, client: ReverseClient
) -> None:
    page = httpx.Response(
        200, text="<html><body>hi</body></html>", headers={"content-type": "text/html"}
    )
    api.on("POST", CHAT, page)
    with pytest.raises(InvalidRequestError, match="HTML"):
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))


async def test_stream_answered_with_a_whole_completion_is_read_as_one(
    api: MockApi, client: ReverseClient
) -> None:
    completion = {"id": "chatcmpl-9", "choices": [{"message": {"content": f"[video]({CDN})"}}]}
    api.on("POST", CHAT, httpx.Response(200, json=completion))
    events = await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert [(e.kind, e.video_url, e.completion_id) for e in events] == [
        ("result", CDN, "chatcmpl-9")
    ]


async def test_stream_error_status_is_mapped_after_reading_the_body(
    api: MockApi, client: ReverseClient
) -> None:
    api.on("POST", CHAT, httpx.Response(402, json={"error": {"message": "Insufficient balance"}}))
    with pytest.raises(InsufficientBalanceError, match="Insufficient balance"):
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))


async def test_stream_read_timeout_before_the_answer_is_never_resent(
    api: MockApi, client: ReverseClient
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api.on("POST", CHAT, timeout)
    with pytest.raises(SubmitOutcomeUnknownError):
        await collect(client, VideoRequest(model="veo-3.1", prompt="p"))
    assert len(api.requests) == 1


# -- complete (non-stream) ----------------------------------------------------------------------


async def test_complete_reads_the_url_from_the_message_content(
    api: MockApi, client: ReverseClient
) -> None:
    completion = {
        "id": "chatcmpl-2",
        "choices": [{"message": {"role": "assistant", "content": f"Video URL: {CDN}"}}],
    }
    api.on("POST", CHAT, httpx.Response(200, json=completion))
    event = await client.complete(VideoRequest(model="veo-3.1", prompt="p"))
    assert (event.kind, event.video_url, event.completion_id) == ("result", CDN, "chatcmpl-2")
    (request,) = api.requests
    assert json.loads(request.content)["stream"] is False
    assert request.extensions["timeout"]["read"] == 900.0


async def test_complete_with_failure_text_is_a_task_failure(
    api: MockApi, client: ReverseClient
) -> None:
    completion = {"choices": [{"message": {"content": "生成失败: 审核未通过"}}]}
    api.on("POST", CHAT, httpx.Response(200, json=completion))
    with pytest.raises(TaskFailedError) as info:
        await client.complete(VideoRequest(model="veo-3.1", prompt="p"))
    assert info.value.content_policy


async def test_complete_tolerates_an_sse_body(api: MockApi, client: ReverseClient) -> None:
    api.on("POST", CHAT, stream_answer(sse("进度 50%\n", f"![v]({CDN})")))
    event = await client.complete(VideoRequest(model="veo-3.1", prompt="p"))
    assert event.video_url == CDN
