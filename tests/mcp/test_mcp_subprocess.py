"""The real thing: ``veo-mcp`` as a subprocess over stdio and over streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp_support import TOOL_NAMES, video_file

pytestmark = pytest.mark.slow

TOKEN = "subprocess-token-9f8e7d6c5b4a"
NO_LANGCHAIN = """
import sys, anyio
from mcp import Client
from mcp_server import create_server
from veo_tools.settings import Settings

async def main():
    async with Client(create_server(settings=Settings.from_env(sandbox=True))) as client:
        assert not (await client.call_tool("list_tasks", {})).is_error

anyio.run(main)
roots = ("langchain", "langchain_core", "langgraph", "langsmith")
sys.stdout.write(repr(sorted(m for m in sys.modules if m.split(".")[0] in roots)))
"""


def veo_mcp(*args: str) -> list[str]:
    """The installed console script, or ``python -m mcp_server`` when it is not installed."""
    script = Path(sys.executable).with_name("veo-mcp")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "mcp_server", *args]


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Everything the child needs, explicitly: stdio_client passes only a few variables."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "VEO_TOOLS_TIME_SCALE": "0.002",
        "VEO_TOOLS_STATE_DIR": str(tmp_path / "state"),
        "VEO_TOOLS_OUTPUT_DIR": str(tmp_path / "out"),
        "VEO_TOOLS_INPUT_DIRS": str(tmp_path),
        **extra,
    }


async def test_stdio_round_trip_makes_a_video_file_on_disk(tmp_path: Path) -> None:
    command, *args = veo_mcp("--sandbox")
    params = StdioServerParameters(
        command=command, args=args, env=child_env(tmp_path), cwd=str(tmp_path)
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        assert init.server_info is not None and init.server_info.name == "veo-tools"
        assert "generate_video" in (init.instructions or "")
        tools = {t.name for t in (await session.list_tools()).tools}
        assert tools == set(TOOL_NAMES)
        started = await session.call_tool("generate_video", {"prompt": "a snail racing"})
        assert started.structured_content is not None, started.content
        task_id = started.structured_content["task_id"]
        for _ in range(20):
            args_ = {"task_id": task_id, "wait_seconds": 5}
            status = await session.call_tool("check_status", args_)
            assert status.structured_content is not None, status.content
            if status.structured_content["status"] == "completed":
                break
    file = video_file(status.structured_content["video_path"])
    assert file.parent == (tmp_path / "out").resolve()


def test_server_never_imports_langchain(tmp_path: Path) -> None:
    env = child_env(tmp_path, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run(
        [sys.executable, "-c", NO_LANGCHAIN], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]"


def test_example_client_makes_a_video_on_the_sandbox(tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "examples" / "mcp_client.py"
    done = subprocess.run(
        [sys.executable, str(example), "--time-scale", "0.002"],
        env=child_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resource_link: file://" in done.stdout and "video/mp4" in done.stdout
    assert list((tmp_path / "out").glob("*.mp4"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert process.poll() is None, "veo-mcp exited early"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("veo-mcp never started listening")


async def test_http_transport_from_the_command_line_requires_the_token(tmp_path: Path) -> None:
    port = _free_port()
    command = veo_mcp("--transport", "streamable-http", "--port", str(port), "--sandbox")
    env = child_env(tmp_path, VEO_MCP_AUTH_TOKEN=TOKEN)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        await _wait_until_listening(port, process)
        url = f"http://127.0.0.1:{port}/mcp"
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "probe", "version": "0"},
            },
        }
        headers = {"Accept": "application/json, text/event-stream"}
        async with httpx.AsyncClient() as http:
            refused = await http.post(url, json=body, headers=headers)
            accepted = await http.post(
                url, json=body, headers={**headers, "Authorization": f"Bearer {TOKEN}"}
            )
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert refused.status_code == 401
    assert accepted.status_code == 200, accepted.text
    assert "veo-tools" in accepted.text
    assert TOKEN.encode() not in stderr
