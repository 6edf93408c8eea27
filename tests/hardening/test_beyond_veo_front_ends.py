"""End to end on the sandbox, through MCP (in memory) and LangChain: one Seedance, one Wan and
one Grok video each go submit -> poll -> result fetch -> MP4 on disk, with the price and the bill
in the journal; a Grok moderation block is billed and counts in the 24-hour spend.

The sandbox sits behind a recording transport as the API (``API_HOST``) and serves the signed
Seedance and DashScope result URLs on another origin (``CDN_HOST``), so every request can be
checked: the key goes to the API only, never to the video host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hardening_support import FRONT_ENDS, open_front_end

from veo_tools.catalog import MODELS
from veo_tools.journal.store import JOURNAL_FILENAME, Journal
from veo_tools.pricing import estimate, tokens_price
from veo_tools.sandbox import SandboxConfig, StreamingASGITransport, create_app
from veo_tools.service import VeoService
from veo_tools.settings import Settings

KEY = "sk-beyond-veo-canary-0987654321"
API = "https://api.beyond-veo.example"
API_HOST = "api.beyond-veo.example"
CDN_HOST = "results.signed-cdn.example"
TIME_SCALE = 0.002

#: One model per protocol beyond Veo, with arguments an agent would send.
FLOWS: dict[str, dict[str, Any]] = {
    "seedance": {
        "prompt": "a detective enters a dim room",
        "model": "doubao-seedance-2-0-fast-260128",
        "seconds": 5,
        "resolution": "480p",
        "audio": False,
    },
    "wan": {
        "prompt": "a paper lantern drifts over a river",
        "model": "wan2.7-t2v",
        "seconds": "4",  # a numeric string, as some clients send it
        "negative_prompt": "blur",
    },
    "grok": {"prompt": "a fox in fresh snow", "model": "grok-imagine-video-1.5-lite"},
}


@dataclass
class Recorder(httpx.AsyncBaseTransport):
    """The sandbox app behind a transport that remembers where each request went, with or
    without the key."""

    inner: StreamingASGITransport
    sent: list[tuple[str, str, bool]]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        keyed = KEY in request.headers.get("authorization", "")
        self.sent.append((request.url.host, request.url.path, keyed))
        return await self.inner.handle_async_request(request)


@pytest.fixture
def gateway() -> tuple[Recorder, Any]:
    app = create_app(
        SandboxConfig(time_scale=TIME_SCALE, api_keys=(KEY,), video_origin=f"https://{CDN_HOST}")
    )
    return Recorder(StreamingASGITransport(app), []), app.state.sandbox


def settings_in(root: Path) -> Settings:
    return Settings.from_env(
        {},
        api_key=KEY,
        base_url=API,
        time_scale=TIME_SCALE,
        state_dir=root / "state",
        output_dir=root / "out",
        input_dirs=[root],
    )


def estimated_price(flow: str) -> float:
    args = FLOWS[flow]
    model = MODELS[args["model"]]
    return estimate(
        model, int(args.get("seconds") or model.default_seconds), args.get("resolution")
    )


async def reported_tokens(recorder: Recorder, remote_id: str) -> int:
    """What the Volcano API says the finished task used (``usage.completion_tokens``)."""
    async with httpx.AsyncClient(transport=recorder, base_url=API) as client:
        answer = await client.get(
            f"/seedance/api/v3/contents/generations/tasks/{remote_id}",
            headers={"Authorization": f"Bearer {KEY}", "Accept-Encoding": "identity"},
        )
    tokens: int = answer.json()["usage"]["completion_tokens"]
    return tokens


@pytest.mark.parametrize("front", FRONT_ENDS)
@pytest.mark.parametrize("flow", FLOWS)
async def test_a_video_beyond_veo_is_made_saved_priced_and_billed_through_each_front_end(
    tmp_path: Path, gateway: tuple[Recorder, Any], front: str, flow: str
) -> None:
    recorder, sandbox = gateway
    settings = settings_in(tmp_path)
    async with open_front_end(front, lambda: VeoService(settings, transport=recorder)) as tools:
        started = await tools.call("generate_video", FLOWS[flow])
        assert not started.error, started.text
        assert started.data is not None
        task_id = started.data["task_id"]
        assert started.data["channel"] == flow and started.data["billing"] == "pending"
        done = await tools.call(
            "check_status", {"task_id": task_id, "wait_seconds": 60, "download": True}
        )
        listed = await tools.call("list_tasks", {})
    assert not done.error and done.data is not None, done.text
    assert done.data["status"] == "completed" and done.data["billing"] == "billed"
    video = Path(done.data["video_path"])
    assert video.read_bytes() == sandbox.video  # complete, and checked as an MP4 on the way
    assert started.data["price_usd"] == pytest.approx(estimated_price(flow))  # before paying
    with Journal(settings.journal_dir / JOURNAL_FILENAME) as journal:
        rec = await journal.get(task_id)
    assert rec is not None and rec.billed is None  # the usual rule: a finished video is paid
    price = rec.price_usd
    assert done.data["price_usd"] == price
    assert listed.data is not None and listed.data["spent_24h_usd"] == round(price, 2)

    assert {host for host, _, _ in recorder.sent} <= {API_HOST, CDN_HOST}
    assert all(keyed for host, _, keyed in recorder.sent if host == API_HOST)
    from_cdn = [path for host, path, keyed in recorder.sent if host == CDN_HOST]
    assert not any(keyed for host, _, keyed in recorder.sent if host == CDN_HOST)
    if flow == "grok":  # Grok serves the MP4 from /content on the API, with the key
        assert from_cdn == [] and any(p.endswith("/content") for _, p, _ in recorder.sent)
    else:  # a signed URL on another origin, fetched without the key
        assert from_cdn and all(p.startswith("/sandbox/results/") for p in from_cdn)
    if flow == "seedance":  # the estimate is settled to the tokens the API reported
        assert rec.remote_id is not None
        tokens = await reported_tokens(recorder, rec.remote_id)
        assert price == pytest.approx(tokens_price(MODELS[FLOWS[flow]["model"]], tokens))
    else:
        assert price == pytest.approx(estimated_price(flow))


@pytest.mark.parametrize("front", FRONT_ENDS)
async def test_a_grok_moderation_block_is_failed_billed_and_counted_in_the_spend(
    tmp_path: Path, gateway: tuple[Recorder, Any], front: str
) -> None:
    recorder, _ = gateway
    blocked = {**FLOWS["grok"], "prompt": "a fox [sandbox:content_policy]", "wait_seconds": 60}
    async with open_front_end(
        front, lambda: VeoService(settings_in(tmp_path), transport=recorder)
    ) as tools:
        view = await tools.call("generate_video", blocked)
        listed = await tools.call("list_tasks", {})
    assert view.data is not None, view.text
    assert view.data["status"] == "failed" and view.data["error"]["kind"] == "content_policy"
    assert view.data["billed"] is True and view.data["billing"] == "billed"
    assert "billed" in view.data["next_step"] and "rephrase" in view.data["next_step"]
    assert listed.data is not None
    assert listed.data["spent_24h_usd"] == round(estimated_price("grok"), 2)
