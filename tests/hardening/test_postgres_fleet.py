"""Load and faults on a shared PostgreSQL journal: two MCP HTTP replicas and batch workers.

300 tasks against the sandbox on loopback: 100 generate_video calls, each sent to BOTH replicas
at once (they race the same request), and a 200-item batch enqueued for workers. The first
worker is killed with SIGKILL mid-batch; a second one finishes its items. Every task ends once,
the sandbox sees no duplicate create, and what it billed equals the journal's spend to the cent.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from veo_tools.journal.postgres import PostgresJournal
from veo_tools.sandbox import Sandbox, SandboxConfig, make_server
from veo_tools.service import VeoService
from veo_tools.settings import Settings

pytestmark = pytest.mark.slow
SCALE = 0.002
BIN = Path(sys.executable).parent


def _env(tmp_path: Path, sandbox_url: str, journal_url: str, name: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "APIYI_API_KEY": "sk-test",
        "APIYI_BASE_URL": sandbox_url,
        "VEO_TOOLS_JOURNAL_URL": journal_url,
        "VEO_TOOLS_TIME_SCALE": str(SCALE),
        "VEO_TOOLS_STATE_DIR": str(tmp_path / name / "state"),
        "VEO_TOOLS_OUTPUT_DIR": str(tmp_path / name / "out"),
        "VEO_TOOLS_INPUT_DIRS": str(tmp_path),
    }


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(BIN / "veo-tools"), "--json", "worker", "--lease", "1", "--poll", "0.05"]
    return subprocess.Popen(
        [*command, "--concurrency", "10", "--exit-when-idle"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def _listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(400):
        assert process.poll() is None, process.communicate()[1].decode()[-2000:]
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("veo-mcp never started listening")


@asynccontextmanager
async def _replica(env: dict[str, str], port: int) -> AsyncIterator[Client]:
    command = [str(BIN / "veo-mcp"), "--transport", "streamable-http", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        await _listening(port, process)
        async with (
            httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=120)) as http,
            Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as c,
        ):
            yield c
    finally:
        process.terminate()
        process.communicate(timeout=15)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _until(predicate: Callable[[], Awaitable[bool]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_replicas_and_workers_on_one_postgres_do_every_task_once_despite_a_sigkill(
    tmp_path: Path,
    postgres_url: str,
    serve_in_thread: Callable[[uvicorn.Server], str],
) -> None:
    server = make_server(port=0, config=SandboxConfig(time_scale=SCALE), log_level="warning")
    sandbox_url = serve_in_thread(server)
    sandbox: Sandbox = server.config.app.state.sandbox  # type: ignore[attr-defined]
    settings = Settings.from_env(
        {}, api_key="sk-test", base_url=sandbox_url, time_scale=SCALE, journal_url=postgres_url,
        state_dir=tmp_path / "state", output_dir=tmp_path / "out",
    )  # fmt: skip
    async with VeoService(settings) as service:
        items = [{"prompt": f"fleet batch {i}", "channel": "reverse"} for i in range(200)]
        batch_id = (await service.enqueue_batch(items)).batch_id
    journal = PostgresJournal(postgres_url)
    doomed = _worker(_env(tmp_path, sandbox_url, postgres_url, "worker-a"))

    def batch_done(n: int) -> Callable[[], Awaitable[bool]]:
        async def done() -> bool:
            return sum(r.video_path is not None for r in await journal.batch_tasks(batch_id)) >= n

        return done

    ports = [_free_port(), _free_port()]
    envs = [_env(tmp_path, sandbox_url, postgres_url, f"replica-{i}") for i in range(2)]
    async with _replica(envs[0], ports[0]) as one, _replica(envs[1], ports[1]) as two:
        await _until(batch_done(30), timeout=30)
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate(timeout=10)
        survivor = _worker(_env(tmp_path, sandbox_url, postgres_url, "worker-b"))

        async def racing(i: int) -> set[str]:
            args: dict[str, Any] = {"prompt": f"fleet call {i}", "wait_seconds": 20}
            results = await asyncio.gather(
                one.call_tool("generate_video", args), two.call_tool("generate_video", args)
            )
            assert not any(r.is_error for r in results), results
            return {str(r.structured_content["task_id"]) for r in results}  # type: ignore[index]

        limit = asyncio.Semaphore(10)

        async def bounded(i: int) -> set[str]:
            async with limit:
                return await racing(i)

        per_call = await asyncio.gather(*(bounded(i) for i in range(100)))
        out, err = survivor.communicate(timeout=60)
    assert survivor.returncode == 0, err.decode()[-2000:]
    assert all(len(ids) == 1 for ids in per_call)  # both replicas answered with one task

    tasks = await journal.list(limit=1000)
    await journal.aclose()
    statuses = Counter(t.status for t in tasks)
    assert len(tasks) == 300
    assert set(statuses) <= {"completed", "interrupted"}, statuses
    # Only items the killed worker may have been sending are interrupted (never re-sent).
    assert statuses["interrupted"] <= 10
    assert all(t.error_kind == "submit_outcome_unknown" for t in tasks if t.status != "completed")
    creates = Counter(task.prompt for task in sandbox.tasks.values())
    assert max(creates.values()) == 1  # 0 duplicate creates
    completed = [t for t in tasks if t.status == "completed"]
    assert statuses["completed"] <= len(creates) <= 300
    assert {t.remote_id for t in completed} <= set(sandbox.tasks)
    assert all(t.video_path and Path(t.video_path).is_file() for t in completed)
    stats = sandbox.stats()
    ours = {t.remote_id: t for t in completed}
    billed_ours = sum(e.price_usd for e in stats.tasks if e.billed and e.id in ours)
    assert round(billed_ours, 2) == round(sum(t.price_usd for t in completed), 2)
    # The journal's spend (what the budget guard counts) covers every cent billed.
    spent = sum(t.price_usd for t in tasks)
    assert round(sum(stats.billed_usd.values()), 2) <= round(spent, 2)
    report = json.loads(out)
    # The survivor sent exactly what the killed worker had not (each item is owned by the worker
    # that claimed it), and took over what it had in flight.
    items = [t for t in tasks if t.batch_id == batch_id]
    by_doomed = sum(t.owner.pid == doomed.pid for t in items)
    by_survivor = sum(t.owner.pid == survivor.pid for t in items)
    assert len(items) == 200 and by_doomed >= 1, report
    assert report["sent"] == by_survivor == len(items) - by_doomed, (report, by_doomed)
    assert report["followed"] + report["interrupted"] >= 1, report
