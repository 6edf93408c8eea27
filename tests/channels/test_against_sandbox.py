"""Both channel clients end to end against the sandbox app (in-process, streamed, no network).

The sandbox runs on a fake clock; the clients' injected sleep advances the same clock, so every
render, race window and stream finishes instantly in real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from veo_tools.channels.base import ImagePayload, RemoteTask, VideoRequest
from veo_tools.channels.official import OfficialClient
from veo_tools.channels.reverse import ReverseClient
from veo_tools.errors import (
    InvalidRequestError,
    SubmitOutcomeUnknownError,
    TaskFailedError,
)
from veo_tools.sandbox import (
    Sandbox,
    SandboxConfig,
    StreamingASGITransport,
    create_app,
    end_frame_jpg,
    still_png,
)
from veo_tools.settings import SANDBOX_API_KEY, SANDBOX_BASE_URL
from veo_tools.transport.http import ApiHttp

FAST = "veo-3.1-fast-generate-preview"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


Connect = Callable[..., AbstractAsyncContextManager[tuple[ApiHttp, Sandbox]]]


@pytest.fixture
def connect(clock: Clock) -> Connect:
    @asynccontextmanager
    async def factory(
        http_args: dict[str, Any] | None = None, **config: Any
    ) -> AsyncIterator[tuple[ApiHttp, Sandbox]]:
        app = create_app(SandboxConfig(clock=clock, sleep=clock.sleep, **config))
        http = ApiHttp(
            SANDBOX_BASE_URL,
            SecretStr(SANDBOX_API_KEY),
            transport=StreamingASGITransport(app),
            sleep=clock.sleep,
            **(http_args or {}),
        )
        async with http:
            yield http, app.state.sandbox

    return factory


async def finish(
    client: OfficialClient | ReverseClient, task: RemoteTask, clock: Clock
) -> RemoteTask:
    for _ in range(200):
        task = await client.get(task.remote_id)
        if task.status in ("completed", "failed"):
            return task
        await clock.sleep(5)
    raise AssertionError(f"task {task.remote_id} never finished")


def png() -> ImagePayload:
    return ImagePayload(mime="image/png", data=still_png(), filename="still.png")


def jpg() -> ImagePayload:
    return ImagePayload(mime="image/jpeg", data=end_frame_jpg(), filename="end.jpg")


# -- Official -----------------------------------------------------------------------------------


async def test_official_text_task_goes_from_submit_to_a_saved_mp4(
    connect: Connect, clock: Clock, tmp_path: Path
) -> None:
    async with connect() as (http, sandbox):
        client = OfficialClient(http)
        task = await client.submit(VideoRequest(model=FAST, prompt="a lighthouse", seconds=4))
        assert task.status == "queued" and task.remote_id.startswith("task_")
        done = await finish(client, task, clock)
        assert (done.status, done.progress) == ("completed", 100)
        result = await client.download(task.remote_id, tmp_path / "v.mp4")
    assert result.path.read_bytes() == sandbox.video and result.video_url is None
    assert list(tmp_path.iterdir()) == [tmp_path / "v.mp4"]


async def test_official_image_to_video_multipart_is_accepted(
    connect: Connect, clock: Clock, tmp_path: Path
) -> None:
    async with connect() as (http, _):
        client = OfficialClient(http)
        request = VideoRequest(model=FAST, prompt="rise", aspect_ratio="9:16", images=(png(),))
        task = await client.submit(request)
        assert (await finish(client, task, clock)).status == "completed"
        await client.download(task.remote_id, tmp_path / "v.mp4")


async def test_official_download_rides_out_the_content_race_after_completion(
    connect: Connect, clock: Clock, tmp_path: Path
) -> None:
    async with connect(content_race_s=6.0, official_status_spelling="processing") as (
        http,
        sandbox,
    ):
        client = OfficialClient(http)
        task = await client.submit(VideoRequest(model=FAST, prompt="p"))
        await finish(client, task, clock)
        result = await client.download(task.remote_id, tmp_path / "v.mp4")
        assert sandbox.requests["content"] >= 2  # at least one 400 was ridden out
    assert result.path.read_bytes() == sandbox.video


async def test_official_create_that_hangs_is_reported_once_and_not_resent(
    connect: Connect,
) -> None:
    async with connect(hang_s=5.0, http_args={"read_timeout": 0.05}) as (http, sandbox):
        with pytest.raises(SubmitOutcomeUnknownError, match="do not submit again"):
            await OfficialClient(http).submit(VideoRequest(model=FAST, prompt="p [sandbox:hang]"))
        assert sandbox.requests["create"] == 1 and len(sandbox.tasks) == 1


async def test_rate_limited_create_is_retried_with_the_injected_sleep(
    connect: Connect, clock: Clock
) -> None:
    async with connect() as (http, sandbox):
        task = await OfficialClient(http).submit(VideoRequest(model=FAST, prompt="p [sandbox:429]"))
        assert task.status == "queued"
        assert sandbox.requests["create"] == 2 and len(sandbox.tasks) == 1


# -- Reverse async ------------------------------------------------------------------------------


async def test_reverse_task_downloads_through_the_url_in_content_json(
    connect: Connect, clock: Clock, tmp_path: Path
) -> None:
    async with connect() as (http, sandbox):
        client = ReverseClient(http)
        task = await client.submit(VideoRequest(model="veo-3.1-fast", prompt="a kitten"))
        done = await finish(client, task, clock)
        assert done.status == "completed" and done.video_url
        result = await client.download(task.remote_id, tmp_path / "v.mp4")
    assert result.path.read_bytes() == sandbox.video and result.video_url


async def test_reverse_task_downloads_mp4_bytes_when_content_serves_them(
    connect: Connect, clock: Clock, tmp_path: Path
) -> None:
    async with connect(reverse_content_mode="mp4") as (http, sandbox):
        client = ReverseClient(http)
        task = await client.submit(VideoRequest(model="veo-3.1-landscape", prompt="a kitten"))
        await finish(client, task, clock)
        result = await client.download(task.remote_id, tmp_path / "v.mp4")
    assert result.path.read_bytes() == sandbox.video and result.video_url is None


async def test_reverse_frame_to_video_uploads_start_and_end_frames(
    connect: Connect, clock: Clock, tmp_path: Path
) -> None:
    async with connect() as (http, sandbox):
        client = ReverseClient(http)
        request = VideoRequest(model="veo-3.1-landscape-fast-fl", prompt="p", images=(png(), jpg()))
        task = await client.submit(request)
        assert (await finish(client, task, clock)).status == "completed"
        assert next(iter(sandbox.tasks.values())).image_count == 2


async def test_reverse_failed_task_reports_the_content_policy_reason(
    connect: Connect, clock: Clock
) -> None:
    async with connect() as (http, _):
        client = ReverseClient(http)
        task = await client.submit(
            VideoRequest(model="veo-3.1", prompt="x [sandbox:content_policy]")
        )
        done = await finish(client, task, clock)
    assert done.status == "failed" and done.error


# -- Reverse chat -------------------------------------------------------------------------------


async def test_reverse_stream_reports_progress_then_a_url_that_downloads_without_the_key(
    connect: Connect, tmp_path: Path
) -> None:
    async with connect() as (http, sandbox):
        events = [
            e
            async for e in ReverseClient(http).stream(
                VideoRequest(model="veo-3.1-fast", prompt="p")
            )
        ]
        progress = [e.progress for e in events if e.kind == "progress" and e.progress is not None]
        assert progress == sorted(progress) and len(progress) >= 2
        result = events[-1]
        assert result.kind == "result" and result.video_url
        await http.download_to(result.video_url, tmp_path / "v.mp4", api=False)
    assert (tmp_path / "v.mp4").read_bytes() == sandbox.video


async def test_reverse_stream_with_frames_sends_image_url_parts(connect: Connect) -> None:
    async with connect() as (http, _):
        request = VideoRequest(model="veo-3.1-fast-fl", prompt="p", images=(png(), jpg()))
        events = [e async for e in ReverseClient(http).stream(request)]
    assert events[-1].video_url


async def test_reverse_complete_returns_the_url_without_streaming(connect: Connect) -> None:
    async with connect() as (http, _):
        event = await ReverseClient(http).complete(VideoRequest(model="veo-3.1", prompt="p"))
    assert event.kind == "result" and event.video_url and event.completion_id


async def test_reverse_stream_cut_by_the_server_is_an_unknown_outcome(connect: Connect) -> None:
    async with connect() as (http, _):
        with pytest.raises(SubmitOutcomeUnknownError, match="no video URL was seen"):
            request = VideoRequest(model="veo-3.1", prompt="p [sandbox:cut_stream]")
            [e async for e in ReverseClient(http).stream(request)]


async def test_reverse_stream_content_policy_failure_is_flagged(connect: Connect) -> None:
    async with connect() as (http, _):
        request = VideoRequest(model="veo-3.1", prompt="p [sandbox:content_policy]")
        with pytest.raises(TaskFailedError) as info:
            [e async for e in ReverseClient(http).stream(request)]
    assert info.value.content_policy


async def test_chat_with_an_official_model_answers_html_and_says_so(connect: Connect) -> None:
    async with connect() as (http, _):
        client = ReverseClient(http)
        # The client refuses Official models itself; the raw endpoint shows why.
        with pytest.raises(InvalidRequestError, match="Official"):
            await client.complete(VideoRequest(model=FAST, prompt="p"))
        async with http.stream(
            "POST", "/v1/chat/completions", json={"model": FAST, "messages": []}
        ) as answer:
            assert "text/html" in answer.headers["content-type"]
