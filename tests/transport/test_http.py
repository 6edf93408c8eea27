"""ApiHttp: auth, the status map, retries, the never-resend rule, downloads, and key hygiene."""

from __future__ import annotations

import email.utils
import logging
import struct
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mp4_support import FTYP, MOOV, mp4_bytes
from pydantic import SecretStr

from veo_tools.errors import (
    APIError,
    AuthenticationError,
    DownloadError,
    InsufficientBalanceError,
    InvalidRequestError,
    ModelUnavailableError,
    RateLimitError,
    ServerError,
    SubmitOutcomeUnknownError,
    TaskNotFoundError,
    TransportError,
    VeoError,
)
from veo_tools.settings import Settings
from veo_tools.transport.http import ApiHttp, error_from_response
from veo_tools.transport.redaction import redact
from veo_tools.transport.retry_after import parse_retry_after

KEY = "sk-live-DO-NOT-LEAK-0123456789abcdef"
BASE = "https://api.example.test"
MP4 = mp4_bytes()

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """The transport's view: every request seen, every sleep asked for."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def http(self, **kwargs: Any) -> ApiHttp:
        return ApiHttp(
            BASE, SecretStr(KEY), transport=httpx.MockTransport(self), sleep=self.sleep, **kwargs
        )


def answers(*responses: httpx.Response | type[httpx.TransportError]) -> Handler:
    """A handler that plays ``responses`` in order (repeating the last); exception classes are
    raised as if the network failed."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type):
            raise answer("simulated", request=request)
        return answer

    return handler


def assert_no_key(exc: BaseException) -> None:
    assert KEY not in str(exc) and KEY not in repr(exc)
    assert KEY[3:] not in str(exc)


# -- auth and key hygiene -----------------------------------------------------------------------


async def test_api_requests_carry_a_bearer_authorization_header() -> None:
    rec = Recorder(answers(httpx.Response(200, json={})))
    async with rec.http() as http:
        await http.request("GET", "/v1/videos/t")
    assert rec.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert str(rec.requests[0].url) == f"{BASE}/v1/videos/t"


async def test_repr_of_the_http_layer_never_shows_the_key() -> None:
    async with Recorder(answers(httpx.Response(200))).http() as http:
        assert KEY not in repr(http) and KEY not in str(http)


async def test_a_foreign_host_never_receives_the_key() -> None:
    rec = Recorder(answers(httpx.Response(200)))
    async with rec.http() as http:
        with pytest.raises(InvalidRequestError, match="Refusing to send the API key") as info:
            await http.request("GET", "https://evil.example.com/steal")
    assert rec.requests == []
    assert_no_key(info.value)


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 422, 429, 500, 502, 503])
async def test_no_error_message_or_repr_contains_the_key_even_when_the_server_echoes_it(
    status: int,
) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY} (Bearer {KEY})"}}
    rec = Recorder(answers(httpx.Response(status, json=body)))
    async with rec.http(max_retries=0) as http:
        with pytest.raises(VeoError) as info:
            await http.request("GET", "/v1/videos/t")
    assert_no_key(info.value)
    assert "[redacted]" in str(info.value)


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ReadTimeout, httpx.ReadError])
async def test_no_transport_error_contains_the_key(failure: type[httpx.TransportError]) -> None:
    async with Recorder(answers(failure)).http(max_retries=1) as http:
        with pytest.raises(TransportError) as info:
            await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert_no_key(info.value)


async def test_retry_logs_never_contain_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"error": {"message": f"bad key {KEY}"}}
    async with Recorder(answers(httpx.Response(500, json=body))).http(max_retries=2) as http:
        with pytest.raises(ServerError):
            await http.request("GET", "/v1/videos/t")
    assert caplog.records and KEY not in caplog.text


def test_redaction_removes_key_shaped_text_but_not_ordinary_words() -> None:
    assert redact(f"bad key Bearer {KEY}.") == "bad key [redacted]."
    assert redact("task-abc123 failed on disk-full") == "task-abc123 failed on disk-full"
    assert redact("key sk-other-1234 rejected") == "key [redacted] rejected"


def test_from_settings_takes_the_key_base_url_and_limits_from_settings() -> None:
    settings = Settings(api_key=SecretStr(KEY), base_url=BASE + "/", max_retries=2)
    http = ApiHttp.from_settings(
        settings, transport=httpx.MockTransport(answers(httpx.Response(200)))
    )
    assert (http.base_url, http.max_retries, http.stream_timeout) == (BASE, 2, 900.0)
    assert KEY not in repr(http)


# -- status map ---------------------------------------------------------------------------------


def response(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


HTML = "<!DOCTYPE html><html><head><title>502</title></head><body>nginx</body></html>"


def err(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "new_api_error", "code": ""}}


