"""200 generations through one VeoService against a sandbox server over loopback HTTP.

Two paths, measured in the same run against a sandbox in its own process (so the client's CPU and
memory are the client's alone):

* ``generate``: 200 ``generate(wait_seconds=...)`` calls with at most 20 in flight. Reported: wall
  time against the ideal makespan of the sandbox's own simulated render times at that concurrency
  (a lower bound no client can beat), client CPU seconds per task, and peak RSS.
* ``batch``: ``generate_batch`` of 200 items with caps of 10 per channel. Reported: the same (the
  ideal is per channel, under its cap), plus the most tasks the sandbox saw in flight per channel
  at any instant (must not exceed the cap).

Run: ``python bench/batch.py`` (``BENCH_BATCH_N`` and ``BENCH_TIME_SCALE`` shrink it).
"""

from __future__ import annotations

import asyncio
import heapq
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from veo_tools.service import VeoService  # noqa: E402
from veo_tools.settings import Settings  # noqa: E402

CAPS = {"official": 10, "reverse": 10}
GENERATE_CONCURRENCY = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_sandbox(scale: float) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    code = (
        "from veo_tools.sandbox import SandboxConfig, serve; "
        f"serve(port={port}, config=SandboxConfig(time_scale={scale}), log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            urllib.request.urlopen(f"{url}/_sandbox/stats", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("sandbox server did not start")


def _stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_sandbox/stats", timeout=10) as response:
        return dict(json.loads(response.read()))


def ideal_makespan(durations: list[float], slots: int) -> float:
    """Greedy list schedule of the render times on ``slots`` parallel slots (longest first)."""
    heap = [0.0] * slots
    for d in sorted(durations, reverse=True):
        heapq.heappush(heap, heapq.heappop(heap) + d)
    return max(heap)


def _items(n: int) -> list[dict[str, object]]:
    return [
        {"prompt": f"bench clip {i}", "channel": "official" if i % 2 else "reverse"}
        for i in range(n)
    ]


async def _generate_path(settings: Settings, n: int) -> None:
    limit = asyncio.Semaphore(GENERATE_CONCURRENCY)

    async def one(svc: VeoService, item: dict[str, object]) -> None:
        async with limit:
            view = await svc.generate({**item, "wait_seconds": 3600})
            assert view.status == "completed" and view.video_path, view

    async with VeoService(settings) as svc:
        await asyncio.gather(*(one(svc, item) for item in _items(n)))


async def _batch_path(settings: Settings, n: int) -> None:
    async with VeoService(settings) as svc:
        view = await svc.generate_batch(_items(n), concurrency=CAPS)
        assert view.counts == {"completed": n}, view.counts


def _measure(name: str, n: int, scale: float, run: Any) -> dict[str, Any]:
    proc, url = _start_sandbox(scale)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(
                {},
                api_key="sk-bench",
                base_url=url,
                time_scale=scale,
                state_dir=Path(tmp) / "state",
                output_dir=Path(tmp) / "out",
            )
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            asyncio.run(run(settings, n))
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
        stats = _stats(url)
    finally:
        proc.terminate()
        proc.wait(10)
    if name == "generate":
        ideal = ideal_makespan([t["render_s"] for t in stats["tasks"]], GENERATE_CONCURRENCY)
    else:  # each channel has its own cap: the slower channel sets the bound
        ideal = max(
            ideal_makespan([t["render_s"] for t in stats["tasks"] if t["channel"] == ch], cap)
            for ch, cap in CAPS.items()
        )
    return {
        "path": name,
        "tasks": n,
        "wall_s": round(wall, 2),
        "ideal_makespan_s": round(ideal, 2),
        "wall_over_ideal": round(wall / ideal, 2),
        "cpu_ms_per_task": round(1000 * cpu / n, 2),
        "creates": sum(stats["create_count"].values()),
        "max_in_flight": stats["max_in_flight"],
    }


def main() -> dict[str, Any]:
    n = int(os.environ.get("BENCH_BATCH_N", "200"))
    scale = float(os.environ.get("BENCH_TIME_SCALE", "0.02"))
    results = [
        _measure("generate", n, scale, _generate_path),
        _measure("batch", n, scale, _batch_path),
    ]
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    caps_held = all(results[1]["max_in_flight"][ch] <= cap for ch, cap in CAPS.items())
    summary = {
        "name": "batch",
        "time_scale": scale,
        "results": results,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "caps": CAPS,
        "caps_held": caps_held,
        "no_duplicates": all(r["creates"] == n for r in results),
    }
    print(_markdown(summary))
    return summary


def _markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"### batch: {summary['results'][0]['tasks']} tasks over loopback HTTP "
        f"(time scale {summary['time_scale']})",
        "",
        "| path | wall s | ideal makespan s | wall/ideal | client CPU ms/task | creates | "
        "max in flight (official/reverse) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in summary["results"]:
        mif = r["max_in_flight"]
        lines.append(
            f"| {r['path']} | {r['wall_s']} | {r['ideal_makespan_s']} | {r['wall_over_ideal']} | "
            f"{r['cpu_ms_per_task']} | {r['creates']} | {mif['official']}/{mif['reverse']} |"
        )
    lines += [
        "",
        f"Peak client RSS: {summary['peak_rss_mb']} MB. Caps {summary['caps']} held at every "
        f"instant: {summary['caps_held']}. No task created twice: {summary['no_duplicates']}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
