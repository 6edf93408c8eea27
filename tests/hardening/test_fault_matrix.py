"""Every operation against every fault: a typed error or a recovery, a consistent journal, no
partial file in the output directory, and at most one paid task per intended video."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from veo_tools import errors
from veo_tools.engine import follow
from veo_tools.engine.planning import plan_request
from veo_tools.sandbox import FaultRule, SandboxConfig, StreamingASGITransport, create_app
from veo_tools.service import VeoService
from veo_tools.settings import SANDBOX_BASE_URL, Settings
from veo_tools.types import GenerateVideoInput

ASYNC = {
    "official": {"prompt": "a harbour at dawn", "channel": "official"},
    "reverse": {"prompt": "a harbour at dawn", "channel": "reverse"},
    "stream": {"prompt": "a harbour at dawn", "channel": "reverse", "mode": "stream"},
    # The adapters beyond Veo: Volcano (Seedance), DashScope (Wan, HappyHorse), Grok.
    "seedance": {"prompt": "a harbour at dawn", "model": "doubao-seedance-2-0-fast-260128"},
    "wan": {"prompt": "a harbour at dawn", "model": "wan2.7-t2v"},
    "grok": {"prompt": "a harbour at dawn", "model": "grok-imagine-video"},
}
BEYOND = ("seedance", "wan", "grok")
#: Where each flow's MP4 comes from: the API's ``/content`` or a signed result URL (``asset``).
VIDEO_OP = {
    "official": "content",
    "reverse": "asset",
    "seedance": "asset",
    "wan": "asset",
    "grok": "content",
}


async def _no_sleep(_seconds: float) -> None:
    return None


def _service(
    settings: Settings, *faults: FaultRule, real_sleep: bool = False, **config: object
) -> VeoService:
    sandbox = SandboxConfig(time_scale=settings.time_scale, faults=faults, **config)  # type: ignore[arg-type]
    svc = VeoService(dataclasses.replace(settings, read_timeout=0.3), sandbox_config=sandbox)
    if not real_sleep:  # back-off waits are skipped; time-scaled waits (the race) are kept
        svc._eng.http.sleep = _no_sleep  # type: ignore[method-assign]
    return svc


def _assert_clean(svc: VeoService, out: Path) -> None:
    leftovers = [p.name for p in out.glob(".*part*")] if out.exists() else []
    assert leftovers == [], f"partial files left: {leftovers}"
    assert svc.sandbox is not None
    assert sum(svc.sandbox.stats().create_count.values()) <= 1, "paid twice for one video"


# -- faults that are retried away --------------------------------------------------------------

RECOVERABLE = (
    [
        (flow, FaultRule(op, kind, channel=None))
        for flow, op in [("official", "create"), ("reverse", "create"), ("stream", "chat")]
        for kind in ("429", "500", "502")
    ]
    + [
        (flow, FaultRule(op, kind))
        for flow in ("official", "reverse")
        for op in ("status",)
        for kind in ("429", "500", "502", "503", "hang")
    ]
    + [("official", FaultRule("content", kind)) for kind in ("429", "500", "502")]
    + [("reverse", FaultRule("content", kind)) for kind in ("429", "500", "502")]
    + [
        (flow, FaultRule(op, kind, channel=flow))  # type: ignore[arg-type]
        for flow in BEYOND
        for op in ("create", "status", VIDEO_OP[flow])
        for kind in ("429", "500", "502", *(("503", "hang") if op == "status" else ()))
    ]
)


@pytest.mark.parametrize(("flow", "rule"), RECOVERABLE, ids=lambda v: getattr(v, "kind", v))
async def test_transient_faults_are_retried_and_the_video_is_delivered(
    sandbox_settings: Settings, flow: str, rule: FaultRule
) -> None:
    async with _service(sandbox_settings, rule, hang_s=1.0) as svc:
        view = await svc.generate({**ASYNC[flow], "wait_seconds": 60})
        assert view.status == "completed" and view.video_path
        assert Path(view.video_path).read_bytes()[4:8] == b"ftyp"
        assert svc.sandbox is not None and svc.sandbox.stats().faults_fired[rule.kind] == 1
        _assert_clean(svc, sandbox_settings.output_dir)


async def test_the_content_race_400_right_after_completion_is_ridden_out(
    sandbox_settings: Settings,
) -> None:
    async with _service(sandbox_settings, content_race_s=8.0, real_sleep=True) as svc:
        view = await svc.generate({**ASYNC["official"], "wait_seconds": 60})
        assert view.status == "completed" and view.video_path
        _assert_clean(svc, sandbox_settings.output_dir)


# -- faults that end in a typed error ----------------------------------------------------------

TYPED = (
    [
        (flow, op, "balance", errors.InsufficientBalanceError, "failed")
        for flow, op in [(f, "create") for f in ("official", "reverse", *BEYOND)]
    ]
    + [
        (flow, op, "503", errors.ModelUnavailableError, "failed")
        for flow, op in [(f, "create") for f in ("official", "reverse", *BEYOND)]
    ]
    + [
        (flow, op, "hang", errors.SubmitOutcomeUnknownError, "interrupted")
        for flow, op in [(f, "create") for f in ("official", "reverse", *BEYOND)]
    ]
)


@pytest.mark.parametrize(("flow", "op", "kind", "exc", "status"), TYPED)
async def test_refused_creates_raise_a_typed_error_and_leave_the_journal_consistent(
    sandbox_settings: Settings,
    flow: str,
    op: str,
    kind: str,
    exc: type[errors.VeoError],
    status: str,
) -> None:
    rule = FaultRule(op, kind, times=10)  # type: ignore[arg-type]
    async with _service(sandbox_settings, rule, hang_s=1.0) as svc:
        with pytest.raises(exc) as raised:
            await svc.generate(ASYNC[flow])
        assert raised.value.message and "sk-" not in raised.value.message
        (row,) = await svc.journal.list()
        assert row.status == status and row.error_kind
        assert not (await svc.list_tasks()).tasks[0].billed or status == "interrupted"
        _assert_clean(svc, sandbox_settings.output_dir)


async def test_a_balance_error_on_the_stream_is_recorded_as_failed_not_billed(
    sandbox_settings: Settings,
) -> None:
    async with _service(sandbox_settings, FaultRule("chat", "balance", times=10)) as svc:
        view = await svc.generate({**ASYNC["stream"], "wait_seconds": 30})
        assert view.status == "failed" and not view.billed
        assert view.error is not None and view.error.kind == "insufficient_balance"


@pytest.mark.parametrize("flow", ["official", "reverse", "stream", "seedance", "wan"])
async def test_content_policy_failures_are_failed_not_billed_and_say_to_rephrase(
    sandbox_settings: Settings, flow: str
) -> None:
    op = "chat" if flow == "stream" else "create"
    async with _service(sandbox_settings, FaultRule(op, "content_policy")) as svc:  # type: ignore[arg-type]
        view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        assert view.status == "failed" and not view.billed
        assert view.error is not None
        if flow != "official":  # Official failures carry no reason (spec §2.6)
            assert view.error.kind == "content_policy"
        assert svc.sandbox is not None and sum(svc.sandbox.stats().billed_usd.values()) == 0


async def test_a_grok_moderation_block_is_failed_and_billed_as_the_api_says(
    sandbox_settings: Settings,
) -> None:
    async with _service(sandbox_settings, FaultRule("create", "content_policy")) as svc:
        view = await svc.generate({**ASYNC["grok"], "wait_seconds": 30})
        assert view.status == "failed" and view.billed and view.billing == "billed"
        assert view.error is not None and view.error.kind == "content_policy"
        assert "billed" in view.next_step and "rephrase" in view.next_step
        assert (await svc.list_tasks()).spent_24h_usd == round(view.price_usd, 2)
        _assert_clean(svc, sandbox_settings.output_dir)


async def test_a_stream_cut_before_done_is_interrupted_not_lost(
    sandbox_settings: Settings,
) -> None:
    async with _service(sandbox_settings, FaultRule("chat", "cut_stream")) as svc:
        view = await svc.generate({**ASYNC["stream"], "wait_seconds": 30})
        assert view.status == "interrupted" and view.task_id
        assert "Do not resubmit" in view.next_step
        again = await svc.generate(ASYNC["stream"])
        assert again.deduplicated and again.task_id == view.task_id


@pytest.mark.parametrize(
    ("flow", "op"), [(flow, VIDEO_OP[flow]) for flow in ("official", "reverse", *BEYOND)]
)
async def test_a_truncated_download_is_fetched_again_within_the_same_call(
    sandbox_settings: Settings, flow: str, op: str
) -> None:
    async with _service(sandbox_settings, FaultRule(op, "truncate")) as svc:  # type: ignore[arg-type]
        view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        assert view.status == "completed" and view.video_path and view.error is None
        assert svc.sandbox is not None
        assert Path(view.video_path).read_bytes() == svc.sandbox.video
        assert svc.sandbox.stats().faults_fired["truncate"] == 1
        _assert_clean(svc, sandbox_settings.output_dir)


@pytest.mark.parametrize(
    ("flow", "op"), [(flow, VIDEO_OP[flow]) for flow in ("official", "reverse", *BEYOND)]
)
async def test_a_download_cut_every_time_leaves_no_file_and_the_next_call_finishes_it(
    sandbox_settings: Settings, flow: str, op: str
) -> None:
    rule = FaultRule(op, "truncate", times=3)  # type: ignore[arg-type]
    async with _service(sandbox_settings, rule) as svc:
        view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        assert view.status == "completed" and view.video_path is None
        assert view.error is not None and view.error.kind == "download"
        assert "tried 3 time" in view.error.message
        assert not any(sandbox_settings.output_dir.glob("*.mp4"))
        _assert_clean(svc, sandbox_settings.output_dir)
        again = await svc.check_status(view.task_id)
        assert again.video_path and Path(again.video_path).read_bytes()[4:8] == b"ftyp"


class _RefuseFirst(httpx.AsyncBaseTransport):
    """Connection refused for the first ``n`` requests, then the sandbox answers."""

    def __init__(self, inner: httpx.AsyncBaseTransport, n: int) -> None:
        self.inner, self.left = inner, n

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.left > 0:
            self.left -= 1
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await self.inner.handle_async_request(request)


def _refusing_service(settings: Settings, n: int) -> tuple[VeoService, object]:
    app = create_app(SandboxConfig(time_scale=settings.time_scale))
    transport = _RefuseFirst(StreamingASGITransport(app), n)
    plain = dataclasses.replace(settings, sandbox=False, base_url=SANDBOX_BASE_URL)
    svc = VeoService(plain, transport=transport)
    svc._eng.http.sleep = _no_sleep  # type: ignore[method-assign]
    return svc, app


async def test_connection_refused_is_retried_then_succeeds(sandbox_settings: Settings) -> None:
    svc, app = _refusing_service(sandbox_settings, 2)
    async with svc:
        view = await svc.generate({**ASYNC["official"], "wait_seconds": 30})
    assert view.status == "completed"
    assert app.state.sandbox.stats().create_count["official"] == 1  # type: ignore[attr-defined]


async def test_connection_refused_for_good_is_a_network_error_with_nothing_sent(
    sandbox_settings: Settings,
) -> None:
    svc, app = _refusing_service(sandbox_settings, 100)
    async with svc:
        with pytest.raises(errors.TransportError) as raised:
            await svc.generate(ASYNC["official"])
        (row,) = await svc.journal.list()
    assert raised.value.retryable and row.status == "failed"
    assert sum(app.state.sandbox.stats().create_count.values()) == 0  # type: ignore[attr-defined]


DOWNLOAD_FAULTS = [
    (flow, op, kind)
    for flow, op in [
        ("official", "content"),
        ("reverse", "content"),
        *((flow, VIDEO_OP[flow]) for flow in ("reverse", *BEYOND)),
    ]
    for kind in ("429", "500", "502", "503", "hang", "truncate")
    if not (op == "content" and flow == "reverse" and kind == "truncate")  # JSON body: no cut
]


@pytest.mark.parametrize(("flow", "op", "kind"), DOWNLOAD_FAULTS)
async def test_every_download_fault_ends_with_the_whole_file_and_no_partial(
    sandbox_settings: Settings, flow: str, op: str, kind: str
) -> None:
    rule = FaultRule(op, kind, channel=flow)  # type: ignore[arg-type]
    async with _service(sandbox_settings, rule, hang_s=1.0) as svc:
        view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        for _ in range(2):  # a failed download is reported, and the next call finishes it
            if view.video_path:
                break
            assert view.status == "completed" and view.error is not None
            view = await svc.check_status(view.task_id)
        assert view.video_path and Path(view.video_path).read_bytes()[4:8] == b"ftyp"
        assert svc.sandbox is not None and svc.sandbox.stats().faults_fired[kind] == 1
        _assert_clean(svc, sandbox_settings.output_dir)


async def test_a_stream_whose_answer_never_comes_is_interrupted_and_not_resent(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, stream_timeout=0.3)
    async with _service(settings, FaultRule("chat", "hang"), hang_s=1.0) as svc:
        view = await svc.generate({**ASYNC["stream"], "wait_seconds": 30})
        assert view.status == "interrupted" and view.error is not None
        again = await svc.generate(ASYNC["stream"])
        assert again.deduplicated and again.task_id == view.task_id
        assert svc.sandbox is not None and svc.sandbox.stats().requests["chat"] == 1


@pytest.mark.parametrize("flow", ["official", "reverse", *BEYOND])
async def test_a_balance_error_on_a_status_call_is_typed_and_the_task_is_kept(
    sandbox_settings: Settings, flow: str
) -> None:
    rule = FaultRule("status", "balance", channel=flow)  # type: ignore[arg-type]
    async with _service(sandbox_settings, rule) as svc:
        view = await svc.generate(ASYNC[flow])
        with pytest.raises(errors.InsufficientBalanceError):
            await svc.check_status(view.task_id)
        done = await svc.check_status(view.task_id, wait_seconds=30)
        assert done.status == "completed" and done.video_path
        _assert_clean(svc, sandbox_settings.output_dir)


# -- models and channels that go away (sandbox lifecycle states) -------------------------------

LIFECYCLE = [
    (flow, target, state)
    for flow in ("official", "reverse", "stream", *BEYOND)
    for target in ("model", "channel")
    for state in ("retired_at_create", "retired_at_poll", "outage", "outage_at_poll")
]


@pytest.mark.parametrize(("flow", "target", "state"), LIFECYCLE)
async def test_a_model_or_channel_that_went_away_is_model_unavailable_and_never_billed(
    sandbox_settings: Settings, flow: str, target: str, state: str
) -> None:
    model = plan_request(GenerateVideoInput.model_validate(ASYNC[flow])).model.id
    key = (
        model
        if target == "model"
        else plan_request(GenerateVideoInput.model_validate(ASYNC[flow])).model.channel
    )
    async with _service(sandbox_settings, lifecycle={key: state}) as svc:
        try:
            view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        except errors.ModelUnavailableError as exc:
            assert state in ("retired_at_create", "outage") and "sk-" not in exc.message
            view = (await svc.list_tasks()).tasks[0]
        assert view.status == "failed" and not view.billed
        assert view.error is not None and view.error.kind == "model_unavailable"
        assert view.next_step.startswith(f"{model} is unavailable now")
        assert "Available now: " in view.next_step  # the other channel is up
        (row,) = await svc.journal.list()
        assert row.status == "failed" and row.error_kind == "model_unavailable"
        assert svc.sandbox is not None and sum(svc.sandbox.stats().billed_usd.values()) == 0
        _assert_clean(svc, sandbox_settings.output_dir)


# -- faults on this machine: nothing left it, or nobody knows ----------------------------------


class _RaiseOnCreate(httpx.AsyncBaseTransport):
    """The sandbox, except that a create request raises ``exc`` instead of leaving."""

    def __init__(self, inner: httpx.AsyncBaseTransport, exc: Exception) -> None:
        self.inner, self.exc, self.raised = inner, exc, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.raised += 1
            raise self.exc
        return await self.inner.handle_async_request(request)


def _local_fault_service(settings: Settings, exc: Exception) -> tuple[VeoService, object]:
    app = create_app(SandboxConfig(time_scale=settings.time_scale))
    transport = _RaiseOnCreate(StreamingASGITransport(app), exc)
    plain = dataclasses.replace(settings, sandbox=False, base_url=SANDBOX_BASE_URL, budget_usd=0.5)
    svc = VeoService(plain, transport=transport)
    svc._eng.http.sleep = _no_sleep  # type: ignore[method-assign]
    return svc, app


NEVER_SENT = [
    httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'htps://'."),
    httpx.LocalProtocolError("Illegal header value b'Bearer sk-secret\\n'"),
    httpx.ConnectError("[Errno -2] Name or service not known"),
]


@pytest.mark.parametrize("flow", ["official", "reverse", "stream"])
@pytest.mark.parametrize("exc", NEVER_SENT, ids=lambda e: type(e).__name__)
async def test_a_create_that_never_left_is_failed_not_billed_and_not_counted(
    sandbox_settings: Settings, flow: str, exc: Exception
) -> None:
    svc, app = _local_fault_service(sandbox_settings, exc)
    async with svc:
        for attempt in (1, 2):  # the same request again is a new attempt, not a duplicate
            try:
                view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
            except errors.VeoError as raised:
                assert not isinstance(raised, errors.SubmitOutcomeUnknownError)
                assert "may be billed" not in raised.message and "secret" not in raised.message
                view = (await svc.list_tasks()).tasks[0]
            assert view.status == "failed" and not view.billed and not view.deduplicated
            listed = await svc.list_tasks()
            assert len(listed.tasks) == attempt and listed.spent_24h_usd == 0
    assert sum(app.state.sandbox.stats().create_count.values()) == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("flow", ["official", "reverse", "stream"])
async def test_an_unexpected_fault_during_a_create_interrupts_the_task_never_leaves_it_queued(
    sandbox_settings: Settings, flow: str
) -> None:
    svc, _app = _local_fault_service(sandbox_settings, RuntimeError("surprise sk-x"))
    async with svc:
        try:
            view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        except errors.SubmitOutcomeUnknownError as raised:
            assert raised.task_id and "RuntimeError" in raised.message
            view = await svc.check_status(raised.task_id)
        assert view.status == "interrupted" and view.error is not None
        assert "Do not resubmit" in view.next_step
        again = await svc.generate(ASYNC[flow])
        assert again.deduplicated and again.status == "interrupted"


# -- hostile wire: bounded waits, caps, cut videos, keys in URLs (issue 13 items 5, 6, 9) -------


class _Hostile(httpx.AsyncBaseTransport):
    """The sandbox behind a transport that can dribble status answers and put a key in URLs."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, *, dribble: bool = False, key: str | None = None
    ) -> None:
        self.inner, self.dribble, self.key = inner, dribble, key
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        if self.key and request.url.params.get("key") == self.key:
            request.url = request.url.copy_remove_param("key")
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" or "json" not in response.headers.get("content-type", ""):
            return response
        body = await response.aread()
        if self.key:  # status and /content answers carry the URL, with the key in it
            data = json.loads(body)
            for field in ("video_url", "url"):
                if isinstance(data.get(field), str):
                    data[field] += ("&" if "?" in data[field] else "?") + f"key={self.key}"
            body = json.dumps(data).encode()
        stream: httpx.AsyncByteStream = _Dribble(body) if self.dribble else httpx.ByteStream(body)
        return httpx.Response(response.status_code, headers={"content-type": "application/json"},
                              stream=stream)  # fmt: skip


