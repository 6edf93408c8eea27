"""Seedance on the Volcano (Ark) tasks protocol: bodies, statuses, errors and quirks, driven with
raw httpx against the sandbox app."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import httpx
import pytest

from veo_tools.sandbox import FaultRule, still_png

TASKS = "/seedance/api/v3/contents/generations/tasks"
PLAIN = {"Accept-Encoding": "identity"}
S20 = "doubao-seedance-2-0-260128"
S25 = "doubao-seedance-2-5-260628"
FAST = "doubao-seedance-2-0-fast-260128"
CDN = "https://cdn.videos.invalid"
IMAGE = "https://ark-project.tos-cn-beijing.volces.com/doc_image/seepro_i2v.png"
DATA_URI = "data:image/png;base64," + base64.b64encode(still_png()).decode()


def body(model: str = S20, *images: dict[str, Any], **fields: Any) -> dict[str, Any]:
    text = {"type": "text", "text": "A detective enters a dim room"}
    return {"model": model, "content": [text, *images], **fields}


def image(url: str = IMAGE, role: str | None = "first_frame") -> dict[str, Any]:
    item: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
    if role:
        item["role"] = role
    return item


async def test_the_docs_example_runs_queued_running_succeeded_with_a_video_elsewhere(
    client_for: Any, clock: Any
) -> None:
    doc_body = {
        "model": S20,
        "content": [
            {"type": "text", "text": "多个镜头。一名侦探进入一间光线昏暗的房间。 --ratio 16:9"},
            {"type": "image_url", "image_url": {"url": IMAGE}},
        ],
    }
    async with client_for(video_origin=CDN) as (client, sandbox):
        created = await client.post(TASKS, json=doc_body, headers=PLAIN)
        assert created.status_code == 200 and set(created.json()) == {"id"}
        task_id = created.json()["id"]
        assert task_id.startswith("cgt-")
        seen = [(await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json()]
        task = sandbox.tasks[task_id]
        clock.advance(task.render_s * 0.5)
        seen.append((await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json())
        clock.advance(task.render_s)
        seen.append((await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json())
        url = seen[-1]["content"]["video_url"]
        video = await client.get(url, headers={"Authorization": ""})
    assert [s["status"] for s in seen] == ["queued", "running", "succeeded"]
    assert all("progress" not in s for s in seen)
    assert url.startswith(f"{CDN}/sandbox/results/{task_id}.mp4?X-Expires=")
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert seen[-1]["usage"]["completion_tokens"] == 5 * 1280 * 720 * 24 // 1024
    assert (seen[-1]["duration"], seen[-1]["resolution"], seen[-1]["ratio"]) == (
        5,
        "720p",
        "adaptive",
    )


async def test_answers_are_gzip_unless_the_client_asks_for_identity(client_for: Any) -> None:
    async with client_for() as (client, _):
        labelled = await client.post(TASKS, json=body(), headers={"Accept-Encoding": "gzip"})
        plain = await client.post(TASKS, json=body(), headers=PLAIN)
        error = await client.post(TASKS, json=body(resolution="4k"))
        async with client.stream("POST", TASKS, json=body()) as raw:
            first = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert labelled.headers["content-encoding"] == "gzip" and "id" in labelled.json()
    assert "content-encoding" not in plain.headers and "id" in plain.json()
    assert error.headers["content-encoding"] == "gzip" and error.status_code == 400
    assert gzip.decompress(first).startswith(b'{"id"')


async def test_a_mislabelled_gzip_answer_breaks_a_client_that_does_not_send_identity(
    client_for: Any,
) -> None:
    async with client_for(volcano_gzip="mislabelled") as (client, _):
        with pytest.raises(httpx.DecodingError):
            await client.post(TASKS, json=body())
        fine = await client.post(TASKS, json=body(), headers=PLAIN)
    assert fine.status_code == 200


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        (body(resolution="4k"), "resolution"),
        (body(resolution="720P"), "resolution"),
        (body(FAST, resolution="1080p"), "resolution"),
        (body(duration=16), "duration"),
        (body(duration=3), "duration"),
        (body(duration="5"), "duration"),
        (body(S25, duration=31), "duration"),
        (body(duration=-1), "duration"),
        (body(ratio="2:1"), "ratio"),
        (body(S25, image(), ratio="16:9"), "ratio"),
        (body(generate_audio="yes"), "generate_audio"),
        (body(seed=-2), "seed"),
        (body(S20, *[image(role="reference_image")] * 10), "content"),
        (body(S20, image("http://example.com/a.png")), "content.image_url"),
        (body(S20, image("data:image/png;base64,@@@")), "content.image_url"),
        (body(S20, image(), image(role="reference_image")), "content.role"),
        (body(S20, image(role="last_frame")), "content.role"),
        (body(S20, image(role="cover")), "content.role"),
        ({"model": S20, "content": []}, "content"),
        ({"model": S20, "content": [{"type": "video"}]}, "content"),
    ],
)
async def test_bad_parameters_get_ark_s_400(
    client_for: Any, payload: dict[str, Any], param: str
) -> None:
    async with client_for() as (client, sandbox):
        answer = await client.post(TASKS, json=payload, headers=PLAIN)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["param"], error["type"]) == (
        "InvalidParameter",
        param,
        "BadRequest",
    )
    assert sandbox.tasks == {}


async def test_accepted_shapes_frames_references_data_uris_assets_and_defaults(
    client_for: Any,
) -> None:
    async with client_for() as (client, sandbox):
        answers = [
            await client.post(TASKS, json=payload, headers=PLAIN)
            for payload in (
                body(S20, image(DATA_URI), image("asset://asset-2026", "last_frame")),
                body(S25, *[image(role="reference_image")] * 30, duration=30),
                body(S25, image(), ratio="adaptive"),
                body(S20, resolution="1080p", ratio="21:9", duration=15, seed=7, watermark=True),
                body(S25),
            )
        ]
    assert [a.status_code for a in answers] == [200] * 5
    tasks = [sandbox.tasks[a.json()["id"]] for a in answers]
    assert [t.seconds for t in tasks] == [5, 30, 10, 15, 10]  # 2.5 picks 10 s for -1
    assert [t.image_count for t in tasks] == [2, 30, 1, 0, 0]


async def test_a_moderation_failure_is_failed_and_not_billed(client_for: Any, clock: Any) -> None:
    async with client_for() as (client, sandbox):
        payload = body()
        payload["content"][0]["text"] = "a duel [sandbox:content_policy]"
        task_id = (await client.post(TASKS, json=payload, headers=PLAIN)).json()["id"]
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        view = (await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json()
        (entry,) = sandbox.stats().tasks
    assert view["status"] == "failed" and "content" not in view and "usage" not in view
    assert view["error"]["message"].startswith("PUBLIC_")
    assert (entry.billed, entry.outcome, entry.channel) == (False, "content_policy", "seedance")


async def test_an_expired_task_stays_queued_then_reads_expired(client_for: Any, clock: Any) -> None:
    rule = FaultRule("create", "expire", channel="seedance")
    async with client_for(faults=(rule,)) as (client, sandbox):
        task_id = (await client.post(TASKS, json=body(), headers=PLAIN)).json()["id"]
        clock.advance(47 * 3600)
        before = (await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json()["status"]
        clock.advance(2 * 3600)
        after = (await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json()["status"]
        (entry,) = sandbox.stats().tasks
    assert (before, after, entry.billed) == ("queued", "expired", False)


async def test_the_ledger_bills_seedance_by_tokens(client_for: Any, clock: Any) -> None:
    async with client_for() as (client, sandbox):
        ids = [
            (await client.post(TASKS, json=body(model, resolution=res), headers=PLAIN)).json()["id"]
            for model, res in ((S20, "720p"), (S20, "1080p"), (S25, "720p"))
        ]
        clock.advance(max(sandbox.tasks[i].render_s for i in ids) + 1)
        prices = [round(e.price_usd, 2) for e in sandbox.stats().tasks]
        billed = sandbox.stats().billed_usd["seedance"]
    # APIYI's examples: 2.0 $0.91 (720p 5 s), $2.03 (1080p 5 s); 2.5 $1.37 (720p 5 s), and 2.5
    # renders 10 s when duration is left to the model. One token rate per model: within 3 cents.
    assert prices == pytest.approx([0.91, 2.03, 2.74], abs=0.03)
    assert billed == pytest.approx(sum(prices), abs=0.02)


async def test_a_result_url_expires_after_24_hours_and_refuses_a_forged_expiry(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        task_id = (await client.post(TASKS, json=body(), headers=PLAIN)).json()["id"]
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        url = (await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json()["content"]["video_url"]
        expires = int(url.split("X-Expires=")[1].split("&")[0])
        forged = url.replace(f"X-Expires={expires}", f"X-Expires={expires + 10**6}")
        fresh = await client.get(url)
        clock.advance(24 * 3600)
        stale = await client.get(url)
        tampered = await client.get(forged)
        status = await client.get(f"{TASKS}/{task_id}", headers=PLAIN)
    assert fresh.status_code == 200
    assert stale.status_code == 403 and "Request has expired" in stale.text
    assert tampered.status_code == 403 and "SignatureDoesNotMatch" in tampered.text
    assert status.json()["status"] == "succeeded"


async def test_an_unknown_task_and_an_unknown_model_get_the_documented_answers(
    client_for: Any,
) -> None:
    async with client_for() as (client, _):
        missing = await client.get(f"{TASKS}/cgt-20260101000000-xxxxx", headers=PLAIN)
        veo = await client.post(TASKS, json=body("veo-3.1"), headers=PLAIN)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceNotFound"
    assert veo.status_code == 503 and "no available channels" in veo.json()["error"]["message"]


async def test_the_last_frame_is_returned_when_asked(client_for: Any, clock: Any) -> None:
    async with client_for() as (client, sandbox):
        payload = body(return_last_frame=True)
        task_id = (await client.post(TASKS, json=payload, headers=PLAIN)).json()["id"]
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        content = (await client.get(f"{TASKS}/{task_id}", headers=PLAIN)).json()["content"]
        frame = await client.get(content["last_frame_url"])
    assert frame.status_code == 200 and frame.content.startswith(b"\x89PNG")
