"""Numbers sent as strings reach the LangChain tools as numbers (issue 15 item 3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_support import call


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_seconds_and_seed_as_strings_make_the_video_asked_for(
    tools: dict[str, Any], use_async: bool
) -> None:
    args = {"prompt": "a kite", "channel": "official", "seconds": "6", "seed": "42"}
    tool_call = call("generate_video", {**args, "wait_seconds": "0"})
    tool = tools["generate_video"]
    message = await tool.ainvoke(tool_call) if use_async else tool.invoke(tool_call)
    assert message.status == "success", message.content
    assert json.loads(message.content)["seed"] == 42


def test_recommend_reads_seconds_and_count_as_numbers(tools: dict[str, Any]) -> None:
    message = tools["recommend_channel"].invoke(
        call("recommend_channel", {"seconds": "4", "count": "10"})
    )
    advice = json.loads(message.content)
    assert advice["count"] == 10 and advice["generate_video_args"]["seconds"] == 4


def test_a_boolean_for_a_seed_is_still_refused(tools: dict[str, Any]) -> None:
    message = tools["generate_video"].invoke(call("generate_video", {"prompt": "x", "seed": True}))
    assert message.status == "error"
    assert "seed: Input should be a number, not true or false" in message.content
