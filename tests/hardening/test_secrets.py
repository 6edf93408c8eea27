"""The API key never shows: not in a tool result, a log or progress message, an exception, a
``repr``, the journal or the CLI's output; and it is sent to the API only, never to a video host.

The key is a distinctive canary. The API is the sandbox behind a recording transport that moves
the Reverse video URLs to another host, so every request (its URL and headers) can be checked.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hardening_support import FRONT_ENDS, files_containing, open_front_end
from langchain_core.callbacks import AsyncCallbackHandler
from pydantic import SecretStr

from veo_tools.cli import main
from veo_tools.errors import AuthenticationError, VeoError
from veo_tools.langchain import VeoToolkit
from veo_tools.sandbox import SandboxConfig, StreamingASGITransport, create_app, make_server
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.transport.http import ApiHttp

KEY = "sk-SECRET-canary-1234567890"
#: A key that does not look like one (no ``sk-``): only exact redaction can hide it.
PLAIN_KEY = "canary-4f1e9b2c-plain-shape"
API = "https://api.veo-test.example"
API_HOST = "api.veo-test.example"
CDN_HOST = "cdn.videos-elsewhere.example"
TIME_SCALE = 0.002

FLOWS: dict[str, dict[str, Any]] = {
    "reverse-async": {"prompt": "a paper boat", "channel": "reverse"},
    "reverse-stream": {"prompt": "a paper kite", "channel": "reverse", "mode": "stream"},
    "official": {"prompt": "a paper crane", "channel": "official"},
}


@dataclass(frozen=True)
class Sent:
    method: str
    url: httpx.URL
    headers: httpx.Headers

    def carries(self, secret: str) -> bool:
        return secret in str(self.url) or any(secret in v for v in self.headers.values())


class Gateway(httpx.AsyncBaseTransport):
    """The sandbox app as the API at ``API``, recording every request; its Reverse video URLs
    are rewritten to ``CDN_HOST`` (served by the same app), like a real CDN link."""

    def __init__(self, config: SandboxConfig) -> None:
        self.inner = StreamingASGITransport(create_app(config))
        self.sent: list[Sent] = []

    def to(self, host: str) -> list[Sent]:
        return [s for s in self.sent if s.url.host == host]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(Sent(request.method, request.url, httpx.Headers(request.headers)))
        response = await self.inner.handle_async_request(request)
        kind = response.headers.get("content-type", "")
        if request.url.host == CDN_HOST or not ("json" in kind or "event-stream" in kind):
            return response
        body = await response.aread()
        await response.aclose()
        moved = body.replace(
            f"{API}/sandbox/assets/".encode(), f"https://{CDN_HOST}/sandbox/assets/".encode()
        )
        headers = [(k, v) for k, v in response.headers.multi_items() if k != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=moved)


def settings_in(root: Path, key: str = KEY) -> Settings:
    return Settings.from_env(
        {},
        api_key=key,
        base_url=API,
        time_scale=TIME_SCALE,
        state_dir=root / "state",
        output_dir=root / "out",
        input_dirs=[root],
    )


def sandbox_config(*accepted_keys: str) -> SandboxConfig:
    return SandboxConfig(time_scale=TIME_SCALE, api_keys=accepted_keys or (KEY,))


async def _no_sleep(_seconds: float) -> None:
    return None


def assert_no_key_in_any_file(root: Path, key: str = KEY) -> None:
    """Journal (main file, WAL and shared memory), videos, everything: raw bytes."""
    assert files_containing(root, key.encode()) == []


# ---- where the key is sent ----------------------------------------------------------------------


@pytest.mark.parametrize("flow", FLOWS)
async def test_the_key_is_sent_to_the_api_only_and_never_to_the_video_host(
    tmp_path: Path, flow: str
) -> None:
    gateway = Gateway(sandbox_config())
    async with VeoService(settings_in(tmp_path), transport=gateway) as service:
        view = await service.generate({**FLOWS[flow], "wait_seconds": 30})
    assert view.status == "completed" and view.video_path and Path(view.video_path).is_file()

    assert {s.url.host for s in gateway.sent} <= {API_HOST, CDN_HOST}
    api = gateway.to(API_HOST)
    assert api and all(s.headers.get("authorization") == f"Bearer {KEY}" for s in api)
    video = gateway.to(CDN_HOST)
    if flow.startswith("reverse"):
        assert view.video_url and view.video_url.startswith(f"https://{CDN_HOST}/")
        assert [s.method for s in video] == ["GET"]
    for sent in video:
        assert "authorization" not in sent.headers
        assert not sent.carries(KEY) and not sent.carries("sk-")
    assert KEY not in view.model_dump_json()
    assert_no_key_in_any_file(tmp_path)


async def test_a_video_url_on_the_api_host_but_another_port_gets_no_key(tmp_path: Path) -> None:
    gateway = Gateway(sandbox_config())
    http = ApiHttp(API, SecretStr(KEY), transport=gateway)
    async with http:
        other_origin = f"{API}:8443/sandbox/assets/nothing.mp4"
        with pytest.raises(VeoError):
            await http.download_to(other_origin, tmp_path / "v.mp4", api=False)
        with pytest.raises(VeoError, match="Refusing to send the API key"):
            await http.download_to(other_origin, tmp_path / "v.mp4", api=True)
    assert [s.headers.get("authorization") for s in gateway.sent] == [None]


# ---- tool results, MCP logs and progress, LangChain events --------------------------------------


class Recorder(AsyncCallbackHandler):
    """Every LangChain callback payload a tool call produces (progress events, results)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        self.seen.append(f"{name} {data!r}")

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self.seen.append(repr(output))

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append(repr(error))


