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
    assert len(files) == 5
    assert all(f.read_bytes()[4:8] == b"ftyp" for f in files)
    for step in range(1, 10):
        assert f"[{step}/9]" in result.out
    assert f"time scale {DEMO_SCALE}" in result.out
    assert "deduplicated" in result.out and "not billed" in result.out
    assert "Total spend: $2.22 for 5 videos" in result.out
    assert "simulator's own billing ledger says $2.22" in result.out
    assert "wan2.7-t2v on the DashScope protocol" in result.out
    assert "Sent to veo-3.1-landscape-fast instead" in result.out
    assert not (workdir / "state").exists(), "the demo must not touch the user's journal"


def test_demo_json_report_is_the_only_stdout_and_adds_up(demo_json: DemoReport) -> None:
    assert demo_json.ok and demo_json.problems == []
    assert [s.step for s in demo_json.steps] == [2, 3, 4, 5, 6, 7, 8]
    assert demo_json.total_spend_usd == demo_json.journal_spend_usd == 2.22
    assert demo_json.sandbox_billed_usd == 2.22
    rejected, repeat = demo_json.steps[3].task, demo_json.steps[4].task
    assert rejected.status == "failed" and not rejected.billed
    assert repeat.deduplicated and repeat.task_id == demo_json.steps[0].task.task_id
    assert {s.task.channel for s in demo_json.steps} == {"official", "reverse", "wan"}
    assert len(demo_json.recommendations) == 3


def test_demo_makes_one_video_beyond_veo_priced_per_second(demo_json: DemoReport) -> None:
    beyond = demo_json.steps[6]
    assert beyond.step == 8 and beyond.new_requests == 1
    assert (beyond.task.channel, beyond.task.model) == ("wan", "wan2.7-t2v")
    assert beyond.task.status == "completed" and beyond.task.billing == "billed"
    assert beyond.task.price_usd == pytest.approx(5 * 0.084)  # 5 s at $0.084/s (720p)


def test_demo_routes_one_request_around_the_official_outage(demo_json: DemoReport) -> None:
    routed = demo_json.steps[5]
    assert routed.step == 7 and routed.failed_over and routed.new_requests == 1
    assert routed.task.channel == "reverse" and routed.task.status == "completed"
    # The live list already leaves Official out, so nothing is sent to it: routed, not refused.
    assert routed.task.notes[0].startswith(
        "veo-3.1-fast-generate-preview is down (GET /v1/models does not list it"
    )
    assert routed.task.notes[0].endswith("not sent.")


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
def test_demo_videos_are_readable_by_ffprobe(demo_json: DemoReport) -> None:
    paths = {s.task.video_path for s in demo_json.steps if s.task.video_path}
    assert len(paths) == 5
    for path in paths:
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        kinds = {s["codec_type"] for s in json.loads(probe.stdout)["streams"]}
        assert kinds == {"video", "audio"}
