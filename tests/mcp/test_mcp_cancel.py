"""A client that abandons a waiting call loses nothing: the task is journaled and recoverable."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_support import client_in_own_task, slower, structured, video_file

from mcp_server import create_server
from veo_tools.service import VeoService
from veo_tools.settings import Settings

#: A 60-90 s Official render takes 1.2-1.8 s: long enough to abandon the call mid-wait.
SLOW_SCALE = 0.02


def record_cancellation(service: VeoService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Note when the server's inline wait is cancelled by the client going away."""
    seen: list[str] = []
    wait = service.wait

    async def watched_wait(*args: Any, **kwargs: Any) -> Any:
        try:
            return await wait(*args, **kwargs)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    monkeypatch.setattr(service, "wait", watched_wait)
    return seen


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_abandoned_generate_video_is_recovered_by_list_tasks_and_check_status(
    sandbox_settings: Settings, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        VeoService(slower(sandbox_settings, SLOW_SCALE)) as service,
        client_in_own_task(Client(create_server(service=service), mode=mode)) as client,  # type: ignore[arg-type]
    ):
        server_side = record_cancellation(service, monkeypatch)
        args = {"prompt": "a heron fishing at dawn", "wait_seconds": 20}
        with anyio.move_on_after(0.4) as scope:
            await client.call_tool("generate_video", args)
        assert scope.cancelled_caught, "the call should still have been waiting"
        await anyio.sleep(0.05)
        assert server_side == ["cancelled"], "the server should have stopped waiting"

        listing = await client.call_tool("list_tasks", {})
        tasks = (await structured(client, "list_tasks", listing))["tasks"]
        assert [t["prompt"] for t in tasks] == [args["prompt"]]
        assert tasks[0]["status"] in ("queued", "in_progress")

        follow = {"task_id": tasks[0]["task_id"], "wait_seconds": 20}
        result = await client.call_tool("check_status", follow)
        view = await structured(client, "check_status", result)
    assert view["status"] == "completed"
    video_file(view["video_path"])