@pytest.mark.parametrize("kind", FRONT_ENDS)
async def test_no_tool_result_log_or_progress_message_shows_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(f"{progress}/{total} {message}")

    async def on_log(params: Any) -> None:
        seen.append(repr(params))

    async def on_message(message: Any) -> None:
        seen.append(repr(message))

    recorder = Recorder()
    gateway = Gateway(sandbox_config())
    async with open_front_end(
        kind,
        lambda: VeoService(settings_in(tmp_path), transport=gateway),
        mcp_options={"logging_callback": on_log, "message_handler": on_message},
        callbacks=[recorder],
    ) as tools:
        done = [
            await tools.call(
                "generate_video", {**FLOWS[flow], "wait_seconds": 20}, progress=on_progress
            )
            for flow in FLOWS
        ]
        listed = await tools.call("list_tasks", {})
        first = done[0].data or {}
        status = await tools.call("check_status", {"task_id": first["task_id"]})
        missing = await tools.call("check_status", {"task_id": "veo_0000000000000000"})
        invalid = await tools.call("generate_video", {"prompt": "x", "seconds": 45})
    assert [r.error for r in (*done, listed, status, missing, invalid)] == [False] * 5 + [True] * 2
    assert all(reply.data and reply.data["status"] == "completed" for reply in done)
    assert len(gateway.to(CDN_HOST)) == 2  # both Reverse videos came from the other host

    for reply in (*done, listed, status, missing, invalid):
        assert KEY not in reply.text
    if kind == "mcp":
        assert any("task_id=" in line for line in seen), "no progress notification arrived"
    else:
        assert any("veo_progress" in line for line in recorder.seen)
    assert not [line for line in (*seen, *recorder.seen) if KEY in line]
    assert_key_not_logged(caplog)
    assert_no_key_in_any_file(tmp_path)


def assert_key_not_logged(caplog: pytest.LogCaptureFixture, key: str = KEY) -> None:
    assert caplog.records, "nothing was logged: the capture is not working"
    formatter = logging.Formatter()
    for record in caplog.records:
        assert key not in formatter.format(record), record.name
        assert key not in repr(record.args)
    assert key not in caplog.text


