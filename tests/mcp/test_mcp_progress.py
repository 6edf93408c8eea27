"""Progress notifications while a tool waits: received, increasing, never more than 5 s apart."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_support import client_in_own_task, structured

from mcp_server.progress import ProgressRelay
from mcp_server.state import AppState
from veo_tools.types import ProgressEvent


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.events.append((progress, total, message))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_waiting_generate_video_sends_increasing_progress_to_100(
    server: MCPServer[AppState], mode: str
) -> None:
    recorder = Recorder()
    async with client_in_own_task(Client(server, mode=mode)) as client:  # type: ignore[arg-type]
        args = {"prompt": "a hummingbird", "wait_seconds": 20}
        result = await client.call_tool("generate_video", args, progress_callback=recorder)
        view = await structured(client, "generate_video", result)
    values = [progress for progress, _, _ in recorder.events]
    assert len(values) >= 3
    assert all(later > earlier for earlier, later in pairwise(values))
    assert values[-1] == 100
    assert {total for _, total, _ in recorder.events} == {100}
    assert all(view["task_id"] in (message or "") for _, _, message in recorder.events[1:])


async def test_check_status_with_wait_sends_progress(client: Client) -> None:
    started = await client.call_tool("generate_video", {"prompt": "tide pools"})
    task_id = (await structured(client, "generate_video", started))["task_id"]
    recorder = Recorder()
    args = {"task_id": task_id, "wait_seconds": 20}
    await client.call_tool("check_status", args, progress_callback=recorder)
    assert recorder.events and recorder.events[-1][0] == 100


class FakeContext:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[float, float | None, str | None, float]] = []
        self.attempts = 0
        self.fail = fail

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        self.attempts += 1
        if self.fail:
            raise RuntimeError("stream closed")
        self.sent.append((progress, total, message, time.monotonic()))


async def test_relay_keeps_the_client_informed_while_the_engine_is_silent() -> None:
    ctx = FakeContext()
    relay = ProgressRelay(ctx, keepalive_s=0.05)  # type: ignore[arg-type]
    async with relay:
        await relay(ProgressEvent("veo_1", "in_progress", 40, "rendering"))
        await asyncio.sleep(0.3)  # e.g. a slow status request, or a retry after a 429
    assert len(ctx.sent) >= 4
    gaps = [b[3] - a[3] for a, b in pairwise(ctx.sent)]
    assert max(gaps) < 0.2
    values = [sent[0] for sent in ctx.sent]
    assert values[0] == 40 and all(b > a for a, b in pairwise(values))
    assert all("veo_1" in (sent[2] or "") for sent in ctx.sent)


async def test_relay_never_reports_progress_going_backwards() -> None:
    ctx = FakeContext()
    async with ProgressRelay(ctx) as relay:  # type: ignore[arg-type]
        for pct in (30, 10, 30, 100):
            await relay(ProgressEvent("veo_1", "in_progress", pct, "rendering"))
    values = [sent[0] for sent in ctx.sent]
    assert all(b > a for a, b in pairwise(values))
    assert values[-1] == 100


async def test_relay_swallows_a_broken_progress_stream_and_stops_trying() -> None:
    ctx = FakeContext(fail=True)
    async with ProgressRelay(ctx) as relay:  # type: ignore[arg-type]
        await relay(ProgressEvent("veo_1", "queued", 0, "queued"))
        await relay(ProgressEvent("veo_1", "queued", 5, "queued"))
    assert ctx.attempts == 1
    assert ctx.sent == []
