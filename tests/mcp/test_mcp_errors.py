"""Every failure reaches the agent as ``isError`` with text it can act on, and nothing more."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from mcp import Client
from mcp_support import client_in_own_task, structured, text_of

from mcp_server import create_server
from veo_tools.service import VeoService
from veo_tools.settings import Settings


async def test_unknown_task_id_is_a_tool_error_pointing_to_list_tasks(client: Client) -> None:
    result = await client.call_tool("check_status", {"task_id": "veo_doesnotexist"})
    assert result.is_error
    assert "No task 'veo_doesnotexist'" in text_of(result) and "list_tasks" in text_of(result)


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("generate_video", {"prompt": "cat", "duration": 6}, "duration"),
        ("generate_video", {"prompt": "cat", "resolution": "8k"}, "resolution"),
        ("generate_video", {"prompt": "x" * 20_001}, "prompt"),
        ("generate_video", {"channel": "official"}, "prompt is required"),
        ("check_status", {}, "task_id"),
        ("recommend_channel", {"reference_images": 31}, "reference_images"),
        ("list_tasks", {"limit": 0}, "limit"),
        ("list_tasks", {"status": "done"}, "status"),
    ],
)
async def test_invalid_arguments_are_tool_errors_naming_the_field(
    client: Client, tool: str, arguments: dict[str, object], expected: str
) -> None:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert expected in text_of(result)


async def test_blank_prompt_is_rejected_after_whitespace_is_stripped(client: Client) -> None:
    result = await client.call_tool("generate_video", {"prompt": "   "})
    assert result.is_error and "prompt" in text_of(result)


async def test_request_a_model_cannot_serve_is_refused_before_paying(client: Client) -> None:
    args = {"prompt": "a short clip", "channel": "reverse", "seconds": 4}
    result = await client.call_tool("generate_video", args)
    assert result.is_error
    assert "seconds=4" in text_of(result) and "Official" in text_of(result)
    listing = await client.call_tool("list_tasks", {})
    assert (await structured(client, "list_tasks", listing))["tasks"] == []


async def test_insufficient_balance_is_a_tool_error(client: Client) -> None:
    result = await client.call_tool("generate_video", {"prompt": "a fox [sandbox:balance]"})
    assert result.is_error
    assert "balance" in text_of(result).lower()


async def test_budget_guard_refusal_is_a_tool_error(sandbox_settings: Settings) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.1)
    async with (
        VeoService(settings) as service,
        client_in_own_task(Client(create_server(service=service))) as client,
    ):
        args = {"prompt": "an owl", "channel": "official"}
        result = await client.call_tool("generate_video", args)
    assert result.is_error
    assert "budget" in text_of(result).lower()


async def test_content_policy_failure_is_a_result_with_a_next_step(client: Client) -> None:
    # Reverse names the moderation block; Official fails quietly (then it reads as upstream).
    args = {"prompt": "a storm [sandbox:content_policy]", "channel": "reverse", "wait_seconds": 20}
    result = await client.call_tool("generate_video", args)
    view = await structured(client, "generate_video", result)
    assert view["status"] == "failed" and view["billed"] is False
    assert view["error"]["kind"] == "content_policy"
    assert "rephrase" in text_of(result)


async def test_unexpected_exception_leaks_no_detail_or_traceback(
    client: Client, service: VeoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("sk-live-SECRET at /home/owner/private")

    monkeypatch.setattr(service, "list_tasks", explode)
    result = await client.call_tool("list_tasks", {})
    assert result.is_error
    text = text_of(result)
    assert "SECRET" not in text and "Traceback" not in text and "/home/owner" not in text
    assert "internal error" in text and "list_tasks" in text


async def test_unknown_tool_is_a_tool_error(client: Client) -> None:
    result = await client.call_tool("make_coffee", {})
    assert result.is_error and "make_coffee" in text_of(result)


async def test_without_a_key_spending_tools_say_how_to_configure_and_reading_still_works(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({}, state_dir=tmp_path / "state", output_dir=tmp_path / "out")
    server = create_server(settings=settings)
    async with client_in_own_task(Client(server)) as client:
        generate = await client.call_tool("generate_video", {"prompt": "a heron"})
        listing = await client.call_tool("list_tasks", {})
        advice = await client.call_tool("recommend_channel", {"priority": "quality"})
    assert generate.is_error
    assert "APIYI_API_KEY" in text_of(generate) and "--sandbox" in text_of(generate)
    assert not listing.is_error and not advice.is_error
