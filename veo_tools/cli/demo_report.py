"""What the demo found, its self-checks, and how it is shown (tables, one line per step)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from rich import box
from rich.table import Table
from rich.text import Text

from veo_tools.cli.render import first_line, money, short_path, status_text
from veo_tools.types import Recommendation, TaskView
from veo_tools.words import for_person

MP4_MAGIC = b"ftyp"


def is_mp4(path: str | None) -> bool:
    """True when ``path`` is a file that starts with an MP4 ``ftyp`` box."""
    if not path or not Path(path).is_file():
        return False
    with open(path, "rb") as handle:
        return handle.read(8)[4:8] == MP4_MAGIC


class DemoPick(BaseModel):
    scenario: str
    recommendation: Recommendation


class DemoStep(BaseModel):
    step: int
    title: str
    label: str = Field(description="A few words naming the step in the summary table.")
    task: TaskView
    took_s: float = Field(description="Wall-clock seconds this step took in the demo.")
    new_requests: int = Field(description="Tasks the simulator created during this step.")

    @property
    def failed_over(self) -> bool:
        """Whether the engine sent this request to another model than the best fit, after a
        refusal or because the live list already showed the best fit down."""
        return any(note.startswith("Sent to ") for note in self.task.notes)

    @property
    def paid(self) -> bool:
        """Whether this step added to the bill (a duplicate returns an already-paid task)."""
        return bool(self.task.billed) and not self.task.deduplicated


class DemoReport(BaseModel):
    """The demo's result; with ``--json`` this is the whole of stdout."""

    recommendations: list[DemoPick] = Field(default_factory=list)
    steps: list[DemoStep] = Field(default_factory=list)
    total_spend_usd: float = 0.0
    journal_spend_usd: float = 0.0
    sandbox_billed_usd: float | None = None
    elapsed_s: float = 0.0
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def step(self, number: int) -> DemoStep | None:
        return next((s for s in self.steps if s.step == number), None)

    def check(self) -> None:
        """Record anything that did not behave as the demo promises (normally nothing)."""
        self.total_spend_usd = round(sum(s.task.price_usd for s in self.steps if s.paid), 2)
        for step in self.steps:
            task = step.task
            if task.status == "completed" and not is_mp4(task.video_path):
                self.problems.append(f"step {step.step}: {task.video_path} is not an MP4 file")
        expected = {
            2: "completed",
            3: "completed",
            4: "completed",
            5: "failed",
            6: "completed",
            7: "completed",
            8: "completed",
        }
        for number, status in expected.items():
            found = self.step(number)
            if found is None or found.task.status != status:
                got = found.task.status if found else "missing"
                self.problems.append(f"step {number}: expected {status}, got {got}")
        self._check_guards()

    def _check_guards(self) -> None:
        rejected, first, repeat = self.step(5), self.step(2), self.step(6)
        if rejected and (rejected.task.billed or _error_kind(rejected.task) != "content_policy"):
            self.problems.append("step 5: the rejection was not a non-billed content-policy block")
        if first and repeat:
            same = repeat.task.task_id == first.task.task_id and repeat.task.deduplicated
            if not same or repeat.new_requests:
                self.problems.append("step 6: the repeated request was sent again")
        routed = self.step(7)
        if routed and not (routed.failed_over and routed.new_requests == 1):
            self.problems.append("step 7: the request was not routed around the outage once")
        spends = [self.journal_spend_usd]
        if self.sandbox_billed_usd is not None:
            spends.append(self.sandbox_billed_usd)
        if any(abs(spend - self.total_spend_usd) > 0.005 for spend in spends):
            self.problems.append(
                f"spend mismatch: summary {self.total_spend_usd}, journal "
                f"{self.journal_spend_usd}, simulator {self.sandbox_billed_usd}"
            )

    def closing_lines(self) -> list[str]:
        videos = sum(1 for s in self.steps if s.paid)
        lines = [
            f"Total spend: {money(self.total_spend_usd)} for {videos} videos. The rejected "
            "request was not billed, the repeated one was deduplicated (not paid twice), and the "
            "one meant for the down channel went to Reverse: nothing was paid to the down one. "
            "The last video came from Wan on APIYI's DashScope protocol, priced per second.",
        ]
        if self.sandbox_billed_usd is not None:
            lines.append(
                f"Cross-check: the task journal says {money(self.journal_spend_usd)} and the "
                f"simulator's own billing ledger says {money(self.sandbox_billed_usd)}."
            )
        lines.append(f"The demo took {self.elapsed_s:g} s. Watch a result with any video player.")
        return lines


