"""Retirement and outage answers are one error kind, ``model_unavailable``: not billed, with a
next step that names what is available now (or says nothing is, and how to check again)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from veo_tools.catalog import MODELS
from veo_tools.channels._chat import ChatTranscript
from veo_tools.errors import ModelUnavailableError, ServerError, task_failure_kind
from veo_tools.sandbox import SandboxConfig
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.transport.error_map import error_from_response

GOOGLE_404 = json.dumps(
    {"error": {"code": 404, "message": "models/veo-3.1-fast-generate-preview is no longer "
               "available to new users.", "status": "NOT_FOUND"}}
)  # fmt: skip
GOOGLE_500 = json.dumps(
    {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}
)
RETIRED = f"fail_to_fetch_task: upstream status 404: {GOOGLE_404}"
OUTAGE = f"fail_to_fetch_task: upstream status 500: {GOOGLE_500}"


def _answer(status: int, body: Any) -> httpx.Response:
    request = httpx.Request("POST", "https://api.apiyi.com/v1/videos")
    return httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, {"error": {"message": "no available channels for model x under group default"}}),
        (503, {"error": {"message": "当前分组 default 下对于模型 x 无可用渠道"}}),
        (400, {"error": {"message": "The model 'veo-31' does not exist",
                         "code": "model_not_found"}}),
        (404, {"error": {"message": "not here", "code": "model_not_found"}}),
        (500, {"error": {"message": "oops", "type": "new_api_error", "code": "model_not_found"}}),
        (404, {"error": {"message": GOOGLE_404}}),
        (500, {"code": "fail_to_fetch_task", "message": OUTAGE, "data": None}),
    ],
    ids=["503-no-channels", "503-zh", "400-code", "404-code", "500-code", "404-retired",
         "500-fetch"],
)  # fmt: skip
def test_every_documented_retirement_or_outage_answer_is_model_unavailable(
    status: int, body: Any
) -> None:
    exc = error_from_response(_answer(status, body))
    assert isinstance(exc, ModelUnavailableError) and exc.kind == "model_unavailable"
    assert "Nothing was billed" in exc.message and "veo-tools models --refresh" in exc.message


def test_a_plain_http_500_internal_at_create_stays_a_retried_server_error() -> None:
    exc = error_from_response(_answer(500, {"error": {"message": "INTERNAL"}}))
    assert isinstance(exc, ServerError) and exc.retryable


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (RETIRED, "model_unavailable"),
        (OUTAGE, "model_unavailable"),
        ("no available channels for model veo-3.1", "model_unavailable"),
        ("500 INTERNAL: the render failed", "upstream"),
        ("服务内部异常 (task_failed), please retry", "upstream"),
        ("PUBLIC_ERROR_UNSAFE_GENERATION", "content_policy"),
        (None, "upstream"),
    ],
)
def test_a_task_failure_reason_is_classified(reason: str | None, kind: str) -> None:
    assert task_failure_kind(reason) == kind


def test_a_chat_answer_with_the_retirement_text_is_model_unavailable() -> None:
    transcript = ChatTranscript()
    transcript.feed_completion({"choices": [{"message": {"content": f"生成失败: {RETIRED}"}}]})
    with pytest.raises(ModelUnavailableError, match="retired or in an outage"):
        transcript.result()


# -- through the engine, on the sandbox ----------------------------------------------------------

FLOWS = {
    "official": {"prompt": "a harbour", "model": "veo-3.1-fast-generate-preview"},
    "reverse": {"prompt": "a harbour", "model": "veo-3.1-landscape-fast"},
    "stream": {"prompt": "a harbour", "model": "veo-3.1-landscape-fast", "mode": "stream"},
}


def _service(settings: Settings, lifecycle: dict[str, str]) -> VeoService:
    config = SandboxConfig(time_scale=settings.time_scale, lifecycle=lifecycle)  # type: ignore[arg-type]
    return VeoService(settings, sandbox_config=config)


@pytest.mark.parametrize("flow", ["official", "reverse"])
@pytest.mark.parametrize("state", ["retired_at_create", "outage"])
async def test_a_create_refused_as_unavailable_names_the_models_available_now(
    sandbox_settings: Settings, flow: str, state: str
) -> None:
    model = FLOWS[flow]["model"]
    async with _service(sandbox_settings, {model: state}) as svc:
        with pytest.raises(ModelUnavailableError) as raised:
            await svc.generate(FLOWS[flow])
        (row,) = (await svc.list_tasks()).tasks
    message = raised.value.message
    assert "Nothing was billed" in message and "Available now: " in message
    named = message.split("Available now: ", 1)[1]
    assert model not in named.split(" (")[0]
    assert row.status == "failed" and not row.billed
    assert row.error is not None and row.error.kind == "model_unavailable"
    assert row.next_step.startswith(f"{model} is unavailable now")


@pytest.mark.parametrize("flow", ["official", "reverse", "stream"])
@pytest.mark.parametrize("state", ["retired_at_poll", "outage_at_poll"])
async def test_a_task_failing_because_its_model_went_away_is_unbilled_with_a_next_step(
    sandbox_settings: Settings, flow: str, state: str
) -> None:
    model = FLOWS[flow]["model"]
    async with _service(sandbox_settings, {model: state}) as svc:
        view = await svc.generate({**FLOWS[flow], "wait_seconds": 30})
        assert svc.sandbox is not None and sum(svc.sandbox.stats().billed_usd.values()) == 0
        models = {m.id: m for m in (await svc.models()).models}
    assert view.status == "failed" and not view.billed
    assert view.error is not None and view.error.kind == "model_unavailable"
    assert view.next_step.startswith(f"{model} is unavailable now")
    assert "Available now: " in view.next_step
    assert models[model].availability == "down"


async def test_when_every_channel_is_down_the_next_step_says_nothing_is_available(
    sandbox_settings: Settings, tmp_path: Path
) -> None:
    lifecycle = dict.fromkeys({m.channel for m in MODELS.values()}, "outage")  # every channel
    async with _service(sandbox_settings, lifecycle) as svc:
        with pytest.raises(ModelUnavailableError) as raised:
            await svc.generate(FLOWS["official"])
        view = await svc.models()
    assert "No model is available right now" in raised.value.message
    assert "veo-tools models --refresh" in raised.value.message
    assert view.available == [] and "No model is available right now" in view.next_step
