"""OfficialClient against a scripted API: request shapes, tolerant readers, downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from channels_support import KEY, MP4, MockApi, multipart_parts

from veo_tools.channels.base import ImagePayload, VideoRequest
from veo_tools.channels.official import OfficialClient
from veo_tools.errors import (
    DownloadError,
    InvalidRequestError,
    SubmitOutcomeUnknownError,
    TaskNotFoundError,
)
from veo_tools.transport.http import ApiHttp

FAST = "veo-3.1-fast-generate-preview"
QUEUED = {
    "id": "task_abc",
    "task_id": "task_abc",
    "object": "video",
    "model": FAST,
    "status": "queued",
    "progress": 0,
    "created_at": 1775025000,
}
PNG = ImagePayload(mime="image/png", data=b"\x89PNG\r\n\x1a\nfake", filename="frame.png")


@pytest.fixture
def client(http: ApiHttp) -> OfficialClient:
    return OfficialClient(http)


def accept_submit(api: MockApi) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json=QUEUED))


def answer_status(api: MockApi, body: dict[str, Any], task_id: str = "task_abc") -> None:
    api.on("GET", f"/v1/videos/{task_id}", httpx.Response(200, json=body))


# -- submit: text to video ----------------------------------------------------------------------


async def test_text_to_video_sends_seconds_as_a_string_and_never_duration_or_generate_audio(
    api: MockApi, client: OfficialClient
) -> None:
    accept_submit(api)
    task = await client.submit(VideoRequest(model=FAST, prompt="a lighthouse", seconds=4))
    (body,) = api.bodies("/v1/videos")
    assert body["seconds"] == "4"
    assert "duration" not in body and "generateAudio" not in body
    assert "generateAudio" not in body["metadata"] and "durationSeconds" not in body["metadata"]
    assert task.remote_id == "task_abc" and task.status == "queued"


async def test_text_to_video_always_sends_the_default_seconds_when_none_is_given(
    api: MockApi, client: OfficialClient
) -> None:
    accept_submit(api)
    await client.submit(VideoRequest(model=FAST, prompt="a lighthouse"))
    (body,) = api.bodies("/v1/videos")
    assert body == {
        "model": FAST,
        "prompt": "a lighthouse",
        "seconds": "8",
        "size": "1280x720",
        "metadata": {"resolution": "720p", "aspectRatio": "16:9"},
    }


@pytest.mark.parametrize(
    ("resolution", "aspect_ratio", "size"),
    [("720p", "9:16", "720x1280"), ("1080p", "16:9", "1920x1080"), ("4k", "9:16", "2160x3840")],
)
async def test_text_to_video_derives_size_from_resolution_and_aspect_ratio(
    api: MockApi, client: OfficialClient, resolution: str, aspect_ratio: str, size: str
) -> None:
    accept_submit(api)
    request = VideoRequest(
        model=FAST, prompt="p", seconds=8, resolution=resolution, aspect_ratio=aspect_ratio
    )
    await client.submit(request)
    (body,) = api.bodies("/v1/videos")
    assert body["size"] == size
    assert body["metadata"] == {"resolution": resolution, "aspectRatio": aspect_ratio}


async def test_text_to_video_puts_seed_and_negative_prompt_in_metadata_when_set(
    api: MockApi, client: OfficialClient
) -> None:
    accept_submit(api)
    await client.submit(VideoRequest(model=FAST, prompt="p", seed=20260521, negative_prompt="blur"))
    (body,) = api.bodies("/v1/videos")
    assert body["metadata"]["seed"] == 20260521
    assert body["metadata"]["negativePrompt"] == "blur"


async def test_submit_sends_the_key_as_a_bearer_authorization_header(
    api: MockApi, client: OfficialClient
) -> None:
    accept_submit(api)
    await client.submit(VideoRequest(model=FAST, prompt="p"))
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"


# -- submit: image to video ---------------------------------------------------------------------


async def test_image_to_video_sends_one_input_reference_file_and_flattened_metadata(
    api: MockApi, client: OfficialClient
) -> None:
    accept_submit(api)
    request = VideoRequest(
        model=FAST,
        prompt="rise up",
        seconds=6,
        aspect_ratio="9:16",
        images=(PNG,),
        seed=7,
        negative_prompt="blur",
    )
    await client.submit(request)
    (sent,) = api.requests
    assert sent.headers["content-type"].startswith("multipart/form-data")
    parts = multipart_parts(sent)
    fields = {p.name: p.data.decode() for p in parts if p.filename is None}
    assert fields == {
        "model": FAST,
        "prompt": "rise up",
        "seconds": "6",
        "size": "720x1280",
        "resolution": "720p",
        "aspectRatio": "9:16",
        "seed": "7",
        "negativePrompt": "blur",
    }
    (file,) = [p for p in parts if p.filename is not None]
    assert (file.name, file.filename, file.content_type) == (
        "input_reference",
        "frame.png",
        "image/png",
    )
    assert file.data == PNG.data


async def test_image_without_extension_gets_one_from_its_mime_type(
    api: MockApi, client: OfficialClient
) -> None:
    accept_submit(api)
    image = ImagePayload(mime="image/jpeg", data=b"\xff\xd8\xff", filename="image")
    await client.submit(VideoRequest(model=FAST, prompt="p", images=(image,)))
    (file,) = [p for p in multipart_parts(api.requests[0]) if p.filename]
    assert file.filename == "image.jpg" and file.content_type == "image/jpeg"


async def test_image_url_is_refused_locally_because_official_takes_no_remote_urls(
    api: MockApi, client: OfficialClient
) -> None:
    image = ImagePayload(mime="image/png", url="https://example.com/a.png")
    with pytest.raises(InvalidRequestError, match="does not accept remote image URLs"):
        await client.submit(VideoRequest(model=FAST, prompt="p", images=(image,)))
    assert api.requests == []


@pytest.mark.parametrize(
    "request_",
    [
        VideoRequest(model="veo-3.1-fast", prompt="p"),
        VideoRequest(model=FAST, prompt="p", images=(PNG, PNG)),
        VideoRequest(model=FAST, prompt="p", seconds=4, resolution="1080p"),
        VideoRequest(model="veo-4", prompt="p"),
    ],
    ids=["reverse-model", "two-images", "1080p-needs-8s", "unknown-model"],
)
async def test_submit_refuses_requests_the_model_cannot_serve_before_sending(
    api: MockApi, client: OfficialClient, request_: VideoRequest
) -> None:
    with pytest.raises(InvalidRequestError):
        await client.submit(request_)
    assert api.requests == []


async def test_submit_read_timeout_is_never_resent_and_says_the_task_may_exist(
    api: MockApi, client: OfficialClient
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api.on("POST", "/v1/videos", timeout)
    with pytest.raises(SubmitOutcomeUnknownError, match="do not submit again"):
        await client.submit(VideoRequest(model=FAST, prompt="p"))
    assert len(api.requests) == 1


async def test_submit_answer_without_a_task_id_is_an_unknown_outcome(
    api: MockApi, client: OfficialClient
) -> None:
    api.on("POST", "/v1/videos", httpx.Response(200, json={"status": "queued"}))
    with pytest.raises(SubmitOutcomeUnknownError, match="may exist"):
        await client.submit(VideoRequest(model=FAST, prompt="p"))


# -- get: tolerant reader -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "status"),
    [
        ("queued", "queued"),
        ("pending", "queued"),
        ("submitted", "queued"),
        ("in_progress", "in_progress"),
        ("processing", "in_progress"),
        ("running", "in_progress"),
        ("unknown", "in_progress"),
        ("completed", "completed"),
        ("succeeded", "completed"),
        ("SUCCESS", "completed"),
        ("failed", "failed"),
        ("cancelled", "failed"),
        ("canceled", "failed"),
        ("error", "failed"),
    ],
)
async def test_get_normalises_every_status_spelling(
    api: MockApi, client: OfficialClient, spelling: str, status: str
) -> None:
    answer_status(api, {"id": "task_abc", "status": spelling})
    assert (await client.get("task_abc")).status == status


@pytest.mark.parametrize(
    "body",
    [{"id": "task_abc"}, {"task_id": "task_abc"}, {"id": "task_abc", "task_id": "task_abc"}, {}],
    ids=["id", "task_id", "both", "neither"],
)
async def test_get_reads_the_id_from_id_or_task_id(
    api: MockApi, client: OfficialClient, body: dict[str, Any]
) -> None:
    answer_status(api, {**body, "status": "queued"})
    assert (await client.get("task_abc")).remote_id == "task_abc"


@pytest.mark.parametrize("field", ["created_at", "created"])
async def test_get_reads_created_at_or_created(
    api: MockApi, client: OfficialClient, field: str
) -> None:
    answer_status(api, {"id": "task_abc", "status": "queued", field: 1762181811})
    assert (await client.get("task_abc")).created_at == 1762181811


@pytest.mark.parametrize(("raw", "progress"), [(50, 50), ("50%", 50), ("100", 100), (None, 0)])
async def test_get_reads_progress_as_an_int_or_a_percent_string(
    api: MockApi, client: OfficialClient, raw: object, progress: int
) -> None:
    answer_status(api, {"id": "task_abc", "status": "in_progress", "progress": raw})
    assert (await client.get("task_abc")).progress == progress


async def test_get_reports_100_percent_for_a_completed_task_without_progress(
    api: MockApi, client: OfficialClient
) -> None:
    answer_status(api, {"id": "task_abc", "status": "completed", "completed_at": 1775025090})
    task = await client.get("task_abc")
    assert (task.progress, task.completed_at) == (100, 1775025090)


async def test_get_ignores_completed_at_on_a_task_that_is_still_queued(
    api: MockApi, client: OfficialClient
) -> None:
    answer_status(api, {**QUEUED, "completed_at": 1775025090})
    task = await client.get("task_abc")
    assert (task.status, task.completed_at) == ("queued", None)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (None, None),
        ("", None),
        ("PUBLIC_ERROR_MINOR_UPLOAD", "PUBLIC_ERROR_MINOR_UPLOAD"),
        ({"message": "quota exhausted upstream", "code": "x"}, "quota exhausted upstream"),
        ({"code": "task_failed"}, "task_failed"),
    ],
    ids=["absent", "empty", "string", "object", "object-code-only"],
)
async def test_get_reads_a_failure_error_whether_absent_empty_a_string_or_an_object(
    api: MockApi, client: OfficialClient, error: object, reason: str | None
) -> None:
    body: dict[str, Any] = {"id": "task_abc", "status": "failed"}
    if error is not None:
        body["error"] = error
    answer_status(api, body)
    task = await client.get("task_abc")
    assert (task.status, task.error) == ("failed", reason)


async def test_get_never_reports_a_video_url_on_the_official_channel(
    api: MockApi, client: OfficialClient
) -> None:
    answer_status(api, {"id": "task_abc", "status": "completed", "url": "https://x.test/a.mp4"})
    assert (await client.get("task_abc")).video_url is None


async def test_get_escapes_the_task_id_so_it_cannot_change_the_path(
    api: MockApi, client: OfficialClient
) -> None:
    with pytest.raises(TaskNotFoundError):
        await client.get("../v1/other")
    assert api.requests[0].url.raw_path == b"/v1/videos/..%2Fv1%2Fother"


async def test_get_of_an_unknown_task_raises_task_not_found(
    api: MockApi, client: OfficialClient
) -> None:
    body = {"code": "task_not_exist", "message": "task_not_exist", "data": None}
    api.on("GET", "/v1/videos/task_zzz", httpx.Response(400, json=body))
    with pytest.raises(TaskNotFoundError):
        await client.get("task_zzz")


# -- download -----------------------------------------------------------------------------------

CONTENT = "/v1/videos/task_abc/content"
NOT_READY = httpx.Response(
    400, json={"error": {"message": "Task is not completed yet, current status: IN_PROGRESS"}}
)


def mp4_response() -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "video/mp4"}, content=MP4)


async def test_download_saves_the_mp4_bytes_from_content_with_auth(
    api: MockApi, client: OfficialClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, mp4_response())
    result = await client.download("task_abc", tmp_path / "v.mp4")
    assert result.path.read_bytes() == MP4 and result.video_url is None
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert list(tmp_path.iterdir()) == [tmp_path / "v.mp4"]


async def test_download_retries_the_400_that_follows_completion_with_the_injected_sleep(
    api: MockApi, client: OfficialClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, [NOT_READY, NOT_READY, mp4_response()])
    result = await client.download("task_abc", tmp_path / "v.mp4")
    assert result.path.read_bytes() == MP4
    assert api.sleeps == [4.0, 4.0]


async def test_download_race_delay_is_scaled_by_the_clients_time_scale(
    api: MockApi, http: ApiHttp, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, [NOT_READY, mp4_response()])
    await OfficialClient(http, time_scale=0.01).download("task_abc", tmp_path / "v.mp4")
    assert api.sleeps == [pytest.approx(0.04)]


async def test_download_race_delay_is_scaled_by_a_time_scale_argument(
    api: MockApi, client: OfficialClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, [NOT_READY, mp4_response()])
    await client.download("task_abc", tmp_path / "v.mp4", time_scale=0.5)
    assert api.sleeps == [pytest.approx(2.0)]


async def test_download_gives_up_after_race_retries_and_leaves_no_file(
    api: MockApi, client: OfficialClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, NOT_READY)
    with pytest.raises(DownloadError, match="still not downloadable after 2 retries"):
        await client.download("task_abc", tmp_path / "v.mp4", race_retries=2)
    assert len(api.requests) == 3 and list(tmp_path.iterdir()) == []


async def test_download_of_an_expired_task_is_not_retried(
    api: MockApi, client: OfficialClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, httpx.Response(404, json={"error": {"message": "Task not found"}}))
    with pytest.raises(TaskNotFoundError):
        await client.download("task_abc", tmp_path / "v.mp4")
    assert len(api.requests) == 1 and api.sleeps == []


async def test_download_refuses_a_json_body_served_with_status_200(
    api: MockApi, client: OfficialClient, tmp_path: Path
) -> None:
    api.on("GET", CONTENT, httpx.Response(200, json={"error": {"message": "not ready"}}))
    with pytest.raises(DownloadError, match="JSON instead of a video: not ready"):
        await client.download("task_abc", tmp_path / "v.mp4")
    assert list(tmp_path.iterdir()) == []
