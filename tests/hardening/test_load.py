"""Load: 200 generations through one service over loopback HTTP; two processes, one journal."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn

from veo_tools.journal.store import Journal
from veo_tools.sandbox import Sandbox, SandboxConfig, make_server
from veo_tools.service import VeoService
from veo_tools.settings import Settings

pytestmark = pytest.mark.slow
SCALE = 0.002


@pytest.fixture
def loopback_sandbox(serve_in_thread: Callable[[uvicorn.Server], str]) -> tuple[str, Sandbox]:
    server = make_server(port=0, config=SandboxConfig(time_scale=SCALE), log_level="warning")
    return serve_in_thread(server), server.config.app.state.sandbox  # type: ignore[attr-defined]


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {},
        api_key="sk-test",
        base_url=url,
        time_scale=SCALE,
        state_dir=tmp_path / "state",
        output_dir=tmp_path / "out",
    )


async def test_two_hundred_generations_all_complete_with_no_duplicates_or_errors(
    tmp_path: Path, loopback_sandbox: tuple[str, Sandbox]
) -> None:
    url, sandbox = loopback_sandbox
    limit = asyncio.Semaphore(20)

    async def one(svc: VeoService, i: int) -> str:
        async with limit:
            channel = "official" if i % 2 else "reverse"
            view = await svc.generate(
                {"prompt": f"load clip {i}", "channel": channel, "wait_seconds": 120}
            )
            assert view.status == "completed" and view.video_path, view
            return view.task_id

    async with VeoService(_settings(url, tmp_path)) as svc:
        ids = await asyncio.gather(*(one(svc, i) for i in range(200)))
        tasks = await svc.journal.list(limit=1000)
    assert len(set(ids)) == 200 and len(tasks) == 200
    assert {t.status for t in tasks} == {"completed"}
    assert sum(sandbox.stats().create_count.values()) == 200
    assert len(list((tmp_path / "out").glob("*.mp4"))) == 200


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from veo_tools.service import VeoService
    from veo_tools.settings import Settings

    async def main() -> None:
        settings = Settings.from_env({}, api_key="sk-test", base_url=sys.argv[1],
                                     time_scale=float(sys.argv[2]), state_dir=sys.argv[3],
                                     output_dir=sys.argv[4])
        async with VeoService(settings) as svc:
            views = await asyncio.gather(*(
                svc.generate({"prompt": f"{sys.argv[5]} clip {i}", "channel": "reverse",
                              "wait_seconds": 120})
                for i in range(25)
            ))
            assert all(v.status == "completed" for v in views)

    asyncio.run(main())
    """
)


def test_two_processes_sharing_one_journal_both_submit_safely(
    tmp_path: Path, loopback_sandbox: tuple[str, Sandbox]
) -> None:
    url, sandbox = loopback_sandbox
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    args = [url, str(SCALE), str(tmp_path / "state"), str(tmp_path / "out")]
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, *args, name], env=env)
        for name in ("alpha", "beta")
    ]
    assert [c.wait(timeout=120) for c in children] == [0, 0]
    with Journal.in_state_dir(tmp_path / "state") as journal:
        tasks = asyncio.run(journal.list(limit=1000))
    assert len(tasks) == 50 and {t.status for t in tasks} == {"completed"}
    assert sandbox.stats().create_count["reverse"] == 50