def task_err(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "data": None}


QUOTA = "user [65944] quota [-14305] preConsumedQuota [7500] is not enough"
AS_HTML = {"content-type": "text/html"}
STATUS_CASES = {
    "400-openai": (response(400, err("prompt is required")), InvalidRequestError, "is required"),
    "400-newapi": (
        response(400, task_err("invalid_request", "seconds must be a string")),
        InvalidRequestError,
        "seconds must be a string",
    ),
    "400-task_not_exist": (
        response(400, task_err("task_not_exist", "task_not_exist")),
        TaskNotFoundError,
        "task_not_exist",
    ),
    "400-message": (response(400, {"message": "bad field"}), InvalidRequestError, "bad field"),
    "400-text": (response(400, "plain words"), InvalidRequestError, "plain words"),
    "400-html": (response(400, HTML, **AS_HTML), InvalidRequestError, "HTML page"),
    "401": (response(401, err("无效的令牌")), AuthenticationError, "APIYI_API_KEY"),
    "402": (response(402, err("Insufficient balance")), InsufficientBalanceError, "Top up"),
    "403-quota": (response(403, err(QUOTA)), InsufficientBalanceError, "Top up"),
    "403-余额": (response(403, err("用户余额不足")), InsufficientBalanceError, "余额"),
    "403-forbidden": (response(403, err("forbidden")), AuthenticationError, "Forbidden"),
    "404-task": (response(404, err("Task not found")), TaskNotFoundError, "task id"),
    "404-model": (
        response(404, err("The model 'veo-31' does not exist")),
        ModelUnavailableError,
        "other channel",
    ),
    "413": (response(413, "Request Entity Too Large"), InvalidRequestError, "too large"),
    "422": (response(422, {"message": "unprocessable"}), InvalidRequestError, "unprocessable"),
    "429-rate": (
        response(429, err("当前分组上游负载已饱和，请稍后再试"), **{"retry-after": "7"}),
        RateLimitError,
        "Wait 7 s",
    ),
    "429-balance": (
        response(429, err("Rate limit or insufficient balance")),
        InsufficientBalanceError,
        "Top up",
    ),
    "500": (response(500, err("INTERNAL")), ServerError, "try again"),
    "502-html": (response(502, HTML, **AS_HTML), ServerError, "HTML error page"),
    "503-no-channels": (
        response(503, err("no available channels")),
        ModelUnavailableError,
        "not enabled for this key's group",
    ),
    "503-无可用渠道": (
        response(503, err("当前模型 veo-3.1 无可用渠道")),
        ModelUnavailableError,
        "other channel",
    ),
    "503-plain": (response(503, "Service Unavailable"), ServerError, "HTTP 503"),
    "301": (response(301, "moved", location="https://x.test"), APIError, "APIYI_BASE_URL"),
}


@pytest.mark.parametrize(
    ("answer", "kind", "says"), list(STATUS_CASES.values()), ids=list(STATUS_CASES)
)
def test_error_from_response_maps_each_status_to_an_actionable_error(
    answer: httpx.Response, kind: type[VeoError], says: str
) -> None:
    error = error_from_response(answer)
    assert type(error) is kind
    assert says in error.message
    assert error.status_code == answer.status_code


def test_error_from_response_truncates_long_bodies() -> None:
    error = error_from_response(response(400, "x" * 10_000))
    assert len(error.message) < 600 and "…" in error.message


def test_rate_limit_error_carries_retry_after_seconds() -> None:
    error = error_from_response(response(429, "slow down", **{"retry-after": "12"}))
    assert isinstance(error, RateLimitError) and error.retry_after == 12.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = time.time()
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(
        email.utils.formatdate(now + 20, usegmt=True), now=now
    ) == pytest.approx(20, abs=1)
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None


# -- retries ------------------------------------------------------------------------------------


async def test_a_429_waits_the_retry_after_seconds_then_succeeds() -> None:
    rec = Recorder(
        answers(response(429, "slow", **{"retry-after": "3"}), httpx.Response(200, json={}))
    )
    async with rec.http() as http:
        assert (await http.request("GET", "/v1/videos/t")).status_code == 200
    assert rec.sleeps == [3.0] and len(rec.requests) == 2


async def test_a_429_with_an_http_date_waits_until_that_date() -> None:
    later = email.utils.formatdate(time.time() + 10, usegmt=True)
    rec = Recorder(answers(response(429, "slow", **{"retry-after": later}), httpx.Response(200)))
    async with rec.http() as http:
        await http.request("GET", "/v1/videos/t")
    assert 8.0 <= rec.sleeps[0] <= 10.5


