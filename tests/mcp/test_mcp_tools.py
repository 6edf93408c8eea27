"""The tools through the SDK's in-memory client: schemas, results, content blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import ResourceLink, TextContent
from mcp_support import TOOL_NAMES, structured, text_of, video_file

from mcp_server.results import CheckStatusResult
from veo_tools.types import (
    BatchView,
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    Recommendation,
    RecommendChannelInput,
    TaskList,
    TaskView,
    compact_schema,
)

SHARED = {
    "generate_video": (GenerateVideoInput, TaskView),
    "generate_batch": (GenerateBatchInput, BatchView),
    "check_status": (CheckStatusInput, CheckStatusResult),
    "recommend_channel": (RecommendChannelInput, Recommendation),
    "list_tasks": (ListTasksInput, TaskList),
}


async def test_tools_publish_the_shared_models_as_flat_strict_schemas(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == set(SHARED) == set(TOOL_NAMES)
    for name, (model, output) in SHARED.items():
        published, shared = tools[name].input_schema, model.model_json_schema()
        assert published["properties"] == shared["properties"], name
        assert published.get("required", []) == shared.get("required", []), name
        assert published.get("$defs") == shared.get("$defs"), name
        assert published["additionalProperties"] is False
        # Results publish their structure without the field descriptions (a size budget).
        assert tools[name].output_schema == compact_schema(output.model_json_schema(), inputs=False)


async def test_tools_carry_titles_and_behaviour_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    for name in ("recommend_channel", "check_status", "list_tasks"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint and hints.idempotent_hint, name
    for name in ("generate_video", "generate_batch"):
        generate = tools[name].annotations
        assert generate is not None
        assert generate.open_world_hint is True and generate.read_only_hint is False
        assert generate.idempotent_hint is False and generate.destructive_hint is False
    assert all(t.title for t in tools.values())
    assert "capped at 25 s" in (tools["generate_video"].description or "")


async def test_generate_video_without_wait_returns_task_id_and_next_step(client: Client) -> None:
    result = await client.call_tool("generate_video", {"prompt": "a red kite over dunes"})
    view = await structured(client, "generate_video", result)
    assert view["status"] in ("queued", "in_progress")
    assert view["task_id"].startswith("veo_")
    assert "check_status" in view["next_step"]
    summary = text_of(result)
    assert view["task_id"] in summary and summary.count("\n") == 1
    assert summary.splitlines()[1] == f"Next: {view['next_step']}"


async def test_generate_video_with_wait_returns_path_and_resource_link(client: Client) -> None:
    args = {"prompt": "a lighthouse", "wait_seconds": 20}
    result = await client.call_tool("generate_video", args)
    view = await structured(client, "generate_video", result)
    assert view["status"] == "completed"
    file = video_file(view["video_path"])
    links = [b for b in result.content if isinstance(b, ResourceLink)]
    assert len(links) == 1
    assert str(links[0].uri) == file.resolve().as_uri()
    assert links[0].mime_type == "video/mp4" and links[0].size == file.stat().st_size
    assert str(file) in text_of(result)
    assert "base64" not in json.dumps(result.model_dump(mode="json"))


async def test_result_ends_with_the_structured_content_as_json_text(client: Client) -> None:
    result = await client.call_tool("recommend_channel", {})
    last = result.content[-1]
    assert isinstance(last, TextContent)
    assert json.loads(last.text) == result.structured_content


async def test_reverse_video_result_carries_its_url(client: Client) -> None:
    args = {"prompt": "a paper boat", "channel": "reverse", "wait_seconds": 20}
    result = await client.call_tool("generate_video", args)
    view = await structured(client, "generate_video", result)
    assert view["status"] == "completed"
    assert view["video_url"] and view["video_url"].startswith("http")
    video_file(view["video_path"])


async def test_check_status_follows_a_task_to_a_file_on_disk(client: Client) -> None:
    started = await client.call_tool("generate_video", {"prompt": "rain on a window"})
    task_id = (await structured(client, "generate_video", started))["task_id"]
    result = await client.call_tool("check_status", {"task_id": task_id, "wait_seconds": 20})
    view = await structured(client, "check_status", result)
    assert view["task_id"] == task_id and view["status"] == "completed"
    video_file(view["video_path"])


async def test_check_status_without_download_leaves_the_file_for_later(client: Client) -> None:
    started = await client.call_tool("generate_video", {"prompt": "fog", "wait_seconds": 0})
    task_id = (await structured(client, "generate_video", started))["task_id"]
    args = {"task_id": task_id, "wait_seconds": 20, "download": False}
    view = await structured(client, "check_status", await client.call_tool("check_status", args))
    assert view["status"] == "completed" and view["video_path"] is None


async def test_identical_request_is_deduplicated_and_says_so(client: Client) -> None:
    first = await client.call_tool("generate_video", {"prompt": "twin suns"})
    again = await client.call_tool("generate_video", {"prompt": "twin suns"})
    one = await structured(client, "generate_video", first)
    two = await structured(client, "generate_video", again)
    assert two["task_id"] == one["task_id"] and two["deduplicated"] is True
    assert "deduplicated" in text_of(again)


async def test_recommend_channel_returns_ready_generate_arguments(client: Client) -> None:
    result = await client.call_tool("recommend_channel", {"frame_to_video": True, "count": 4})
    rec = await structured(client, "recommend_channel", result)
    assert rec["channel"] == "reverse" and rec["count"] == 4
    assert rec["model"] in text_of(result)
    assert "generate_video" in text_of(result).splitlines()[-1]


async def test_list_tasks_shows_every_task_and_the_spend(client: Client) -> None:
    for prompt in ("one", "two"):
        await client.call_tool("generate_video", {"prompt": prompt})
    result = await client.call_tool("list_tasks", {"limit": 5})
    listing = await structured(client, "list_tasks", result)
    assert len(listing["tasks"]) == 2 and listing["spent_24h_usd"] == pytest.approx(0.6)
    for task in listing["tasks"]:
        assert task["task_id"] in text_of(result)


async def test_list_tasks_on_an_empty_journal_suggests_generate_video(client: Client) -> None:
    result = await client.call_tool("list_tasks", {})
    assert (await structured(client, "list_tasks", result))["tasks"] == []
    assert "generate_video" in text_of(result)


async def test_inline_wait_is_capped_and_the_result_says_so(client: Client, tmp_path: Path) -> None:
    args = {"prompt": "a slow glacier", "wait_seconds": 3600}
    result = await client.call_tool("generate_video", args)
    view = await structured(client, "generate_video", result)
    assert view["status"] == "completed"  # the sandbox render is far shorter than the cap
    assert "inline cap" in text_of(result)


async def test_recommend_channel_is_read_only_but_reads_the_outside_world(client: Client) -> None:
    """It reads APIYI's live model list, so clients must not treat it as closed-world."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    hints = tools["recommend_channel"].annotations
    assert hints is not None and hints.read_only_hint is True and hints.open_world_hint is True
