"""``veo-tools demo``: the whole product, end to end, on the in-process sandbox.

No key, no network, no cost. Time runs 20x faster than APIYI (``VEO_TOOLS_TIME_SCALE`` or
``--time-scale`` change that), so the nine steps take about 20 s. Videos go to the output
directory (``VEO_TOOLS_OUTPUT_DIR``, default ``./veo-output``). The journal lives in a temporary
directory deleted at the end: the simulated tasks exist only in this process, so keeping them
would only clutter ``veo-tools --sandbox tasks``, and a second run must start clean rather than be
"deduplicated" against the first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text

from veo_tools.catalog import Channel, pick_model
from veo_tools.cli.context import Cli, Command
from veo_tools.cli.demo_report import (
    DemoPick,
    DemoReport,
    DemoStep,
    recommendations_table,
    summary_table,
    task_line,
)
from veo_tools.cli.options import positive
from veo_tools.cli.progress import ProgressDisplay
from veo_tools.sandbox import Sandbox, end_frame_jpg, still_png
from veo_tools.service import VeoService
from veo_tools.settings import Settings
from veo_tools.types import GenerateVideoInput, RecommendChannelInput, Scenario

DEMO_TIME_SCALE = 0.05
DEMO_SCENARIOS: tuple[Scenario, ...] = ("client_delivery", "live_progress_ui", "poster_to_motion")
STEPS = 9
OUTAGE_STEP = 7
BEYOND_VEO_STEP = 8
#: The model of the step beyond Veo: Wan 2.7 on the DashScope protocol, priced per second.
BEYOND_VEO_MODEL = "wan2.7-t2v"
#: The channel the outage step takes down (every create answers 503 `no available channels`).
OUTAGE_CHANNEL: Channel = "official"
CONTENT_POLICY_MARKER = "[sandbox:content_policy]"
WAIT_S = 600.0
_ENV_USED = ("VEO_TOOLS_OUTPUT_DIR", "VEO_TOOLS_TIME_SCALE")


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--time-scale",
        type=positive,
        metavar="FACTOR",
        help=f"simulated-time factor (default: VEO_TOOLS_TIME_SCALE or {DEMO_TIME_SCALE:g})",
    )


def demo_settings(state: Path, inputs: Path, time_scale: float | None) -> Settings:
    """Sandbox settings that take only the output dir and the time scale from the environment
    (a budget or input dirs meant for real work would only get in the demo's way)."""
    env = {k: v for k, v in os.environ.items() if k in _ENV_USED}
    if time_scale is None and not env.get("VEO_TOOLS_TIME_SCALE", "").strip():
        time_scale = DEMO_TIME_SCALE
    return Settings.from_env(
        env, sandbox=True, state_dir=state, input_dirs=[inputs], time_scale=time_scale
    )


def run_demo(cli: Cli, args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="veo-tools-demo-") as tmp:
        inputs = Path(tmp, "inputs")
        inputs.mkdir()
        (inputs / "still.png").write_bytes(still_png())
        (inputs / "end_frame.jpg").write_bytes(end_frame_jpg())
        settings = demo_settings(Path(tmp, "state"), inputs, args.time_scale)
        report = asyncio.run(Demo(cli, settings, inputs).run())
    return 0 if report.ok else 1


@dataclass
class Demo:
    cli: Cli
    settings: Settings
    inputs: Path
    report: DemoReport = field(default_factory=DemoReport)

    async def run(self) -> DemoReport:
        started = time.monotonic()
        self._intro()
        async with VeoService(self.settings) as service:
            self.recommend(service)
            still, end = self.inputs / "still.png", self.inputs / "end_frame.jpg"
            for number, (label, title, request) in enumerate(_steps(still, end), start=2):
                await self.step(service, number, label, title, request)
            with _outage(service.sandbox, OUTAGE_CHANNEL):
                await self.step(service, OUTAGE_STEP, *_routed())
            await self.step(service, BEYOND_VEO_STEP, *_beyond_veo())
            self.report.journal_spend_usd = (await service.list_tasks()).spent_24h_usd
            if service.sandbox is not None:
                self.report.sandbox_billed_usd = round(
                    sum(service.sandbox.stats().billed_usd.values()), 2
                )
        self.report.elapsed_s = round(time.monotonic() - started, 1)
        self.report.check()
        self._summary()
        return self.report

    def say(self, text: str | Text, style: str = "") -> None:
        if not self.cli.json:
            self.cli.out.print(text if isinstance(text, Text) else Text(text, style=style))

    def _intro(self) -> None:
        scale = self.settings.time_scale
        self.say("veo-tools demo", "bold")
        self.say(
            "Everything below runs on the embedded APIYI sandbox: no key, no network, no cost. "
            f"Time runs {1 / scale:.0f}x faster than the real API (time scale {scale:g}); videos "
            f"are saved to {self.settings.output_dir}/, and the task journal is a temporary one, "
            "so your own history and budget are untouched."
        )

    def _header(self, number: int, title: str) -> None:
        self.say(Text(f"\n[{number}/{STEPS}] {title}", style="bold cyan"))

    def recommend(self, service: VeoService) -> None:
        self._header(1, "Which channel? Recommendations for three of APIYI's scenarios")
        for scenario in DEMO_SCENARIOS:
            rec = service.recommend(RecommendChannelInput(scenario=scenario))
            self.report.recommendations.append(DemoPick(scenario=scenario, recommendation=rec))
        if not self.cli.json:
            self.cli.out.print(recommendations_table(self.report.recommendations))

    async def step(
        self,
        service: VeoService,
        number: int,
        label: str,
        title: str,
        request: GenerateVideoInput,
    ) -> None:
        self._header(number, title)
        self.say(Text(f'prompt: "{request.prompt}"', style="dim"))
        creates_before = _creates(service)
        started = time.monotonic()
        with ProgressDisplay(self.cli.err, live=self.cli.live, quiet=self.cli.json) as progress:
            view = await service.generate(request, wait_seconds=WAIT_S, on_progress=progress)
        took = time.monotonic() - started
        step = DemoStep(
            step=number,
            title=title,
            label=label,
            task=view,
            took_s=round(took, 1),
            new_requests=_creates(service) - creates_before,
        )
        self.report.steps.append(step)
        self.say(task_line(step, self.settings.time_scale))
        for note in view.notes:
            self.say(f"  {note}", "dim")

    def _summary(self) -> None:
        for problem in self.report.problems:
            self.cli.err.print(Text(f"veo-tools: demo check failed: {problem}"), soft_wrap=True)
        if self.cli.json:
            self.cli.emit_json(self.report)
            return
        self._header(STEPS, "Summary")
        self.cli.out.print(summary_table(self.report))
        for line in self.report.closing_lines():
            self.say(line)


def _creates(service: VeoService) -> int:
    return sum(service.sandbox.stats().create_count.values()) if service.sandbox else 0


def _steps(still: Path, end: Path) -> list[tuple[str, str, GenerateVideoInput]]:
    """Steps 2-6: (summary label, heading, request). Step 6 repeats step 2 on purpose."""
    t2v = _t2v()
    return [
        ("text-to-video", "Official text-to-video, 8 s 720p, submitted then polled", t2v),
        ("image-to-video", "Official image-to-video from a bundled still", _i2v(still)),
        (
            "frames-to-video",
            "Reverse frame-to-video from two frames, streamed live",
            _f2v(still, end),
        ),
        ("rejected", "A content-policy rejection on Reverse", _rejected()),
        ("repeat of 2", "The request of step 2 again: deduplicated, not paid twice", t2v),
    ]


@contextmanager
def _outage(sandbox: Sandbox | None, channel: Channel) -> Iterator[None]:
    """The channel is in an outage while the block runs (the sandbox's lifecycle state: creates
    answer 503 `no available channels` and `GET /v1/models` leaves its models out)."""
    if sandbox is not None:
        sandbox.lifecycle[channel] = "outage"
    try:
        yield
    finally:
        if sandbox is not None:
            sandbox.lifecycle.pop(channel, None)


def _routed() -> tuple[str, str, GenerateVideoInput]:
    """Step 7: a request that names no model or channel, sent while Official is down."""
    return (
        "routed around",
        "Official is down: a request that pins no channel is routed to Reverse",
        GenerateVideoInput(
            prompt="A paper boat drifts down a rain gutter, close-up, soft patter of rain"
        ),
    )


def _beyond_veo() -> tuple[str, str, GenerateVideoInput]:
    """Step 8: one video on a model beyond Veo (another protocol, priced per second)."""
    return (
        "beyond Veo",
        f"Beyond Veo: {BEYOND_VEO_MODEL} on the DashScope protocol, 5 s at 720p, priced per second",
        GenerateVideoInput(
            prompt="A paper lantern drifts over a night river, slow pan, water lapping softly",
            model=BEYOND_VEO_MODEL,
            seconds=5,
            resolution="720p",
        ),
    )


def _t2v() -> GenerateVideoInput:
    return GenerateVideoInput(
        prompt="A coastal lighthouse at dusk, slow push-in, waves and gulls, cinematic light",
        model=pick_model("official", fast=False).id,
        seconds=8,
        resolution="720p",
    )


def _i2v(still: Path) -> GenerateVideoInput:
    return GenerateVideoInput(
        prompt="The test card comes alive: colours ripple outward to a soft synth hum",
        model=pick_model("official", fast=True).id,
        images=[str(still)],
    )


def _f2v(start: Path, end: Path) -> GenerateVideoInput:
    return GenerateVideoInput(
        prompt="The test card morphs smoothly into colour bars, with a gentle whoosh",
        model=pick_model("reverse", fast=True, frame_to_video=True).id,
        images=[str(start), str(end)],
        mode="stream",
    )


def _rejected() -> GenerateVideoInput:
    return GenerateVideoInput(
        prompt=f"A news anchor reads tonight's headlines {CONTENT_POLICY_MARKER}",
        model=pick_model("reverse", fast=True).id,
    )


DEMO = Command(
    "demo",
    "the end-to-end tour on the in-process sandbox (no key, < 60 s)",
    add_demo_arguments,
    run_demo,
    "Recommend channels, make videos on both channels (polled and streamed), show a "
    "content-policy rejection, a deduplicated repeat, a request routed around a channel "
    "outage and a video on a model beyond Veo (Wan), then a summary with the spend. "
    "Always runs on the in-process sandbox.",
)
