"""``GET /v1/models`` and the lifecycle states: models and channels that go away."""

from __future__ import annotations

import json
from typing import Any

import pytest

from veo_tools.catalog import MODELS
from veo_tools.errors import ConfigurationError
from veo_tools.sandbox import FaultRule, SandboxConfig
from veo_tools.sandbox.specs import SPECS

OFFICIAL = "veo-3.1-fast-generate-preview"
REVERSE = "veo-3.1-landscape-fast"


def listed(answer: Any) -> list[str]:
    return [item["id"] for item in answer.json()["data"]]


async def test_the_model_list_names_every_catalog_and_non_veo_model_in_the_openai_shape(
    client_for: Any,
) -> None:
    async with client_for() as (client, sandbox):
        answer = await client.get("/v1/models")
    assert answer.status_code == 200
    body = answer.json()
    assert body["object"] == "list" and body["success"] is True
    assert {item["object"] for item in body["data"]} == {"model"}
    assert listed(answer) == list(MODELS) + [m for m in SPECS if m not in MODELS]
    assert sandbox.stats().requests["models"] == 1


async def test_the_model_list_needs_a_key(client_for: Any) -> None:
    async with client_for() as (client, _):
        answer = await client.get("/v1/models", headers={"Authorization": ""})
    assert answer.status_code == 401


async def test_faults_apply_to_the_model_list(client_for: Any) -> None:
    async with client_for(faults=(FaultRule("models", "500"),)) as (client, _):
        statuses = [(await client.get("/v1/models")).status_code for _ in range(2)]
    assert statuses == [500, 200]


@pytest.mark.parametrize(
    ("target", "state", "code"),
    [
        (OFFICIAL, "retired_at_create", "model_not_found"),
        ("official", "retired_at_create", "model_not_found"),
        (REVERSE, "outage", ""),
        ("reverse", "outage", ""),
    ],
)
async def test_a_model_refused_at_create_answers_503_no_channels_and_is_not_listed(
    client_for: Any, target: str, state: str, code: str
) -> None:
    model = REVERSE if "reverse" in target or target == REVERSE else OFFICIAL
    async with client_for(lifecycle={target: state}) as (client, sandbox):
        answer = await client.post("/v1/videos", json={"model": model, "prompt": "a fox"})
        models = listed(await client.get("/v1/models"))
        stats = sandbox.stats()
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["message"].startswith(f"no available channels for model {model}")
    assert error["code"] == code
    assert model not in models and len(models) < len({*MODELS, *SPECS})
    assert sum(stats.create_count.values()) == 0


async def test_a_model_refused_at_create_is_refused_on_the_chat_endpoint_too(
    client_for: Any,
) -> None:
    async with client_for(lifecycle={"reverse": "outage"}) as (client, _):
        body = {"model": REVERSE, "stream": True, "messages": [{"role": "user", "content": "x"}]}
        answer = await client.post("/v1/chat/completions", json=body)
    assert answer.status_code == 503 and "no available channels" in answer.text


@pytest.mark.parametrize(
    ("model", "state", "says"),
    [
        (OFFICIAL, "retired_at_poll", "is no longer available"),
        (REVERSE, "retired_at_poll", "is no longer available"),
        (OFFICIAL, "outage_at_poll", '"status": "INTERNAL"'),
        (REVERSE, "outage_at_poll", '"status": "INTERNAL"'),
    ],
)
async def test_a_model_gone_at_poll_accepts_the_task_then_fails_it_unbilled(
    client_for: Any, clock: Any, model: str, state: str, says: str
) -> None:
    async with client_for(lifecycle={model: state}) as (client, sandbox):
        created = await client.post("/v1/videos", json={"model": model, "prompt": "a fox"})
        assert created.status_code == 200
        assert model in listed(await client.get("/v1/models"))
        clock.advance(30)  # a fraction of the render: the upstream refuses at once
        task = (await client.get(f"/v1/videos/{created.json()['id']}")).json()
        (entry,) = sandbox.stats().tasks
    assert task["status"] == "failed"
    assert task["error"]["code"] == "fail_to_fetch_task"
    message = task["error"]["message"]
    assert message.startswith("fail_to_fetch_task: upstream status") and says in message
    assert (entry.outcome, entry.billed) == ("retired" if "retired" in state else "outage", False)


async def test_a_stream_on_a_model_retired_at_poll_ends_with_the_retirement_text(
    client_for: Any,
) -> None:
    async with client_for(lifecycle={REVERSE: "retired_at_poll"}) as (client, _):
        body = {"model": REVERSE, "stream": False, "messages": [{"role": "user", "content": "x"}]}
        answer = await client.post("/v1/chat/completions", json=body)
    assert "is no longer available" in answer.json()["choices"][0]["message"]["content"]


async def test_a_model_state_wins_over_its_channel_state(client_for: Any) -> None:
    lifecycle = {"reverse": "outage", REVERSE: "active"}
    async with client_for(lifecycle=lifecycle) as (client, _):
        ok = await client.post("/v1/videos", json={"model": REVERSE, "prompt": "a fox"})
        other = "veo-3.1-fast"
        refused = await client.post("/v1/videos", json={"model": other, "prompt": "a fox"})
    assert (ok.status_code, refused.status_code) == (200, 503)


async def test_the_admin_route_changes_and_clears_lifecycle_states(client_for: Any) -> None:
    async with client_for() as (client, _):
        set_ = await client.post("/_sandbox/lifecycle", json={"official": "outage"})
        assert set_.json() == {"lifecycle": {"official": "outage"}}
        assert OFFICIAL not in listed(await client.get("/v1/models"))
        await client.post("/_sandbox/lifecycle", json={"official": "active"})
        assert (await client.get("/_sandbox/lifecycle")).json() == {
            "lifecycle": {"official": "active"}
        }
        assert OFFICIAL in listed(await client.get("/v1/models"))
        await client.post("/_sandbox/lifecycle", json={REVERSE: "retired_at_create"})
        await client.delete("/_sandbox/lifecycle")
        everything = list(MODELS) + [m for m in SPECS if m not in MODELS]
        assert listed(await client.get("/v1/models")) == everything
        assert (await client.get("/_sandbox/lifecycle")).json() == {"lifecycle": {}}
        bad = await client.post("/_sandbox/lifecycle", content=json.dumps({"veo-9": "outage"}))
    assert bad.status_code == 400 and "veo-9" in bad.text


@pytest.mark.parametrize(
    ("lifecycle", "says"),
    [({"veo-9": "outage"}, "veo-9"), ({"official": "asleep"}, "asleep")],
)
def test_a_bad_lifecycle_setting_is_a_configuration_error(
    lifecycle: dict[str, Any], says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        SandboxConfig(lifecycle=lifecycle)
