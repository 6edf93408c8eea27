"""Tool errors reach the model as ToolMessage(status="error") with text it can act on."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import ToolException
from langchain_support import call

from veo_tools.langchain import VeoToolkit

BAD_COMBINATION = {"prompt": "a skyline", "seconds": 4, "resolution": "1080p"}


async def invoke(tool: Any, args: dict[str, Any], *, use_async: bool) -> ToolMessage:
    tool_call = call(tool.name, args)
    message = await tool.ainvoke(tool_call) if use_async else tool.invoke(tool_call)
    assert isinstance(message, ToolMessage)
    return message


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_an_impossible_combination_returns_the_engines_advice(
    tools: dict[str, Any], use_async: bool
) -> None:
    message = await invoke(tools["generate_video"], BAD_COMBINATION, use_async=use_async)
    assert message.status == "error"
    assert "requires seconds=8" in message.content
    assert "resolution='720p'" in message.content
    assert message.artifact is None


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_an_unknown_task_id_points_the_agent_to_list_tasks(
    tools: dict[str, Any], use_async: bool
) -> None:
    message = await invoke(tools["check_status"], {"task_id": "veo_nope"}, use_async=use_async)
    assert message.status == "error"
    assert "veo_nope" in message.content
    assert "list_tasks" in message.content


async def test_a_schema_violation_names_the_field_and_the_allowed_values(
    tools: dict[str, Any],
) -> None:
    message = await invoke(
        tools["generate_video"], {"prompt": "a cat", "seconds": 45}, use_async=True
    )
    assert message.status == "error"
    assert "seconds: Input should be less than or equal to 30 (got 45)" in message.content
    assert "call the tool again" in message.content


def test_an_unexpected_argument_is_reported_by_name(tools: dict[str, Any]) -> None:
    message = tools["list_tasks"].invoke(call("list_tasks", {"limit": 3, "colour": "red"}))
    assert message.status == "error"
    assert "colour: Extra inputs are not permitted" in message.content


def test_the_spending_guard_refusal_reaches_the_model(settings: dict[str, Any]) -> None:
    with VeoToolkit(**{**settings, "budget_usd": 0.1}) as toolkit:
        message = toolkit.get_tools()[0].invoke(call("generate_video", {"prompt": "a cat"}))
    assert message.status == "error"
    assert "budget" in message.content.lower()


def test_without_a_tool_call_an_error_comes_back_as_plain_text(tools: dict[str, Any]) -> None:
    text = tools["check_status"].invoke({"task_id": "veo_nope"})
    assert isinstance(text, str)
    assert "list_tasks" in text


def test_with_error_handling_off_the_engine_message_is_raised_as_tool_exception(
    tools: dict[str, Any],
) -> None:
    tool = tools["generate_video"]
    tool.handle_tool_error = False
    with pytest.raises(ToolException, match="requires seconds=8"):
        tool.invoke(BAD_COMBINATION)