@pytest.mark.parametrize("kind", FRONT_ENDS)
async def test_a_rejected_key_tells_the_agent_to_check_apiyi_api_key_without_echoing_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = Gateway(sandbox_config("sk-the-key-the-api-knows"))
    async with open_front_end(
        kind, lambda: VeoService(settings_in(tmp_path), transport=gateway)
    ) as tools:
        refused = await tools.call(
            "generate_video", {"prompt": "a paper boat", "channel": "reverse"}
        )
        listed = await tools.call("list_tasks", {})
    assert refused.error and not listed.error
    for needed in ("401", "APIYI_API_KEY", "https://api.apiyi.com/token"):
        assert needed in refused.text
    assert KEY not in refused.text and KEY not in listed.text
    assert_key_not_logged(caplog)
    assert_no_key_in_any_file(tmp_path)


# ---- exceptions, including a server that echoes the key back ------------------------------------


def _echoing_api(key: str, status: int, body_kind: str) -> httpx.MockTransport:
    said = f"Invalid token: Bearer {key} (request id 42)"

    def handle(request: httpx.Request) -> httpx.Response:
        if body_kind == "json":
            return httpx.Response(status, json={"error": {"message": said, "code": key}})
        return httpx.Response(status, text=said, headers={"retry-after": "0"})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY])
@pytest.mark.parametrize(
    ("status", "body_kind"),
    [(401, "json"), (401, "text"), (400, "json"), (403, "text"), (429, "json"), (502, "text")],
)
async def test_errors_never_carry_the_key_even_when_the_server_echoes_it(
    tmp_path: Path, key: str, status: int, body_kind: str
) -> None:
    transport = _echoing_api(key, status, body_kind)
    async with VeoService(
        settings_in(tmp_path, key), transport=transport, sleep=_no_sleep
    ) as service:
        with pytest.raises(VeoError) as caught:
            await service.generate({"prompt": "a paper boat", "channel": "reverse"})
        listed = (await service.list_tasks()).model_dump_json()
    error = caught.value
    shown = [str(error), repr(error), error.message, *map(str, error.args), listed]
    shown.append("".join(traceback.format_exception(error)))  # chained causes included
    assert not [text for text in shown if key in text]
    if status == 401:
        assert isinstance(error, AuthenticationError)
        assert "APIYI_API_KEY" in error.message and "[redacted]" in error.message
    assert_no_key_in_any_file(tmp_path, key)


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY])
async def test_a_failed_task_whose_reason_echoes_the_key_is_stored_and_shown_redacted(
    tmp_path: Path, key: str
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"id": "video_1", "status": "queued"})
        reason = f"upstream refused the request made with {key}"
        return httpx.Response(200, json={"id": "video_1", "status": "failed", "error": reason})

    transport = httpx.MockTransport(handle)
    async with VeoService(
        settings_in(tmp_path, key), transport=transport, sleep=_no_sleep
    ) as service:
        view = await service.generate({"prompt": "a paper boat", "channel": "reverse"})
        view = await service.check_status(view.task_id)
        listed = (await service.list_tasks()).model_dump_json()
    assert view.status == "failed" and view.error is not None
    assert "upstream refused the request made with" in view.error.message
    assert key not in view.model_dump_json() and key not in listed
    assert_no_key_in_any_file(tmp_path, key)


def _sse(*texts: str) -> bytes:
    chunks = [
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": text}}]}
        for text in texts
    ]
    lines = [f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n" for chunk in chunks]
    return "".join([*lines, "data: [DONE]\n\n"]).encode()


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY])
async def test_a_stream_that_echoes_the_key_in_progress_and_failure_shows_it_nowhere(
    tmp_path: Path, key: str
) -> None:
    body = _sse(f"视频生成中... 40% (token {key})\n", f"生成失败: token {key} is not allowed\n")

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    progress: list[str] = []
    transport = httpx.MockTransport(handle)
    async with VeoService(
        settings_in(tmp_path, key), transport=transport, sleep=_no_sleep
    ) as service:
        view = await service.generate(
            {"prompt": "a paper boat", "channel": "reverse", "mode": "stream", "wait_seconds": 5},
            on_progress=lambda event: progress.append(event.message),
        )
        listed = (await service.list_tasks()).model_dump_json()
    assert view.status == "failed" and view.error is not None
    assert "is not allowed" in view.error.message
    assert any("40%" in message for message in progress)
    assert not [text for text in (*progress, view.model_dump_json(), listed) if key in text]
    assert_no_key_in_any_file(tmp_path, key)


