"""generate_batch returns at once; check_status(batch_id) summarises and waits; guards refuse."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import ToolException
from langchain_support import call, is_mp4

from veo_tools.langchain import PROGRESS_EVENT, ScriptedVeoChatModel, VeoToolkit
from veo_tools.langchain.scripted import tool_call
from veo_tools.types import BatchView

REVERSE_FAST_USD = 0.15
OFFICIAL_FAST_USD = 0.3


def reverse_items(n: int) -> list[dict[str, Any]]:
    return [{"prompt": f"street scene number {i}", "channel": "reverse"} for i in range(n)]


async def start_batch(
    tools: dict[str, Any], items: list[dict[str, Any]], **options: Any
) -> BatchView:
    args = {"items": items, **options}
    message = await tools["generate_batch"].ainvoke(call("generate_batch", args))
    assert message.status == "success", message.content
    assert isinstance(message.artifact, BatchView)
    return message.artifact


async def check(tools: dict[str, Any], batch_id: str, wait_seconds: float = 0) -> ToolMessage:
    args = {"task_id": batch_id, "wait_seconds": wait_seconds}
    message = await tools["check_status"].ainvoke(call("check_status", args))
    assert isinstance(message, ToolMessage)
    return message


async def test_generate_batch_returns_at_once_with_every_item_task_id(
    tools: dict[str, Any],
) -> None:
    items = [*reverse_items(2), {"prompt": "a kite", "channel": "official", "seeds": [1, 2]}]
    message = await tools["generate_batch"].ainvoke(call("generate_batch", {"items": items}))
    view = message.artifact
    assert view.batch_id.startswith("batch_")
    assert view.status == "running"
    assert view.total == len(view.items) == 4  # the seeds item expands into two videos
    assert all(item.task_id and item.task_id.startswith("veo_") for item in view.items)
    assert view.counts == {"queued": 4}  # nothing has even been submitted yet
    assert view.estimated_cost_usd == pytest.approx(2 * REVERSE_FAST_USD + 2 * OFFICIAL_FAST_USD)
    content = json.loads(message.content)
    assert [i["task_id"] for i in content["items"]] == [i.task_id for i in view.items]
    assert "deduplicated" not in message.content  # per-item defaults are left out
    assert "check_status" in content["next_step"]


async def test_check_status_with_a_batch_id_waits_until_completed_and_reports_spend(
    tools: dict[str, Any],
) -> None:
    started = await start_batch(tools, reverse_items(3))
    done = (await check(tools, started.batch_id, wait_seconds=30)).artifact
    assert isinstance(done, BatchView)
    assert done.status == "completed"
    assert done.counts == {"completed": 3}
    assert done.spent_usd == pytest.approx(3 * REVERSE_FAST_USD)
    assert [i.task_id for i in done.items] == [i.task_id for i in started.items]
    assert all(is_mp4(item.video_path or "") for item in done.items)


def test_a_batch_started_by_a_sync_call_keeps_running_after_the_call_returns(
    tools: dict[str, Any],
) -> None:
    started = tools["generate_batch"].invoke(call("generate_batch", {"items": reverse_items(2)}))
    assert started.artifact.status == "running"
    args = {"task_id": started.artifact.batch_id, "wait_seconds": 30}
    done = tools["check_status"].invoke(call("check_status", args))
    assert done.artifact.status == "completed"
    assert done.artifact.counts == {"completed": 2}


async def test_a_failed_item_is_listed_with_its_reason_and_the_rest_completes(
    tools: dict[str, Any],
) -> None:
    items = reverse_items(3)
    items[1]["prompt"] = "[sandbox:content_policy] a crowd at night"
    started = await start_batch(tools, items)
    message = await check(tools, started.batch_id, wait_seconds=30)
    view = message.artifact
    assert view.counts == {"completed": 2, "failed": 1}
    assert view.spent_usd == pytest.approx(2 * REVERSE_FAST_USD)  # failed items are not billed
    [failed] = json.loads(message.text)["failed"]
    assert failed["index"] == 1
    assert failed["task_id"] == started.items[1].task_id
    assert failed["error"]["kind"] == "content_policy"
    assert "content policy" in failed["error"]["message"]
    assert "1 item(s) failed" in view.next_step


async def test_check_status_without_waiting_returns_the_summary_at_once(
    tools: dict[str, Any],
) -> None:
    started = await start_batch(tools, reverse_items(2))
    message = await check(tools, started.batch_id)
    assert message.status == "success"
    assert message.artifact.batch_id == started.batch_id
    assert message.artifact.status in ("running", "completed")
    assert message.content == message.artifact.model_dump_json(
        exclude_none=True, exclude_defaults=True
    )


class ProgressRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    async def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if name == PROGRESS_EVENT:
            self.payloads.append(data)


async def test_waiting_on_a_batch_reports_progress_with_counts(tools: dict[str, Any]) -> None:
    started = await start_batch(tools, reverse_items(3))
    recorder = ProgressRecorder()
    await tools["check_status"].ainvoke(
        {"task_id": started.batch_id, "wait_seconds": 30}, config={"callbacks": [recorder]}
    )
    events = recorder.payloads
    assert events
    assert {e["tool"] for e in events} == {"check_status"}
    assert {e["task_id"] for e in events} == {started.batch_id}
    assert [e["progress"] for e in events] == sorted(e["progress"] for e in events)
    assert (events[-1]["status"], events[-1]["progress"]) == ("completed", 100)
    assert events[-1]["message"] == "3/3 finished (3 completed); $0.45 spent"


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_the_budget_guard_refuses_the_whole_batch_before_anything_is_sent(
    settings: dict[str, Any], use_async: bool
) -> None:
    args = {"items": reverse_items(5)}  # $0.75 against a $0.50 budget
    async with VeoToolkit(**{**settings, "budget_usd": 0.5}) as toolkit:
        tools = {tool.name: tool for tool in toolkit.get_tools()}
        batch = tools["generate_batch"]
        tool_call_ = call("generate_batch", args)
        message = await batch.ainvoke(tool_call_) if use_async else batch.invoke(tool_call_)
        assert message.status == "error"
        assert "budget" in message.content and "Nothing was submitted" in message.content
        listed = json.loads(await tools["list_tasks"].ainvoke({}))
        assert (listed["tasks"], listed["spent_24h_usd"]) == ([], 0)
        batch.handle_tool_error = False
        with pytest.raises(ToolException, match="Budget guard"):
            await batch.ainvoke(args)


async def test_an_invalid_item_is_named_and_nothing_is_submitted(tools: dict[str, Any]) -> None:
    items = [*reverse_items(1), {"prompt": "a skyline", "seconds": 4, "resolution": "1080p"}]
    message = await tools["generate_batch"].ainvoke(call("generate_batch", {"items": items}))
    assert message.status == "error"
    assert message.content.startswith("Batch item 1: ")
    assert "requires seconds=8" in message.content
    assert json.loads(await tools["list_tasks"].ainvoke({}))["tasks"] == []


async def test_a_schema_violation_in_an_item_names_the_item_and_field(
    tools: dict[str, Any],
) -> None:
    items = [*reverse_items(1), {"channel": "reverse"}]
    message = await tools["generate_batch"].ainvoke(call("generate_batch", {"items": items}))
    assert message.status == "error"
    assert "items.1: prompt is required" in message.content


async def test_a_rerender_of_an_unknown_task_in_a_batch_names_the_item(
    tools: dict[str, Any],
) -> None:
    items = [*reverse_items(1), {"from_task_id": "veo_0123456789abcdef"}]
    message = await tools["generate_batch"].ainvoke(call("generate_batch", {"items": items}))
    assert message.status == "error"
    assert "Batch item 1" in message.content and "veo_0123456789abcdef" in message.content
    assert json.loads(await tools["list_tasks"].ainvoke({}))["tasks"] == []


async def test_an_unknown_batch_id_says_what_batch_ids_look_like(tools: dict[str, Any]) -> None:
    message = await check(tools, "batch_nope", wait_seconds=5)
    assert message.status == "error"
    assert "batch_nope" in message.content and "'batch_'" in message.content


async def test_a_scripted_agent_starts_a_batch_and_polls_it_until_done(
    toolkit: VeoToolkit,
) -> None:
    script = [
        tool_call("generate_batch", {"items": reverse_items(2)}),
        tool_call("check_status", {"task_id": "{batch_id}", "wait_seconds": 0.01}),
        AIMessage("Batch {batch_id} is {status}: {spent_usd} spent."),
    ]
    agent = create_agent(ScriptedVeoChatModel(messages=iter(script)), tools=toolkit.get_tools())
    state = await agent.ainvoke({"messages": [HumanMessage("Make two street scenes.")]})
    results = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert [m.name for m in results[:2]] == ["generate_batch", "check_status"]
    final = results[-1].artifact
    assert final.status == "completed"
    assert state["messages"][-1].text == f"Batch {final.batch_id} is completed: $0.30 spent."


async def test_a_batch_cut_short_is_resumed_by_generate_batch_not_by_check_status(
    settings: dict[str, Any],
) -> None:
    async with VeoToolkit(**settings) as first:
        tools = {tool.name: tool for tool in first.get_tools()}
        # One at a time: closing the toolkit stops the batch with most items still pending.
        started = await start_batch(tools, reverse_items(5), concurrency=1)
    async with VeoToolkit(**settings) as second:  # same journal, batch no longer running
        tools = {tool.name: tool for tool in second.get_tools()}
        assert (await second.service.batch_status(started.batch_id)).status == "incomplete"
        # check_status is read-only: it reports the stopped batch and says how to resume it.
        looked = (await check(tools, started.batch_id, wait_seconds=1)).artifact
        assert looked.status == "incomplete"
        assert f"resume_batch_id='{started.batch_id}'" in looked.next_step
        assert (await second.service.batch_status(started.batch_id)).status == "incomplete"
        message = await tools["generate_batch"].ainvoke(
            call("generate_batch", {"resume_batch_id": started.batch_id})
        )
        assert message.status == "success"
        view = (await check(tools, started.batch_id, wait_seconds=600)).artifact
    # The item cut mid-submission stays interrupted (it may exist and be billed); the pending
    # ones are sent now, once, one at a time as the batch was started.
    assert view.status == "completed"
    assert view.counts.get("completed", 0) >= 3
    assert view.counts.get("completed", 0) + view.counts.get("interrupted", 0) == 5
