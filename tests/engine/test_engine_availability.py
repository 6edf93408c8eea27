"""The engine's availability: the ``GET /v1/models`` probe and its cache, the journal's refusals,
and the next step an agent reads when a model is refused (``veo_tools.engine.availability``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from veo_tools.availability import LiveList, ModelAvailability
from veo_tools.catalog import Lifecycle, all_models
from veo_tools.engine import availability
from veo_tools.errors import ModelUnavailableError
from veo_tools.service import VeoService
from veo_tools.settings import Settings

KEY = "sk-availability-test-key-123456"
ALL_IDS = [m.id for m in all_models()]
Handler = Callable[[httpx.Request], httpx.Response]

# The rules for models nobody announced as down; the shipped Veo ids are retired or paused.
pytestmark = pytest.mark.usefixtures("all_models_active")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Api:
    """A MockTransport that answers ``GET /v1/models`` with ``answer`` and counts the calls."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.paths: list[str] = []
        self.auth: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        self.auth.append(request.headers.get("authorization"))
        return self.answer(request)


async def _no_sleep(_: float) -> None:
    return None


def _service(tmp_path: Path, api: Api, clock: Clock, **settings: Any) -> VeoService:
    values: dict[str, Any] = {
        "api_key": KEY,
        "base_url": "http://api.test",
        "state_dir": tmp_path / "state",
        "output_dir": tmp_path / "out",
        **settings,
    }
    return VeoService(
        Settings.from_env({}, **values),
        transport=httpx.MockTransport(api),
        clock=clock,
        sleep=_no_sleep,
    )


def _listing(*ids: str) -> Handler:
    data = [{"id": i, "object": "model", "owned_by": "custom"} for i in ids]
    return lambda _: httpx.Response(200, json={"object": "list", "data": data, "success": True})


# -- reading the live list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"object": "list", "data": [{"id": "veo-3.1"}, {"id": "veo-3.1-fast"}]},
        {"models": ["veo-3.1", {"model": "veo-3.1-fast"}]},
        [{"name": "veo-3.1"}, "veo-3.1-fast"],
    ],
    ids=["openai-list", "models-key", "bare-list"],
)
async def test_the_probe_reads_every_documented_shape_of_the_model_list(
    tmp_path: Path, body: object
) -> None:
    api = Api(lambda _: httpx.Response(200, json=body))
    async with _service(tmp_path, api, Clock()) as svc:
        view = await svc.models()
    assert api.paths == ["/v1/models"] and api.auth == [f"Bearer {KEY}"]
    states = {m.id: m.availability for m in view.models}
    assert states["veo-3.1"] == states["veo-3.1-fast"] == "available"
    assert states["veo-3.1-fl"] == "unlisted"
    assert view.live_error is None and view.live_checked_at is not None
    assert set(view.available) == {"veo-3.1", "veo-3.1-fast"}


async def test_the_live_list_is_reused_until_its_ttl_passes(tmp_path: Path) -> None:
    api, clock = Api(_listing(*ALL_IDS)), Clock()
    async with _service(tmp_path, api, clock, models_ttl_s=120) as svc:
        await svc.models()
        clock.now += 119
        await svc.models()
        assert len(api.paths) == 1
        clock.now += 1
        await svc.models()
        assert len(api.paths) == 2


async def test_refresh_reads_the_live_list_again_inside_the_ttl(tmp_path: Path) -> None:
    api = Api(_listing(*ALL_IDS))
    async with _service(tmp_path, api, Clock(), models_ttl_s=3600) as svc:
        await svc.models()
        api.answer = _listing("veo-3.1")
        assert (await svc.models()).available == ALL_IDS  # cached
        assert (await svc.models(refresh=True)).available == ["veo-3.1"]
    assert len(api.paths) == 2


async def test_the_ttl_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEO_TOOLS_MODELS_TTL_S", "45")
    assert Settings.from_env().models_ttl_s == 45
    assert Settings.from_env({}).models_ttl_s == 300


def _refuse_connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def _time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


FAILURES: dict[str, tuple[Handler, str]] = {
    "auth": (
        lambda _: httpx.Response(401, json={"error": {"message": "Invalid token"}}),
        "the key was refused (HTTP 401)",
    ),
    "connect": (_refuse_connect, "Could not connect"),
    "timeout": (_time_out, "did not answer in time"),
    "not-json": (lambda _: httpx.Response(200, text="ok"), "did not answer JSON"),
    "html": (
        lambda _: httpx.Response(200, text="<!doctype html><html></html>"),
        "an HTML page",
    ),
    "wrong-shape": (
        lambda _: httpx.Response(200, json={"object": "list", "items": 3}),
        "without a list of models (keys: items, object)",
    ),
    "no-ids": (lambda _: httpx.Response(200, json={"data": [{"x": 1}]}), "without an id"),
    "404": (
        lambda _: httpx.Response(404, text="404 page not found"),
        "HTTP 404: this gateway has no model list",
    ),
    "server": (
        lambda _: httpx.Response(502, json={"error": {"message": "bad gateway"}}),
        "failed (HTTP 502)",
    ),
}


