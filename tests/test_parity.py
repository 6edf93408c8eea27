"""The same call gives the same answer in every front-end: MCP (in memory, the SDK's client), the
LangChain tools and the CLI's ``--json``, each on its own journal against one sandbox served on
loopback (the CLI is a new process-like run per command, as a user runs it).

Cases: a fresh generate, its duplicate, the duplicate with a wait (it waits for the existing
task everywhere), check_status on a batch id (a read-only summary), bad input, an unknown
task, and recommend_channel while Official is in an outage (routed around it everywhere).
Results are compared field by field, allowing for each front-end's wrapping (MCP's
``structuredContent`` and ``Error executing tool X:``, LangChain's artifact and ``ToolMessage``,
the CLI's JSON on stdout and ``veo-tools: error:`` on stderr).
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolCall, ToolMessage
from loopback_support import running_in_thread
from mcp import Client
from mcp.types import TextContent

from mcp_server import create_server
from veo_tools.cli import main
from veo_tools.langchain import VeoToolkit
from veo_tools.sandbox import SandboxConfig, make_server
from veo_tools.service import VeoService
from veo_tools.settings import Settings

TIME_SCALE = 0.002
KEY = "sk-parity-test-key"
PROMPT = "a red kite over dunes at dawn"
GENERATE = {"prompt": PROMPT, "channel": "reverse"}
ITEMS = [
    {"prompt": "a fox in snow", "channel": "reverse"},
    {"prompt": "a hare", "channel": "reverse"},
]
UNKNOWN = "veo_0000000000000000"
#: The answer to each case: ("ok", result JSON) or ("error", message without its wrapping).
Outcome = tuple[str, Any]
Outcomes = dict[str, Outcome]


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """One sandbox for the module (the cases run once; each test checks one of them)."""
    # Official is in an outage (the cases generate on Reverse): recommend_channel must route
    # around it the same way everywhere.
    config = SandboxConfig(time_scale=TIME_SCALE, lifecycle={"official": "outage"})
    with running_in_thread(make_server("127.0.0.1", 0, config, log_level="warning")) as url:
        yield url


def settings_for(root: Path, base_url: str) -> Settings:
    return Settings.from_env(
        {},
        api_key=KEY,
        base_url=base_url,
        time_scale=TIME_SCALE,
        state_dir=root / "state",
        output_dir=root / "out",
        input_dirs=[root],
    )


# ---- MCP -----------------------------------------------------------------------------------


async def through_mcp(settings: Settings) -> Outcomes:
    async with VeoService(settings) as service, Client(create_server(service=service)) as client:

        async def call(tool: str, args: dict[str, Any]) -> Outcome:
            result = await client.call_tool(tool, args)
            if result.is_error:
                first = result.content[0]
                assert isinstance(first, TextContent)
                return "error", first.text.removeprefix(f"Error executing tool {tool}: ")
            return "ok", result.structured_content

        return await run_cases(call)


# ---- LangChain -----------------------------------------------------------------------------


async def through_langchain(settings: Settings) -> Outcomes:
    async with VeoToolkit(service=VeoService(settings)) as toolkit:
        tools = {tool.name: tool for tool in toolkit.get_tools()}

        async def call(tool: str, args: dict[str, Any]) -> Outcome:
            call_ = ToolCall(name=tool, args=args, id="call_1", type="tool_call")
            message = await tools[tool].ainvoke(call_)
            assert isinstance(message, ToolMessage)
            if message.status == "error":
                return "error", message.content
            return "ok", message.artifact.model_dump(mode="json")

        return await run_cases(call)


# ---- CLI -----------------------------------------------------------------------------------


def through_cli(root: Path, base_url: str, monkeypatch: pytest.MonkeyPatch) -> Outcomes:
    monkeypatch.setenv("APIYI_API_KEY", KEY)
    monkeypatch.setenv("APIYI_BASE_URL", base_url)
    monkeypatch.setenv("VEO_TOOLS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("VEO_TOOLS_STATE_DIR", str(root / "state"))
    monkeypatch.setenv("VEO_TOOLS_OUTPUT_DIR", str(root / "out"))
    monkeypatch.setenv("VEO_TOOLS_INPUT_DIRS", str(root))

    def cli(*argv: str) -> Outcome:
        stdout, stderr = io.StringIO(), io.StringIO()
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = main(["--json", *argv])
        out, err = stdout.getvalue(), stderr.getvalue()
        if code == 2 or (not out.strip() and code):
            return "error", err.strip().removeprefix("veo-tools: error: ")
        return "ok", json.loads(out)

    generate = ("generate", PROMPT, "--channel", "reverse")
    batch_file = root / "batch.jsonl"
    batch_file.write_text("\n".join(json.dumps(item) for item in ITEMS) + "\n")
    outcomes = {
        "fresh": cli(*generate, "--no-wait"),
        "duplicate": cli(*generate, "--no-wait"),
        "duplicate_wait": cli(*generate, "--wait", "60"),
    }
    started = cli("batch", str(batch_file))
    outcomes["batch"] = cli("status", started[1]["batch_id"], "--wait", "60")
    outcomes["bad_input"] = cli("generate", "a fox\x1b[2J", "--no-wait")
    outcomes["unknown"] = cli("status", UNKNOWN)
    outcomes["recommend"] = cli("recommend", "--priority", "quality")
    return outcomes


# ---- the same cases everywhere ---------------------------------------------------------------


async def run_cases(call: Callable[[str, dict[str, Any]], Any]) -> Outcomes:
    outcomes = {
        "fresh": await call("generate_video", GENERATE),
        "duplicate": await call("generate_video", GENERATE),
        "duplicate_wait": await call("generate_video", {**GENERATE, "wait_seconds": 60}),
    }
    started = await call("generate_batch", {"items": ITEMS})
    batch_id = started[1]["batch_id"]
    outcomes["batch"] = await call("check_status", {"task_id": batch_id, "wait_seconds": 60})
    outcomes["bad_input"] = await call("generate_video", {"prompt": "a fox\x1b[2J"})
    outcomes["unknown"] = await call("check_status", {"task_id": UNKNOWN})
    outcomes["recommend"] = await call("recommend_channel", {"priority": "quality"})
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, sandbox_url: str) -> dict[str, Outcomes]:
    roots = {name: tmp_path_factory.mktemp(name) for name in ("mcp", "langchain", "cli")}
    with pytest.MonkeyPatch.context() as monkeypatch:
        return {
            "mcp": asyncio.run(through_mcp(settings_for(roots["mcp"], sandbox_url))),
            "langchain": asyncio.run(
                through_langchain(settings_for(roots["langchain"], sandbox_url))
            ),
            "cli": through_cli(roots["cli"], sandbox_url, monkeypatch),
        }


TASK_FIELDS = ("channel", "model", "price_usd", "billed", "deduplicated", "prompt", "seed", "notes")


def same(outcomes: dict[str, Outcomes], case: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """The ``fields`` of ``case``, identical in every front-end; returns them."""
    seen = {fe: {f: o[case][1].get(f) for f in fields} for fe, o in outcomes.items()}
    assert all(o[case][0] == "ok" for o in outcomes.values()), {
        fe: o[case] for fe, o in outcomes.items()
    }
    assert seen["mcp"] == seen["langchain"] == seen["cli"], seen
    return seen["mcp"]


def test_a_fresh_generate_is_the_same_task_everywhere(outcomes: dict[str, Outcomes]) -> None:
    fields = same(outcomes, "fresh", (*TASK_FIELDS, "batch_id", "video_path"))
    assert fields["deduplicated"] is False and fields["video_path"] is None
    for o in outcomes.values():
        assert o["fresh"][1]["status"] in ("queued", "in_progress")
        assert "check_status(task_id=" in o["fresh"][1]["next_step"]


def test_a_duplicate_returns_the_earlier_task_everywhere(outcomes: dict[str, Outcomes]) -> None:
    assert same(outcomes, "duplicate", TASK_FIELDS)["deduplicated"] is True
    for o in outcomes.values():
        assert o["duplicate"][1]["task_id"] == o["fresh"][1]["task_id"]


def test_a_duplicate_with_a_wait_waits_for_the_existing_task_everywhere(
    outcomes: dict[str, Outcomes],
) -> None:
    fields = same(outcomes, "duplicate_wait", (*TASK_FIELDS, "status", "progress", "error"))
    assert fields["status"] == "completed" and fields["deduplicated"] is True
    for o in outcomes.values():
        view = o["duplicate_wait"][1]
        assert view["task_id"] == o["fresh"][1]["task_id"]
        assert Path(view["video_path"]).read_bytes()[4:8] == b"ftyp"


def test_check_status_on_a_batch_id_is_the_same_summary_everywhere(
    outcomes: dict[str, Outcomes],
) -> None:
    fields = same(
        outcomes,
        "batch",
        ("status", "total", "counts", "estimated_cost_usd", "spent_usd", "failed"),
    )
    assert fields["status"] == "completed" and fields["counts"] == {"completed": 2}
    for o in outcomes.values():
        view = o["batch"][1]
        assert view["batch_id"].startswith("batch_") and len(view["items"]) == 2
        assert view["next_step"].startswith("Batch done")


def test_bad_input_is_refused_with_the_same_words_everywhere(
    outcomes: dict[str, Outcomes],
) -> None:
    messages = {fe: o["bad_input"] for fe, o in outcomes.items()}
    assert all(kind == "error" for kind, _ in messages.values()), messages
    problem = "contains the control character U+001B at position 5"
    assert all(problem in text for _, text in messages.values()), messages
    # The same formatter: the field is named as the front-end spells it (a CLI argument).
    assert messages["mcp"][1] == messages["langchain"][1]
    assert messages["mcp"][1].startswith("Invalid arguments: prompt: ")
    assert messages["cli"][1].startswith("Invalid arguments: PROMPT: ")  # a positional argument


def test_an_unknown_task_is_the_same_error_everywhere(outcomes: dict[str, Outcomes]) -> None:
    messages = {fe: o["unknown"] for fe, o in outcomes.items()}
    assert all(kind == "error" for kind, _ in messages.values()), messages
    # The same words for the agents; the CLI says the same to a person, with its own commands.
    assert messages["mcp"][1] == messages["langchain"][1], messages
    assert all(f"No task '{UNKNOWN}'" in text for _, text in messages.values())
    assert "list_tasks" in messages["mcp"][1] and "list_tasks" not in messages["cli"][1]
    assert messages["cli"][1] == messages["mcp"][1].replace(
        "list_tasks", "veo-tools tasks"
    ).replace("generate_video", "veo-tools generate")


def test_recommend_channel_routes_around_a_down_channel_the_same_way_everywhere(
    outcomes: dict[str, Outcomes],
) -> None:
    fields = same(
        outcomes,
        "recommend",
        ("channel", "model", "best_fit", "availability", "warnings", "generate_video_args"),
    )
    # Quality asks for Official standard; Official is out, so the best fit that is up is named,
    # with what it gives up.
    assert fields["best_fit"] == "veo-3.1-generate-preview"
    assert fields["channel"] == "reverse" and fields["availability"]["state"] == "available"
    assert fields["warnings"] and "veo-3.1-generate-preview" in " ".join(fields["warnings"])
