"""Gateway behaviour shared by both channels: keys, routing by model, admin endpoints, assets."""

from __future__ import annotations

import re
from typing import Any

import pytest

from veo_tools.catalog import MODELS
from veo_tools.sandbox import FaultRule, SandboxConfig, create_app, end_frame_jpg, sample_video
from veo_tools.sandbox.assets import sniff_image_mime, still_png
from veo_tools.sandbox.server import is_loopback, make_server

OFFICIAL = "veo-3.1-fast-generate-preview"
REVERSE = "veo-3.1-fast"


def t2v(model: str = OFFICIAL, **extra: Any) -> dict[str, Any]:
    return {"model": model, "prompt": "a lighthouse at dusk", **extra}


@pytest.mark.parametrize("header", ["Bearer sk-test", "bearer sk-test", "sk-test", "test"])
async def test_every_documented_key_form_is_accepted(client_for: Any, header: str) -> None:
    async with client_for(api_keys={"sk-test"}) as (client, _):
        response = await client.post("/v1/videos", json=t2v(), headers={"Authorization": header})
    assert response.status_code == 200


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Bearer sk-other"])
async def test_a_missing_or_unknown_key_gets_new_apis_401(
    client_for: Any, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with client_for(api_keys={"sk-test"}) as (client, _):
        client.headers.pop("Authorization")
        response = await client.post("/v1/videos", json=t2v(), headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert re.fullmatch(r"Invalid token \(request id: \w+\)", error["message"])
    assert (error["type"], error["code"]) == ("new_api_error", "")


async def test_any_non_empty_key_is_accepted_by_default(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await client.get("/v1/videos/task_x", headers={"Authorization": "whatever"})
    assert response.status_code == 400  # task_not_exist, past auth


async def test_an_unknown_model_has_no_available_channel(client_for: Any) -> None:
    async with client_for() as (client, _):
        response = await client.post("/v1/videos", json=t2v(model="veo-3.1-generate"))
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["message"].startswith(
        "no available channels for model veo-3.1-generate under group default (request id: "
    )
    assert (error["type"], error["code"]) == ("new_api_error", "model_not_found")


async def test_every_veo_catalog_model_is_routed_to_its_channel(client_for: Any) -> None:
    async with client_for() as (client, sandbox):
        for model in [m for m in MODELS.values() if m.channel in ("official", "reverse")]:
            response = await client.post("/v1/videos", json=t2v(model=model.id))
            assert response.status_code == 200, model.id
            task = sandbox.find(response.json()["id"])
            assert task is not None and task.channel == model.channel
    assert sandbox.stats().create_count == {"official": 2, "reverse": 8}


async def test_an_official_model_on_chat_completions_gets_an_html_page(client_for: Any) -> None:
    body = {"model": OFFICIAL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with client_for() as (client, _):
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!doctype html>")


async def test_faults_can_be_armed_listed_and_cleared_over_http(client_for: Any) -> None:
    rules = [{"operation": "status", "kind": "500", "times": 2, "channel": "official"}]
    async with client_for() as (client, _):
        armed = await client.post("/_sandbox/faults", json=rules)
        assert armed.json() == {"armed": 1, "pending": rules}
        assert (await client.get("/v1/videos/task_x")).status_code == 500
        listed = await client.get("/_sandbox/faults")
        assert listed.json()["pending"][0]["times"] == 1
        await client.delete("/_sandbox/faults")
        assert (await client.get("/v1/videos/task_x")).status_code == 400
        replaced = await client.post(
            "/_sandbox/faults", json={"faults": rules[:1], "replace": True}
        )
        assert replaced.json()["armed"] == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "status", "kind": "truncate"},
        {"operation": "nope", "kind": "500"},
        {"operation": "create", "kind": "500", "times": 0},
        {"operation": "create", "kind": "500", "colour": "red"},
    ],
)
async def test_a_bad_fault_rule_is_refused_with_a_400(client_for: Any, rule: Any) -> None:
    async with client_for() as (client, _):
        response = await client.post("/_sandbox/faults", json=[rule])
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Bad fault rule")


async def test_stats_are_served_as_json(client_for: Any) -> None:
    async with client_for() as (client, _):
        await client.post("/v1/videos", json=t2v())
        stats = (await client.get("/_sandbox/stats")).json()
    assert stats["create_count"] == {"official": 1, "reverse": 0}
    assert stats["tasks"][0]["model"] == OFFICIAL
    assert stats["requests"] == {"create": 1}


def test_the_payload_is_a_small_mp4_and_the_stills_are_real_images() -> None:
    video = sample_video()
    assert video[4:8] == b"ftyp"
    assert len(video) < 100_000
    assert sniff_image_mime(still_png()) == "image/png"
    assert sniff_image_mime(end_frame_jpg()) == "image/jpeg"


def test_config_can_replace_the_payload() -> None:
    app = create_app(SandboxConfig(video_bytes=b"\x00\x00\x00\x08ftyp"))
    assert app.state.sandbox.video == b"\x00\x00\x00\x08ftyp"


def test_fault_rules_are_checked_when_built() -> None:
    with pytest.raises(Exception, match="does not apply"):
        FaultRule("chat", "truncate")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_only_loopback_hosts_are_served_by_default(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if not loopback:
        with pytest.raises(Exception, match="Refusing to serve"):
            make_server(host, 0)
        assert make_server(host, 0, allow_non_loopback=True).config.host == host