class _Dribble(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for byte in self.body:
            await asyncio.sleep(0.05)
            yield bytes([byte])


def _hostile_service(
    settings: Settings, *, api_key: str = "sk-sandbox", **options: Any
) -> tuple[VeoService, _Hostile]:
    app = create_app(SandboxConfig(time_scale=settings.time_scale))
    transport = _Hostile(StreamingASGITransport(app), **options)
    plain = dataclasses.replace(
        settings, sandbox=False, base_url=SANDBOX_BASE_URL, api_key=SecretStr(api_key)
    )
    svc = VeoService(plain, transport=transport)
    svc._eng.http.sleep = _no_sleep  # type: ignore[method-assign]
    return svc, transport


@pytest.mark.parametrize("wait_s", [0.0, 0.5])
async def test_a_dribbling_status_answer_cannot_hold_check_status_past_its_wait(
    sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch, wait_s: float
) -> None:
    monkeypatch.setattr(follow, "ANSWER_GRACE_S", 0.3)
    svc, _transport = _hostile_service(sandbox_settings, dribble=True)
    async with svc:
        view = await svc.generate(ASYNC["official"])
        started = time.monotonic()
        later = await svc.check_status(view.task_id, wait_seconds=wait_s)
        took = time.monotonic() - started
    assert took < wait_s + 1.5, f"check_status took {took:.1f} s"
    assert later.task_id == view.task_id and later.status in ("queued", "in_progress")
    assert later.error is not None and later.error.kind == "network" and later.error.retryable


async def test_a_create_rate_limited_for_long_fails_at_once_without_sleeping_or_sending(
    sandbox_settings: Settings,
) -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    rule = FaultRule("create", "429", channel=None, times=10)
    async with _service(sandbox_settings, rule, retry_after_s=120) as svc:
        svc._eng.http.sleep = sleep  # type: ignore[method-assign]
        started = time.monotonic()
        with pytest.raises(errors.RateLimitError, match="Wait 2 min") as raised:
            await svc.generate(ASYNC["official"])
        assert time.monotonic() - started < 2 and sleeps == []
        (row,) = await svc.journal.list()
        assert row.status == "failed" and row.error_kind == "rate_limited"
        assert raised.value.retry_after == 120 and not (await svc.list_tasks()).tasks[0].billed
        assert svc.sandbox is not None and sum(svc.sandbox.stats().create_count.values()) == 0


@pytest.mark.parametrize("flow", ["official", "reverse"])
async def test_a_truncated_file_left_on_disk_is_fetched_again_not_trusted(
    sandbox_settings: Settings, flow: str
) -> None:
    async with _service(sandbox_settings) as svc:
        view = await svc.generate({**ASYNC[flow], "wait_seconds": 30})
        assert view.video_path and svc.sandbox is not None
        path = Path(view.video_path)
        path.write_bytes(svc.sandbox.video[: len(svc.sandbox.video) // 2])  # an old version's cut
        again = await svc.check_status(view.task_id)
        assert again.video_path == view.video_path
        assert path.read_bytes() == svc.sandbox.video
        _assert_clean(svc, sandbox_settings.output_dir)


async def test_a_key_echoed_in_a_video_url_is_never_stored_shown_or_logged(
    sandbox_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    key = "plainKey0123456789abcdef"
    caplog.set_level(logging.DEBUG)
    svc, transport = _hostile_service(sandbox_settings, api_key=key, key=key)
    async with svc:
        view = await svc.generate({**ASYNC["reverse"], "wait_seconds": 30})
        assert view.video_path
        Path(view.video_path).unlink()  # fetched again from the stored (redacted) URL
        transport.urls.clear()
        again = await svc.check_status(view.task_id)
        rows = await svc.journal.list()
    assert again.video_path and Path(again.video_path).is_file()
    assert transport.urls[-1] == f"{view.video_url}".replace("[redacted]", key)
    assert view.status == "completed" and view.video_path
    assert view.video_url and "[redacted]" in view.video_url and key not in view.model_dump_json()
    assert all(key not in (row.video_url or "") for row in rows)
    assert key not in caplog.text
    assert any(f"key={key}" in url for url in transport.urls), "fetched with the key restored"
