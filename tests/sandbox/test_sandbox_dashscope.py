"""Wan3.0, Wan2.7 and HappyHorse on the DashScope protocol: the async header, bodies, https-only
media, statuses, the ten-active-tasks limit and billing, driven with raw httpx."""

from __future__ import annotations

from typing import Any

import pytest

SUBMIT = "/wan/api/v1/services/aigc/video-generation/video-synthesis"
ASYNC = {"X-DashScope-Async": "enable"}
IMG = "https://example.com/frame.png"
LIGHTHOUSE = "黄昏海边的灯塔,镜头缓慢推进,海浪轻拍礁石,海鸟叫声,电影级光影"


def wan(model: str = "wan2.7-t2v", media: list[Any] | None = None, **params: Any) -> Any:
    inp: dict[str, Any] = {"prompt": "a lighthouse at dusk"}
    if media is not None:
        inp["media"] = media
    return {"model": model, "input": inp, "parameters": params}


def m(kind: str, url: str = IMG) -> dict[str, str]:
    return {"type": kind, "url": url}


async def test_the_docs_example_is_submitted_and_polled_to_a_result_url(
    client_for: Any, clock: Any
) -> None:
    doc_body = {"model": "wan3.0-video", "input": {"prompt": LIGHTHOUSE}}
    async with client_for(video_origin="https://oss.videos.invalid") as (client, sandbox):
        created = await client.post(SUBMIT, json=doc_body, headers=ASYNC)
        task_id = created.json()["output"]["task_id"]
        task = sandbox.tasks[task_id]
        seen = [(await client.get(f"/v1/tasks/{task_id}")).json()]
        clock.advance(task.render_s * 0.55)
        seen.append((await client.get(f"/v1/tasks/{task_id}")).json())
        clock.advance(task.render_s)
        seen.append((await client.get(f"/v1/tasks/{task_id}")).json())
        video = await client.get(seen[-1]["result_url"], headers={"Authorization": ""})
    assert created.status_code == 200 and created.json()["output"]["task_status"] == "PENDING"
    assert created.json()["request_id"]
    assert [s["status"] for s in seen] == ["submitted", "in_progress", "completed"]
    assert [s["progress"] for s in seen] == [0, 50, 100]
    assert seen[-1]["result_url"].startswith("https://oss.videos.invalid/sandbox/results/")
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"


async def test_without_the_async_header_the_upstream_refuses_a_synchronous_call(
    client_for: Any,
) -> None:
    async with client_for() as (client, sandbox):
        answers = [
            await client.post(SUBMIT, json=wan(), headers=headers)
            for headers in ({}, {"X-DashScope-Async": "disable"})
        ]
    for answer in answers:
        assert answer.status_code == 403
        assert answer.json()["code"] == "AccessDenied"
        assert "does not support synchronous calls" in answer.json()["message"]
    assert sandbox.tasks == {}


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (wan("wan2.7-i2v", [m("first_frame", "data:image/png;base64,iVBORw0KGgo=")]), "https"),
        (wan("wan2.7-i2v", [m("first_frame", "http://example.com/a.png")]), "https"),
        (wan(resolution="720p"), "uppercase"),
        (wan("wan2.7-t2v", resolution="480P"), "480P"),
        (wan(duration=16), "out of range"),
        (wan(duration="5"), "integer"),
        (wan("wan3.0-video", duration=31), "out of range"),
        (wan("wan2.7-t2v", [m("first_frame")]), "not supported"),
        (wan("wan2.7-i2v", [m("last_frame")]), "not supported"),
        (wan("wan2.7-i2v", []), "needs a first_frame"),
        (wan("wan3.0-video", [m("first_frame"), m("reference_image")]), "cannot be mixed"),
        (wan("wan3.0-video", [m("last_frame")]), "needs a first_frame"),
        (wan("wan2.7-r2v", [m("reference_image")] * 6), "at most 5"),
        (wan("happyhorse-1.1-r2v", [m("reference_image")] * 10), "at most 9"),
        (wan(ratio="2:1"), "ratio"),
        (wan(seed=-1), "seed"),
        ({"model": "wan2.7-t2v", "input": {}}, "input.prompt"),
        (
            {"model": "wan2.7-t2v", "input": {"prompt": "x", "negative_prompt": "n" * 501}},
            "negative_prompt",
        ),
    ],
)
async def test_bad_bodies_get_dashscope_s_invalid_parameter(
    client_for: Any, payload: dict[str, Any], says: str
) -> None:
    async with client_for() as (client, sandbox):
        answer = await client.post(SUBMIT, json=payload, headers=ASYNC)
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidParameter" and says in answer.json()["message"]
    assert sandbox.tasks == {}


