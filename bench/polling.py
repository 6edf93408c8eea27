"""Catalog-driven polling vs a fixed 8-second poller, on the time-scaled sandbox.

For each model family, two identical in-process sandboxes (same seed, so the same render-time
draws in the same order) each get N tasks. One set is followed by the engine
(``VeoService.wait``: ``PollingPolicy`` from the catalog), the other by a fixed poller calling
``VeoService.check_status`` every 8 s (the docs' recommendation), both at the same time in the same
event loop. Figures per family:

* status requests per completed task (the sandbox counts ``GET /v1/videos/{id}``);
* mean detection lag: when the poller recorded ``completed`` (journal ``completed_at``) minus when
  the sandbox task actually finished (``SimTask.finish``), in real-world seconds (÷ time scale).

Target: at most half the requests at no worse mean lag, per family.

The expected lag difference is small (about 0.3 s: the policy's 7 s grid against an 8 s one) next
to the lag's spread from task to task (about 2.3 s), so independent random render times would need
thousands of tasks to tell the two apart. Instead the render times are a stratified sample of the
catalog's uniform window (evenly spaced, shuffled; set on the sandbox task right after submit,
before any status read): the same expected lag, without the sampling noise. ``--sampling random``
keeps the sandbox's own seeded draws and reports standard errors instead.

The harness must not load its own event loop: the fixed poller alone sends N / (8 s x scale)
requests a second, at about 1.5 ms each here. 60 tasks at scale 0.06 keep that near 125/s; the
"loop lateness" column shows how late the loop woke sleepers, in the same real-world seconds.

    .venv/bin/python bench/polling.py [--tasks 60] [--time-scale 0.06] [--sampling random]

Env: ``BENCH_POLLING_TASKS``, ``BENCH_POLLING_TIME_SCALE``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import env_number, md_table, mean_and_sem, target

from veo_tools.catalog import get_model
from veo_tools.sandbox import SandboxConfig
from veo_tools.service import VeoService
from veo_tools.settings import Settings

#: Family name -> ``generate_video`` arguments.
FAMILIES: dict[str, dict[str, Any]] = {
    "Official 720p": {"model": "veo-3.1-generate-preview", "resolution": "720p", "seconds": 8},
    "Official 4k": {"model": "veo-3.1-generate-preview", "resolution": "4k", "seconds": 8},
    "Reverse fast": {"model": "veo-3.1-fast", "mode": "async"},
}
FIXED_INTERVAL_S = 8.0
#: ``TaskView.status`` values after which nothing changes.
TERMINAL = ("completed", "failed", "interrupted")


@dataclass
class Tally:
    """What one polling strategy cost and achieved on one family."""

    submitted: int = 0
    completed: int = 0
    status_requests: int = 0
    #: Detection lag per task in submission order (real-world seconds; None = not completed).
    lag_by_task: list[float | None] = field(default_factory=list)

    @property
    def lags(self) -> list[float]:
        return [lag for lag in self.lag_by_task if lag is not None]

    @property
    def requests_per_task(self) -> float:
        return self.status_requests / self.completed if self.completed else float("inf")

    def as_dict(self) -> dict[str, Any]:
        mean, sem = mean_and_sem(self.lags)
        return {
            "submitted": self.submitted,
            "completed": self.completed,
            "status_requests": self.status_requests,
            "requests_per_task": round(self.requests_per_task, 3),
            "mean_lag_s": round(mean, 3),
            "lag_sem_s": round(sem, 3),
            "max_lag_s": round(max(self.lags, default=float("nan")), 3),
        }


def _settings(root: Path, scale: float) -> Settings:
    return Settings.from_env(
        {},
        sandbox=True,
        time_scale=scale,
        state_dir=root / "state",
        output_dir=root / "out",
        input_dirs=[root],
    )


async def _fixed_poller(svc: VeoService, task_id: str, interval: float, deadline: float) -> None:
    """Poll on the grid submit + k*interval (drift-free: the baseline's best case)."""
    start = time.time()
    k = 1
    while start + k * interval < deadline:
        await asyncio.sleep(max(0.0, start + k * interval - time.time()))
        view = await svc.check_status(task_id, download=False)
        if view.status in TERMINAL:
            return
        k += 1


async def _tally(svc: VeoService, task_ids: list[str], scale: float) -> Tally:
    assert svc.sandbox is not None
    tally = Tally(submitted=len(task_ids))
    tally.status_requests = svc.sandbox.stats().requests.get("status", 0)
    for task_id in task_ids:
        rec = await svc.journal.get(task_id)
        sim = svc.sandbox.find(rec.remote_id) if rec and rec.remote_id else None
        if rec is None or sim is None or rec.status != "completed" or rec.completed_at is None:
            tally.lag_by_task.append(None)
            continue
        tally.completed += 1
        tally.lag_by_task.append((rec.completed_at - sim.finish) / scale)
    return tally


def render_times(window: tuple[float, float], n: int, seed: int) -> list[float]:
    """``n`` render times spread evenly over ``window`` (one per equal slice), in random order.

    A stratified sample of the catalog's uniform distribution: the same mean as independent
    draws, without their sampling noise (which is as large as the lag difference measured).
    """
    low, high = window
    times = [low + (high - low) * (i + 0.5) / n for i in range(n)]
    random.Random(seed).shuffle(times)
    return times


async def _submit(svc: VeoService, request: dict[str, Any], render_s: float | None) -> str:
    view = await svc.generate(request)
    if render_s is not None:
        # Set before any status read: a sandbox task's state is a function of clock and render_s.
        rec = await svc.journal.get(view.task_id)
        sim = svc.sandbox.find(rec.remote_id) if svc.sandbox and rec and rec.remote_id else None
        assert sim is not None, "the sandbox has no task for this submission"
        sim.render_s = render_s
    return view.task_id


class LoopProbe:
    """How late the event loop wakes a sleeper (the harness's own noise), while running."""

    def __init__(self, period: float) -> None:
        self.period = period
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.period)
            self.late.append(time.perf_counter() - before - self.period)

    def __enter__(self) -> LoopProbe:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()

    def p95(self) -> float:
        ordered = sorted(self.late) or [0.0]
        return ordered[int(0.95 * (len(ordered) - 1))]


