"""``veo-tools batch`` and ``generate --from-task``, through ``main(argv)`` on the sandbox."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import Run
from rich.console import Console

from veo_tools.cli.progress import BatchProgress
from veo_tools.types import BatchItemView, BatchPlan, BatchView, ProgressEvent, TaskList, TaskView

REVERSE = {"channel": "reverse"}
OFFICIAL = {"channel": "official", "seconds": 4}


def jsonl(path: str, *items: dict[str, Any]) -> str:
    Path(path).write_text("".join(json.dumps(item) + "\n" for item in items), "utf-8")
    return path


def three_items() -> str:
    return jsonl(
        "batch.jsonl",
        {"prompt": "a fox at dawn", **REVERSE},
        {"prompt": "a lighthouse", **OFFICIAL, "seeds": [7, 8]},
    )


def report_of(path: str | Path) -> list[TaskView]:
    lines = Path(path).read_text("utf-8").splitlines()
    return [TaskView.model_validate_json(line) for line in lines]


def batch_of(stdout: str) -> tuple[BatchView, str]:
    document = json.loads(stdout)
    report = document.pop("report_path")
    return BatchView.model_validate(document), report


def is_mp4(path: str | None) -> bool:
    return path is not None and Path(path).read_bytes()[4:8] == b"ftyp"


def sandbox_stats(base: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"{base}/_sandbox/stats").json()
    return stats


# ---- dry run -------------------------------------------------------------------------------


def test_dry_run_prints_the_plan_and_the_totals_and_records_nothing(run: Run) -> None:
    result = run("--sandbox", "batch", three_items(), "--dry-run")
    assert result.code == 0, result.err
    assert "veo-3.1-landscape-fast" in result.out and "veo-3.1-fast-generate-preview" in result.out
    assert "Total: $0.75 for 3 video(s) (official $0.60, reverse $0.15)." in result.out
    assert "nothing was submitted" in result.out
    assert TaskList.model_validate_json(run("--sandbox", "--json", "tasks").out).tasks == []


def test_dry_run_says_whether_the_batch_fits_the_budget(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_BUDGET_USD", "0.5")
    result = run("--sandbox", "batch", three_items(), "--dry-run")
    assert result.code == 0 and "would be refused by the budget guard" in result.out


def test_dry_run_total_equals_the_real_spend(run: Run, served_sandbox: str) -> None:
    path = three_items()
    plan = BatchPlan.model_validate_json(run("--json", "batch", path, "--dry-run").out)
    assert sum(sandbox_stats(served_sandbox)["create_count"].values()) == 0
    result = run("--json", "batch", path)
    assert result.code == 0, result.err
    view, _report = batch_of(result.out)
    billed = sum(sandbox_stats(served_sandbox)["billed_usd"].values())
    assert [row.seed for row in plan.items] == [None, 7, 8]
    assert plan.total_usd == pytest.approx(view.spent_usd) == pytest.approx(billed) == 0.75


# ---- a real run ----------------------------------------------------------------------------


def test_a_batch_saves_the_videos_and_a_report_in_input_order(run: Run) -> None:
    result = run("--sandbox", "--json", "batch", three_items())
    assert result.code == 0, result.err
    view, report = batch_of(result.out)
    assert Path(report) == (Path("out") / f"{view.batch_id}.jsonl").resolve()
    tasks = report_of(report)
    assert [t.task_id for t in tasks] == [item.task_id for item in view.items]
    assert [t.prompt for t in tasks] == ["a fox at dawn", "a lighthouse", "a lighthouse"]
    assert all(t.status == "completed" and is_mp4(t.video_path) for t in tasks)
    assert {t.batch_id for t in tasks} == {view.batch_id}
    assert not list(Path("out").glob(".*.part"))


def test_a_csv_batch_runs_like_a_jsonl_one(run: Run) -> None:
    Path("batch.csv").write_text(
        "prompt,channel,seconds,seeds\nwaves,official,4,1;2\ngulls,reverse,,\n", "utf-8"
    )
    result = run("--sandbox", "--json", "batch", "batch.csv", "--report", "r/report.jsonl")
    assert result.code == 0, result.err
    tasks = report_of("r/report.jsonl")
    assert [(t.prompt, t.channel) for t in tasks] == [
        ("waves", "official"),
        ("waves", "official"),
        ("gulls", "reverse"),
    ]


def test_report_into_an_existing_directory_is_named_after_the_batch(run: Run) -> None:
    Path("reports").mkdir()
    view, report = batch_of(
        run("--sandbox", "--json", "batch", three_items(), "--report", "reports").out
    )
    assert Path(report) == Path("reports", f"{view.batch_id}.jsonl").resolve()
    assert len(report_of(report)) == 3


def test_the_batch_id_comes_first_on_stderr_and_plain_lines_follow_each_item(run: Run) -> None:
    result = run("--sandbox", "batch", three_items())
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert lines[0].startswith("Batch batch_") and "veo-tools batch --resume batch_" in lines[0]
    ended = [line.split()[0] for line in lines if " completed " in line]
    assert sorted(ended) == ["#0", "#1", "#2"] and "[3/3 done]" in lines[-1]
    assert "3 completed" in result.out and "Report: out/batch_" in result.out


def test_a_failed_item_exits_1_and_the_others_complete(run: Run) -> None:
    path = jsonl(
        "batch.jsonl",
        {"prompt": "a fox", **REVERSE},
        {"prompt": "a news anchor [sandbox:content_policy]", **REVERSE},
    )
    result = run("--sandbox", "--json", "batch", path)
    assert result.code == 1
    view, report = batch_of(result.out)
    assert view.counts == {"completed": 1, "failed": 1}
    ok, blocked = report_of(report)
    assert ok.status == "completed" and is_mp4(ok.video_path)
    assert blocked.status == "failed" and not blocked.billed
    assert blocked.error is not None and blocked.error.kind == "content_policy"
    assert result.err.splitlines()[-1].startswith(f"veo-tools: batch {view.batch_id}: ")


def test_json_mode_prints_one_document_and_only_the_batch_id_on_stderr(run: Run) -> None:
    result = run("--sandbox", "--json", "batch", three_items())
    view, report = batch_of(result.out)
    assert view.status == "completed" and view.total == 3 and Path(report).is_file()
    assert result.err.count("\n") == 1 and view.batch_id in result.err


def test_concurrency_caps_the_tasks_in_flight(run: Run, served_sandbox: str) -> None:
    path = jsonl("batch.jsonl", *({"prompt": f"clip {i}", **REVERSE} for i in range(4)))
    assert run("--json", "batch", path, "--concurrency", "reverse=1").code == 0
    assert sandbox_stats(served_sandbox)["max_in_flight"]["reverse"] == 1


# ---- resume --------------------------------------------------------------------------------


def test_resume_of_a_finished_batch_submits_nothing_and_rewrites_the_report(
    run: Run, served_sandbox: str
) -> None:
    first, report = batch_of(run("--json", "batch", three_items()).out)
    Path(report).unlink()
    creates = sandbox_stats(served_sandbox)["create_count"]
    result = run("--json", "batch", "--resume", first.batch_id)
    assert result.code == 0, result.err
    again, again_report = batch_of(result.out)
    assert sandbox_stats(served_sandbox)["create_count"] == creates
    assert [i.task_id for i in again.items] == [i.task_id for i in first.items]
    assert again_report == report and len(report_of(report)) == 3
    assert "Resuming batch" in result.err


def test_resume_of_an_unknown_batch_exits_2(run: Run) -> None:
    result = run("--sandbox", "batch", "--resume", "batch_doesnotexist")
    assert result.code == 2 and "batch_doesnotexist" in result.err


def test_ctrl_c_exits_130_and_says_how_to_resume(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    async def interrupted(self: object, batch_id: str, **kwargs: Any) -> BatchView:
        raise KeyboardInterrupt

    monkeypatch.setattr("veo_tools.service.VeoService.resume_batch", interrupted)
    result = run("--sandbox", "batch", three_items())
    assert result.code == 130
    batch_id = result.err.split()[1].rstrip(":")
    assert batch_id.startswith("batch_")
    assert result.err.splitlines()[-1].endswith(f"veo-tools batch --resume {batch_id}")


# ---- bad input -----------------------------------------------------------------------------


def test_a_bad_line_exits_2_naming_it_and_nothing_is_recorded(run: Run) -> None:
    Path("batch.jsonl").write_text(
        '{"prompt": "ok", "channel": "reverse"}\n{"prompt": "x", "seconds": 45}\n', "utf-8"
    )
    result = run("--sandbox", "batch", "batch.jsonl")
    assert result.code == 2 and result.out == ""
    assert (
        result.err
        == "veo-tools: error: batch.jsonl line 2: seconds: Input should be less than or equal to "
        "30 (got 45).\n"
    )
    assert TaskList.model_validate_json(run("--sandbox", "--json", "tasks").out).tasks == []


def test_a_batch_over_the_budget_exits_2_before_anything_is_sent(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_BUDGET_USD", "0.5")
    result = run("--sandbox", "batch", three_items())
    assert result.code == 2 and "batch costs $0.75" in result.err
    assert TaskList.model_validate_json(run("--sandbox", "--json", "tasks").out).tasks == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), "FILE is required"),
        (("x.jsonl", "--resume", "batch_1"), "not both"),
        (("--resume", "batch_1", "--dry-run"), "--dry-run prices a new batch FILE"),
    ],
)
def test_file_or_resume_exactly_one(run: Run, argv: tuple[str, ...], expected: str) -> None:
    result = run("--sandbox", "batch", *argv)
    assert result.code == 2 and expected in result.err


def test_a_bad_concurrency_is_a_usage_error(run: Run) -> None:
    assert run("--sandbox", "batch", "x.jsonl", "--concurrency", "0").code == 2
    assert run("--sandbox", "batch", "x.jsonl", "--concurrency", "google=3").code == 2


# ---- progress on a terminal ----------------------------------------------------------------


def test_live_progress_prints_a_line_per_ended_item() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100)
    view = BatchView(
        batch_id="batch_1",
        status="running",
        total=3,
        counts={"queued": 2, "completed": 1},
        estimated_cost_usd=0.45,
        spent_usd=0.15,
        items=[
            BatchItemView(index=0, task_id="veo_a", status="queued"),
            BatchItemView(index=1, task_id="veo_b", status="completed"),
            BatchItemView(index=2, task_id="veo_a", status="queued", deduplicated=True),
        ],
        failed=[],
        next_step="",
    )
    with BatchProgress(console, live=True) as progress:
        progress.start(view)
        progress(ProgressEvent("veo_a", "in_progress", 40, "rendering"))
        progress(ProgressEvent("veo_a", "completed", 100, "completed"))
        progress(ProgressEvent("veo_a", "completed", 100, "completed"))
    text = buffer.getvalue()
    assert "#0  veo_a" in text and "completed" in text
    assert "3/3 done" in text


# ---- generate --from-task ------------------------------------------------------------------


def test_generate_from_task_rerenders_a_draft_on_official_standard(run: Run) -> None:
    draft = TaskView.model_validate_json(
        run("--sandbox", "--json", "generate", "a fox at dawn", "--channel", "reverse").out
    )
    result = run("--sandbox", "--json", "generate", "--from-task", draft.task_id)
    assert result.code == 0, result.err
    final = TaskView.model_validate_json(result.out)
    assert final.model == "veo-3.1-generate-preview" and final.prompt == "a fox at dawn"
    assert final.task_id != draft.task_id and is_mp4(final.video_path)
    assert final.notes[0] == f"Re-render of {draft.task_id} (veo-3.1-landscape-fast)."


def test_generate_from_task_shows_the_notes_and_takes_overrides(run: Run) -> None:
    draft = TaskView.model_validate_json(
        run("--sandbox", "--json", "generate", "a fox", "--channel", "reverse").out
    )
    result = run(
        "--sandbox",
        "generate",
        "--from-task",
        draft.task_id,
        "--model",
        "veo-3.1-fast-generate-preview",
    )
    assert result.code == 0, result.err
    assert f"Re-render of {draft.task_id}" in result.out
    assert "veo-3.1-fast-generate-preview" in result.out


def test_generate_needs_a_prompt_unless_re_rendering(run: Run) -> None:
    result = run("--sandbox", "generate", "--channel", "official")
    assert result.code == 2 and "--from-task" in result.err


def test_generate_from_an_unknown_task_exits_2(run: Run) -> None:
    result = run("--sandbox", "generate", "--from-task", "veo_doesnotexist")
    assert result.code == 2 and "veo_doesnotexist" in result.err
