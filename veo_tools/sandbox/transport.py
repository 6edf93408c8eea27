"""An httpx transport that talks to an ASGI app in-process and *streams* its response.

``httpx.ASGITransport`` runs the app to the end and buffers the whole body, so a client reading a
server-sent-events stream would see every progress event at once, after the render. This
transport runs the app in its own task and hands each body chunk to the client as soon as the app
sends it. It also behaves like a socket where it matters to a client:

* the request body is streamed to the app (multipart uploads are not read into one buffer first);
* closing the response early, or cancelling the request, cancels the app task (a dropped
  connection);
* ``timeout.read`` is honoured while waiting for the response head and between body chunks, by
  raising :class:`httpx.ReadTimeout` (httpx applies no timeout to custom transports itself);
* a body shorter than its ``Content-Length`` raises :class:`httpx.RemoteProtocolError`, as httpcore
  does on a real connection;
* an exception in the app is raised to the client (``raise_app_exceptions=True``), before the
  response if the app failed before answering, else when the body has been read.

It needs asyncio (it spawns a task that outlives ``handle_async_request``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import MutableMapping
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

_END = object()


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=StreamingASGITransport(app), base_url="http://x")``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _Exchange(self, request)
        return await exchange.start()

    def scope(self, request: httpx.Request) -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": self.root_path,
        }


class _Exchange:
    """One request/response between the client and the app task."""

    def __init__(self, transport: StreamingASGITransport, request: httpx.Request) -> None:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        self.transport = transport
        self.request = request
        self.read_timeout: float | None = request.extensions.get("timeout", {}).get("read")
        self.body_iter = request.stream.__aiter__()
        self.request_done = False
        self.started = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.completed = False
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: asyncio.Queue[object] = asyncio.Queue()
        self.error: Exception | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> httpx.Response:
        self.task = asyncio.create_task(self._run())
        try:
            await self._wait_started()
        except BaseException:
            await self.close()
            raise
        if not self.started.is_set():
            if self.error is not None and self.transport.raise_app_exceptions:
                raise self.error
            self.chunks.put_nowait(_END)
        return httpx.Response(self.status, headers=self.headers, stream=_ResponseStream(self))

    async def _wait_started(self) -> None:
        assert self.task is not None
        waiter = asyncio.ensure_future(self.started.wait())
        try:
            done, _ = await asyncio.wait(
                {waiter, self.task}, timeout=self.read_timeout, return_when="FIRST_COMPLETED"
            )
        finally:
            waiter.cancel()
        if not done:
            raise httpx.ReadTimeout("timed out waiting for the response", request=self.request)

    async def _run(self) -> None:
        try:
            await self.transport.app(self.transport.scope(self.request), self.receive, self.send)
        except Exception as exc:
            self.error = exc
        finally:
            self.chunks.put_nowait(_END)

    async def receive(self) -> Message:
        while not self.request_done:
            try:
                body = await self.body_iter.__anext__()
            except StopAsyncIteration:
                self.request_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            if body:
                return {"type": "http.request", "body": body, "more_body": True}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if self.disconnected.is_set():
            return
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            self.started.set()
        elif message["type"] == "http.response.body":
            body = bytes(message.get("body", b""))
            if body and self.request.method != "HEAD":
                self.chunks.put_nowait(body)
            if not message.get("more_body", False):
                self.completed = True
                self.disconnected.set()
                self.chunks.put_nowait(_END)

    async def next_chunk(self) -> bytes | None:
        """The next body chunk; ``None`` at the end of the body."""
        try:
            async with asyncio.timeout(self.read_timeout):
                item = await self.chunks.get()
        except TimeoutError:
            await self.close()
            raise httpx.ReadTimeout(
                "timed out reading the response", request=self.request
            ) from None
        return item if isinstance(item, bytes) else None

    async def finish(self, received: int) -> None:
        """At the end of the body: surface an app error, or a short body."""
        if self.completed and self.task is not None:
            await asyncio.shield(self.task)
        if self.error is not None and self.transport.raise_app_exceptions:
            raise self.error
        declared = _content_length(self.headers)
        if declared is not None and received < declared and self.request.method != "HEAD":
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body: "
                f"received {received} bytes, expected {declared}",
                request=self.request,
            )

    async def close(self) -> None:
        """The client went away: tell the app, and cancel it if it is still running."""
        self.disconnected.set()
        task = self.task
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value)
    return None


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, exchange: _Exchange) -> None:
        self.exchange = exchange
        self.received = 0
        self.ended = False

    def __aiter__(self) -> _ResponseStream:
        return self

    async def __anext__(self) -> bytes:
        if self.ended:
            raise StopAsyncIteration
        chunk = await self.exchange.next_chunk()
        if chunk is None:
            self.ended = True
            await self.exchange.finish(self.received)
            raise StopAsyncIteration
        self.received += len(chunk)
        return chunk

    async def aclose(self) -> None:
        await self.exchange.close()
