"""Progress while a tool waits: LangGraph's custom stream in a graph, custom events everywhere."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain.agents import create_agent
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import HumanMessage

from veo_tools.langchain import PROGRESS_EVENT, ScriptedVeoChatModel

WAITING = {"prompt": "a hot-air balloon over hills", "wait_seconds": 10}
PAYLOAD_KEYS = {"tool", "task_id", "status", "progress", "message"}


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data))


class AsyncRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data))


def assert_progress_of_one_finished_task(payloads: list[dict[str, Any]], tool: str) -> None:
    assert payloads
    assert all(p.keys() == PAYLOAD_KEYS and p["tool"] == tool for p in payloads)
    assert len({p["task_id"] for p in payloads}) == 1
    assert payloads[-1]["status"] == "completed"
    assert payloads[-1]["progress"] == 100
    assert all(0 <= p["progress"] <= 100 and p["message"] for p in payloads)


async def test_agent_astream_yields_progress_on_the_custom_stream(tools: dict[str, Any]) -> None:
    model = ScriptedVeoChatModel.make_video("a lantern festival", wait_seconds=10)
    agent = create_agent(model, tools=list(tools.values()))
    custom: list[dict[str, Any]] = []
    updates = 0
    async for mode, chunk in agent.astream(
        {"messages": [HumanMessage("make it")]}, stream_mode=["updates", "custom"]
    ):
        if mode == "custom":
            custom.append(chunk)
        else:
            updates += 1
    assert updates >= 6
    assert_progress_of_one_finished_task(custom, "check_status")


def test_sync_agent_stream_yields_progress_on_the_custom_stream(tools: dict[str, Any]) -> None:
    model = ScriptedVeoChatModel.make_video("a lantern festival", wait_seconds=10)
    agent = create_agent(model, tools=list(tools.values()))
    custom = [
        chunk
        for mode, chunk in agent.stream(
            {"messages": [HumanMessage("make it")]}, stream_mode=["updates", "custom"]
        )
        if mode == "custom"
    ]
    assert_progress_of_one_finished_task(custom, "check_status")


def test_sync_invoke_outside_a_graph_sends_progress_to_callbacks(tools: dict[str, Any]) -> None:
    recorder = Recorder()
    tools["generate_video"].invoke(WAITING, config={"callbacks": [recorder]})
    assert {name for name, _ in recorder.events} == {PROGRESS_EVENT}
    assert_progress_of_one_finished_task([data for _, data in recorder.events], "generate_video")


async def test_ainvoke_outside_a_graph_sends_progress_to_async_callbacks(
    tools: dict[str, Any],
) -> None:
    recorder = AsyncRecorder()
    await tools["generate_video"].ainvoke(WAITING, config={"callbacks": [recorder]})
    assert_progress_of_one_finished_task([data for _, data in recorder.events], "generate_video")


async def test_astream_events_outside_a_graph_yields_progress_events(
    tools: dict[str, Any],
) -> None:
    payloads = [
        event["data"]
        async for event in tools["generate_video"].astream_events(WAITING, version="v2")
        if event["event"] == "on_custom_event" and event["name"] == PROGRESS_EVENT
    ]
    assert_progress_of_one_finished_task(payloads, "generate_video")


async def test_a_call_that_does_not_wait_reports_no_progress(tools: dict[str, Any]) -> None:
    recorder = AsyncRecorder()
    await tools["generate_video"].ainvoke({"prompt": "a pond"}, config={"callbacks": [recorder]})
    assert recorder.events == []


async def test_progress_without_a_parent_run_does_not_crash(tools: dict[str, Any]) -> None:
    _, view = await tools["generate_video"]._arun(**WAITING)
    assert view.status == "completed"
    _, view = tools["generate_video"]._run(**{**WAITING, "prompt": "a windmill"})
    assert view.status == "completed"
