"""Grok Imagine on ``/v1/videos``: defaults that are billed, sizes per model, references as JSON
or multipart, moderation blocks that end ``completed`` and are billed, ``/content`` with the key."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from veo_tools.sandbox import still_png

BASE = "grok-imagine-video"
V15 = "grok-imagine-video-1.5"
DATA_URI = "data:image/png;base64," + base64.b64encode(still_png()).decode()


async def test_a_task_runs_queued_in_progress_completed_and_downloads_with_the_key(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        created = await client.post(
            "/v1/videos",
            json={"model": BASE, "prompt": "a paper boat", "seconds": 4, "size": "1280x720"},
        )
        task_id = created.json()["id"]
        task = sandbox.tasks[task_id]
        clock.advance(task.render_s * 0.5)
        running = (await client.get(f"/v1/videos/{task_id}")).json()
        early = await client.get(f"/v1/videos/{task_id}/content")
        clock.advance(task.render_s)
        done = (await client.get(f"/v1/videos/{task_id}")).json()
        video = await client.get(f"/v1/videos/{task_id}/content")
        keyless = await client.get(f"/v1/videos/{task_id}/content", headers={"Authorization": ""})
    assert created.status_code == 200
    assert (created.json()["status"], created.json()["object"]) == ("queued", "video")
    assert running["status"] == "in_progress" and early.status_code == 400
    assert done["status"] == "completed" and "error" not in done
    assert (done["seconds"], done["size"]) == ("4", "1280x720")
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert keyless.status_code == 401


async def test_omitted_size_and_seconds_default_to_480p_and_8_s_and_are_billed_so(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        created = (await client.post("/v1/videos", json={"model": BASE, "prompt": "x"})).json()
        clock.advance(sandbox.tasks[created["id"]].render_s + 1)
        (entry,) = sandbox.stats().tasks
    assert (created["seconds"], created["size"]) == ("8", "848x480")
    assert (entry.price_usd, entry.billed) == (pytest.approx(0.40), True)  # APIYI: $0.40


@pytest.mark.parametrize(
    ("model", "fields", "status"),
    [
        (BASE, {"size": "1920x1080"}, 400),
        (V15, {"size": "1920x1080"}, 200),
        ("grok-imagine-video-1.5-lite", {"size": "1080x1920"}, 200),
        (BASE, {"size": "1000x1000"}, 400),
        (BASE, {"seconds": 0}, 400),
        (BASE, {"seconds": 16}, 400),
        (BASE, {"seconds": "15"}, 200),
        (BASE, {"seconds": 1}, 200),
        (BASE, {"prompt": ""}, 400),
    ],
)
async def test_seconds_and_size_are_checked_per_model(
    client_for: Any, model: str, fields: dict[str, Any], status: int
) -> None:
    async with client_for() as (client, _):
        answer = await client.post("/v1/videos", json={"model": model, "prompt": "x", **fields})
    assert answer.status_code == status


async def test_an_input_reference_is_accepted_as_json_or_multipart_and_priced(
    client_for: Any,
) -> None:
    async with client_for() as (client, sandbox):
        as_json = await client.post(
            "/v1/videos",
            json={"model": BASE, "prompt": "x", "seconds": 1, "input_reference": DATA_URI},
        )
        as_object = await client.post(
            "/v1/videos",
            json={"model": BASE, "prompt": "x", "input_reference": {"url": "https://e.com/a.png"}},
        )
        as_file = await client.post(
            "/v1/videos",
            data={"model": BASE, "prompt": "x", "seconds": "1"},
            files={"input_reference": ("a.png", still_png(), "image/png")},
        )
        not_image = await client.post(
            "/v1/videos",
            data={"model": BASE, "prompt": "x"},
            files={"input_reference": ("a.txt", b"hello", "text/plain")},
        )
    assert [a.status_code for a in (as_json, as_object, as_file)] == [200, 200, 200]
    assert not_image.status_code == 400
    # APIYI's example: 1 s at 480p with one image = 1 x $0.05 + 1 x $0.002 = $0.052.
    assert sandbox.tasks[as_file.json()["id"]].price_usd == pytest.approx(0.052)
    assert sandbox.tasks[as_json.json()["id"]].image_count == 1


async def test_a_moderation_block_ends_completed_without_a_video_and_is_billed(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        created = await client.post(
            "/v1/videos", json={"model": BASE, "prompt": "a brawl [sandbox:content_policy]"}
        )
        task_id = created.json()["id"]
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        view = (await client.get(f"/v1/videos/{task_id}")).json()
        content = await client.get(f"/v1/videos/{task_id}/content")
        (entry,) = sandbox.stats().tasks
    assert view["status"] == "completed" and view["error"]["code"] == "moderation_blocked"
    assert content.status_code == 400 and content.json()["error"]["code"] == "moderation_blocked"
    assert (entry.status, entry.billed, entry.outcome) == ("completed", True, "moderation_blocked")
    assert sandbox.stats().billed_usd["grok"] == pytest.approx(0.40)


async def test_seedance_and_wan_sent_to_v1_videos_are_pointed_to_their_own_path(
    client_for: Any,
) -> None:
    async with client_for() as (client, sandbox):
        seedance = await client.post(
            "/v1/videos", json={"model": "doubao-seedance-2-0-260128", "prompt": "x"}
        )
        wan = await client.post("/v1/videos", json={"model": "wan2.7-t2v", "prompt": "x"})
    assert seedance.status_code == 400 and "/seedance/api/v3/" in seedance.text
    assert wan.status_code == 400 and "/wan/api/v1/" in wan.text
    assert sandbox.tasks == {}