@pytest.mark.parametrize(("answer", "says"), FAILURES.values(), ids=list(FAILURES))
async def test_each_probe_failure_makes_active_models_unknown_with_the_reason(
    tmp_path: Path, answer: Handler, says: str
) -> None:
    async with _service(tmp_path, Api(answer), Clock()) as svc:
        view = await svc.models()
    assert view.live_error is not None and says in view.live_error
    assert KEY not in view.model_dump_json()
    assert {m.availability for m in view.models} == {"unknown"}
    assert all(m.reason == view.live_error for m in view.models)
    assert view.available == [] and "live_error" in view.next_step


async def test_the_probe_is_retried_as_any_get_is(tmp_path: Path) -> None:
    answers = iter([httpx.Response(503, text="busy"), httpx.Response(200, json=ALL_IDS)])
    api = Api(lambda _: next(answers))
    async with _service(tmp_path, api, Clock()) as svc:
        view = await svc.models()
    assert len(api.paths) == 2 and view.available == ALL_IDS


async def test_a_failed_probe_is_tried_again_sooner_than_the_ttl(tmp_path: Path) -> None:
    api, clock = Api(_refuse_connect), Clock()
    async with _service(tmp_path, api, clock, models_ttl_s=3600, max_retries=0) as svc:
        await svc.models()
        clock.now += availability.FAILED_PROBE_TTL_S - 1
        await svc.models()
        assert len(api.paths) == 1
        api.answer = _listing(*ALL_IDS)
        clock.now += 1
        assert (await svc.models()).available == ALL_IDS


async def test_without_a_key_nothing_is_sent_and_the_reason_says_to_set_one(
    tmp_path: Path,
) -> None:
    api = Api(_listing(*ALL_IDS))
    svc = _service(tmp_path, api, Clock())
    svc.settings = svc._eng.settings = Settings.from_env({}, state_dir=tmp_path / "state")
    async with svc:
        view = await svc.models()
    assert api.paths == []
    assert view.live_error is not None and "APIYI_API_KEY" in view.live_error


# -- the journal's refusals --------------------------------------------------------------------


def _refusing(model_id: str) -> Handler:
    """Lists every model, but refuses creates of ``model_id`` like a retired one."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/models":
            return _listing(*ALL_IDS)(request)
        if json.loads(request.content).get("model") == model_id:
            body = {"error": {"message": "no available channels", "code": "model_not_found"}}
            return httpx.Response(503, json=body)
        return httpx.Response(200, json={"id": "video_abc", "status": "queued"})

    return answer


async def test_a_refused_create_holds_the_model_down_until_the_cool_down_ends(
    tmp_path: Path,
) -> None:
    clock = Clock()
    async with _service(tmp_path, Api(_refusing("veo-3.1-fast")), clock) as svc:
        with pytest.raises(ModelUnavailableError, match="Available now: "):
            await svc.generate({"prompt": "a fox", "model": "veo-3.1-fast"})
        down = {m.id: m for m in (await svc.models()).models}["veo-3.1-fast"]
        assert down.availability == "down" and down.since is not None
        assert down.reason is not None and "no available channels" in down.reason
        clock.now += 601
        assert "veo-3.1-fast" in (await svc.models(refresh=True)).available


async def test_a_later_accepted_create_clears_the_refusal(tmp_path: Path) -> None:
    api = Api(_refusing("veo-3.1-fast"))
    async with _service(tmp_path, api, Clock()) as svc:
        with pytest.raises(ModelUnavailableError, match="Nothing was billed"):
            await svc.generate({"prompt": "a fox", "model": "veo-3.1-fast"})
        api.answer = _refusing("none")
        await svc.generate({"prompt": "a fox", "model": "veo-3.1-fast"})
        assert "veo-3.1-fast" in (await svc.models()).available


# -- the next step -----------------------------------------------------------------------------


def _avail(states: dict[str, str], reason: str | None = None) -> dict[str, ModelAvailability]:
    return {
        m.id: ModelAvailability(m.id, states.get(m.id, "down"), reason, None, Lifecycle())  # type: ignore[arg-type]
        for m in all_models()
    }


def test_the_next_step_names_the_closest_available_models_first() -> None:
    up = {"veo-3.1-landscape-fast": "available", "veo-3.1": "available"}
    words = availability.unavailable_step(_avail(up), "veo-3.1-fast")
    step = words.render("agent")
    assert step.startswith("Available now: veo-3.1-landscape-fast (reverse, fast, $0.15), veo-3.1")
    assert "generate_video" in step and "veo-3.1-fast " not in step
    assert "veo-tools generate with --model" in words.render("person")


def test_the_next_step_says_when_nothing_is_available_and_how_to_check_again() -> None:
    step = str(availability.unavailable_step(_avail({}), "veo-3.1-fast"))
    assert "No model is available right now" in step
    assert "veo-tools models --refresh" in step and "veo://models" in step


def test_the_next_step_names_unverified_models_when_the_live_check_failed() -> None:
    states = {"veo-3.1": "unknown"}
    step = str(availability.unavailable_step(_avail(states, "timed out"), "veo-3.1-fast"))
    assert "No model is confirmed available right now (timed out)" in step
    assert "not known to be down: veo-3.1 " in step and "--refresh" in step


def test_a_live_list_is_ok_only_with_ids() -> None:
    assert LiveList(frozenset(), 0.0).ok and not LiveList(None, 0.0, "x").ok
