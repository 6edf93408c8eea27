"""What the model reads: the size of the tool definitions in MCP ``tools/list`` and in LangChain.

An agent pays for every tool's name, description and input schema on every turn, so they have a
budget (issue 12): names + descriptions + input schemas <= 8,000 characters through MCP and
through LangChain (``convert_to_openai_tool``), the whole ``tools/list`` <= 16,000 characters.
Sizes are compact JSON (no spaces), as a client sends them. ``tests/test_schema_budget.py`` pins
the same budget with :func:`measure`.

    .venv/bin/python bench/schema_size.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import md_table, target

#: The budget, in characters of compact JSON.
TOOLS_BUDGET = 8_000
TOOLS_LIST_BUDGET = 16_000


def compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


async def mcp_tools() -> list[dict[str, Any]]:
    """``tools/list`` as the wire carries it (camelCase), from an in-memory client."""
    from mcp import Client

    from mcp_server import create_server
    from veo_tools.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        settings = Settings(sandbox=True, state_dir=here, output_dir=here, input_dirs=())
        async with Client(create_server(settings=settings, log_level="WARNING")) as client:
            listed = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed.tools]


def langchain_tools() -> list[dict[str, Any]]:
    """Each LangChain tool as an OpenAI tool definition (what a chat model is sent)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from veo_tools.langchain.tools import (
        CheckStatusTool,
        GenerateBatchTool,
        GenerateVideoTool,
        ListTasksTool,
        RecommendChannelTool,
    )

    classes = (GenerateVideoTool, GenerateBatchTool, CheckStatusTool, RecommendChannelTool)
    with tempfile.TemporaryDirectory() as tmp:  # the tools are built, never called
        here = {"state_dir": Path(tmp), "output_dir": Path(tmp), "input_dirs": ()}
        tools = [cls(sandbox=True, **here) for cls in (*classes, ListTasksTool)]
        return [convert_to_openai_tool(tool) for tool in tools]


def measure() -> dict[str, Any]:
    """Per tool and in total: name + description + input schema, and the whole definition."""
    listed = asyncio.run(mcp_tools())
    mcp_rows = {
        t["name"]: {
            "reads": len(t["name"]) + len(t.get("description", "")) + compact(t["inputSchema"]),
            "output_schema": compact(t.get("outputSchema", {})),
            "whole": compact(t),
        }
        for t in listed
    }
    lc_rows = {
        t["function"]["name"]: len(t["function"]["name"])
        + len(t["function"].get("description", ""))
        + compact(t["function"].get("parameters", {}))
        for t in langchain_tools()
    }
    return {
        "mcp": mcp_rows,
        "langchain": lc_rows,
        "mcp_reads": sum(r["reads"] for r in mcp_rows.values()),
        "mcp_tools_list": compact({"tools": listed}),
        "langchain_reads": sum(lc_rows.values()),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    del argv  # no knobs: the figures are sizes, not times
    figures = measure()
    rows = [
        [
            name,
            row["reads"],
            figures["langchain"].get(name, "-"),
            row["output_schema"],
            row["whole"],
        ]
        for name, row in figures["mcp"].items()
    ]
    rows.append(
        [
            "**total**",
            figures["mcp_reads"],
            figures["langchain_reads"],
            sum(r["output_schema"] for r in figures["mcp"].values()),
            figures["mcp_tools_list"],
        ]
    )
    print("Characters of compact JSON an agent reads per turn (name + description + input schema).")
    print()
    headers = ["tool", "MCP reads", "LangChain reads", "MCP outputSchema", "MCP whole"]
    print(md_table(headers, rows))
    figures["targets"] = [
        target(
            "MCP names + descriptions + input schemas",
            f"<= {TOOLS_BUDGET:,}",
            f"{figures['mcp_reads']:,}",
            figures["mcp_reads"] <= TOOLS_BUDGET,
        ),
        target(
            "LangChain (convert_to_openai_tool)",
            f"<= {TOOLS_BUDGET:,}",
            f"{figures['langchain_reads']:,}",
            figures["langchain_reads"] <= TOOLS_BUDGET,
        ),
        target(
            "whole MCP tools/list",
            f"<= {TOOLS_LIST_BUDGET:,}",
            f"{figures['mcp_tools_list']:,}",
            figures["mcp_tools_list"] <= TOOLS_LIST_BUDGET,
        ),
    ]
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
