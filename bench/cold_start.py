"""Cold start of ``veo-mcp --sandbox`` over stdio against a bare ``MCPServer`` with one tool.

Each round spawns both servers (in alternating order, so they share the machine's noise) and
times spawn -> ``initialize`` answered -> ``tools/list`` answered, speaking raw JSON-RPC over the
pipes (no client library in the measurement). The baseline is the least any Python MCP server
can cost: the SDK import, one trivial tool, the handshake. Target: median ratio <= 1.3.

    .venv/bin/python bench/cold_start.py [--rounds 9]

Env: ``BENCH_COLD_START_ROUNDS``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

TARGET_RATIO = 1.3
BASELINE = """
from mcp.server.mcpserver import MCPServer

server = MCPServer("baseline")

@server.tool()
def ping(text: str) -> str:
    \"\"\"Echo the text.\"\"\"
    return text

server.run("stdio")
"""
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "cold-start-bench", "version": "1"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}


def veo_mcp_command() -> list[str]:
    script = Path(sys.executable).with_name("veo-mcp")
    if script.exists():
        return [str(script), "--sandbox"]
    return [sys.executable, "-m", "mcp_server", "--sandbox"]


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message).encode() + b"\n")
    stream.flush()


def _answer(stream: IO[bytes], request_id: int) -> dict[str, Any]:
    while line := stream.readline():
        message: dict[str, Any] = json.loads(line)
        if message.get("id") == request_id:
            if "error" in message:
                raise RuntimeError(f"server answered with an error: {message['error']}")
            return message
    raise RuntimeError("the server closed stdout before answering")


def time_one(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Seconds from spawn to the initialize answer and to the tools/list answer; tool count."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        _send(process.stdin, INITIALIZE)
        _answer(process.stdout, 1)
        initialized = time.perf_counter() - started
        _send(process.stdin, INITIALIZED)
        _send(process.stdin, LIST_TOOLS)
        tools = _answer(process.stdout, 2)["result"]["tools"]
        listed = time.perf_counter() - started
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return initialized, listed, len(tools)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = int(os.environ.get("BENCH_COLD_START_ROUNDS", "9"))
    parser.add_argument("--rounds", type=int, default=default, help="spawns of each server")
    return parser.parse_args(argv)


def _summary(samples: list[tuple[float, float, int]]) -> dict[str, float]:
    return {
        "initialize_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
        "tools_list_ms": round(statistics.median(s[1] for s in samples) * 1000, 1),
        "min_ms": round(min(s[1] for s in samples) * 1000, 1),
        "max_ms": round(max(s[1] for s in samples) * 1000, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    opts = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="veo-bench-cold-") as tmp:
        baseline_file = Path(tmp) / "baseline_server.py"
        baseline_file.write_text(BASELINE, encoding="utf-8")
        env = {
            **os.environ,
            "VEO_TOOLS_STATE_DIR": str(Path(tmp) / "state"),
            "VEO_TOOLS_OUTPUT_DIR": str(Path(tmp) / "out"),
        }
        commands = {"veo-mcp": veo_mcp_command(), "baseline": [sys.executable, str(baseline_file)]}
        for command in commands.values():  # warm the OS cache and .pyc files; not measured
            time_one(command, env)
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
        ratios: list[float] = []
        for round_ in range(opts.rounds):
            order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
            for name in order:
                samples[name].append(time_one(commands[name], env))
            ratios.append(samples["veo-mcp"][-1][1] / samples["baseline"][-1][1])
    veo, base = _summary(samples["veo-mcp"]), _summary(samples["baseline"])
    ratio = round(statistics.median(ratios), 3)
    met = ratio <= TARGET_RATIO
    print(_report(veo, base, ratio, opts.rounds, samples["veo-mcp"][0][2]))
    return {
        "rounds": opts.rounds,
        "veo_mcp": veo,
        "baseline": base,
        "median_ratio": ratio,
        "targets": [
            {
                "name": "MCP cold start (stdio, initialize + tools/list)",
                "goal": f"≤ {TARGET_RATIO}× a bare MCPServer with one tool",
                "value": f"{ratio:.2f}× ({veo['tools_list_ms']:.0f} ms vs "
                f"{base['tools_list_ms']:.0f} ms)",
                "met": met,
                "note": "",
            }
        ],
    }


def _report(
    veo: dict[str, float], base: dict[str, float], ratio: float, rounds: int, n: int
) -> str:
    rows = [
        ("`veo-mcp --sandbox`", n, veo),
        ("bare `MCPServer`, 1 tool", 1, base),
    ]
    lines = [
        f"Spawn to answer over stdio, raw JSON-RPC, median of {rounds} spawns each (alternating).",
        "",
        "| server | tools | initialize (ms) | tools/list (ms) | min-max (ms) |",
        "|---|---|---|---|---|",
    ]
    for label, tools, s in rows:
        lines.append(
            f"| {label} | {tools} | {s['initialize_ms']:.0f} | {s['tools_list_ms']:.0f} | "
            f"{s['min_ms']:.0f}-{s['max_ms']:.0f} |"
        )
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    lines += ["", f"Median per-round ratio: **{ratio:.2f}×** (target ≤ {TARGET_RATIO}×, {verdict})"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
