"""StreamingASGITransport: streams both ways, and behaves like a socket when things go wrong."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from veo_tools.sandbox import StreamingASGITransport

URL = "http://app.invalid/"


def client(app: Any, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=StreamingASGITransport(app, **kwargs), base_url=URL)


async def start(
    send: Send, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})


class TickingApp:
    """Sends ``ticks`` body chunks ``gap`` seconds apart; records whether it was cancelled."""

    def __init__(self, ticks: int = 3, gap: float = 0.05) -> None:
        self.ticks, self.gap = ticks, gap
        self.cancelled = False
        self.finished = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await start(send)
        try:
            for i in range(self.ticks):
                await send({"type": "http.response.body", "body": b"%d\n" % i, "more_body": True})
                await asyncio.sleep(self.gap)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        self.finished = True


async def test_chunks_reach_the_client_as_the_app_sends_them() -> None:
    app = TickingApp(ticks=3, gap=0.15)
    arrivals: list[float] = []
    t0 = time.monotonic()
    async with client(app) as c, c.stream("GET", "/") as response:
        async for _ in response.aiter_raw():
            arrivals.append(time.monotonic() - t0)
    assert len(arrivals) == 3
    assert arrivals[0] < 0.12, "the first chunk must not wait for the whole body"
    assert arrivals[-1] >= 0.3


async def test_the_whole_body_is_available_to_a_non_streaming_request() -> None:
    async with client(TickingApp(ticks=4, gap=0.001)) as c:
        response = await c.get("/")
    assert response.content == b"0\n1\n2\n3\n"


async def test_the_request_body_is_streamed_to_the_app_in_chunks() -> None:
    seen: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            seen.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await start(send)
        await send({"type": "http.response.body", "body": str(sum(seen)).encode()})

    async def body() -> Any:
        for _ in range(3):
            yield b"x" * 1000

    async with client(app) as c:
        response = await c.post("/", content=body())
    assert response.text == "3000"
    assert seen[:3] == [1000, 1000, 1000]


async def test_closing_the_response_early_cancels_the_app() -> None:
    app = TickingApp(ticks=100, gap=0.01)
    async with client(app) as c, c.stream("GET", "/") as response:
        async for _ in response.aiter_raw():
            break
    assert app.cancelled and not app.finished


async def test_cancelling_the_request_before_the_response_cancels_the_app() -> None:
    cancelled = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with client(app) as c:
        request = asyncio.create_task(c.get("/"))
        await asyncio.sleep(0.01)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
    assert cancelled.is_set()


async def test_the_app_sees_a_disconnect_once_the_response_is_closed() -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        messages.append(await receive())
        await start(send)
        await send({"type": "http.response.body", "body": b"ok", "more_body": False})
        messages.append(await receive())

    async with client(app) as c:
        await c.get("/")
    assert [m["type"] for m in messages] == ["http.request", "http.disconnect"]


async def test_an_app_error_before_the_response_is_raised_to_the_client() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    async with client(app) as c:
        with pytest.raises(RuntimeError, match="boom"):
            await c.get("/")


async def test_an_app_error_mid_body_is_raised_when_the_body_is_read() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send)
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("mid-stream")

    async with client(app) as c:
        with pytest.raises(RuntimeError, match="mid-stream"):
            await c.get("/")


async def test_app_errors_become_a_500_when_not_raised() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("hidden")

    async with client(app, raise_app_exceptions=False) as c:
        response = await c.get("/")
    assert response.status_code == 500


async def test_a_body_shorter_than_its_content_length_is_a_protocol_error() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, headers=[(b"content-length", b"10")])
        await send({"type": "http.response.body", "body": b"12345", "more_body": False})

    async with client(app) as c:
        with pytest.raises(httpx.RemoteProtocolError, match="received 5 bytes, expected 10"):
            await c.get("/")


async def test_the_read_timeout_applies_to_a_silent_app() -> None:
    app = TickingApp(ticks=2, gap=5)

    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(5)

    async with client(silent) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.get("/", timeout=httpx.Timeout(5, read=0.05))
    async with client(app) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.get("/", timeout=httpx.Timeout(5, read=0.05))
    assert app.cancelled
