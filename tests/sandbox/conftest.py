"""Fixtures for the sandbox tests: a fake clock, and clients wired to a fresh sandbox app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from veo_tools.sandbox import Sandbox, SandboxConfig, StreamingASGITransport, create_app

BASE_URL = "http://sandbox.invalid"
KEY = {"Authorization": "Bearer sk-test"}


class FakeClock:
    """A monotonic clock that only moves when told to (or when the sandbox sleeps on it)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


ClientFor = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, Sandbox]]]


@asynccontextmanager
async def sandbox_client(
    config: SandboxConfig | None = None, **client_args: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    app: Starlette = create_app(config)
    transport = StreamingASGITransport(app)
    args: dict[str, Any] = {"headers": KEY, **client_args}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, **args) as client:
        yield client, app.state.sandbox


@pytest.fixture
def client_for(clock: FakeClock) -> ClientFor:
    """``async with client_for(**config_fields) as (client, sandbox)``.

    The sandbox runs on the ``clock`` fixture, in real catalog time, unless ``real_time=True``
    (then it runs on the wall clock; pass a small ``time_scale``). ``client_args`` go to httpx.
    """

    def factory(
        *, real_time: bool = False, client_args: dict[str, Any] | None = None, **fields: Any
    ) -> AbstractAsyncContextManager[tuple[httpx.AsyncClient, Sandbox]]:
        if not real_time:
            fields = {"clock": clock, "sleep": clock.sleep, **fields}
        return sandbox_client(SandboxConfig(**fields), **(client_args or {}))

    return factory
