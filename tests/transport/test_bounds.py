"""Every request is bounded as a whole (body included) and by the call's deadline; answers and
stream lines have size caps; Retry-After is read sanely."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from pydantic import SecretStr

from veo_tools.channels._sse import LineTooLong, sse_data
from veo_tools.channels.base import VideoRequest
from veo_tools.channels.reverse import ReverseClient
from veo_tools.errors import RateLimitError, ServerError, SubmitOutcomeUnknownError, TransportError
from veo_tools.transport.deadline import deadline_after
from veo_tools.transport.error_map import error_from_response
from veo_tools.transport.http import ApiHttp
from veo_tools.transport.retry_after import parse_retry_after

BASE = "https://api.example.test"
KEY = "sk-live-bounds-0123456789abcdef"
TASK = b'{"id": "t1", "status": "in_progress", "progress": 10}'


class Dribble(httpx.AsyncByteStream):
    """One byte every ``every`` seconds: a per-chunk read time-out never trips."""

    def __init__(self, body: bytes, every: float = 0.05) -> None:
        self.body, self.every = body, every

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for byte in self.body * 1000:
            await asyncio.sleep(self.every)
            yield bytes([byte])


class Endless(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"id": "t1", "pad": "'
        while True:
            yield b"x" * 65536


class Sleeps:
    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def _http(handler: Callable[[httpx.Request], httpx.Response], **options: object) -> ApiHttp:
    return ApiHttp(BASE, SecretStr(KEY), transport=httpx.MockTransport(handler), **options)  # type: ignore[arg-type]


def _json(stream: httpx.AsyncByteStream, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers={"content-type": "application/json"}, stream=stream)


async def test_a_dribbling_status_answer_is_cut_at_the_calls_deadline() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json(Dribble(TASK))

    started = time.monotonic()
    async with _http(handler, read_timeout=30.0, sleep=Sleeps()) as http:
        with deadline_after(0.3), pytest.raises(TransportError, match="time this call allows"):
            await http.request("GET", "/v1/videos/t1")
    assert time.monotonic() - started < 2 and len(seen) == 1


async def test_without_a_call_deadline_the_read_timeout_bounds_the_whole_answer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json(Dribble(TASK))

    started = time.monotonic()
    async with _http(handler, read_timeout=0.2, max_retries=1, sleep=Sleeps()) as http:
        with pytest.raises(TransportError, match=r"within 0\.2 s"):
            await http.request("GET", "/v1/videos/t1")
    assert time.monotonic() - started < 2 and len(seen) == 2  # retried once, then reported


async def test_a_create_under_way_is_not_cut_by_the_call_deadline_and_never_resent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json(Dribble(TASK))

    started = time.monotonic()
    async with _http(handler, read_timeout=0.4, sleep=Sleeps()) as http:
        with deadline_after(0.05), pytest.raises(SubmitOutcomeUnknownError, match="do not submit"):
            await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert time.monotonic() - started >= 0.4 and len(seen) == 1


@pytest.mark.parametrize("creates_task", [False, True])
async def test_an_endless_json_answer_stops_at_the_cap_and_is_not_asked_again(
    creates_task: bool,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _json(Endless())

    expected = SubmitOutcomeUnknownError if creates_task else ServerError
    async with _http(handler, sleep=Sleeps()) as http:
        with pytest.raises(expected, match="more than 1024 KiB"):
            await http.request("POST", "/v1/videos", json={}, creates_task=creates_task)
    assert len(seen) == 1


async def test_an_endless_error_answer_is_read_only_up_to_the_cap() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _json(Endless(), status=400)

    async with _http(handler, sleep=Sleeps()) as http:
        with pytest.raises(ServerError, match="more than 1024 KiB"):
            await http.request("GET", "/v1/videos/t1")


def _rate_limited(retry_after: str) -> Callable[[httpx.Request], httpx.Response]:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            body = {"error": {"message": "busy"}}
            return httpx.Response(429, json=body, headers={"retry-after": retry_after})
        return httpx.Response(200, content=TASK, headers={"content-type": "application/json"})

    return handler


async def test_a_retry_after_longer_than_the_time_left_is_not_slept_and_nothing_is_resent() -> None:
    sleeps = Sleeps()
    async with _http(_rate_limited("120"), sleep=sleeps) as http:
        with deadline_after(10), pytest.raises(RateLimitError, match="Wait 2 min") as raised:
            await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert sleeps.asked == [] and raised.value.retry_after == 120


async def test_a_retry_after_within_the_time_left_is_slept_and_the_create_resent() -> None:
    sleeps = Sleeps()
    async with _http(_rate_limited("2"), sleep=sleeps) as http:
        with deadline_after(10):
            response = await http.request("POST", "/v1/videos", json={}, creates_task=True)
    assert response.status_code == 200 and sleeps.asked == [2.0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("inf", None),
        ("Infinity", None),
        ("nan", None),
        ("-5", 0.0),
        ("1e400", 86400.0),
        ("999999999", 86400.0),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 86400.0),
        ("Mon, 01 Jan 1990 00:00:00 GMT", 0.0),
        ("soon", None),
        ("45", 45.0),
    ],
)
def test_retry_after_values_are_clamped_and_phrased_sanely(
    header: str, seconds: float | None
) -> None:
    assert parse_retry_after(header) == seconds
    response = httpx.Response(429, json={"error": {"message": "slow down"}})
    response.headers["retry-after"] = header
    error = error_from_response(response)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None or math.isfinite(error.retry_after)
    wait = error.message.split("Wait ", 1)[1].split(" and try again")[0]
    assert wait in ("30-60 s", "a day or more") or wait.split()[0].isdigit(), wait


def _sse_response(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


async def test_sse_events_are_read_with_crlf_and_multiline_data() -> None:
    body = b": comment\r\ndata: one\r\ndata: two\r\n\r\nevent: x\ndata: three\n\ndata: [DONE]"
    got = [data async for data in sse_data(_sse_response(body))]
    assert got == ["one\ntwo", "three", "[DONE]"]


async def test_an_sse_line_over_the_cap_stops_the_read() -> None:
    body = b"data: ok\n\ndata: " + b"x" * 100_000 + b"\n\n"
    got: list[str] = []
    with pytest.raises(LineTooLong):
        async for data in sse_data(_sse_response(body), max_line=64 * 1024):
            got.append(data)
    assert got == ["ok"]


async def test_a_chat_stream_with_a_giant_line_is_an_unknown_outcome_not_a_memory_blowup() -> None:
    class Giant(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            chunk = {"choices": [{"delta": {"content": "progress 10%"}}]}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            yield b"data: "
            while True:
                yield b"y" * 65536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Giant())

    request = VideoRequest(model="veo-3.1-fast", prompt="a kite")
    async with _http(handler, sleep=Sleeps()) as http:
        events = []
        with pytest.raises(SubmitOutcomeUnknownError, match="longer than 64 KiB"):
            async for event in ReverseClient(http).stream(request):
                events.append(event)
    assert [e.progress for e in events] == [10]
