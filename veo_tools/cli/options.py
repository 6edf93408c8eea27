"""Argument definitions. Choices come from the shared models and the catalog, never retyped."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import get_args

from veo_tools.catalog import AspectRatio, Resolution, shipped_catalog
from veo_tools.types import ChannelChoice, ModeChoice, Priority, Scenario, TaskStatus

DEFAULT_WAIT_S = 900.0
CHANNELS = tuple(c for c in get_args(ChannelChoice) if c != "auto")
SECONDS_CHOICES = sorted({s for model in shipped_catalog().all() for s in model.durations})


def non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number


def _format_options(parser: argparse.ArgumentParser) -> None:
    """The options ``generate`` and ``recommend`` share, each mirroring a model field."""
    parser.add_argument("--priority", choices=get_args(Priority), help="default: balanced")
    parser.add_argument("--seconds", type=int, choices=SECONDS_CHOICES, help="clip length")
    parser.add_argument("--resolution", choices=get_args(Resolution))
    parser.add_argument("--aspect-ratio", choices=get_args(AspectRatio))
    parser.add_argument(
        "--audio",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="--no-audio for a silent video (models whose sound is optional)",
    )


def add_recommend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--frame-to-video", action="store_true", help="animate from a start (and end) frame"
    )
    parser.add_argument(
        "--reference-images", type=int, metavar="N", help="reference images you will send (0-2)"
    )
    parser.add_argument(
        "--streaming-progress",
        action="store_true",
        help="a user-facing UI must show live progress",
    )
    _format_options(parser)
    parser.add_argument("--count", type=int, help="videos in the batch, for the cost estimate")
    parser.add_argument("--scenario", choices=get_args(Scenario), help="a known business scenario")


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "prompt",
        nargs="?",
        help="what the video shows (subject, action, camera, sound); optional with --from-task",
    )
    parser.add_argument(
        "--from-task",
        metavar="TASK_ID",
        help="re-render an earlier task (same prompt and frames) on --channel/--model "
        "(default: Official standard); other flags override what it used",
    )
    parser.add_argument("--channel", choices=get_args(ChannelChoice), help="default: auto")
    parser.add_argument("--model", help="exact model id (overrides --channel and --priority)")
    _format_options(parser)
    parser.add_argument(
        "--image",
        action="append",
        metavar="PATH",
        help="reference image (repeat for start and end frames); must be inside the input dirs",
    )
    parser.add_argument(
        "--image-use",
        choices=("frames", "references"),
        help="the images are start/end frames or references (default: the model's)",
    )
    parser.add_argument(
        "--mode",
        choices=get_args(ModeChoice),
        help="async (submit and poll) or stream (Reverse only, live progress); default: auto",
    )
    parser.add_argument("--negative-prompt", help="what to avoid (models that take it)")
    parser.add_argument("--seed", type=int, help="0-4294967295 (models that take it)")
    parser.add_argument(
        "--force-new",
        action="store_true",
        help="pay for a new take even if an identical request ran in the last 15 minutes",
    )
    parser.add_argument("--idempotency-key", help="your own key: the same key never pays twice")
    wait = parser.add_mutually_exclusive_group()
    wait.add_argument(
        "--wait",
        type=non_negative,
        default=DEFAULT_WAIT_S,
        metavar="SECONDS",
        help=f"how long to follow the task before returning its id (default {DEFAULT_WAIT_S:g})",
    )
    wait.add_argument(
        "--no-wait", action="store_true", help="submit, print the task id and return at once"
    )


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id", metavar="TASK_ID")
    parser.add_argument(
        "--wait",
        type=non_negative,
        default=0.0,
        metavar="SECONDS",
        help="follow the task up to this long (default 0: look once)",
    )
    parser.add_argument(
        "--no-download", action="store_true", help="do not save the MP4 when completed"
    )


def add_tasks_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=get_args(TaskStatus), help="only tasks in this status")
    parser.add_argument("--limit", type=int, default=20, help="most recent tasks (default 20)")


def add_download_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id", metavar="TASK_ID")


def positive(value: str) -> float:
    number = non_negative(value)
    if number == 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="JSON Lines (one video's arguments per line, plus seeds/variants) or CSV with a "
        "header row and a prompt column",
    )
    parser.add_argument(
        "--concurrency",
        type=concurrency,
        metavar="N",
        help="tasks in flight per channel (default 10), or per channel: official=4,reverse=10",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan and what it costs; submit nothing"
    )
    parser.add_argument(
        "--enqueue",
        action="store_true",
        help="check, price and record the batch for shared workers (veo-tools worker), then exit",
    )
    parser.add_argument(
        "--resume",
        metavar="BATCH_ID",
        help="carry on a batch cut short (no FILE): finished or sent items are not sent again",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="PATH",
        help="the JSON Lines report: a file, or a directory to write <batch id>.jsonl in "
        "(default: the output directory)",
    )


def concurrency(value: str) -> int | dict[str, int]:
    """``5`` (each channel) or ``official=3,reverse=8`` (the channels named)."""
    if "=" not in value:
        return _cap(value)
    caps: dict[str, int] = {}
    for part in value.split(","):
        channel, _, number = part.partition("=")
        if channel.strip() not in CHANNELS:
            raise argparse.ArgumentTypeError(
                f"{channel.strip()!r} is not a channel (use {' or '.join(CHANNELS)})"
            )
        caps[channel.strip()] = _cap(number)
    return caps


def _cap(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value.strip()!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} must be 1 or more")
    return number
