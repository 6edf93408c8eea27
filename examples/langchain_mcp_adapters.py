"""Load ``veo-mcp``'s tools into LangChain with LangChain's own MCP client.

``langchain-mcp-adapters`` 0.3.2 requires ``mcp<2`` and veo-tools requires ``mcp>=2.3``, so the two
cannot share a virtual environment: run this file from its own one, against the ``veo-mcp``
command of the veo-tools environment. Offline, no key, no cost::

    python -m venv .venv-lc && .venv-lc/bin/pip install langchain-mcp-adapters==0.3.2
    .venv-lc/bin/python examples/langchain_mcp_adapters.py --veo-mcp .venv/bin/veo-mcp

With ``--real`` the server uses ``APIYI_API_KEY`` (costs money); with ``--model
provider:model`` (``pip install langchain`` plus the provider's package) a real chat model
drives the tools through ``create_agent`` instead of the fixed calls below.

It uses the session form, ``async with client.session("veo") as session`` then
``load_mcp_tools(session)``: one server process for every call, so a task started by
``generate_video`` is followed by ``check_status`` in the same server, with its progress
notifications. Without a session, ``client.get_tools()`` starts a new server for each tool call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

# This file is named like the package it demonstrates: keep its own folder off the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from langchain_mcp_adapters.callbacks import CallbackContext, Callbacks  # noqa: E402
from langchain_mcp_adapters.client import MultiServerMCPClient  # noqa: E402
from langchain_mcp_adapters.tools import load_mcp_tools  # noqa: E402

PASS_THROUGH = (
    "APIYI_API_KEY",
    "APIYI_BASE_URL",
    "VEO_TOOLS_OUTPUT_DIR",
    "VEO_TOOLS_STATE_DIR",
    "VEO_TOOLS_INPUT_DIRS",
    "VEO_TOOLS_BUDGET_USD",
    "VEO_TOOLS_TIME_SCALE",
    "PATH",
    "HOME",
)


def connection(veo_mcp: str, *, real: bool) -> dict[str, Any]:
    """The stdio connection; the MCP client passes the server only the variables it is given."""
    env = {name: os.environ[name] for name in PASS_THROUGH if name in os.environ}
    return {
        "transport": "stdio",
        "command": veo_mcp,
        "args": [] if real else ["--sandbox"],
        "env": env,
    }


async def on_progress(
    progress: float, total: float | None, message: str | None, context: CallbackContext
) -> None:
    print(f"  progress {progress:.0f}/{total or 100:.0f} {message or ''}", file=sys.stderr)


def result_of(output: Any) -> dict[str, Any]:
    """The tool's JSON from its content blocks (text, then a file block for the MP4)."""
    blocks = output if isinstance(output, list) else [output]
    for block in blocks:
        text = block.get("text") if isinstance(block, dict) else block
        if isinstance(text, str) and text.lstrip().startswith("{"):
            parsed: dict[str, Any] = json.loads(text)
            return parsed
    return {}


async def fixed_calls(tools: dict[str, Any], prompt: str) -> dict[str, Any]:
    """What an agent would do: start the video, then follow it until it ends."""
    started = result_of(await tools["generate_video"].ainvoke({"prompt": prompt}))
    print(f"started {started.get('task_id')} ({started.get('status')})")
    view = started
    for _ in range(20):
        if view.get("status") not in ("queued", "in_progress"):
            break
        args = {"task_id": started["task_id"], "wait_seconds": 25}
        view = result_of(await tools["check_status"].ainvoke(args))
    return view


async def run(args: argparse.Namespace) -> int:
    client = MultiServerMCPClient(
        {"veo": connection(args.veo_mcp, real=args.real)},
        callbacks=Callbacks(on_progress=on_progress),
    )
    async with client.session("veo") as session:
        loaded = await load_mcp_tools(
            session, callbacks=Callbacks(on_progress=on_progress), server_name="veo"
        )
        tools = {tool.name: tool for tool in loaded}
        print("tools:", ", ".join(sorted(tools)))
        if args.model:
            from langchain.agents import create_agent

            agent = create_agent(args.model, tools=loaded)
            state = await agent.ainvoke({"messages": [("user", f"Make a video: {args.prompt}")]})
            print(state["messages"][-1].text)
            return 0
        view = await fixed_calls(tools, args.prompt)
    print(json.dumps({k: view.get(k) for k in ("task_id", "status", "video_path")}))
    return 0 if view.get("status") == "completed" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--veo-mcp", default="veo-mcp", help="the veo-mcp command to start")
    parser.add_argument("--real", action="store_true", help="the real API (APIYI_API_KEY)")
    parser.add_argument("--model", help="a chat model for create_agent, e.g. openai:gpt-4.1")
    parser.add_argument("--prompt", default="a lighthouse at dusk, slow push-in")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
