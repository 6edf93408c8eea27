"""VeoToolkit: five tools over one engine, sync and async in one process, settings, lifecycle."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_support import call, is_mp4

from veo_tools import VeoToolkit as LazyVeoToolkit
from veo_tools.catalog import MODELS
from veo_tools.errors import ConfigurationError
from veo_tools.langchain import GenerateVideoTool, ServiceRunner, VeoToolkit
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.types import (
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    ModelsView,
    Recommendation,
    RecommendChannelInput,
    TaskList,
    TaskView,
)
from veo_tools.wording import prices

STREAM = {"prompt": "a paper boat on a rainy street", "channel": "reverse", "mode": "stream"}


def test_the_package_exports_the_same_toolkit_class() -> None:
    assert LazyVeoToolkit is VeoToolkit


def test_get_tools_returns_the_five_tools_with_the_batch_tool_last(toolkit: VeoToolkit) -> None:
    names = [tool.name for tool in toolkit.get_tools()]
    assert names == [
        "generate_video",
        "check_status",
        "recommend_channel",
        "list_tasks",
        "generate_batch",
    ]


def test_all_tools_share_one_runner_and_one_service(toolkit: VeoToolkit) -> None:
    runners = {id(tool.runner) for tool in toolkit.get_tools()}  # type: ignore[attr-defined]
    assert runners == {id(toolkit.runner)}
    assert toolkit.get_tools()[0].runner.service is toolkit.service  # type: ignore[attr-defined]


def test_each_tool_publishes_the_shared_input_model(tools: dict[str, Any]) -> None:
    shared = {
        "generate_video": GenerateVideoInput,
        "check_status": CheckStatusInput,
        "recommend_channel": RecommendChannelInput,
        "list_tasks": ListTasksInput,
        "generate_batch": GenerateBatchInput,
    }
    for name, model in shared.items():
        assert tools[name].args_schema is model
        published = tools[name].tool_call_schema
        assert published["properties"] == model.model_json_schema()["properties"]
        assert published["description"] == tools[name].description


def test_tools_convert_to_flat_openai_function_schemas(tools: dict[str, Any]) -> None:
    for name, tool in tools.items():
        function = convert_to_openai_tool(tool)["function"]
        assert function["name"] == name
        assert function["description"] == tool.description
        params = function["parameters"]
        assert (
            params["properties"].keys() == tool.args_schema.model_json_schema()["properties"].keys()
        )
        assert all("description" in spec for spec in params["properties"].values())


def test_descriptions_quote_catalog_prices_and_say_what_comes_back(tools: dict[str, Any]) -> None:
    for name in ("generate_video", "generate_batch"):
        text = tools[name].description
        assert prices() in text  # the catalog's price range at the defaults
    # recommend_channel returns the price of its pick (the schema budget has no room for both).
    assert "price, cost for count" in tools["recommend_channel"].description
    for tool in tools.values():
        assert "Use it" in tool.description
        assert "Returns" in tool.description
        assert not any(model_id in tool.description for model_id in MODELS)


async def test_results_are_compact_json_content_with_the_model_as_artifact(
    tools: dict[str, Any],
) -> None:
    cases = [
        ("recommend_channel", {"priority": "budget"}, Recommendation),
        ("generate_video", {"prompt": "a kite over dunes"}, TaskView),
        ("list_tasks", {}, TaskList),
    ]
    for name, args, result_type in cases:
        message = await tools[name].ainvoke(call(name, args))
        assert isinstance(message, ToolMessage)
        assert message.status == "success"
        assert isinstance(message.artifact, result_type)
        assert message.content == message.artifact.model_dump_json(exclude_none=True)
        assert "\n" not in message.content
    assert json.loads(message.content)["tasks"][0]["prompt"] == "a kite over dunes"


async def test_a_stream_started_by_a_sync_call_finishes_for_a_later_async_call(
    tools: dict[str, Any],
) -> None:
    started = await asyncio.to_thread(
        tools["generate_video"].invoke, call("generate_video", STREAM)
    )
    assert started.artifact.status in ("queued", "in_progress")
    done = await tools["check_status"].ainvoke(
        call("check_status", {"task_id": started.artifact.task_id, "wait_seconds": 10})
    )
    assert done.artifact.status == "completed"
    assert is_mp4(done.artifact.video_path)


def test_tools_work_from_plain_threads_and_from_successive_event_loops(
    tools: dict[str, Any],
) -> None:
    generate, check = tools["generate_video"], tools["check_status"]
    started = asyncio.run(generate.ainvoke(call("generate_video", {"prompt": "a lighthouse"})))
    results: list[Any] = []
    worker = threading.Thread(
        target=lambda: results.append(
            check.invoke(call("check_status", {"task_id": started.artifact.task_id}))
        )
    )
    worker.start()
    worker.join()
    assert results[0].status == "success"
    done = asyncio.run(
        check.ainvoke(
            call("check_status", {"task_id": started.artifact.task_id, "wait_seconds": 10})
        )
    )
    assert done.artifact.status == "completed"
    assert is_mp4(done.artifact.video_path)


def test_sandbox_environment_variable_needs_no_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VEO_TOOLS_SANDBOX", "1")
    with VeoToolkit(state_dir=tmp_path) as toolkit:
        assert toolkit.settings.sandbox


def test_missing_key_fails_at_construction_saying_how_to_fix_it() -> None:
    with pytest.raises(ConfigurationError, match=r"APIYI_API_KEY.*sandbox"):
        VeoToolkit()
    with pytest.raises(ConfigurationError, match="APIYI_API_KEY"):
        GenerateVideoTool()


def test_unknown_settings_are_refused_by_toolkit_and_tools() -> None:
    with pytest.raises(TypeError, match="sandbx"):
        VeoToolkit(sandbx=True)
    with pytest.raises(TypeError, match="sandbx"):
        GenerateVideoTool(sandbx=True)


def test_a_service_and_settings_together_are_refused(tmp_path: Path) -> None:
    service = VeoService(Settings.from_env(sandbox=True, state_dir=tmp_path))
    try:
        with pytest.raises(TypeError, match="either"):
            VeoToolkit(service, sandbox=True)
    finally:
        asyncio.run(service.aclose())


def test_a_passed_in_service_is_used_and_closed_with_the_toolkit(
    settings: dict[str, Any],
) -> None:
    service = VeoService(Settings.from_env(**settings))
    toolkit = VeoToolkit(service)
    generate = toolkit.get_tools()[0]
    view = generate.invoke(call("generate_video", {"prompt": "a red balloon"})).artifact
    assert asyncio.run(service.journal.get(view.task_id)) is not None
    toolkit.close()
    with pytest.raises(Exception, match="closed"):
        asyncio.run(service.journal.get(view.task_id))


def test_the_engine_thread_starts_on_first_use_and_close_stops_it(toolkit: VeoToolkit) -> None:
    assert not toolkit.runner.running
    toolkit.get_tools()[3].invoke({})
    assert toolkit.runner.running
    toolkit.close()
    toolkit.close()
    assert not toolkit.runner.running


def test_calls_after_close_come_back_as_tool_errors(toolkit: VeoToolkit) -> None:
    tool = toolkit.get_tools()[3]
    toolkit.close()
    message = tool.invoke(call("list_tasks", {}))
    assert message.status == "error"
    assert "closed" in message.content


async def test_async_context_manager_closes_the_toolkit(settings: dict[str, Any]) -> None:
    async with VeoToolkit(**settings) as toolkit:
        await toolkit.get_tools()[3].ainvoke({})
    with pytest.raises(ConfigurationError, match="closed"):
        toolkit.service  # noqa: B018


def test_the_api_key_stays_out_of_reprs_results_and_errors(tmp_path: Path) -> None:
    secret = "sk-do-not-leak-4711"
    with VeoToolkit(sandbox=True, api_key=secret, state_dir=tmp_path, time_scale=0.002) as kit:
        tools = {tool.name: tool for tool in kit.get_tools()}
        texts = [repr(kit), repr(kit.runner), *(repr(t) for t in tools.values())]
        texts.append(
            tools["generate_video"].invoke(call("generate_video", {"prompt": "a"})).content
        )
        texts.append(tools["check_status"].invoke(call("check_status", {"task_id": "x"})).content)
    assert all(secret not in text and "do-not-leak" not in text for text in texts)


@pytest.mark.slow
def test_importing_veo_tools_and_the_toolkit_does_not_import_mcp() -> None:
    code = (
        "import sys, veo_tools; from veo_tools import VeoToolkit; "
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith('mcp.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_runner_reprs_show_settings_not_secrets() -> None:
    runner = ServiceRunner(sandbox=True)
    assert repr(runner).startswith("ServiceRunner(Settings(")
    assert "sk-sandbox" not in repr(runner)


def test_the_toolkit_reports_model_availability_sync(toolkit: VeoToolkit) -> None:
    view = toolkit.models()
    assert isinstance(view, ModelsView) and view.available == list(MODELS)


async def test_the_toolkit_reports_model_availability_async(toolkit: VeoToolkit) -> None:
    assert toolkit.service.sandbox is not None
    toolkit.service.sandbox.lifecycle["reverse"] = "outage"
    view = await toolkit.amodels(refresh=True)
    assert view.available == [m.id for m in MODELS.values() if m.channel != "reverse"]