async def run_family(
    args: dict[str, Any], *, tasks: int, scale: float, seed: int, root: Path, sampling: str
) -> tuple[Tally, Tally, float]:
    """Submit ``tasks`` tasks to each of two twin sandboxes and follow them both ways.

    Returns both tallies and the p95 event-loop lateness in real-world seconds.
    """
    config = SandboxConfig(time_scale=scale, seed=seed, clock=time.time)
    window = get_model(args["model"]).render_time(args.get("resolution"))
    draws: list[float | None] = [None] * tasks
    if sampling == "stratified":
        draws = [t * scale for t in render_times(window, tasks, seed)]
    timeout = 2 * window[1] * scale + 5.0
    interval = FIXED_INTERVAL_S * scale
    engine = VeoService(_settings(root / "policy", scale), sandbox_config=config)
    fixed = VeoService(_settings(root / "fixed", scale), sandbox_config=config)
    async with engine, fixed:
        followers: list[asyncio.Task[Any]] = []
        ids: tuple[list[str], list[str]] = ([], [])
        with LoopProbe(period=0.01) as probe:
            for i, render_s in enumerate(draws):
                request = {**args, "prompt": f"polling bench task {i}"}
                task_id = await _submit(engine, request, render_s)
                ids[0].append(task_id)
                followers.append(
                    asyncio.create_task(engine.wait(task_id, timeout=timeout, download=False))
                )
                task_id = await _submit(fixed, request, render_s)
                ids[1].append(task_id)
                deadline = time.time() + timeout
                followers.append(
                    asyncio.create_task(_fixed_poller(fixed, task_id, interval, deadline))
                )
            await asyncio.gather(*followers)
        tallies = await _tally(engine, ids[0], scale), await _tally(fixed, ids[1], scale)
        return *tallies, probe.p95() / scale


