"""An agent (``create_agent`` + a scripted chat model) makes a video on the sandbox by itself."""

from __future__ import annotations

from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_support import is_mp4

from veo_tools.langchain import ScriptedVeoChatModel, VeoToolkit
from veo_tools.langchain.scripted import tool_call
from veo_tools.types import TaskView

ASK = {"messages": [HumanMessage("Make an 8-second clip of a fox in the snow, cheaply.")]}


def tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def assert_video_made(state: dict[str, Any], toolkit: VeoToolkit) -> None:
    results = tool_messages(state)
    names = [m.name for m in results]
    assert names[:3] == ["recommend_channel", "generate_video", "check_status"]
    assert set(names[3:]) <= {"check_status"}
    assert all(m.status == "success" for m in results)
    final_view = results[-1].artifact
    assert isinstance(final_view, TaskView)
    assert final_view.status == "completed"
    assert final_view.video_path is not None
    assert is_mp4(final_view.video_path)
    record = toolkit.runner.call(lambda service, _: service.journal.get(final_view.task_id))
    assert record is not None
    assert record.status == "completed"
    assert record.video_path == final_view.video_path
    answer = state["messages"][-1]
    assert isinstance(answer, AIMessage)
    assert final_view.video_path in answer.text


async def test_async_agent_recommends_generates_and_follows_until_the_mp4_is_saved(
    toolkit: VeoToolkit,
) -> None:
    model = ScriptedVeoChatModel.make_video("a fox in the snow", needs={"priority": "budget"})
    agent = create_agent(model, tools=toolkit.get_tools())
    state = await agent.ainvoke(ASK)
    assert_video_made(state, toolkit)
    assert tool_messages(state)[1].artifact.channel == "reverse"  # what budget recommends


def test_sync_agent_recommends_generates_and_follows_until_the_mp4_is_saved(
    toolkit: VeoToolkit,
) -> None:
    model = ScriptedVeoChatModel.make_video("a fox in the snow")
    agent = create_agent(model, tools=toolkit.get_tools())
    state = agent.invoke(ASK)
    assert_video_made(state, toolkit)


def test_the_scripted_model_polls_check_status_until_the_task_finishes(
    toolkit: VeoToolkit,
) -> None:
    model = ScriptedVeoChatModel.make_video("a fox in the snow", wait_seconds=0.02)
    agent = create_agent(model, tools=toolkit.get_tools())
    state = agent.invoke(ASK)
    assert_video_made(state, toolkit)
    assert [m.name for m in tool_messages(state)].count("check_status") > 1


async def test_tool_errors_go_back_to_the_model_and_the_run_carries_on(
    toolkit: VeoToolkit,
) -> None:
    script = [
        tool_call("generate_video", {"prompt": "a skyline", "seconds": 4, "resolution": "1080p"}),
        tool_call("check_status", {"task_id": "veo_unknown"}),
        tool_call("generate_video", {"prompt": "a skyline", "seconds": 8, "resolution": "1080p"}),
        AIMessage("Submitted {task_id} after fixing the request."),
    ]
    agent = create_agent(ScriptedVeoChatModel(messages=iter(script)), tools=toolkit.get_tools())
    state = await agent.ainvoke(ASK)
    first, second, third = tool_messages(state)
    assert (first.status, second.status, third.status) == ("error", "error", "success")
    assert "requires seconds=8" in first.text
    assert "list_tasks" in second.text
    assert (
        state["messages"][-1].text
        == f"Submitted {third.artifact.task_id} after fixing the request."
    )
