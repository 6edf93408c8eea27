"""What another process, a damaged file or a killed download leaves behind: a batch refused by
the budget leaves nothing, a damaged journal is explained (never fatal), stale temp files go."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import TextContent

from mcp_server import create_server
from veo_tools.cli import main
from veo_tools.errors import BudgetExceededError
from veo_tools.journal.store import JOURNAL_FILENAME, Journal, TaskRecord, fingerprint, new_task_id
from veo_tools.service import VeoService
from veo_tools.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mcp"))
from mcp_support import client_in_own_task

BATCH = [{"prompt": f"scene {i}", "channel": "reverse"} for i in range(5)]


class SpendingNeighbour(Journal):
    """A journal that, just as this process records a batch, lets a second journal on the same
    file (another process) commit a $0.90 task: the race between the budget check and the
    reservation, made deterministic."""

    async def create_batch(self, *args: Any, **kwargs: Any) -> Any:
        with Journal(self.path) as other:
            await other.insert(
                TaskRecord(
                    task_id=new_task_id(),
                    channel="official",
                    model="veo-3.1-fast-generate-preview",
                    mode="async",
                    prompt="the other process",
                    request_json="{}",
                    fingerprint=fingerprint({"other": 1}),
                    price_usd=0.9,
                    status="queued",
                )
            )
        return await super().create_batch(*args, **kwargs)


async def test_a_batch_refused_because_another_process_spent_meanwhile_leaves_nothing_behind(
    sandbox_settings: Settings,
) -> None:
    journal = SpendingNeighbour.in_state_dir(sandbox_settings.journal_dir)
    settings = Settings.from_env({}, **{**_fields(sandbox_settings), "budget_usd": 1.0})
    async with VeoService(settings, journal=journal) as svc:
        assert (await svc.plan_batch(BATCH)).total_usd <= 1.0  # affordable when checked
        with pytest.raises(BudgetExceededError, match="batch") as raised:
            await svc.generate_batch(BATCH, wait=False)
        assert "Nothing was submitted" in raised.value.message
        (only,) = await svc.journal.list(limit=100)
        assert only.prompt == "the other process"  # no hidden pending items, no half batch
        assert (await svc.list_tasks()).spent_24h_usd == 0.9
        assert svc.sandbox is not None and sum(svc.sandbox.stats().create_count.values()) == 0


def _fields(settings: Settings) -> dict[str, Any]:
    return {
        "sandbox": True,
        "time_scale": settings.time_scale,
        "state_dir": settings.state_dir,
        "output_dir": settings.output_dir,
        "input_dirs": settings.input_dirs,
    }


# -- a damaged journal -------------------------------------------------------------------------


def _damage(settings: Settings) -> Path:
    path = settings.journal_dir / JOURNAL_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an SQLite database\n" * 200)
    return path


def _move_aside(path: Path) -> str:
    return shlex.join(["mv", str(path), f"{path}.broken"])


async def test_the_mcp_server_starts_on_a_damaged_journal_and_says_how_to_move_it_aside(
    sandbox_settings: Settings,
) -> None:
    path = _damage(sandbox_settings)
    async with client_in_own_task(Client(create_server(settings=sandbox_settings))) as client:
        advice = await client.call_tool("recommend_channel", {"priority": "budget"})
        assert not advice.is_error
        for tool, args in [("list_tasks", {}), ("generate_video", {"prompt": "a kite"})]:
            result = await client.call_tool(tool, args)
            text = "\n".join(c.text for c in result.content if isinstance(c, TextContent))
            assert result.is_error and _move_aside(path) in text, tool


def test_the_cli_on_a_damaged_journal_prints_the_same_advice_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VEO_TOOLS_STATE_DIR", str(tmp_path / "state"))
    settings = Settings.from_env({}, sandbox=True, state_dir=tmp_path / "state")
    path = _damage(settings)
    assert main(["--sandbox", "tasks"]) == 2
    assert _move_aside(path) in capsys.readouterr().err


# -- temp files of killed downloads ------------------------------------------------------------


def test_stale_download_temp_files_are_swept_at_start_and_nothing_else(
    sandbox_settings: Settings,
) -> None:
    out = sandbox_settings.output_dir
    out.mkdir(parents=True)
    hour_ago = time.time() - 3700
    stale = out / ".veo_0123456789abcdef.mp4.part-a1b2c3d4e5f6"
    fresh = out / ".veo_fedcba9876543210.mp4.part-0a1b2c3d4e5f"
    foreign = [out / ".notes.txt.part-123456", out / "veo_0123456789abcdef.mp4", out / "x.part"]
    for path in (stale, fresh, *foreign):
        path.write_bytes(b"....")
        if path is not fresh:
            os.utime(path, (hour_ago, hour_ago))
    VeoService(sandbox_settings).journal.close()
    assert not stale.exists()
    assert fresh.exists() and all(p.exists() for p in foreign)