async def test_a_long_retry_after_is_capped_at_backoff_max() -> None:
    rec = Recorder(answers(response(429, "slow", **{"retry-after": "3600"}), httpx.Response(200)))
    async with rec.http(backoff_max=12.0) as http:
        await http.request("GET", "/v1/videos/t")
    assert rec.sleeps == [12.0]


async def test_server_errors_are_retried_with_capped_backoff_then_raised() -> None:
    rec = Recorder(answers(response(500, {"error": {"message": "INTERNAL"}})))
    async with rec.http(max_retries=4, backoff_base=1.0, backoff_max=5.0) as http:
        with pytest.raises(ServerError):
            await http.request("GET", "/v1/videos/t")
    assert len(rec.requests) == 5 and len(rec.sleeps) == 4
    assert all(0 < s <= 5.0 for s in rec.sleeps) and rec.sleeps[0] <= 2.0


async def test_a_create_request_is_retried_after_a_5xx_answer() -> None:
    rec = Recorder(answers(response(502, "bad gateway"), httpx.Response(200, json={"id": "t"})))
    async with rec.http() as http:
        await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert len(rec.requests) == 2


async def test_a_connect_error_is_retried_even_for_a_create_request() -> None:
    rec = Recorder(answers(httpx.ConnectError, httpx.Response(200, json={"id": "t"})))
    async with rec.http() as http:
        await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert len(rec.requests) == 2 and len(rec.sleeps) == 1


async def test_connect_errors_that_never_clear_raise_a_retryable_transport_error() -> None:
    rec = Recorder(answers(httpx.ConnectError))
    async with rec.http(max_retries=2) as http:
        with pytest.raises(TransportError, match="Could not connect") as info:
            await http.request("GET", "/v1/videos/t")
    assert info.value.retryable and len(rec.requests) == 3


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError]
)
async def test_a_create_request_that_may_have_arrived_is_never_resent(
    failure: type[httpx.TransportError],
) -> None:
    rec = Recorder(answers(failure))
    async with rec.http() as http:
        with pytest.raises(SubmitOutcomeUnknownError) as info:
            await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert len(rec.requests) == 1 and rec.sleeps == []
    message = info.value.message
    assert "do not submit again" in message and "billed" in message and "list_tasks" in message
    assert not info.value.retryable


async def test_a_gateway_timeout_on_a_create_request_is_never_resent() -> None:
    rec = Recorder(answers(response(504, "Gateway Time-out")))
    async with rec.http() as http:
        with pytest.raises(SubmitOutcomeUnknownError):
            await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert len(rec.requests) == 1


async def test_a_read_timeout_on_a_status_query_is_retried() -> None:
    rec = Recorder(answers(httpx.ReadTimeout, httpx.Response(200, json={})))
    async with rec.http() as http:
        await http.request("GET", "/v1/videos/t")
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    "answer",
    [response(400, "bad"), response(401, "no"), response(429, {"error": {"message": "quota"}})],
    ids=["400", "401", "429-balance"],
)
async def test_errors_that_retrying_cannot_fix_are_raised_at_once(answer: httpx.Response) -> None:
    rec = Recorder(answers(answer))
    async with rec.http() as http:
        with pytest.raises(VeoError):
            await http.request("GET", "/v1/videos/t")
    assert len(rec.requests) == 1 and rec.sleeps == []


# -- stream -------------------------------------------------------------------------------------


async def test_stream_maps_an_error_status_using_the_body() -> None:
    rec = Recorder(answers(response(503, {"error": {"message": "no available channels"}})))
    async with rec.http() as http:
        with pytest.raises(ModelUnavailableError, match="no available channels"):
            async with http.stream("POST", "/v1/chat/completions", json={}):
                pass
    assert len(rec.requests) == 1


async def test_stream_read_timeout_before_the_answer_is_never_resent() -> None:
    rec = Recorder(answers(httpx.ReadTimeout))
    async with rec.http() as http:
        with pytest.raises(SubmitOutcomeUnknownError):
            async with http.stream("POST", "/v1/chat/completions", json={}):
                pass
    assert len(rec.requests) == 1


async def test_stream_uses_the_long_stream_timeout() -> None:
    sse = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"data: x\n\n")
    rec = Recorder(answers(sse))
    async with (
        rec.http(stream_timeout=123.0) as http,
        http.stream("POST", "/v1/chat/completions", json={}) as answer,
    ):
        assert await answer.aread() == b"data: x\n\n"
    assert rec.requests[0].extensions["timeout"]["read"] == 123.0


# -- downloads ----------------------------------------------------------------------------------


def video(content: bytes = MP4, **headers: str) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": "video/mp4", **headers})


