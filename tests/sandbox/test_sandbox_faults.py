"""Faults on demand (config rules and prompt markers) and the billing ledger."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from veo_tools.catalog import MODELS
from veo_tools.sandbox import FaultRule

OFFICIAL = "veo-3.1-generate-preview"
REVERSE = "veo-3.1-landscape-fast"


def t2v(model: str = OFFICIAL, prompt: str = "a quiet harbour") -> dict[str, Any]:
    return {"model": model, "prompt": prompt}


async def finished_task(client: Any, clock: Any, model: str = OFFICIAL) -> str:
    task_id: str = (await client.post("/v1/videos", json=t2v(model))).json()["id"]
    clock.advance(1000)
    return task_id


@pytest.mark.parametrize(
    ("kind", "status"), [("429", 429), ("500", 500), ("502", 502), ("503", 503)]
)
async def test_an_http_fault_rule_fires_its_times_then_disappears(
    client_for: Any, kind: Any, status: int
) -> None:
    rule = FaultRule("create", kind, times=2)
    async with client_for(faults=(rule,)) as (client, sandbox):
        answers = [(await client.post("/v1/videos", json=t2v())).status_code for _ in range(3)]
        stats = sandbox.stats()
    assert answers == [status, status, 200]
    assert stats.create_count["official"] == 1
    assert stats.faults_fired == {kind: 2}


async def test_a_429_says_when_to_retry(client_for: Any) -> None:
    async with client_for(faults=(FaultRule("status", "429"),), retry_after_s=2) as (client, _):
        response = await client.get("/v1/videos/task_x")
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"]["type"] == "new_api_error"


async def test_a_503_fault_reads_like_no_available_channel(client_for: Any) -> None:
    async with client_for(faults=(FaultRule("create", "503"),)) as (client, _):
        response = await client.post("/v1/videos", json=t2v())
    assert response.json()["error"]["message"].startswith(
        f"no available channels for model {OFFICIAL}"
    )


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (403, "user [65944] quota [-14305] preConsumedQuota [600000] is not enough"),
        (429, "insufficient balance"),
        (402, "Insufficient balance"),
    ],
)
async def test_insufficient_balance_uses_the_configured_status(
    client_for: Any, status: int, text: str
) -> None:
    async with client_for(balance_status=status) as (client, _):
        responses = [
            await client.post("/v1/videos", json=t2v(prompt="[sandbox:balance] x")) for _ in "ab"
        ]
    assert [r.status_code for r in responses] == [status, status], "balance fires every time"
    assert text in responses[0].json()["error"]["message"]


async def test_a_rule_can_target_one_channel(client_for: Any) -> None:
    rule = FaultRule("create", "500", channel="reverse")
    async with client_for(faults=(rule,)) as (client, _):
        official = await client.post("/v1/videos", json=t2v())
        reverse = await client.post("/v1/videos", json=t2v(REVERSE))
    assert (official.status_code, reverse.status_code) == (200, 500)


@pytest.mark.parametrize("marker", ["429", "500", "502", "503"])
async def test_a_transient_marker_fails_the_first_request_only(
    client_for: Any, marker: str
) -> None:
    body = t2v(prompt=f"[sandbox:{marker}] a harbour")
    async with client_for() as (client, _):
        first = await client.post("/v1/videos", json=body)
        retry = await client.post("/v1/videos", json=body)
    assert (first.status_code, retry.status_code) == (int(marker), 200)


@pytest.mark.parametrize("failure", ["absent", "empty", "object"])
async def test_a_content_policy_failure_is_unbilled_and_quiet_on_official(
    client_for: Any, clock: Any, failure: str
) -> None:
    rule = FaultRule("create", "content_policy")
    async with client_for(faults=(rule,), official_failure_error=failure) as (client, sandbox):
        task_id = await finished_task(client, clock)
        body = (await client.get(f"/v1/videos/{task_id}")).json()
        content = await client.get(f"/v1/videos/{task_id}/content")
        stats = sandbox.stats()
    assert (body["status"], body["progress"]) == ("failed", 100)
    expected = {"absent": None, "empty": "", "object": "PUBLIC_"}[failure]
    if expected is None:
        assert "error" not in body
    elif expected == "":
        assert body["error"] == ""
    else:
        assert body["error"]["message"].startswith(expected)
    assert content.json()["error"]["message"].endswith("current status: FAILURE")
    assert stats.billed_usd["official"] == 0 and not stats.tasks[0].billed


@pytest.mark.parametrize(
    ("marker", "text"),
    [("content_policy", "PUBLIC_ERROR_"), ("fail", "服务内部异常")],
)
async def test_a_reverse_failure_carries_its_reason(
    client_for: Any, clock: Any, marker: str, text: str
) -> None:
    async with client_for() as (client, _):
        body = t2v(REVERSE, prompt=f"[sandbox:{marker}] x")
        task_id = (await client.post("/v1/videos", json=body)).json()["id"]
        clock.advance(1000)
        status = (await client.get(f"/v1/videos/{task_id}")).json()
    assert status["status"] == "failed"
    assert status["error"]["message"].startswith(text)


@pytest.mark.parametrize(
    ("model", "path", "operation"),
    [
        (OFFICIAL, "/v1/videos/{id}/content", "content"),
        (REVERSE, "/sandbox/assets/{id}.mp4", "asset"),
    ],
)
async def test_a_truncated_download_is_shorter_than_its_content_length(
    client_for: Any, clock: Any, model: str, path: str, operation: Any
) -> None:
    async with client_for(faults=(FaultRule(operation, "truncate"),)) as (client, _):
        task_id = await finished_task(client, clock, model)
        with pytest.raises(httpx.RemoteProtocolError, match="expected"):
            await client.get(path.format(id=task_id))
        again = await client.get(path.format(id=task_id))
    assert again.status_code == 200


async def test_a_truncate_marker_cuts_the_first_download_of_its_task(
    client_for: Any, clock: Any
) -> None:
    async with client_for() as (client, _):
        body = t2v(prompt="[sandbox:truncate] x")
        task_id = (await client.post("/v1/videos", json=body)).json()["id"]
        clock.advance(1000)
        async with client.stream("GET", f"/v1/videos/{task_id}/content") as response:
            declared = int(response.headers["content-length"])
            received = 0
            with pytest.raises(httpx.RemoteProtocolError):
                async for chunk in response.aiter_raw():
                    received += len(chunk)
        whole = await client.get(f"/v1/videos/{task_id}/content")
    assert 0 < received < declared == len(whole.content)


async def test_a_hung_create_still_creates_and_bills_its_task(client_for: Any, clock: Any) -> None:
    async with client_for(hang_s=5) as (client, sandbox):
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                "/v1/videos",
                json=t2v(prompt="[sandbox:hang] x"),
                timeout=httpx.Timeout(5, read=0.05),
            )
        clock.advance(1000)
        stats = sandbox.stats()
    assert stats.create_count["official"] == 1
    assert stats.billed_usd["official"] == MODELS[OFFICIAL].price_usd


async def test_a_hang_rule_delays_a_status_poll(client_for: Any) -> None:
    rule = FaultRule("status", "hang")
    async with client_for(faults=(rule,), hang_s=0.05) as (client, _):
        loop = asyncio.get_running_loop()
        start = loop.time()
        response = await client.get("/v1/videos/task_x")
        assert loop.time() - start >= 0.05
    assert response.status_code == 400


async def test_max_in_flight_is_the_peak_of_overlapping_tasks(client_for: Any, clock: Any) -> None:
    async with client_for() as (client, sandbox):
        for _ in range(3):
            await client.post("/v1/videos", json=t2v())
        assert sandbox.stats().in_flight["official"] == 3
        clock.advance(1000)
        for _ in range(2):
            await client.post("/v1/videos", json=t2v())
        stats = sandbox.stats()
    assert stats.in_flight == {"official": 2, "reverse": 0}
    assert stats.max_in_flight == {"official": 3, "reverse": 0}
    assert stats.create_count["official"] == 5
    assert [t.billed for t in stats.tasks] == [True, True, True, False, False]
    assert [t.status for t in stats.tasks][-2:] == ["queued", "queued"]
    assert stats.billed_usd["official"] == pytest.approx(3 * MODELS[OFFICIAL].price_usd)


@pytest.mark.parametrize(("kind", "status"), [("429", 429), ("502", 502), ("balance", 403)])
async def test_chat_rules_answer_before_any_task_exists(
    client_for: Any, kind: Any, status: int
) -> None:
    body = {"model": REVERSE, "messages": [{"role": "user", "content": "x"}], "stream": True}
    async with client_for(faults=(FaultRule("chat", kind),)) as (client, sandbox):
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == status
    assert sandbox.stats().create_count["reverse"] == 0


async def test_a_hung_chat_trips_the_client_read_timeout(client_for: Any) -> None:
    body = {"model": REVERSE, "messages": [{"role": "user", "content": "x"}]}
    async with client_for(faults=(FaultRule("chat", "hang"),), hang_s=5) as (client, _):
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                "/v1/chat/completions", json=body, timeout=httpx.Timeout(5, read=0.05)
            )
