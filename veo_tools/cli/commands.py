"""The task commands: ``recommend``, ``generate``, ``status``, ``tasks`` and ``download``
(``batch`` is in :mod:`veo_tools.cli.batch`).

Each handler turns flags into the shared input models, calls one :class:`VeoService` method and
shows the result; all decisions (channel, validation, guards, polling) stay in the engine.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from rich.text import Text

from veo_tools.cli import options
from veo_tools.cli.batch_report import batch_table
from veo_tools.cli.context import Cli, Command
from veo_tools.cli.progress import ProgressDisplay
from veo_tools.cli.render import recommendation_view, task_details, task_list_table
from veo_tools.errors import InvalidRequestError
from veo_tools.service import VeoService
from veo_tools.types import (
    BatchView,
    GenerateVideoInput,
    ListTasksInput,
    RecommendChannelInput,
    TaskView,
    explain_validation_error,
)
from veo_tools.words import for_person

M = TypeVar("M", bound=BaseModel)


def validated(schema: type[M], /, **fields: Any) -> M:
    """Build a tool input from flags; a refusal becomes one readable ``InvalidRequestError``."""
    try:
        return schema(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise InvalidRequestError(explain_validation_error(exc, style="flags")) from None


@asynccontextmanager
async def open_service(cli: Cli) -> AsyncIterator[VeoService]:
    async with VeoService(cli.settings()) as service:
        yield service


def exit_code(view: TaskView) -> int:
    """0 done or still running, 1 the task failed or was interrupted, 3 rendered but not saved."""
    if view.status in ("failed", "interrupted"):
        return 1
    if view.error is not None:
        return 3
    return 0


def show_task(cli: Cli, view: TaskView) -> int:
    if cli.json:
        cli.emit_json(view)
    else:
        command = "veo-tools --sandbox" if cli.sandbox else "veo-tools"
        cli.out.print(task_details(view, command=command))
    code = exit_code(view)
    if code and view.error:
        billed = "not billed" if not view.billed else "billing unknown"
        cli.err.print(
            f"veo-tools: task {view.task_id} {view.status} ({view.error.kind}, {billed}): "
            f"{for_person(view.error.message)}",
            markup=False,
            soft_wrap=True,
        )
    return code


# ---- recommend -----------------------------------------------------------------------------


async def run_recommend(cli: Cli, args: argparse.Namespace) -> int:
    needs = validated(
        RecommendChannelInput,
        frame_to_video=args.frame_to_video,
        reference_images=args.reference_images,
        streaming_progress=args.streaming_progress,
        priority=args.priority,
        resolution=args.resolution,
        seconds=args.seconds,
        aspect_ratio=args.aspect_ratio,
        audio=args.audio,
        count=args.count,
        scenario=args.scenario,
    )
    # Among the models up now: the live list needs no spending (a missing key only makes it
    # unknown, and the answer says so).
    async with open_service(cli) as service:
        rec = await service.recommend_now(needs)
    if cli.json:
        cli.emit_json(rec)
    else:
        cli.out.print(recommendation_view(rec))
    return 0


# ---- generate ------------------------------------------------------------------------------


async def run_generate(cli: Cli, args: argparse.Namespace) -> int:
    if args.no_wait and args.mode == "stream":
        raise InvalidRequestError(
            "--no-wait cannot be combined with --mode stream: a stream lives inside this "
            "process and would be cut when it exits. Use --mode async with --no-wait."
        )
    if args.mode == "stream" and not args.no_wait and _wait_cut_short(args.wait):
        raise InvalidRequestError(
            f"--mode stream with --wait {args.wait:g} would cut the stream after {args.wait:g} s: "
            "a stream lives inside this process, so it ends when the command returns. Leave "
            "--wait at its default (the whole render) or use --mode async, which can be left "
            "and followed later with veo-tools status."
        )
    if not args.prompt and not args.from_task:
        raise InvalidRequestError(
            "PROMPT is required: describe the video (or give --from-task TASK_ID to re-render "
            "an earlier task with its prompt)."
        )
    request = validated(
        GenerateVideoInput,
        prompt=args.prompt,
        from_task_id=args.from_task,
        channel=args.channel,
        model=args.model,
        priority=args.priority,
        seconds=args.seconds,
        resolution=args.resolution,
        aspect_ratio=args.aspect_ratio,
        images=args.image or None,
        image_use=args.image_use,
        audio=args.audio,
        mode=args.mode,
        negative_prompt=args.negative_prompt,
        seed=args.seed,
        force_new=args.force_new,
        idempotency_key=args.idempotency_key,
    )
    wait = 0.0 if args.no_wait else args.wait
    async with open_service(cli) as service:
        with ProgressDisplay(cli.err, live=cli.live, quiet=cli.json) as progress:
            try:
                view = await service.generate(request, wait_seconds=wait, on_progress=progress)
            finally:
                cli.task_id = progress.task_id
    return show_task(cli, view)


def _wait_cut_short(wait: float) -> bool:
    """A wait shorter than a stream can take (the default wait covers every render)."""
    return wait < options.DEFAULT_WAIT_S


# ---- status / download / tasks -------------------------------------------------------------


async def run_status(cli: Cli, args: argparse.Namespace) -> int:
    cli.task_id = args.task_id
    async with open_service(cli) as service:
        with ProgressDisplay(cli.err, live=cli.live, quiet=cli.json) as progress:
            view = await service.check(
                args.task_id,
                wait_seconds=args.wait,
                download=not args.no_download,
                on_progress=progress,
            )
    if isinstance(view, BatchView):  # a batch id: its summary (read-only, as in every front-end)
        if cli.json:
            cli.emit_json(view)
        else:
            cli.out.print(batch_table(view))
            cli.out.print(Text(f"{view.status}: {view.next_step_for('person')}"), soft_wrap=True)
        return 1 if view.failed or view.status == "incomplete" else 0
    return show_task(cli, view)


async def run_download(cli: Cli, args: argparse.Namespace) -> int:
    async with open_service(cli) as service:
        view = await service.check_status(args.task_id, download=True)
    if view.status in ("queued", "in_progress"):
        raise InvalidRequestError(
            f"Task {view.task_id} is still {view.status} ({view.progress}%): nothing to download "
            f"yet. Wait for it with: veo-tools status {view.task_id} --wait 600"
        )
    return show_task(cli, view)


async def run_tasks(cli: Cli, args: argparse.Namespace) -> int:
    query = validated(ListTasksInput, status=args.status, limit=args.limit)
    async with open_service(cli) as service:
        tasks = await service.list_tasks(query)
    if cli.json:
        cli.emit_json(tasks)
    else:
        cli.out.print(task_list_table(tasks))
    return 0


COMMANDS: tuple[Command, ...] = (
    Command(
        "recommend",
        "advise a channel and model for your needs (no key needed)",
        options.add_recommend_arguments,
        run_recommend,
        "Pick a channel and model with APIYI's decision tree and scenario table, and show why, "
        "what it costs, the alternatives and any conflicting needs.",
    ),
    Command(
        "generate",
        "make a video (waits with a progress bar unless --no-wait)",
        options.add_generate_arguments,
        run_generate,
        "Validate, guard (duplicates, budget), submit and follow one video task, then save the "
        "MP4 to the output directory. --from-task TASK_ID re-renders an earlier task (typically "
        "a cheap Reverse draft) with its prompt and frames, by default on Official standard; the "
        "notes say what could not carry over.",
    ),
    Command(
        "status",
        "show (and optionally wait for) a task; downloads it once completed",
        options.add_status_arguments,
        run_status,
    ),
    Command(
        "tasks",
        "list recorded tasks with the 24 h spend and the budget",
        options.add_tasks_arguments,
        run_tasks,
    ),
    Command(
        "download",
        "save a completed task's MP4 to the output directory",
        options.add_download_arguments,
        run_download,
    ),
)