async def test_the_documented_media_combinations_are_accepted(client_for: Any) -> None:
    payloads = [
        wan("wan3.0-video", [m("first_frame"), m("last_frame")], resolution="480P", duration=30),
        wan("wan3.0-video", [m("reference_image")] * 3 + [m("reference_video")]),
        wan("wan2.7-i2v", [m("first_frame")], resolution="1080P", duration=2),
        wan("wan2.7-r2v", [m("reference_image")] * 5),
        wan("happyhorse-1.1-r2v", [m("reference_image")] * 9),
        wan("happyhorse-1.1-i2v", [m("first_frame")], prompt_extend=False, watermark=True),
    ]
    async with client_for() as (client, _):
        answers = [await client.post(SUBMIT, json=p, headers=ASYNC) for p in payloads]
    assert [a.status_code for a in answers] == [200] * len(payloads)


async def test_an_eleventh_active_task_is_throttled_until_one_finishes(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        first = [await client.post(SUBMIT, json=wan(), headers=ASYNC) for _ in range(10)]
        eleventh = await client.post(SUBMIT, json=wan(), headers=ASYNC)
        other_key = await client.post(
            SUBMIT, json=wan(), headers={**ASYNC, "Authorization": "Bearer sk-other"}
        )
        clock.advance(min(t.render_s for t in sandbox.tasks.values()) + 0.001)
        later = await client.post(SUBMIT, json=wan(), headers=ASYNC)
    assert [a.status_code for a in first] == [200] * 10
    assert eleventh.status_code == 429 and eleventh.json()["code"] == "Throttling"
    assert other_key.status_code == 200 and later.status_code == 200


async def test_failures_carry_a_prefixed_message_and_fail_reason_and_are_not_billed(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        payload = wan()
        payload["input"]["prompt"] = "a lighthouse [sandbox:content_policy]"
        task_id = (await client.post(SUBMIT, json=payload, headers=ASYNC)).json()["output"][
            "task_id"
        ]
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        view = (await client.get(f"/v1/tasks/{task_id}")).json()
        (entry,) = sandbox.stats().tasks
    assert view["status"] == "failed" and view["progress"] == 100 and "result_url" not in view
    assert view["error"]["message"].startswith("[DataInspectionFailed]")
    assert view["fail_reason"] == view["error"]["message"]
    assert (entry.billed, entry.channel) == (False, "wan")


async def test_the_ledger_bills_wan_per_second_by_resolution(client_for: Any, clock: Any) -> None:
    payloads = [
        wan("wan2.7-t2v", resolution="720P", duration=5),
        wan("wan2.7-t2v", resolution="1080P", duration=10),
        wan("wan3.0-video", resolution="1080P", duration=5),
    ]
    async with client_for() as (client, sandbox):
        for payload in payloads:
            await client.post(SUBMIT, json=payload, headers=ASYNC)
        clock.advance(max(t.render_s for t in sandbox.tasks.values()) + 1)
        stats = sandbox.stats()
    assert [e.price_usd for e in stats.tasks] == pytest.approx([0.42, 1.4, 0.588])
    assert stats.billed_usd["wan"] == pytest.approx(2.408)


async def test_an_unknown_task_is_task_not_exist_and_result_urls_expire(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, sandbox):
        missing = await client.get("/v1/tasks/0b0d0e0f-0000-0000-0000-000000000000")
        task_id = (await client.post(SUBMIT, json=wan(), headers=ASYNC)).json()["output"]["task_id"]
        clock.advance(sandbox.tasks[task_id].render_s + 24 * 3600 + 1)
        url = (await client.get(f"/v1/tasks/{task_id}")).json()["result_url"]
        expired = await client.get(url)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "task_not_exist"
    assert expired.status_code == 403
