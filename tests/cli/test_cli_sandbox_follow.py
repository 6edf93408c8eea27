"""A task started with ``veo-tools --sandbox generate --no-wait`` can be followed by the next
command, as on the real API; a simulated task is never reported as possibly billed."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import Run

from veo_tools.types import TaskView


def test_a_sandbox_task_started_without_waiting_is_followed_by_the_next_command(
    run: Run, workdir: Path
) -> None:
    started = run("--sandbox", "generate", "a lighthouse", "--channel", "official", "--no-wait")
    assert started.code == 0, started.err
    task_id = next(w for w in started.out.split() if w.startswith("veo_"))
    assert f"veo-tools --sandbox status {task_id} --wait 600" in started.out

    # A fresh in-process sandbox (as in a new process) picks the task up from the state dir.
    followed = run("--sandbox", "--json", "status", task_id, "--wait", "600")
    assert followed.code == 0, followed.err
    view = TaskView.model_validate_json(followed.out)
    assert view.status == "completed" and view.video_path
    assert Path(view.video_path).read_bytes()[4:8] == b"ftyp"


def test_a_lost_sandbox_task_is_interrupted_and_not_billed(run: Run, workdir: Path) -> None:
    started = run("--sandbox", "--json", "generate", "a fox", "--channel", "official", "--no-wait")
    task_id = json.loads(started.out)["task_id"]
    (workdir / "state" / "sandbox" / "sandbox-tasks.json").unlink()  # the sandbox forgot it

    lost = run("--sandbox", "--json", "status", task_id)
    view = TaskView.model_validate_json(lost.out)
    assert view.status == "interrupted" and view.billed is False
    assert "nothing was billed" in view.next_step and "may have been billed" not in view.next_step
    assert view.error is not None and "simulated" in view.error.message
    assert "billed" not in view.error.message.replace("nothing was billed", "")
    listed = run("--sandbox", "tasks")
    assert "no (simulated)" in listed.out
