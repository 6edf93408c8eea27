"""The Official channel: validation texts, the task lifecycle, and ``/content``."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from veo_tools.catalog import MAX_IMAGE_BYTES, MODELS
from veo_tools.sandbox import sample_video, still_png

FAST = "veo-3.1-fast-generate-preview"
STANDARD = "veo-3.1-generate-preview"


def t2v(**extra: Any) -> dict[str, Any]:
    return {"model": FAST, "prompt": "a coastal lighthouse at dusk", **extra}


def form(**extra: str) -> dict[str, str]:
    return {"model": FAST, "prompt": "the camera rises", **extra}


def png(name: str = "a.png", mime: str = "image/png", data: bytes | None = None) -> Any:
    return ("input_reference", (name, still_png() if data is None else data, mime))


async def submit(client: Any, **kwargs: Any) -> Any:
    return await client.post("/v1/videos", **kwargs)


async def test_submit_returns_a_queued_task_object(client_for: Any) -> None:
    async with client_for() as (client, sandbox):
        response = await submit(client, json=t2v(seconds="8", size="1280x720"))
    body = response.json()
    assert response.status_code == 200
    assert re.fullmatch(r"task_[A-Za-z0-9]{32}", body["id"])
    assert body == {
        "id": body["id"],
        "task_id": body["id"],
        "object": "video",
        "model": FAST,
        "status": "queued",
        "progress": 0,
        "created_at": sandbox.unix(),
    }


async def test_seconds_as_a_json_number_is_a_go_unmarshal_error(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await submit(client, json=t2v(seconds=8))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "parse_request_failed: cannot unmarshal number into Go struct field "
        "TaskSubmitReq.duration of type string"
    )


@pytest.mark.parametrize("seconds", ["5", "10", "eight", ""])
async def test_seconds_outside_the_catalog_durations_is_refused(
    client_for: Any, seconds: str
) -> None:
    async with client_for() as (client, _):
        response = await submit(client, json=t2v(seconds=seconds))
    assert response.status_code == 400
    assert "INVALID_ARGUMENT" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("fields", "got"),
    [
        ({"metadata": {"resolution": "1080p"}}, 4),
        ({"seconds": "6", "size": "1920x1080"}, 6),
        ({"seconds": "4", "metadata": {"resolution": "4k"}, "duration": "8"}, 4),
        ({"duration": "8", "metadata": {"resolution": "1080p"}}, 4),
    ],
)
async def test_1080p_and_4k_need_eight_seconds(client_for: Any, fields: Any, got: int) -> None:
    async with client_for() as (client, _):
        response = await submit(client, json=t2v(**fields))
    assert response.status_code == 400
    resolution = "4k" if "4k" in str(fields) else "1080p"
    assert response.json()["error"]["message"] == (
        f"INVALID_ARGUMENT: Resolution {resolution} requires duration seconds to be 8 seconds, "
        f"but got {got}"
    )


async def test_the_default_seconds_when_absent_is_configurable(client_for: Any) -> None:
    async with client_for(official_default_seconds=8) as (client, sandbox):
        response = await submit(client, json=t2v(metadata={"resolution": "1080p"}))
    assert response.status_code == 200
    task = sandbox.find(response.json()["id"])
    assert task is not None and (task.seconds, task.resolution) == (8, "1080p")


async def test_resolution_precedence_is_metadata_then_size_then_720p(client_for: Any) -> None:
    cases = [
        (t2v(seconds="8", size="3840x2160", metadata={"resolution": "1080p"}), "1080p", "16:9"),
        (t2v(seconds="8", size="1080x1920"), "1080p", "9:16"),
        (t2v(size="720x1280", metadata={"aspectRatio": "16:9"}), "720p", "16:9"),
        (t2v(), "720p", "16:9"),
    ]
    async with client_for() as (client, sandbox):
        for body, resolution, aspect in cases:
            task = sandbox.find((await submit(client, json=body)).json()["id"])
            assert task is not None
            assert (task.resolution, task.aspect_ratio) == (resolution, aspect), body


async def test_metadata_duration_seconds_wins_over_seconds(client_for: Any) -> None:
    body = t2v(seconds="4", metadata={"durationSeconds": 8, "resolution": "4k"})
    async with client_for() as (client, sandbox):
        task = sandbox.find((await submit(client, json=body)).json()["id"])
    assert task is not None and task.seconds == 8


@pytest.mark.parametrize(
    "body",
    [t2v(generateAudio=True), t2v(metadata={"generateAudio": False})],
)
async def test_generate_audio_anywhere_is_an_invalid_argument(client_for: Any, body: Any) -> None:
    async with client_for() as (client, _):
        response = await submit(client, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("INVALID_ARGUMENT: generateAudio")


async def test_validation_errors_can_use_new_apis_task_error_shape(client_for: Any) -> None:
    async with client_for(validation_error_shape="task_error") as (client, _):
        response = await submit(client, json=t2v(seconds=4))
    assert response.json()["code"] == "parse_request_failed"
    assert response.json()["data"] is None


async def test_image_to_video_keeps_only_the_first_reference(client_for: Any) -> None:
    files = [png(), png("b.txt", "text/plain", b"not an image")]
    async with client_for() as (client, sandbox):
        response = await submit(client, data=form(resolution="720p"), files=files)
    assert response.status_code == 200
    task = sandbox.find(response.json()["id"])
    assert task is not None and task.image_count == 1


async def test_multipart_flattens_metadata_into_form_fields(client_for: Any) -> None:
    fields = form(seconds="6", resolution="1080p", aspectRatio="9:16")
    async with client_for() as (client, _):
        response = await submit(client, data=fields, files=[png()])
    assert "but got 6" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "mime", "data"),
    [
        ("a.gif", "image/gif", b"GIF89a" + b"\x00" * 10),
        ("a.png", "image/png", b"definitely not a png"),
        ("a.bin", "application/octet-stream", b"%PDF-1.4"),
    ],
)
async def test_only_jpeg_png_and_webp_images_pass(
    client_for: Any, name: str, mime: str, data: bytes
) -> None:
    async with client_for() as (client, _):
        response = await submit(client, data=form(), files=[png(name, mime, data)])
    assert response.status_code == 400
    assert "Unsupported image format" in response.json()["error"]["message"]


async def test_an_image_without_a_declared_type_is_sniffed(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await submit(client, data=form(), files=[png("a", "application/octet-stream")])
    assert response.status_code == 200


async def test_a_base64_reference_field_is_accepted(client_for: Any) -> None:
    encoded = base64.b64encode(still_png()).decode()
    async with client_for() as (client, _):
        response = await submit(client, data={**form(), "input_reference": encoded})
    assert response.status_code == 200


async def test_remote_urls_are_refused_as_input_reference(client_for: Any) -> None:
    url = "https://example.com/a.png"
    async with client_for() as (client, _):
        as_form = await submit(client, data={**form(), "input_reference": url})
        as_json = await submit(client, json=t2v(input_reference=url))
    assert as_form.status_code == as_json.status_code == 400
    assert "Remote" in as_form.json()["error"]["message"]
    assert "Remote" in as_json.json()["error"]["message"]


async def test_an_image_over_ten_megabytes_is_refused_with_413(client_for: Any) -> None:
    big = still_png() + b"\x00" * MAX_IMAGE_BYTES
    async with client_for() as (client, _):
        response = await submit(client, data=form(), files=[png(data=big)])
    assert response.status_code == 413


async def test_status_goes_queued_then_running_then_completed(client_for: Any, clock: Any) -> None:
    low, high = MODELS[FAST].render_time("720p")
    async with client_for() as (client, _):
        task_id = (await submit(client, json=t2v())).json()["id"]
        seen = [(await client.get(f"/v1/videos/{task_id}")).json()]
        clock.advance(low * 0.5)
        seen.append((await client.get(f"/v1/videos/{task_id}")).json())
        clock.advance(high)
        seen.append((await client.get(f"/v1/videos/{task_id}")).json())
    assert [(s["status"], s["progress"]) for s in seen] == [
        ("queued", 0),
        ("in_progress", 50),
        ("completed", 100),
    ]
    assert "completed_at" not in seen[1]
    assert low <= seen[2]["completed_at"] - seen[2]["created_at"] <= high + 1


async def test_the_running_state_can_be_spelled_processing(client_for: Any, clock: Any) -> None:
    async with client_for(official_status_spelling="processing") as (client, _):
        task_id = (await submit(client, json=t2v())).json()["id"]
        clock.advance(30)
        status = (await client.get(f"/v1/videos/{task_id}")).json()["status"]
    assert status == "processing"


async def test_render_time_follows_the_catalog_and_image_to_video_is_slower(
    client_for: Any,
) -> None:
    async with client_for(seed=7) as (client, sandbox):
        plain = [(await submit(client, json=t2v(seconds="8"))).json()["id"] for _ in range(20)]
        ref = (await submit(client, data=form(), files=[png()])).json()["id"]
        k4 = (await submit(client, json=t2v(seconds="8", metadata={"resolution": "4k"}))).json()
    low, high = MODELS[FAST].render_time("720p")
    renders = [sandbox.tasks[i].render_s for i in plain]
    assert all(low <= r <= high for r in renders)
    assert len(set(renders)) > 1
    assert low * 1.1 <= sandbox.tasks[ref].render_s <= high * 1.3
    assert sandbox.tasks[k4["id"]].render_s >= MODELS[FAST].render_time("4k")[0]


async def test_content_is_refused_before_completion(client_for: Any, clock: Any) -> None:
    async with client_for() as (client, _):
        task_id = (await submit(client, json=t2v())).json()["id"]
        queued = await client.get(f"/v1/videos/{task_id}/content")
        clock.advance(20)
        running = await client.get(f"/v1/videos/{task_id}/content")
    assert queued.status_code == running.status_code == 400
    assert queued.json()["error"] == {
        "message": "Task is not completed yet, current status: QUEUED",
        "type": "invalid_request_error",
    }
    assert running.json()["error"]["message"].endswith("IN_PROGRESS")


async def test_content_is_the_mp4_once_completed(client_for: Any, clock: Any) -> None:
    async with client_for() as (client, _):
        task_id = (await submit(client, json=t2v())).json()["id"]
        clock.advance(200)
        response = await client.get(f"/v1/videos/{task_id}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert int(response.headers["content-length"]) == len(sample_video())
    assert response.content == sample_video()


async def test_content_races_completion_for_a_configurable_window(
    client_for: Any, clock: Any
) -> None:
    async with client_for(content_race_s=4) as (client, sandbox):
        task_id = (await submit(client, json=t2v())).json()["id"]
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        status = (await client.get(f"/v1/videos/{task_id}")).json()["status"]
        early = await client.get(f"/v1/videos/{task_id}/content")
        clock.advance(4)
        later = await client.get(f"/v1/videos/{task_id}/content")
    assert status == "completed"
    assert early.status_code == 400
    assert "current status: IN_PROGRESS" in early.json()["error"]["message"]
    assert later.status_code == 200


async def test_content_is_gone_after_the_retention_period(client_for: Any, clock: Any) -> None:
    async with client_for(retention_s=3600) as (client, _):
        task_id = (await submit(client, json=t2v())).json()["id"]
        clock.advance(200 + 3600)
        response = await client.get(f"/v1/videos/{task_id}/content")
        unknown = await client.get("/v1/videos/task_unknown/content")
    assert response.status_code == unknown.status_code == 404
    assert response.json()["error"]["message"] == "Task not found"


async def test_an_unknown_task_id_is_task_not_exist(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await client.get("/v1/videos/task_nope")
    assert response.status_code == 400
    assert response.json() == {"code": "task_not_exist", "message": "task_not_exist", "data": None}