def _error_kind(task: TaskView) -> str | None:
    return task.error.kind if task.error else None


def _table() -> Table:
    # Collapsed padding and no edges keep the summary within 120 columns.
    return Table(box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False, show_edge=False)


def recommendations_table(picks: list[DemoPick]) -> Table:
    table = _table()
    for name in ("scenario", "channel", "model", "price", "mode"):
        table.add_column(name, no_wrap=True, justify="right" if name == "price" else "left")
    table.add_column("why", overflow="fold")
    for pick in picks:
        rec = pick.recommendation
        why = rec.reasons[0].removeprefix("Scenario: ") if rec.reasons else ""
        table.add_row(
            pick.scenario.replace("_", " "),
            rec.channel,
            Text(rec.model),
            money(rec.price_usd),
            rec.mode,
            Text(why),
        )
    return table


def task_line(step: DemoStep, time_scale: float) -> Text:
    """One line saying how a step ended, what it cost and where the file is."""
    task = step.task
    if task.deduplicated:
        return Text(
            f"↺ deduplicated: task {task.task_id} from an identical request was returned; "
            f"{step.new_requests} new requests, nothing paid twice (--force-new would pay for "
            "another take).",
            style="green",
        )
    if task.status != "completed":
        reason = (
            f"{task.error.kind}: {first_line(for_person(task.error.message))}" if task.error else ""
        )
        billed = "not billed" if not task.billed else "billing unknown"
        return Text.assemble(
            (f"✗ {task.status} ({reason}), {billed}.", "red"),
            (f" {task.next_step_for('person')}", "dim"),
        )
    real = task.elapsed_s / time_scale
    path = Path(task.video_path or "")
    size = path.stat().st_size if is_mp4(task.video_path) else 0
    return Text(
        f"✓ completed in {task.elapsed_s:.1f} s (about {real:.0f} s at APIYI speed), "
        f"{money(task.price_usd)} billed → {short_path(task.video_path)} "
        f"({size:,} bytes, MP4)",
        style="green",
    )


def summary_table(report: DemoReport) -> Table:
    table = _table()
    for name in ("step", "channel", "model", "status", "took", "price", "billed"):
        table.add_column(
            name, no_wrap=True, justify="right" if name in ("took", "price") else "left"
        )
    out_dir = _common_dir(report)
    table.add_column(f"file (in {out_dir}/)" if out_dir else "file", overflow="fold")
    for step in report.steps:
        task = step.task
        billed = "no (dup)" if task.deduplicated else "yes" if task.billed else "no"
        table.add_row(
            f"{step.step} {step.label}",
            task.channel,
            Text(task.model),
            status_text(task.status),
            f"{step.took_s:.1f} s",
            money(task.price_usd),
            Text(billed, style="green" if billed.startswith("no") else ""),
            Text(Path(task.video_path).name if task.video_path else "-"),
        )
    table.add_section()
    table.add_row("total", "", "", "", f"{report.elapsed_s:.1f} s", money(report.total_spend_usd))
    return table


def _common_dir(report: DemoReport) -> str | None:
    dirs = {short_path(Path(s.task.video_path).parent) for s in report.steps if s.task.video_path}
    return dirs.pop() if len(dirs) == 1 else None
