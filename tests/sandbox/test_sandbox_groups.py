"""Token groups, faults, lifecycle states and persistence on the Seedance, Wan/HappyHorse and
Grok routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from veo_tools.sandbox import FaultRule, Sandbox, SandboxConfig
from veo_tools.sandbox.specs import SPECS

SEEDANCE = "/seedance/api/v3/contents/generations/tasks"
WAN = "/wan/api/v1/services/aigc/video-generation/video-synthesis"
HEADERS = {"Accept-Encoding": "identity", "X-DashScope-Async": "enable"}
CREATES: dict[str, tuple[str, dict[str, Any]]] = {
    "seedance": (
        SEEDANCE,
        {"model": "doubao-seedance-2-0-260128", "content": [{"type": "text", "text": "a fox"}]},
    ),
    "wan": (WAN, {"model": "wan2.7-t2v", "input": {"prompt": "a fox"}}),
    "grok": ("/v1/videos", {"model": "grok-imagine-video", "prompt": "a fox"}),
}
POLLS = {"seedance": SEEDANCE + "/{id}", "wan": "/v1/tasks/{id}", "grok": "/v1/videos/{id}"}


def key(name: str) -> dict[str, str]:
    return {**HEADERS, "Authorization": f"Bearer sk-{name}"}


def id_of(channel: str, answer: Any) -> str:
    data = answer.json()
    return str(data["output"]["task_id"] if channel == "wan" else data["id"])


GROUPS = {"sk-seed": ["SeeDance2"], "wan": ["Wan&HappyHorse"], "veo-only": []}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("seed", {"seedance"}),
        ("wan", {"wan"}),
        ("veo-only", set()),
        ("anyone", {"seedance", "wan", "grok"}),
    ],
)
async def test_a_token_outside_the_model_s_group_gets_503_naming_the_group(
    client_for: Any, who: str, allowed: set[str]
) -> None:
    async with client_for(key_groups=GROUPS) as (client, _):
        for channel, (path, payload) in CREATES.items():
            answer = await client.post(path, json=payload, headers=key(who))
            if channel in allowed:
                assert answer.status_code == 200, channel
                continue
            assert answer.status_code == 503, channel
            message = answer.json()["error"]["message"]
            assert message.startswith(f"no available channels for model {payload['model']}")
            group = SPECS[payload["model"]].access_group
            assert f"the {group} group" in message


async def test_every_grok_call_of_a_token_outside_grokofficial_is_503(client_for: Any) -> None:
    async with client_for(key_groups=GROUPS) as (client, _):
        path, payload = CREATES["grok"]
        task_id = (await client.post(path, json=payload, headers=key("granted"))).json()["id"]
        status = await client.get(f"/v1/videos/{task_id}", headers=key("seed"))
        content = await client.get(f"/v1/videos/{task_id}/content", headers=key("seed"))
        veo = await client.post(
            "/v1/videos", json={"model": "veo-3.1", "prompt": "x"}, headers=key("seed")
        )
    assert (status.status_code, content.status_code) == (503, 503)
    assert veo.status_code == 200  # Veo needs no group


async def test_the_model_list_shows_only_what_the_token_can_call(client_for: Any) -> None:
    async with client_for(key_groups=GROUPS) as (client, _):
        answer = await client.get("/v1/models", headers=key("seed"))
    ids = {item["id"] for item in answer.json()["data"]}
    owners = {item["id"]: item["owned_by"] for item in answer.json()["data"]}
    assert "doubao-seedance-2-0-260128" in ids and "veo-3.1" in ids
    assert not ids & {"wan2.7-t2v", "grok-imagine-video"}
    assert owners["doubao-seedance-2-0-260128"] == "volcengine"


@pytest.mark.parametrize("channel", list(CREATES))
@pytest.mark.parametrize("operation", ["create", "status"])
async def test_http_faults_apply_to_the_new_routes(
    client_for: Any, channel: str, operation: str
) -> None:
    rule = FaultRule(operation, "502", channel=channel)  # type: ignore[arg-type]
    async with client_for(faults=(rule,)) as (client, _):
        path, payload = CREATES[channel]
        first = await client.post(path, json=payload, headers=HEADERS)
        if operation == "create":
            assert first.status_code == 502
            first = await client.post(path, json=payload, headers=HEADERS)
        poll = POLLS[channel].format(id=id_of(channel, first))
        statuses = [(await client.get(poll, headers=HEADERS)).status_code for _ in range(2)]
    assert statuses == ([502, 200] if operation == "status" else [200, 200])


@pytest.mark.parametrize("channel", ["seedance", "wan"])
async def test_a_truncated_result_download_is_cut_short(
    client_for: Any, clock: Any, channel: str
) -> None:
    rule = FaultRule("asset", "truncate", channel=channel)  # type: ignore[arg-type]
    async with client_for(faults=(rule,)) as (client, sandbox):
        path, payload = CREATES[channel]
        task_id = id_of(channel, await client.post(path, json=payload, headers=HEADERS))
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        view = (await client.get(POLLS[channel].format(id=task_id), headers=HEADERS)).json()
        url = view["content"]["video_url"] if channel == "seedance" else view["result_url"]
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)
        whole = await client.get(url)
    assert whole.status_code == 200 and whole.content[4:8] == b"ftyp"


@pytest.mark.parametrize("channel", list(CREATES))
async def test_lifecycle_states_apply_to_the_new_models(
    client_for: Any, clock: Any, channel: str
) -> None:
    path, payload = CREATES[channel]
    async with client_for(lifecycle={channel: "outage"}) as (client, _):
        refused = await client.post(path, json=payload, headers=HEADERS)
        listed = {i["id"] for i in (await client.get("/v1/models")).json()["data"]}
    assert refused.status_code == 503 and payload["model"] not in listed
    async with client_for(lifecycle={payload["model"]: "retired_at_poll"}) as (client, sandbox):
        task_id = id_of(channel, await client.post(path, json=payload, headers=HEADERS))
        clock.advance(sandbox.tasks[task_id].render_s + 1)
        view = (await client.get(POLLS[channel].format(id=task_id), headers=HEADERS)).json()
        (entry,) = sandbox.stats().tasks
    assert view["status"] == "failed"
    assert "is no longer available" in view["error"]["message"] and entry.billed is False


async def test_new_protocol_tasks_outlive_the_process(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    first = Sandbox(SandboxConfig(time_scale=0.01, persist_path=path))
    spec = SPECS["doubao-seedance-2-5-260628"]
    task = first.add_task(
        spec, "a fox", "videos", seconds=30, price_usd=5.37, extra={"tokens": 648000}
    )
    again = Sandbox(SandboxConfig(time_scale=0.01, persist_path=path)).find(task.id)
    assert again is not None and again.model is spec
    assert (again.price_usd, again.extra, again.seconds) == (5.37, {"tokens": 648000}, 30)


async def test_seedance_2_5_needs_its_own_seedance25_group_since_the_august_notice(
    client_for: Any,
) -> None:
    """APIYI's notice of 2026-08-30 moved Seedance 2.5 off SeeDance2: a 2.0-only token is refused
    for 2.5 (and no longer sees it listed), a token with both groups reaches both."""
    groups = {"sk-seed": ["SeeDance2"], "sk-both": ["SeeDance2", "SeeDance25"]}
    body = {"model": "doubao-seedance-2-5-260628", "content": [{"type": "text", "text": "a fox"}]}
    async with client_for(key_groups=groups) as (client, _):
        refused = await client.post(SEEDANCE, json=body, headers=key("seed"))
        listed = await client.get("/v1/models", headers=key("seed"))
        accepted = await client.post(SEEDANCE, json=body, headers=key("both"))
    assert refused.status_code == 503 and "SeeDance25" in refused.json()["error"]["message"]
    assert "doubao-seedance-2-5-260628" not in {m["id"] for m in listed.json()["data"]}
    assert accepted.status_code == 200
