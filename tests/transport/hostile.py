"""A hostile HTTP/1.1 server on loopback, written on raw sockets so it can misbehave in ways a
framework will not: close before the body it announced, dribble, never end, ignore ``Range``.

Each connection reads one request head and hands it to a ``Script`` coroutine, which writes what
it likes and returns; the connection is then closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Hostile:
    base_url: str
    seen: list[Seen] = field(default_factory=list)


Script = Callable[[Seen, asyncio.StreamWriter], Awaitable[None]]


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_head(reader: asyncio.StreamReader) -> Seen:
    raw = await reader.readuntil(b"\r\n\r\n")
    first, *rest = raw.decode("latin-1").split("\r\n")
    method, path, _ = first.split(" ", 2)
    headers = {}
    for line in rest:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if length := int(headers.get("content-length", "0")):
        await reader.readexactly(length)
    return Seen(method, path, headers)


@asynccontextmanager
async def hostile_server(script: Script) -> AsyncIterator[Hostile]:
    """Serve ``script`` on ``127.0.0.1`` (a free port) for the duration of the block."""
    state: Hostile
    handlers: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            seen = await _read_head(reader)
            state.seen.append(seen)
            await script(seen, writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            handlers.discard(task)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state = Hostile(f"http://127.0.0.1:{port}")
    try:
        yield state
    finally:
        server.close()
        for task in list(handlers):  # scripts still dribbling or sending forever
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()