def _family_result(name: str, policy: Tally, fixed: Tally, loop_p95: float) -> dict[str, Any]:
    ratio = policy.requests_per_task / fixed.requests_per_task
    p, f = policy.as_dict(), fixed.as_dict()
    # Twin sandboxes get the same render times in the same order: compare task by task.
    pairs = zip(policy.lag_by_task, fixed.lag_by_task, strict=True)
    delta, delta_sem = mean_and_sem([a - b for a, b in pairs if a is not None and b is not None])
    complete = policy.completed == policy.submitted and fixed.completed == fixed.submitted
    met = complete and ratio <= 0.5 and p["mean_lag_s"] <= f["mean_lag_s"]
    return {
        "family": name,
        "policy": p,
        "fixed_8s": f,
        "requests_ratio": round(ratio, 3),
        "lag_delta_s": round(delta, 3),
        "lag_delta_sem_s": round(delta_sem, 3),
        "loop_lateness_p95_s": round(loop_p95, 3),
        "met": met,
    }


def _lag(mean: float, sem: float, sampling: str, sign: str = "") -> str:
    text = f"{mean:{sign}.2f}"
    return text if sampling == "stratified" else f"{text} ± {sem:.2f}"


def _report(results: list[dict[str, Any]], opts: argparse.Namespace) -> str:
    s = opts.sampling
    rows = [
        (
            r["family"],
            f"{r['policy']['completed']}/{r['policy']['submitted']}",
            f"{r['policy']['requests_per_task']:.2f}",
            f"{r['fixed_8s']['requests_per_task']:.2f}",
            f"**{r['requests_ratio']:.2f}×**",
            _lag(r["policy"]["mean_lag_s"], r["policy"]["lag_sem_s"], s),
            _lag(r["fixed_8s"]["mean_lag_s"], r["fixed_8s"]["lag_sem_s"], s),
            _lag(r["lag_delta_s"], r["lag_delta_sem_s"], s, "+"),
            f"{r['loop_lateness_p95_s']:.2f}",
            "yes" if r["met"] else "**no**",
        )
        for r in results
    ]
    headers = (
        "family",
        "completed",
        "status req/task, policy",
        "fixed 8 s",
        "ratio",
        "mean lag s, policy",
        "fixed 8 s",
        "Δ lag s",
        "loop lateness p95 s",
        "target met",
    )
    how = (
        "render times spread evenly over the catalog window (stratified)"
        if s == "stratified"
        else "render times drawn by the sandbox (± standard error; Δ paired task by task)"
    )
    return (
        f"Polling: {opts.tasks} tasks per family and per poller, sandbox time scale "
        f"{opts.time_scale}, {how}. Lags in real-world seconds; Δ = policy − fixed; loop "
        "lateness = how late this process's event loop woke a sleeper (harness noise).\n\n"
        + md_table(headers, rows)
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=int(env_number("BENCH_POLLING_TASKS", 60)))
    parser.add_argument(
        "--time-scale", type=float, default=env_number("BENCH_POLLING_TIME_SCALE", 0.06)
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sampling",
        choices=("stratified", "random"),
        default="stratified",
        help="render times: evenly spread over the window, or the sandbox's own random draws",
    )
    parser.add_argument("--families", nargs="*", choices=list(FAMILIES), default=list(FAMILIES))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    opts = _parse(argv)
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="veo-bench-polling-") as tmp:
        for name in opts.families:
            policy, fixed, loop_p95 = asyncio.run(
                run_family(
                    FAMILIES[name],
                    tasks=opts.tasks,
                    scale=opts.time_scale,
                    seed=opts.seed,
                    root=Path(tmp) / name.replace(" ", "-"),
                    sampling=opts.sampling,
                )
            )
            results.append(_family_result(name, policy, fixed, loop_p95))
    print(_report(results, opts))
    return {
        "tasks_per_family": opts.tasks,
        "time_scale": opts.time_scale,
        "sampling": opts.sampling,
        "families": results,
        "runtime_s": round(time.perf_counter() - started, 1),
        "targets": [
            target(
                f"polling, {r['family']}",
                "≤ 0.5× the requests of a fixed 8 s poller, mean lag no worse",
                f"{r['requests_ratio']:.2f}× requests; lag {r['policy']['mean_lag_s']:.2f} s "
                f"vs {r['fixed_8s']['mean_lag_s']:.2f} s",
                r["met"],
            )
            for r in results
        ],
    }


if __name__ == "__main__":
    main()
