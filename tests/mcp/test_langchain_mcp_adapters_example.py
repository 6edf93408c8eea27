"""``examples/langchain_mcp_adapters.py``: LangChain's own MCP client drives ``veo-mcp`` from a
separate virtual environment (``langchain-mcp-adapters`` 0.3.2 requires ``mcp<2``; this package
requires ``mcp>=2.3``).

The slow test builds that environment once under ``.venv/langchain-mcp-adapters`` (kept across
runs, so CI pays for it once per clone: about 15 s) and runs the example against the sandbox.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "langchain_mcp_adapters.py"
ADAPTERS = "langchain-mcp-adapters==0.3.2"
ENV_DIR = ROOT / ".venv" / "langchain-mcp-adapters"


def test_the_example_uses_the_session_form_and_needs_nothing_from_this_package() -> None:
    tree = ast.parse(EXAMPLE.read_text("utf-8"))
    imported = {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "langchain_mcp_adapters" in imported
    assert not imported & {"veo_tools", "mcp_server", "mcp"}  # its own environment, mcp<2
    sessions = [
        item.context_expr
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncWith)
        for item in node.items
        if isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Attribute)
        and item.context_expr.func.attr == "session"
    ]
    assert sessions, "tools must be loaded inside `async with client.session(...)`"
    loads = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "load_mcp_tools"
    ]
    assert loads and all(
        isinstance(call.args[0], ast.Name) and call.args[0].id == "session" for call in loads
    )


def _adapters_python() -> Path:
    python = ENV_DIR / "bin" / "python"
    marker = ENV_DIR / f".installed-{ADAPTERS}"
    if marker.exists():
        return python
    venv.create(ENV_DIR, with_pip=True, clear=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", ADAPTERS],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.skip(f"could not install {ADAPTERS}: {done.stderr.strip()[-300:]}")
    marker.write_text("ok\n")
    return python


@pytest.mark.slow
def test_the_langchain_mcp_adapters_example_makes_a_sandbox_video(tmp_path: Path) -> None:
    veo_mcp = Path(sys.executable).with_name("veo-mcp")
    if not veo_mcp.exists():
        pytest.skip("the veo-mcp console script is not installed")
    python = _adapters_python()
    env = {
        **os.environ,
        "VEO_TOOLS_STATE_DIR": str(tmp_path / "state"),
        "VEO_TOOLS_OUTPUT_DIR": str(tmp_path / "out"),
        "VEO_TOOLS_TIME_SCALE": "0.005",
    }
    done = subprocess.run(
        [str(python), str(EXAMPLE), "--veo-mcp", str(veo_mcp), "--prompt", "a lighthouse"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines[0] == (
        "tools: check_status, generate_batch, generate_video, list_tasks, recommend_channel"
    )
    result = json.loads(lines[-1])
    assert result["status"] == "completed"
    assert Path(result["video_path"]).read_bytes()[4:8] == b"ftyp"
    assert "progress" in done.stderr  # notifications arrive through the one session
