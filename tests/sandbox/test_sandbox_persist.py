"""The embedded sandbox's tasks outlive the process: a new sandbox reloads them, with render
times continuing on the wall clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from veo_tools.catalog import get_model
from veo_tools.sandbox import Sandbox, SandboxConfig


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_new_sandbox_reloads_the_tasks_and_their_timeline(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-tasks.json"
    first_clock = Clock(1000.0)
    first = Sandbox(SandboxConfig(time_scale=0.01, clock=first_clock, persist_path=path))
    model = get_model("veo-3.1-fast-generate-preview")
    task = first.add_task(model, "a lighthouse", "videos", resolution="720p", seconds=8)

    # Another process: its monotonic clock has nothing in common with the first one's.
    second_clock = Clock(5.0)
    second = Sandbox(SandboxConfig(time_scale=0.01, clock=second_clock, persist_path=path))
    again = second.find(task.id)
    assert again is not None
    assert (again.model.id, again.prompt, again.render_s) == (
        model.id,
        "a lighthouse",
        task.render_s,
    )
    assert second.unix(again.created) == pytest.approx(first.unix(task.created), abs=1)
    assert second.phase(again) in ("queued", "running")
    second_clock.now += task.render_s + 1
    assert second.phase(again) == "completed"
    assert second.stats().billed_usd["official"] == pytest.approx(model.price_usd)


def test_without_a_path_nothing_is_written(tmp_path: Path) -> None:
    sandbox = Sandbox(SandboxConfig(time_scale=0.01))
    sandbox.add_task(get_model("veo-3.1-fast"), "a fox", "videos")
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_task_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-tasks.json"
    path.write_text("{not json", "utf-8")
    sandbox = Sandbox(SandboxConfig(time_scale=0.01, persist_path=path))
    assert sandbox.tasks == {}
    sandbox.add_task(get_model("veo-3.1-fast"), "a fox", "videos")
    assert len(Sandbox(SandboxConfig(time_scale=0.01, persist_path=path)).tasks) == 1