async def download(
    handler: Handler, dest: Path, *, api: bool = True, url: str = "/v1/videos/t/content"
) -> Recorder:
    rec = Recorder(handler)
    async with rec.http(max_retries=1) as http:
        await http.download_to(url, dest, api=api)
    return rec


async def test_download_writes_the_video_and_leaves_no_temp_file(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "v.mp4"
    await download(answers(video()), dest)
    assert dest.read_bytes() == MP4
    assert list(dest.parent.iterdir()) == [dest]


async def test_download_streams_a_large_body_in_chunks(tmp_path: Path) -> None:
    head = FTYP + MOOV + struct.pack(">I", 8 + 40 * 65536) + b"mdat"

    class Chunks(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield head
            for _ in range(40):
                yield b"\x01" * 65536

    big = httpx.Response(200, headers={"content-type": "video/mp4"}, stream=Chunks())
    await download(answers(big), tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").stat().st_size == len(head) + 40 * 65536


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (video(b"\x00\x00\x00\x18moovxxxx" * 10), "not an MP4"),
        (video(MP4, **{"content-length": str(len(MP4) + 100)}), "Incomplete download"),
        (
            httpx.Response(200, json={"error": {"message": "video not ready"}}),
            "JSON instead of a video: video not ready",
        ),
        (
            httpx.Response(200, text=HTML, headers={"content-type": "text/html"}),
            "HTML instead of a video",
        ),
        (video(b'{"message": "oops"}' * 3, **{"content-type": "application/octet-stream"}), "oops"),
        (video(b""), "empty"),
    ],
    ids=["no-ftyp", "length-mismatch", "json", "html", "json-as-octet-stream", "empty"],
)
async def test_a_bad_download_is_an_error_and_leaves_nothing_behind(
    tmp_path: Path, answer: httpx.Response, says: str
) -> None:
    with pytest.raises(DownloadError, match=says):
        await download(answers(answer), tmp_path / "v.mp4")
    assert list(tmp_path.iterdir()) == []


async def test_a_download_cut_midway_leaves_nothing_and_keeps_an_older_file(tmp_path: Path) -> None:
    class Cut(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield MP4
            raise httpx.ReadError("reset")

    def cut(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "video/mp4"}, stream=Cut())

    dest = tmp_path / "v.mp4"
    dest.write_bytes(b"older")
    with pytest.raises(DownloadError, match=r"connection broke.*tried 3 time"):
        await download(cut, dest)
    assert list(tmp_path.iterdir()) == [dest] and dest.read_bytes() == b"older"


async def test_the_download_client_never_sends_authorization_to_a_video_host(
    tmp_path: Path,
) -> None:
    rec = await download(
        answers(video()), tmp_path / "v.mp4", api=False, url="https://cdn.example.com/a.mp4"
    )
    (request,) = rec.requests
    assert request.url.host == "cdn.example.com"
    assert "authorization" not in request.headers
    assert all(KEY not in value for value in request.headers.values())


async def test_the_download_client_follows_redirects_without_authorization(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.example.com":
            return httpx.Response(302, headers={"location": "https://store.example.net/a.mp4"})
        return video()

    rec = await download(
        handler, tmp_path / "v.mp4", api=False, url="https://cdn.example.com/a.mp4"
    )
    assert [r.url.host for r in rec.requests] == ["cdn.example.com", "store.example.net"]
    assert all("authorization" not in r.headers for r in rec.requests)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/a.mp4", "data:video/mp4;base64,AA"])
async def test_download_refuses_urls_that_are_not_http(tmp_path: Path, url: str) -> None:
    with pytest.raises(InvalidRequestError, match="only http and https"):
        await download(answers(video()), tmp_path / "v.mp4", api=False, url=url)


async def test_an_expired_video_link_is_a_download_error_that_says_so(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="expired"):
        await download(
            answers(httpx.Response(404, text="NoSuchKey")),
            tmp_path / "v.mp4",
            api=False,
            url="https://cdn.example.com/a.mp4",
        )


async def test_a_video_host_5xx_is_retried(tmp_path: Path) -> None:
    rec = await download(
        answers(httpx.Response(503), video()),
        tmp_path / "v.mp4",
        api=False,
        url="https://cdn.example.com/a.mp4",
    )
    assert len(rec.requests) == 2 and (tmp_path / "v.mp4").read_bytes() == MP4


async def test_an_injected_api_client_is_used_and_left_open() -> None:
    rec = Recorder(answers(httpx.Response(200, json={})))
    client = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    async with ApiHttp(BASE, SecretStr(KEY), client=client, sleep=rec.sleep) as http:
        await http.request("GET", "/v1/videos/t")
    assert not client.is_closed and rec.requests[0].headers["authorization"] == f"Bearer {KEY}"
    await client.aclose()
