"""A process killed mid-download or mid-stream: the next run finishes or reports; none lost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from veo_tools.journal.store import Journal, TaskRecord, fingerprint
from veo_tools.sandbox import SandboxConfig, make_server, sample_video
from veo_tools.service import VeoService
from veo_tools.settings import Settings

pytestmark = pytest.mark.slow

_PAD = 4 * 1024 * 1024
#: The sample MP4 and a 4 MB ``free`` box: a whole MP4 large enough to kill mid-download.
VIDEO = sample_video() + (8 + _PAD).to_bytes(4, "big") + b"free" + b"\0" * _PAD


def _slow_app(delay: float) -> Starlette:
    async def video(_request: Request) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            for start in range(0, len(VIDEO), 64 * 1024):
                yield VIDEO[start : start + 64 * 1024]
                await asyncio.sleep(delay)

        headers = {"Content-Length": str(len(VIDEO))}
        return StreamingResponse(body(), media_type="video/mp4", headers=headers)

    return Starlette(routes=[Route("/v.mp4", video)])


@pytest.fixture
def slow_video_host(serve_in_thread: Callable[[uvicorn.Server], str]) -> str:
    config = uvicorn.Config(_slow_app(0.02), port=0, log_level="warning", lifespan="off")
    return serve_in_thread(uvicorn.Server(config))


@pytest.fixture
def loopback_sandbox(serve_in_thread: Callable[[uvicorn.Server], str]) -> str:
    return serve_in_thread(
        make_server(port=0, config=SandboxConfig(time_scale=0.05), log_level="warning")
    )


class BlackHole:
    """A hostile loopback API: it reads every request and never answers a byte."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[bytes] = []
        self._held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._held.append(conn)
            threading.Thread(target=self._swallow, args=(conn,), daemon=True).start()

    def _swallow(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            data += chunk
        self.requests.append(data.split(b"\r\n", 1)[0])

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from veo_tools.service import VeoService
    from veo_tools.settings import Settings

    FLOWS = {
        "official": {"prompt": "a kite", "channel": "official"},
        "reverse": {"prompt": "a kite", "channel": "reverse", "mode": "async"},
        "stream": {"prompt": "a kite", "channel": "reverse", "mode": "stream"},
    }

    async def main() -> None:
        settings = Settings.from_env({}, api_key="sk-test", base_url=sys.argv[1],
                                     time_scale=float(sys.argv[2]), state_dir=sys.argv[3],
                                     output_dir=sys.argv[4])
        async with VeoService(settings) as svc:
            if sys.argv[5] == "download":
                await svc.check_status(sys.argv[6])
            else:
                await svc.generate(FLOWS[sys.argv[5]] | {"wait_seconds": 600})

    asyncio.run(main())
    """
)


def _child(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], env=env)


def _wait_for(condition: object, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)
    assert condition(), "condition never became true"  # type: ignore[operator]


async def test_a_download_killed_midway_is_finished_by_the_next_run(
    tmp_path: Path, slow_video_host: str
) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    with Journal.in_state_dir(state) as journal:
        rec = TaskRecord(
            task_id="veo_00000000000000aa",
            channel="reverse",
            model="veo-3.1-landscape-fast",
            mode="stream",
            prompt="a kite",
            request_json="{}",
            fingerprint=fingerprint({"p": 1}),
            price_usd=0.15,
            status="completed",
            progress=100,
            video_url=f"{slow_video_host}/v.mp4",
            completed_at=time.time(),
        )
        await journal.insert(rec)
    child = _child("http://127.0.0.1:9", "1", str(state), str(out), "download", rec.task_id)
    _wait_for(lambda: any(p.stat().st_size > 256 * 1024 for p in out.glob(".*.part-*")))
    child.send_signal(signal.SIGKILL)
    child.wait()
    (partial,) = out.glob(".*.part-*")
    assert not (out / f"{rec.task_id}.mp4").exists()
    os.utime(partial, (time.time() - 3600, time.time() - 3600))  # the killed writer is long gone

    settings = Settings.from_env(
        {}, api_key="sk-test", base_url="http://127.0.0.1:9", state_dir=state, output_dir=out
    )
    async with VeoService(settings) as svc:
        view = await svc.check_status(rec.task_id)
    assert view.video_path and Path(view.video_path).read_bytes() == VIDEO
    assert list(out.glob(".*.part-*")) == []


async def test_a_stream_killed_midway_is_interrupted_not_lost(
    tmp_path: Path, loopback_sandbox: str
) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    child = _child(loopback_sandbox, "0.05", str(state), str(out), "stream")

    def streaming() -> bool:
        if not (state / "journal.sqlite3").exists():
            return False
        try:  # read as another process would, while the child may still be creating the file
            with closing(sqlite3.connect(state / "journal.sqlite3")) as conn:
                row = conn.execute("SELECT 1 FROM tasks WHERE status = 'in_progress'").fetchone()
        except sqlite3.OperationalError:
            return False
        return row is not None

    _wait_for(streaming)
    child.send_signal(signal.SIGKILL)
    child.wait()
    settings = Settings.from_env(
        {}, api_key="sk-test", base_url=loopback_sandbox, state_dir=state, output_dir=out
    )
    async with VeoService(settings) as svc:
        (task,) = (await svc.list_tasks()).tasks
        view = await svc.check_status(task.task_id)
    assert view.status == "interrupted" and view.error is not None
    assert "Do not resubmit" in view.next_step


@pytest.mark.parametrize("flow", ["official", "reverse", "stream"])
async def test_a_create_killed_while_waiting_for_its_answer_is_interrupted_everywhere(
    tmp_path: Path, black_hole: BlackHole, flow: str
) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    child = _child(black_hole.url, "1", str(state), str(out), flow)
    _wait_for(lambda: len(black_hole.requests) == 1)  # the create request is out, unanswered
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Journal.in_state_dir(state) as journal:
        (row,) = await journal.list()
    assert row.status in ("submitting", "in_progress")  # as the killed process left it

    settings = Settings.from_env(
        {},
        api_key="sk-test",
        base_url=black_hole.url,
        state_dir=state,
        output_dir=out,
        budget_usd=10,
    )
    async with VeoService(settings) as svc:
        started = time.monotonic()
        view = await svc.check_status(row.task_id, wait_seconds=5)
        assert time.monotonic() - started < 2  # no "still rendering" wait on a dead task
        # Whether it was billed is unknown (issue 15): never "not billed", never a plain "billed".
        assert view.status == "interrupted" and view.billing == "unknown" and view.billed is None
        assert view.error is not None and view.error.kind in (
            "submit_outcome_unknown",
            "interrupted",
        )
        assert "Do not resubmit" in view.next_step
        listed = await svc.list_tasks()
        assert [t.status for t in listed.tasks] == ["interrupted"]
        assert listed.spent_24h_usd == row.price_usd  # it may be billed: it still counts
        again = await svc.generate({"prompt": "a kite", **_FLOW_ARGS[flow]})
        assert again.deduplicated and again.task_id == row.task_id
        assert again.status == "interrupted"
    assert len(black_hole.requests) == 1, "the create was sent again"


_FLOW_ARGS = {
    "official": {"channel": "official"},
    "reverse": {"channel": "reverse", "mode": "async"},
    "stream": {"channel": "reverse", "mode": "stream"},
}