# ---- repr and str -------------------------------------------------------------------------------


async def test_no_repr_or_str_shows_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APIYI_API_KEY", f"Bearer {KEY}")
    from_env = Settings.from_env(state_dir=tmp_path / "s", output_dir=tmp_path / "o")
    explicit = settings_in(tmp_path)
    assert (
        from_env.require_key().get_secret_value()
        == KEY
        == explicit.require_key().get_secret_value()
    )
    http = ApiHttp.from_settings(explicit, transport=Gateway(sandbox_config()))
    service = VeoService(explicit, transport=Gateway(sandbox_config()))
    toolkit = VeoToolkit(service=VeoService(explicit, transport=Gateway(sandbox_config())))
    try:
        objects: list[object] = [
            from_env,
            explicit,
            from_env.api_key,
            http,
            service,
            service.settings,
            service.journal,
            toolkit,
            toolkit.runner,
            *toolkit.get_tools(),
        ]
        for obj in objects:
            assert KEY not in repr(obj), type(obj).__name__
            assert KEY not in str(obj), type(obj).__name__
        assert KEY not in repr(vars(http))
        assert KEY not in repr(vars(from_env))
        assert "set" in repr(explicit)  # says whether a key is set, not which
    finally:
        await http.aclose()
        await service.aclose()
        await toolkit.aclose()


# ---- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APIYI_API_KEY", KEY)
    monkeypatch.setenv("VEO_TOOLS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("VEO_TOOLS_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("VEO_TOOLS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VEO_TOOLS_INPUT_DIRS", str(tmp_path))
    return tmp_path


@pytest.fixture
def refusing_api(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    serve_in_thread: Callable[[uvicorn.Server], str],
) -> str:
    """The sandbox over loopback HTTP, knowing a different key: every API call answers 401."""
    config = SandboxConfig(time_scale=TIME_SCALE, api_keys=("sk-the-key-the-api-knows",))
    base = serve_in_thread(make_server("127.0.0.1", 0, config, log_level="warning"))
    monkeypatch.setenv("APIYI_BASE_URL", base)
    return base


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_cli_never_prints_the_key(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = {
        "generate": _run(capsys, "--sandbox", "generate", "a paper boat", "--wait", "30"),
        "stream": _run(
            capsys, "--sandbox", "generate", "a kite", "--channel", "reverse", "--mode", "stream"
        ),
        "tasks": _run(capsys, "--sandbox", "tasks"),
        "tasks-json": _run(capsys, "--sandbox", "--json", "tasks"),
        "unknown-task": _run(capsys, "--sandbox", "status", "veo_0000000000000000"),
        "debug-unknown-task": _run(capsys, "--sandbox", "--debug", "status", "veo_nope"),
        "bad-input": _run(capsys, "--sandbox", "generate", "x", "--seed", "-4"),
    }
    codes = {name: code for name, (code, _) in runs.items()}
    assert codes == {
        "generate": 0,
        "stream": 0,
        "tasks": 0,
        "tasks-json": 0,
        "unknown-task": 2,
        "debug-unknown-task": 2,
        "bad-input": 2,
    }
    assert "completed" in runs["generate"][1]
    assert not [name for name, (_, output) in runs.items() if KEY in output]
    assert_no_key_in_any_file(cli_env)


def test_the_cli_explains_a_rejected_key_without_printing_it(
    refusing_api: str, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(capsys, "generate", "a paper boat", "--channel", "reverse")
    assert code == 3
    assert "401" in output and "APIYI_API_KEY" in output
    debug_code, debug_output = _run(
        capsys, "--debug", "generate", "a kite", "--channel", "official"
    )
    assert debug_code == 3 and "Traceback" in debug_output and "APIYI_API_KEY" in debug_output
    assert KEY not in output and KEY not in debug_output
    assert_no_key_in_any_file(cli_env)
