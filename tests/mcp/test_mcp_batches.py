"""Batches and re-renders through MCP: generate_batch, check_status(batch_id), from_task_id."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from itertools import pairwise
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_support import client_in_own_task, slower, structured, text_of, video_file

from mcp_server import create_server
from mcp_server.state import AppState
from veo_tools.sandbox import still_png
from veo_tools.service import VeoService
from veo_tools.settings import Settings


def reverse_items(*prompts: str) -> list[dict[str, object]]:
    return [{"prompt": prompt, "channel": "reverse"} for prompt in prompts]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.events.append((progress, total, message))


def batch_runners() -> list[asyncio.Task[object]]:
    """The asyncio tasks running a batch in this process (the engine's background runners)."""
    return [t for t in asyncio.all_tasks() if "_Runner.run" in repr(t.get_coro())]


async def start_batch(
    client: Client, items: list[dict[str, object]], concurrency: int = 4
) -> dict[str, Any]:
    result = await client.call_tool("generate_batch", {"items": items, "concurrency": concurrency})
    return await structured(client, "generate_batch", result)


async def test_generate_batch_returns_at_once_with_every_item_task_id(
    sandbox_settings: Settings,
) -> None:
    async with (
        VeoService(slower(sandbox_settings, 0.05)) as service,  # a render takes 1.5-3 s
        client_in_own_task(Client(create_server(service=service))) as client,
    ):
        started = time.monotonic()
        result = await client.call_tool(
            "generate_batch", {"items": reverse_items("dunes", "surf", "snow")}
        )
        elapsed = time.monotonic() - started
        view = await structured(client, "generate_batch", result)
    assert elapsed < 1.0
    assert view["status"] == "running" and view["total"] == 3
    assert view["spent_usd"] == 0 and view["estimated_cost_usd"] == pytest.approx(0.45)
    items = view["items"]
    assert [i["index"] for i in items] == [0, 1, 2]
    assert all(i["task_id"].startswith("veo_") for i in items)
    assert all(i["status"] in ("queued", "in_progress") for i in items)
    summary = text_of(result)
    assert view["batch_id"].startswith("batch_") and view["batch_id"] in summary
    assert "3 item(s)" in summary and "$0.45" in summary
    assert all(i["task_id"] in summary for i in items)
    assert summary.splitlines()[-1].startswith("Next: call check_status(task_id='batch_")


async def test_check_status_with_a_batch_id_waits_to_completed_with_spend_and_progress(
    client: Client,
) -> None:
    batch = await start_batch(client, reverse_items("a fox", "a hare", "a lynx"))
    recorder = Recorder()
    args = {"task_id": batch["batch_id"], "wait_seconds": 20}
    result = await client.call_tool("check_status", args, progress_callback=recorder)
    view = await structured(client, "check_status", result)
    assert view["batch_id"] == batch["batch_id"] and view["status"] == "completed"
    assert view["counts"] == {"completed": 3} and view["failed"] == []
    assert view["spent_usd"] == pytest.approx(0.45)
    assert [i["task_id"] for i in view["items"]] == [i["task_id"] for i in batch["items"]]
    for item in view["items"]:
        video_file(item["video_path"])
    assert text_of(result).startswith(f"completed · batch_id={batch['batch_id']} · 3/3 finished")
    assert "$0.45 spent" in text_of(result)
    values = [progress for progress, _, _ in recorder.events]
    # Progress is the share of finished items, in percent, like a task's.
    assert values and values[-1] == 100 and all(b > a for a, b in pairwise(values))
    assert {total for _, total, _ in recorder.events} == {100}
    assert all(batch["batch_id"] in (message or "") for _, _, message in recorder.events)


async def test_a_blocked_item_is_listed_in_failed_with_its_reason(client: Client) -> None:
    items = reverse_items("a calm lake", "a storm [sandbox:content_policy]", "a meadow")
    batch = await start_batch(client, items)
    args = {"task_id": batch["batch_id"], "wait_seconds": 20}
    result = await client.call_tool("check_status", args)
    view = await structured(client, "check_status", result)
    assert view["status"] == "completed"
    assert view["counts"] == {"completed": 2, "failed": 1}
    assert view["spent_usd"] == pytest.approx(0.3)  # a blocked video is not billed
    [failed] = view["failed"]
    assert failed["index"] == 1 and failed["error"]["kind"] == "content_policy"
    text = text_of(result)
    assert f"item 1 ({failed['task_id']}) failed: content_policy" in text
    assert failed["error"]["message"] in text
    assert "1 item(s) failed" in text.splitlines()[-1]


async def test_check_status_on_a_batch_without_wait_returns_the_summary_at_once(
    client: Client,
) -> None:
    batch = await start_batch(client, reverse_items("one", "two"))
    result = await client.call_tool("check_status", {"task_id": batch["batch_id"]})
    view = await structured(client, "check_status", result)
    assert view["batch_id"] == batch["batch_id"] and view["total"] == 2
    assert [i["task_id"] for i in view["items"]] == [i["task_id"] for i in batch["items"]]
    assert view["status"] in ("running", "completed")
    assert text_of(result).splitlines()[-1] == f"Next: {view['next_step']}"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_check_status_output_schema_accepts_a_task_and_a_batch_and_nothing_else(
    server: MCPServer[AppState], mode: str
) -> None:
    async with client_in_own_task(Client(server, mode=mode)) as client:  # type: ignore[arg-type]
        await _check_both_shapes(client)


async def _check_both_shapes(client: Client) -> None:
    task = await client.call_tool("generate_video", {"prompt": "a single kite"})
    batch = await start_batch(client, reverse_items("a kite pair"))
    task_id = (await structured(client, "generate_video", task))["task_id"]
    task_status = await client.call_tool("check_status", {"task_id": task_id})
    batch_status = await client.call_tool("check_status", {"task_id": batch["batch_id"]})
    for result in (task_status, batch_status):
        await client.session.validate_tool_result("check_status", result)  # the SDK's own check
        await structured(client, "check_status", result)
    assert "task_id" in (task_status.structured_content or {})
    assert "counts" in (batch_status.structured_content or {})
    tools = {t.name: t for t in (await client.list_tools()).tools}
    schema = tools["check_status"].output_schema
    assert schema is not None and schema["type"] == "object" and len(schema["anyOf"]) == 2
    with pytest.raises(ValidationError):
        Draft202012Validator(schema).validate({"task_id": "veo_1"})


async def test_budget_guard_refuses_a_whole_batch_with_the_engines_message(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.5)
    async with (
        VeoService(settings) as service,
        client_in_own_task(Client(create_server(service=service))) as client,
    ):
        args = {"items": reverse_items("a", "b", "c", "d")}  # 4 x $0.15 = $0.60
        result = await client.call_tool("generate_batch", args)
        listing = await client.call_tool("list_tasks", {})
        tasks = (await structured(client, "list_tasks", listing))["tasks"]
    assert result.is_error
    assert "Budget guard: this batch costs $0.60" in text_of(result)
    assert "Nothing was submitted" in text_of(result)
    assert tasks == []


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([{"prompt": "fine"}, {"channel": "reverse"}], ["items.1", "prompt is required"]),
        ([{"prompt": "fine"}, {"prompt": "x", "colour": "red"}], ["items.1.colour"]),
        (
            [
                *reverse_items("fine", "fine too"),
                {"prompt": "x", "channel": "reverse", "seconds": 4},
            ],
            ["Batch item 2:", "seconds=4"],
        ),
        (
            [{"from_task_id": "veo_abc"}, {"prompt": "new"}],
            ["Batch item 0", "veo_abc"],
        ),
    ],
)
async def test_an_invalid_item_is_a_tool_error_naming_its_index(
    client: Client, items: list[dict[str, object]], expected: list[str]
) -> None:
    result = await client.call_tool("generate_batch", {"items": items})
    assert result.is_error
    for part in expected:
        assert part in text_of(result)
    listing = await client.call_tool("list_tasks", {})
    assert (await structured(client, "list_tasks", listing))["tasks"] == []


