"""Drive ``veo-mcp`` with the MCP Python SDK client, the way an assistant would.

Offline, no key, no cost (the server runs on its built-in sandbox)::

    python examples/mcp_client.py

The real API (costs money: $0.15-$1.20 per video)::

    export APIYI_API_KEY=sk-...
    python examples/mcp_client.py --real --prompt "a corgi surfing at sunset"

It starts ``veo-mcp`` over stdio, lists the tools, asks ``recommend_channel``, starts the video
with ``generate_video``, follows it with ``check_status`` (printing the progress notifications)
and prints where the MP4 landed. ``stdio_client`` passes only a few environment variables to the
server, so the ones the server needs are passed explicitly.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, ResourceLink, TextContent

PASS_THROUGH = (
    "APIYI_API_KEY",
    "APIYI_BASE_URL",
    "VEO_TOOLS_OUTPUT_DIR",
    "VEO_TOOLS_STATE_DIR",
    "VEO_TOOLS_INPUT_DIRS",
    "VEO_TOOLS_BUDGET_USD",
    "VEO_MCP_MAX_WAIT_S",
    "PATH",
    "HOME",
)


def server_parameters(real: bool, time_scale: str | None) -> StdioServerParameters:
    script = shutil.which("veo-mcp") or str(Path(sys.executable).with_name("veo-mcp"))
    command, args = script, list[str]()
    if not Path(script).exists():
        command, args = sys.executable, ["-m", "mcp_server"]
    if not real:
        args.append("--sandbox")
    env = {name: os.environ[name] for name in PASS_THROUGH if name in os.environ}
    env.setdefault("VEO_TOOLS_OUTPUT_DIR", str(Path.cwd() / "veo-output"))
    if time_scale:
        env["VEO_TOOLS_TIME_SCALE"] = time_scale
    return StdioServerParameters(command=command, args=args, env=env)


def summary(result: CallToolResult) -> str:
    first = result.content[0]
    return first.text if isinstance(first, TextContent) else str(first)


async def on_progress(progress: float, total: float | None, message: str | None) -> None:
    print(f"  [{progress:5.1f}/{total or 100:.0f}] {message or ''}")


async def run(prompt: str, real: bool, time_scale: str | None) -> int:
    async with Client(server_parameters(real, time_scale)) as client:
        tools = (await client.list_tools()).tools
        print("tools:", ", ".join(t.name for t in tools))
        print((client.instructions or "").splitlines()[0], "\n")

        advice = await client.call_tool("recommend_channel", {"priority": "budget"})
        print("recommend_channel ->", summary(advice), "\n")
        structured: dict[str, Any] = advice.structured_content or {}
        args = {**structured.get("generate_video_args", {}), "prompt": prompt}

        started = await client.call_tool("generate_video", args, progress_callback=on_progress)
        if started.is_error:
            print("generate_video failed:", summary(started))
            return 1
        print("generate_video ->", summary(started), "\n")
        task_id = (started.structured_content or {})["task_id"]

        while True:
            follow = {"task_id": task_id, "wait_seconds": 25}
            status = await client.call_tool("check_status", follow, progress_callback=on_progress)
            view = status.structured_content or {}
            if status.is_error or view.get("status") not in ("queued", "in_progress"):
                break
        print("check_status ->", summary(status))
        for block in status.content:
            if isinstance(block, ResourceLink):
                print("resource_link:", block.uri, block.mime_type, f"{block.size} bytes")
    return 0 if view.get("status") == "completed" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prompt", default="a paper boat drifting down a rainy street, soft rain")
    parser.add_argument("--real", action="store_true", help="use APIYI_API_KEY (costs money)")
    parser.add_argument(
        "--time-scale",
        default=None,
        help="sandbox speed-up, e.g. 0.05 (default: real render times, about a minute)",
    )
    opts = parser.parse_args()
    return asyncio.run(run(opts.prompt, opts.real, opts.time_scale))


if __name__ == "__main__":
    sys.exit(main())
