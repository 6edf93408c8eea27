"""The Reverse channel's async trio and the video URLs the sandbox serves for it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from veo_tools.catalog import MODELS
from veo_tools.sandbox import end_frame_jpg, sample_video, still_png

PORTRAIT = "veo-3.1"
LANDSCAPE_FL = "veo-3.1-landscape-fast-fl"


def frames(count: int) -> list[Any]:
    stills = [("start.png", still_png(), "image/png"), ("end.jpg", end_frame_jpg(), "image/jpeg")]
    return [("input_reference", stills[i % 2]) for i in range(count)]


async def create(client: Any, model: str = PORTRAIT, **kwargs: Any) -> Any:
    if "files" not in kwargs:
        kwargs.setdefault("json", {"prompt": "A cute kitten playing", "model": model})
    else:
        kwargs.setdefault("data", {"prompt": "Animate this scene", "model": model})
    return await client.post("/v1/videos", **kwargs)


async def test_create_answers_the_documented_shape(client_for: Any) -> None:
    async with client_for() as (client, sandbox):
        response = await create(client)
    body = response.json()
    assert re.fullmatch(r"video_[a-z0-9]{24}", body["id"])
    assert {k: body[k] for k in ("object", "status", "model", "created")} == {
        "object": "video",
        "status": "queued",
        "model": PORTRAIT,
        "created": sandbox.unix(),
    }
    assert "task_id" not in body


async def test_task_id_can_be_included_on_request(client_for: Any) -> None:
    async with client_for(reverse_include_task_id=True) as (client, _):
        body = (await create(client)).json()
        status = (await client.get(f"/v1/videos/{body['id']}")).json()
    assert body["task_id"] == body["id"] == status["task_id"]


@pytest.mark.parametrize("count", [1, 2])
async def test_fl_models_take_one_or_two_frames(client_for: Any, count: int) -> None:
    async with client_for() as (client, sandbox):
        response = await create(client, LANDSCAPE_FL, files=frames(count))
    assert response.status_code == 200
    task = sandbox.find(response.json()["id"])
    assert task is not None and task.image_count == count


async def test_three_frames_are_too_many(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await create(client, LANDSCAPE_FL, files=frames(3))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_images"


async def test_images_on_a_model_without_fl_are_refused(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await create(client, PORTRAIT, files=frames(1))
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "This model does not support image input",
            "code": "model_not_support_image",
        }
    }


async def test_a_frame_that_is_not_an_image_is_refused(client_for: Any) -> None:
    bad = [("input_reference", ("a.png", b"nope", "image/png"))]
    async with client_for() as (client, _):
        response = await create(client, LANDSCAPE_FL, files=bad)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image_format"


async def test_status_runs_queued_processing_completed_with_a_url(
    client_for: Any, clock: Any
) -> None:
    low, high = MODELS[PORTRAIT].render_time()
    async with client_for() as (client, _):
        task_id = (await create(client)).json()["id"]
        seen = [(await client.get(f"/v1/videos/{task_id}")).json()]
        clock.advance(low / 2)
        seen.append((await client.get(f"/v1/videos/{task_id}")).json())
        clock.advance(high)
        seen.append((await client.get(f"/v1/videos/{task_id}")).json())
    assert [s["status"] for s in seen] == ["queued", "processing", "completed"]
    assert 0 < seen[1]["progress"] < 100 and seen[2]["progress"] == 100
    assert seen[2]["video_url"] == f"http://sandbox.invalid/sandbox/assets/{task_id}.mp4"
    assert "video_url" not in seen[1]


async def test_content_is_json_with_a_url_and_the_fixed_format(client_for: Any, clock: Any) -> None:
    landscape = "veo-3.1-landscape"
    async with client_for() as (client, sandbox):
        portrait_id = (await create(client)).json()["id"]
        landscape_id = (await create(client, landscape)).json()["id"]
        early = await client.get(f"/v1/videos/{portrait_id}/content")
        clock.advance(200)
        portrait = (await client.get(f"/v1/videos/{portrait_id}/content")).json()
        wide = (await client.get(f"/v1/videos/{landscape_id}/content")).json()
    assert early.status_code == 400
    assert early.json()["error"]["code"] == "video_not_ready"
    assert portrait == {
        "id": portrait_id,
        "object": "video",
        "created": sandbox.unix(sandbox.tasks[portrait_id].created),
        "status": "completed",
        "model": PORTRAIT,
        "prompt": "A cute kitten playing",
        "url": f"http://sandbox.invalid/sandbox/assets/{portrait_id}.mp4",
        "duration": 8,
        "resolution": "720x1280",
    }
    assert wide["resolution"] == "1280x720"


async def test_content_can_be_the_mp4_bytes_instead(client_for: Any, clock: Any) -> None:
    async with client_for(reverse_content_mode="mp4") as (client, _):
        task_id = (await create(client)).json()["id"]
        clock.advance(200)
        response = await client.get(f"/v1/videos/{task_id}/content")
    assert response.headers["content-type"] == "video/mp4"
    assert response.content == sample_video()


async def test_the_video_url_needs_no_key_and_expires(client_for: Any, clock: Any) -> None:
    async with client_for(retention_s=100) as (client, _):
        task_id = (await create(client)).json()["id"]
        url = f"/sandbox/assets/{task_id}.mp4"
        before = await client.get(url)
        clock.advance(200)
        fresh = await client.get(url, headers={"Authorization": ""})
        clock.advance(100)
        expired = await client.get(url)
        status = await client.get(f"/v1/videos/{task_id}")
    assert before.status_code == 404
    assert fresh.status_code == 200 and fresh.content == sample_video()
    assert expired.status_code == 404
    assert status.status_code == 404


async def test_an_official_task_id_is_not_served_as_an_asset(client_for: Any, clock: Any) -> None:
    body = {"model": "veo-3.1-fast-generate-preview", "prompt": "x"}
    async with client_for() as (client, _):
        task_id = (await client.post("/v1/videos", json=body)).json()["id"]
        clock.advance(500)
        response = await client.get(f"/sandbox/assets/{task_id}.mp4")
        other = await client.get("/sandbox/assets/readme.txt")
    assert response.status_code == other.status_code == 404


async def test_an_unknown_video_id_is_not_found(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await client.get("/v1/videos/video_nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "task_not_exist"