async def test_unknown_batch_id_is_a_tool_error(client: Client) -> None:
    result = await client.call_tool("check_status", {"task_id": "batch_nope", "wait_seconds": 5})
    assert result.is_error and "No batch 'batch_nope'" in text_of(result)


async def test_rerender_of_a_reverse_draft_delivers_on_official_standard_with_notes(
    client: Client, sandbox_settings: Settings
) -> None:
    frames = []
    for name in ("start.png", "end.png"):
        frame = sandbox_settings.input_dirs[0] / name
        frame.write_bytes(still_png())
        frames.append(str(frame))
    draft_args = {"prompt": "a kite at dusk", "channel": "reverse", "images": frames}
    draft = await structured(
        client, "generate_video", await client.call_tool("generate_video", draft_args)
    )
    assert draft["model"] == "veo-3.1-landscape-fast-fl"

    args = {"from_task_id": draft["task_id"], "resolution": "1080p", "wait_seconds": 20}
    result = await client.call_tool("generate_video", args)
    final = await structured(client, "generate_video", result)
    assert final["model"] == "veo-3.1-generate-preview" and final["channel"] == "official"
    assert final["status"] == "completed" and final["task_id"] != draft["task_id"]
    assert final["prompt"] == "a kite at dusk"  # carried over: only sent arguments override
    video_file(final["video_path"])
    assert any(draft["task_id"] in note for note in final["notes"])
    assert any("dropped the end frame" in note for note in final["notes"])
    notes = [line for line in text_of(result).splitlines() if line.startswith("Note: ")]
    assert [line.removeprefix("Note: ") for line in notes] == final["notes"]


