"""What the model reads fits a budget (issue 12): sizes, not times.

Names + descriptions + input schemas of all tools <= 8,000 characters through MCP ``tools/list``
and through LangChain (``convert_to_openai_tool``); the whole ``tools/list`` <= 16,000; every tool
result an agent reads <= 2 kB. ``bench/schema_size.py`` prints the same figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from mcp_server import create_server
from veo_tools.langchain.tools import to_content
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.types import BatchItemView, BatchView
from veo_tools.wording import TOOL_NAMES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from schema_size import TOOLS_BUDGET, TOOLS_LIST_BUDGET, measure

RESULT_BUDGET = 2048


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return measure()


def test_what_every_tool_costs_the_model_fits_the_budget_in_mcp_and_langchain(
    figures: dict[str, Any],
) -> None:
    assert set(figures["mcp"]) == set(figures["langchain"]) == set(TOOL_NAMES)
    assert figures["mcp_reads"] <= TOOLS_BUDGET
    assert figures["langchain_reads"] <= TOOLS_BUDGET


def test_the_whole_tools_list_fits_the_budget(figures: dict[str, Any]) -> None:
    assert figures["mcp_tools_list"] <= TOOLS_LIST_BUDGET


def test_the_two_front_ends_publish_the_same_words(figures: dict[str, Any]) -> None:
    # Same descriptions and schemas; MCP adds only its inline wait cap (and LangChain nothing).
    for name in TOOL_NAMES:
        gap = figures["mcp"][name]["reads"] - figures["langchain"][name]
        assert 0 <= gap <= 150, name


def test_output_schemas_keep_their_structure_without_descriptions(
    figures: dict[str, Any],
) -> None:
    for name, row in figures["mcp"].items():
        assert 0 < row["output_schema"] <= 2_500, name


def test_a_batch_of_500_is_summarised_within_2_kb_and_says_how_many_items_it_left_out() -> None:
    items = [BatchItemView(index=i, task_id=f"veo_{i:016x}", status="queued") for i in range(500)]
    view = BatchView(
        batch_id="batch_0123456789abcdef",
        status="running",
        total=500,
        counts={"queued": 500},
        estimated_cost_usd=75.0,
        spent_usd=0,
        items=items,
        failed=[],
        next_step="Still running.",
    )
    compact = view.summary()
    assert len(compact.model_dump_json(exclude_none=True).encode()) <= RESULT_BUDGET
    assert compact.total == 500 and compact.items_omitted == 500 - len(compact.items)
    assert json.loads(compact.model_dump_json())["batch_id"] == view.batch_id


async def test_list_tasks_and_a_failed_over_task_fit_2_kb_in_mcp_and_langchain(
    tmp_path: Path,
) -> None:
    """Real results, not hand-built ones: 12 finished tasks listed, and a generate that was routed
    around a down channel (the longest notes a task result carries)."""
    settings = Settings.from_env(
        {},
        sandbox=True,
        time_scale=0.002,
        state_dir=tmp_path / "state",
        output_dir=tmp_path / "out",
        input_dirs=[tmp_path],
    )
    async with VeoService(settings) as service:
        for i in range(12):
            await service.generate(
                {"prompt": f"a lighthouse at dusk, take {i}", "wait_seconds": 30}
            )
        assert service.sandbox is not None
        service.sandbox.lifecycle["official"] = "outage"
        routed = await service.generate({"prompt": "a paper boat in the rain", "wait_seconds": 30})
        assert routed.notes and routed.channel == "reverse"
        async with Client(create_server(service=service)) as client:
            listed = await client.call_tool("list_tasks", {})
        tasks = await service.list_tasks({})
    structured = listed.structured_content or {}
    assert len(json.dumps(structured).encode()) <= RESULT_BUDGET
    # 12 takes, the routed one, and the create Official refused on the way (failed, not billed).
    assert len(tasks.tasks) == 14
    assert 0 < len(structured["tasks"]) < 14 and structured["tasks_omitted"] > 0
    assert len(structured["tasks"]) + structured["tasks_omitted"] == 14
    assert len(to_content(tasks).encode()) <= RESULT_BUDGET
    assert len(routed.model_dump_json().encode()) <= RESULT_BUDGET
