"""Every ``veo-tools`` command and exit code, through ``main(argv)`` in-process."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import Run

from veo_tools.cli.context import Cli
from veo_tools.settings import Settings
from veo_tools.types import ProgressEvent, Recommendation, TaskList, TaskView

OFFICIAL = ["--channel", "official", "--seconds", "4"]


def task_of(stdout: str) -> TaskView:
    return TaskView.model_validate_json(stdout)


def is_mp4(path: str | None) -> bool:
    return path is not None and Path(path).read_bytes()[4:8] == b"ftyp"


# ---- recommend -----------------------------------------------------------------------------


def test_recommend_shows_the_pick_the_reasons_and_the_alternatives(run: Run) -> None:
    # The shipped catalog marks every Veo model unavailable: the pick is the cheapest model
    # beyond Veo that takes a start frame.
    result = run("recommend", "--frame-to-video", "--priority", "budget")
    assert result.code == 0
    assert "wan3.0-video" in result.out and "No Veo model that fits" in result.out
    assert "Wan&HappyHorse" in result.out and "Alternatives" in result.out
    assert "wan2.7-t2v" not in result.out  # text-to-video only: it takes no frame
    assert "veo-tools generate 'PROMPT' --model wan3.0-video" in result.out
    assert "--image-use frames" in result.out


def test_recommend_needs_no_key_and_no_sandbox(run: Run) -> None:
    assert run("recommend", "--scenario", "cinematic_4k").code == 0


def test_recommend_json_is_the_only_thing_on_stdout(run: Run) -> None:
    result = run("--json", "recommend", "--resolution", "4k", "--count", "10")
    assert result.code == 0
    rec = Recommendation.model_validate_json(result.out)
    assert rec.channel == "official" and rec.estimated_cost_usd == 12.0


def test_recommend_reports_conflicting_needs(run: Run) -> None:
    result = run("recommend", "--frame-to-video", "--resolution", "4k")
    assert result.code == 0 and "Cannot have all of" in result.out


def test_global_options_are_also_accepted_after_the_command(run: Run) -> None:
    result = run("recommend", "--json")
    assert result.code == 0
    json.loads(result.out)


# ---- generate ------------------------------------------------------------------------------


def test_generate_waits_then_saves_a_real_mp4(run: Run) -> None:
    result = run("--sandbox", "generate", "a lighthouse at dusk", *OFFICIAL)
    assert result.code == 0, result.err
    assert "completed" in result.out and "veo-3.1-fast-generate-preview" in result.out
    files = list(Path("out").glob("*.mp4"))
    assert len(files) == 1 and is_mp4(str(files[0]))


def test_generate_shows_plain_progress_lines_when_stderr_is_not_a_terminal(run: Run) -> None:
    result = run("--sandbox", "generate", "a lighthouse at dusk", *OFFICIAL)
    assert result.code == 0
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert lines and all("%" in line for line in lines)
    assert "completed" in lines[-1] and "100%" in lines[-1]


def test_generate_json_prints_only_the_task_view(run: Run) -> None:
    result = run("--sandbox", "--json", "generate", "a lighthouse", *OFFICIAL)
    assert result.code == 0
    view = task_of(result.out)
    assert view.status == "completed" and view.billed and is_mp4(view.video_path)
    assert result.err == ""


def test_generate_from_a_reference_image_on_official(run: Run) -> None:
    result = run(
        "--sandbox",
        "--json",
        "generate",
        "it comes alive",
        *OFFICIAL,
        "--image",
        "inputs/still.png",
    )
    assert result.code == 0, result.err
    assert task_of(result.out).status == "completed"


def test_generate_streams_on_reverse(run: Run) -> None:
    result = run(
        "--sandbox", "--json", "generate", "waves", "--channel", "reverse", "--mode", "stream"
    )
    assert result.code == 0, result.err
    view = task_of(result.out)
    assert view.channel == "reverse" and is_mp4(view.video_path)


def test_repeating_a_request_is_deduplicated_unless_forced(run: Run) -> None:
    first = task_of(run("--sandbox", "--json", "generate", "same", *OFFICIAL).out)
    again = task_of(run("--sandbox", "--json", "generate", "same", *OFFICIAL).out)
    forced = task_of(run("--sandbox", "--json", "generate", "same", *OFFICIAL, "--force-new").out)
    assert again.deduplicated and again.task_id == first.task_id
    assert not forced.deduplicated and forced.task_id != first.task_id


def test_content_policy_failure_exits_1_and_is_not_billed(run: Run) -> None:
    prompt = "a news anchor [sandbox:content_policy]"
    result = run("--sandbox", "--json", "generate", prompt, "--channel", "reverse")
    assert result.code == 1
    view = task_of(result.out)
    assert view.status == "failed" and not view.billed
    assert view.error is not None and view.error.kind == "content_policy"
    assert result.err.count("\n") == 1 and "content_policy, not billed" in result.err


def test_failed_task_in_human_mode_shows_the_error_and_the_next_step(run: Run) -> None:
    result = run("--sandbox", "generate", "x [sandbox:content_policy]", "--channel", "reverse")
    assert result.code == 1
    assert "content_policy" in result.out and "rephrase" in result.out


def test_no_wait_returns_the_queued_task_id_at_once(run: Run) -> None:
    result = run("--sandbox", "--json", "generate", "later", *OFFICIAL, "--no-wait")
    assert result.code == 0
    view = task_of(result.out)
    assert view.status in ("queued", "in_progress") and view.task_id in view.next_step


def test_no_wait_with_stream_mode_is_refused_as_bad_input(run: Run) -> None:
    result = run(
        "--sandbox", "generate", "x", "--channel", "reverse", "--mode", "stream", "--no-wait"
    )
    assert result.code == 2 and "--no-wait" in result.err and result.out == ""


def test_a_short_wait_with_stream_mode_is_refused_instead_of_cutting_the_stream(run: Run) -> None:
    argv = ("--sandbox", "--json", "generate", "x", "--channel", "reverse", "--mode", "stream")
    result = run(*argv, "--wait", "5")
    assert result.code == 2 and result.out == ""
    assert "would cut the stream after 5 s" in result.err and "--mode async" in result.err
    assert TaskList.model_validate_json(run("--json", "tasks").out).tasks == []  # nothing sent
    streamed = task_of(run(*argv).out)  # the default wait covers the whole stream
    assert streamed.status == "completed" and is_mp4(streamed.video_path)


def test_an_impossible_request_exits_2_before_anything_is_sent(run: Run) -> None:
    result = run("--sandbox", "generate", "x", "--channel", "reverse", "--resolution", "4k")
    assert result.code == 2
    assert result.err.startswith("veo-tools: error: ") and result.err.count("\n") == 1
    assert "4k" in result.err and "Traceback" not in result.err
    assert TaskList.model_validate_json(run("--sandbox", "--json", "tasks").out).tasks == []


def test_argument_errors_exit_2(run: Run) -> None:
    assert run("generate").code == 2
    assert run("--sandbox", "generate", "x", "--seconds", "45").code == 2
    assert run("--sandbox", "generate", "x", "--wait", "-1").code == 2
    assert run("frobnicate").code == 2


def test_pydantic_refusals_become_one_line_naming_the_flag(run: Run) -> None:
    result = run("--sandbox", "generate", "x", "--seed", "-3")
    assert result.code == 2 and "--seed" in result.err and result.err.count("\n") == 1


def test_missing_key_exits_2_and_says_how_to_fix_it(run: Run) -> None:
    result = run("generate", "x")
    assert result.code == 2
    assert "APIYI_API_KEY" in result.err and "--sandbox" in result.err


def test_budget_guard_refusal_exits_2(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEO_TOOLS_BUDGET_USD", "0.1")
    result = run("--sandbox", "generate", "x", *OFFICIAL)
    assert result.code == 2 and "budget" in result.err.lower()


def test_insufficient_balance_exits_3(run: Run) -> None:
    result = run("--sandbox", "generate", "x [sandbox:balance]", *OFFICIAL)
    assert result.code == 3 and "balance" in result.err.lower()


def test_network_failure_exits_3(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Cli.settings

    def no_retries(self: Cli, **overrides: object) -> Settings:
        return dataclasses.replace(original(self, **overrides), max_retries=0)

    monkeypatch.setattr(Cli, "settings", no_retries)
    monkeypatch.setenv("APIYI_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("APIYI_API_KEY", "sk-secret-network-test")
    result = run("generate", "x", *OFFICIAL)
    assert result.code == 3 and "connect" in result.err.lower()
    assert "sk-secret-network-test" not in result.err


def test_tracebacks_only_with_debug(run: Run) -> None:
    plain = run("--sandbox", "generate", "x", "--channel", "reverse", "--resolution", "4k")
    debug = run(
        "--debug", "--sandbox", "generate", "x", "--channel", "reverse", "--resolution", "4k"
    )
    assert "Traceback" not in plain.err
    assert "Traceback" in debug.err and debug.code == 2


def test_ctrl_c_while_waiting_exits_130_and_names_the_task(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def interrupted(self: object, request: object, **kwargs: Any) -> TaskView:
        kwargs["on_progress"](ProgressEvent("veo_0123456789abcdef", "in_progress", 40, "rendering"))
        raise KeyboardInterrupt

    monkeypatch.setattr("veo_tools.cli.commands.VeoService.generate", interrupted)
    result = run("--sandbox", "generate", "x", *OFFICIAL)
    assert result.code == 130
    assert "veo-tools status veo_0123456789abcdef" in result.err


# ---- status / download / tasks (across invocations, on a served sandbox) ---------------------


def test_status_follows_a_task_submitted_by_an_earlier_command(
    run: Run, served_sandbox: str
) -> None:
    submitted = task_of(run("--json", "generate", "later", *OFFICIAL, "--no-wait").out)
    result = run("--json", "status", submitted.task_id, "--wait", "30")
    assert result.code == 0, result.err
    view = task_of(result.out)
    assert view.status == "completed" and is_mp4(view.video_path)


def test_status_without_wait_looks_once(run: Run, served_sandbox: str) -> None:
    submitted = task_of(run("--json", "generate", "later", *OFFICIAL, "--no-wait").out)
    result = run("status", submitted.task_id)
    assert result.code == 0 and submitted.task_id in result.out


def test_download_saves_the_file_again_after_it_was_deleted(run: Run, served_sandbox: str) -> None:
    done = task_of(run("--json", "generate", "keep", *OFFICIAL).out)
    assert done.video_path is not None
    Path(done.video_path).unlink()
    result = run("download", done.task_id)
    assert result.code == 0 and is_mp4(done.video_path)
    assert Path(done.video_path).name in result.out


def test_download_of_an_unfinished_task_exits_2_and_says_how_to_wait(
    run: Run, served_sandbox: str
) -> None:
    submitted = task_of(run("--json", "generate", "later", *OFFICIAL, "--no-wait").out)
    result = run("download", submitted.task_id)
    assert result.code == 2 and f"status {submitted.task_id} --wait" in result.err


def test_download_of_a_failed_task_exits_1(run: Run) -> None:
    failed = task_of(
        run(
            "--sandbox", "--json", "generate", "x [sandbox:content_policy]", "--channel", "reverse"
        ).out
    )
    assert run("--sandbox", "download", failed.task_id).code == 1


def test_unknown_task_id_exits_2(run: Run) -> None:
    for command in ("status", "download"):
        result = run("--sandbox", command, "veo_doesnotexist")
        assert result.code == 2 and "veo-tools tasks" in result.err


def test_tasks_lists_recent_tasks_with_spend_and_budget(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_BUDGET_USD", "5")
    run("--sandbox", "generate", "one", *OFFICIAL)
    run("--sandbox", "generate", "two [sandbox:content_policy]", "--channel", "reverse")
    table = run("--sandbox", "tasks")
    assert table.code == 0
    assert "Spent in the last 24 h: $0.30 (budget: $5.00" in table.out
    listed = TaskList.model_validate_json(
        run("--sandbox", "--json", "tasks", "--status", "failed").out
    )
    assert [t.status for t in listed.tasks] == ["failed"] and listed.budget_usd == 5


def test_tasks_with_an_empty_journal_says_so(run: Run) -> None:
    result = run("--sandbox", "tasks")
    assert result.code == 0 and "No tasks recorded yet" in result.out


# ---- sandbox and help ----------------------------------------------------------------------


def test_sandbox_refuses_a_non_loopback_host(run: Run) -> None:
    result = run("sandbox", "--host", "0.0.0.0")
    assert result.code == 2 and "127.0.0.1" in result.err and result.out == ""


def test_sandbox_serves_the_simulator_with_the_given_options(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    class FakeServer:
        def run(self) -> None:
            seen["ran"] = True

    def fake_make_server(host: str, port: int, config: object, **kwargs: object) -> FakeServer:
        seen.update(host=host, port=port, scale=getattr(config, "time_scale", None))
        return FakeServer()

    monkeypatch.setattr("veo_tools.sandbox.make_server", fake_make_server)
    result = run("sandbox", "--port", "9999", "--time-scale", "0.5")
    assert result.code == 0
    assert seen == {"host": "127.0.0.1", "port": 9999, "scale": 0.5, "ran": True}
    assert "curl" in result.err and "APIYI_BASE_URL=http://127.0.0.1:9999" in result.err


def test_help_and_version_exit_0(run: Run) -> None:
    help_ = run("--help")
    assert help_.code == 0 and "exit codes" in help_.out
    assert run("--version").code == 0