async def test_rerender_of_an_unknown_task_is_a_tool_error(client: Client) -> None:
    result = await client.call_tool("generate_video", {"from_task_id": "veo_missing"})
    assert result.is_error and "No task 'veo_missing'" in text_of(result)


async def test_server_shutdown_cancels_a_running_batch_and_leaves_it_resumable(
    sandbox_settings: Settings,
) -> None:
    settings = slower(sandbox_settings, 0.05)
    async with client_in_own_task(Client(create_server(settings=settings))) as client:
        batch = await start_batch(client, reverse_items("slow one", "slow two"))
        assert batch["status"] == "running" and batch_runners()
    await asyncio.sleep(0)
    assert batch_runners() == []  # the lifespan's engine cancelled its batch on the way out
    async with VeoService(settings) as reopened:
        view = await reopened.batch_status(batch["batch_id"])
    assert view.status == "incomplete" and view.counts.get("completed", 0) == 0
    assert batch["batch_id"] in view.next_step  # says how to carry it on


async def test_waiting_on_a_long_batch_returns_at_the_cap_still_running(
    sandbox_settings: Settings,
) -> None:
    async with (
        VeoService(slower(sandbox_settings, 0.05)) as service,  # a render takes 1.5-3 s
        client_in_own_task(Client(create_server(service=service, max_wait_s=0.3))) as client,
    ):
        batch = await start_batch(client, reverse_items("a long pan", "a slow zoom"))
        recorder = Recorder()
        started = time.monotonic()
        args = {"task_id": batch["batch_id"], "wait_seconds": 60}
        result = await client.call_tool("check_status", args, progress_callback=recorder)
        elapsed = time.monotonic() - started
        view = await structured(client, "check_status", result)
    assert 0.3 <= elapsed < 1.5
    assert view["status"] == "running" and view["spent_usd"] == 0
    assert "waited at most 0.3 s" in text_of(result)
    assert f"check_status(task_id='{batch['batch_id']}')" in view["next_step"]
    assert recorder.events and {total for _, total, _ in recorder.events} == {100}


async def test_check_status_on_a_stopped_batch_reports_it_and_only_generate_batch_resumes_it(
    sandbox_settings: Settings,
) -> None:
    settings = slower(sandbox_settings, 0.05)
    async with client_in_own_task(Client(create_server(settings=settings))) as client:
        batch = await start_batch(client, reverse_items("slow one", "slow two"), concurrency=1)
    await asyncio.sleep(0)
    # The same time scale as the first run: the sandbox's tasks outlive the process, and the
    # batch follows its first item for as long as that item's render takes.
    async with (
        VeoService(settings) as service,
        client_in_own_task(Client(create_server(service=service))) as client,
    ):
        args = {"task_id": batch["batch_id"], "wait_seconds": 1}
        looked = await structured(
            client, "check_status", await client.call_tool("check_status", args)
        )
        # Read-only: the stopped batch is reported (and how to resume it), nothing is sent.
        assert looked["status"] == "incomplete" and batch_runners() == []
        assert f"generate_batch(resume_batch_id='{batch['batch_id']}')" in looked["next_step"]
        assert (await service.batch_status(batch["batch_id"])).status == "incomplete"
        resumed = await client.call_tool("generate_batch", {"resume_batch_id": batch["batch_id"]})
        assert not resumed.is_error and batch_runners()
        peak = 0
        while (await service.batch_status(batch["batch_id"])).status == "running":
            flying = ("submitting", "queued", "in_progress")
            peak = max(peak, sum(t.status in flying for t in await service.journal.list(limit=10)))
            await asyncio.sleep(0.005)
        args["wait_seconds"] = 0
        done = await structured(
            client, "check_status", await client.call_tool("check_status", args)
        )
    # The resume kept the batch's own cap: one task in flight at a time.
    assert peak == 1
    assert done["status"] == "completed"
    assert done["counts"].get("completed", 0) + done["counts"].get("interrupted", 0) == 2
