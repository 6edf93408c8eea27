"""``veo-tools demo`` end to end on the in-process sandbox, at a small time scale."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import Run

from veo_tools.cli.demo_report import DemoReport

DEMO_SCALE = "0.003"


@pytest.fixture
def demo_json(run: Run) -> DemoReport:
    result = run("--json", "demo", "--time-scale", DEMO_SCALE)
    assert result.code == 0, result.err
    return DemoReport.model_validate_json(result.out)


def test_demo_makes_real_mp4s_and_reports_dedup_and_unbilled_failure(
    run: Run, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_TIME_SCALE", DEMO_SCALE)
    monkeypatch.setenv("VEO_TOOLS_BUDGET_USD", "0.5")  # meant for real work: the demo ignores it
    result = run("--sandbox", "demo")
    assert result.code == 0, result.err
    files = sorted(Path("out").glob("*.mp4"))
    assert len(files) == 3
    assert all(f.read_bytes()[4:8] == b"ftyp" for f in files)
    for step in range(1, 8):
        assert f"[{step}/7]" in result.out
    assert f"time scale {DEMO_SCALE}" in result.out
    assert "deduplicated" in result.out and "not billed" in result.out
    assert "Total spend: $1.65 for 3 videos" in result.out
    assert "simulator's own billing ledger says $1.65" in result.out
    assert not (workdir / "state").exists(), "the demo must not touch the user's journal"


def test_demo_json_report_is_the_only_stdout_and_adds_up(demo_json: DemoReport) -> None:
    assert demo_json.ok and demo_json.problems == []
    assert [s.step for s in demo_json.steps] == [2, 3, 4, 5, 6]
    assert demo_json.total_spend_usd == demo_json.journal_spend_usd == 1.65
    assert demo_json.sandbox_billed_usd == 1.65
    rejected, repeat = demo_json.steps[3].task, demo_json.steps[4].task
    assert rejected.status == "failed" and not rejected.billed
    assert repeat.deduplicated and repeat.task_id == demo_json.steps[0].task.task_id
    assert {s.task.channel for s in demo_json.steps} == {"official", "reverse"}
    assert len(demo_json.recommendations) == 3


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
def test_demo_videos_are_readable_by_ffprobe(demo_json: DemoReport) -> None:
    paths = {s.task.video_path for s in demo_json.steps if s.task.video_path}
    assert len(paths) == 3
    for path in paths:
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        kinds = {s["codec_type"] for s in json.loads(probe.stdout)["streams"]}
        assert kinds == {"video", "audio"}
