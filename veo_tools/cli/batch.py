"""``veo-tools batch``: many videos from a JSON Lines or CSV file, a dry run, and resume.

The engine does the work (whole-batch pricing and budget check, per-channel caps, duplicate
protection, crash-safe resume); this command reads the file, shows progress per item, writes the
JSON Lines report and maps the outcome to an exit code: 0 every item completed, 1 some item
failed, was interrupted or is unfinished, 2 bad input or budget refusal, 3 API or network error
(also: videos rendered but not saved).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text

from veo_tools.cli import options
from veo_tools.cli.batch_file import read_batch_file
from veo_tools.cli.batch_report import (
    batch_table,
    counts_text,
    next_step,
    plan_view,
    report_views,
    summary_lines,
    unfinished,
    unsaved,
    write_report,
)
from veo_tools.cli.commands import open_service
from veo_tools.cli.context import Cli, Command
from veo_tools.cli.progress import BatchProgress
from veo_tools.cli.render import ENDED, money
from veo_tools.errors import InvalidRequestError
from veo_tools.service import VeoService
from veo_tools.types import BatchItemInput, BatchView


async def run_batch(cli: Cli, args: argparse.Namespace) -> int:
    _check_arguments(args)
    items = read_batch_file(args.file) if args.file else []
    async with open_service(cli) as service:
        if args.dry_run:
            return await _dry_run(cli, service, items)
        if args.enqueue:
            return await _enqueue(cli, service, items)
        view = await _run(cli, service, items, args)
        path = _report_path(args.report, service.settings.output_dir, view.batch_id)
        report = write_report(path, await report_views(service, view))
    return _show(cli, view, report)


async def _enqueue(cli: Cli, service: VeoService, items: Sequence[BatchItemInput]) -> int:
    view = await service.enqueue_batch(items)
    if cli.json:
        cli.emit_json(view)
    else:
        cli.err.print(
            Text(
                f"Batch {view.batch_id}: {view.total} video(s), "
                f"{money(view.estimated_cost_usd)} if all complete, enqueued for workers "
                f"(veo-tools worker). Follow it with:  veo-tools status {view.batch_id}"
            ),
            soft_wrap=True,
        )
        cli.out.print(view.batch_id)
    return 0


def _report_path(given: Path | None, output_dir: Path, batch_id: str) -> Path:
    """``--report`` as given (inside it, if it is a directory), else next to the videos."""
    name = f"{batch_id}.jsonl"
    if given is None:
        return output_dir / name
    return given / name if given.is_dir() else given


def _check_arguments(args: argparse.Namespace) -> None:
    if args.file and args.resume:
        raise InvalidRequestError(
            "Give either FILE (a new batch) or --resume BATCH_ID (an earlier one), not both."
        )
    if not args.file and not args.resume:
        raise InvalidRequestError(
            "FILE is required: a JSON Lines or CSV batch file (or --resume BATCH_ID to carry on "
            "an earlier batch). See veo-tools batch --help."
        )
    if args.enqueue and (args.resume or args.dry_run):
        raise InvalidRequestError("--enqueue records a new batch FILE; it takes no --resume.")
    if args.dry_run and args.resume:
        raise InvalidRequestError(
            "--dry-run prices a new batch FILE; a batch given to --resume was priced when it "
            "started (veo-tools tasks shows its items)."
        )


async def _dry_run(cli: Cli, service: VeoService, items: Sequence[BatchItemInput]) -> int:
    plan = await service.plan_batch(items)
    if cli.json:
        cli.emit_json(plan)
    else:
        cli.out.print(plan_view(plan, await service.list_tasks({"limit": 1})))
    return 0


async def _run(
    cli: Cli, service: VeoService, items: Sequence[BatchItemInput], args: argparse.Namespace
) -> BatchView:
    with BatchProgress(cli.err, live=cli.live, quiet=cli.json) as progress:
        if args.resume:
            view = await _resumable(service, args.resume)
        else:
            # Started without waiting, so that the batch id is known (and shown, for a resume
            # after Ctrl-C) before the first video is sent.
            view = await service.generate_batch(
                items, concurrency=args.concurrency, wait=False, on_progress=progress
            )
        cli.batch_id = view.batch_id
        _announce(cli, view, resumed=bool(args.resume))
        progress.start(view)
        # Waits for the runner started above; for --resume, starts one and waits for it.
        return await service.resume_batch(
            view.batch_id, concurrency=args.concurrency, on_progress=progress
        )


async def _resumable(service: VeoService, batch_id: str) -> BatchView:
    view = await service.batch_status(batch_id)
    if view.status == "running":
        raise InvalidRequestError(
            f"Batch {batch_id} is being run by another veo-tools process right now: let it "
            f"finish, or stop it and run  veo-tools batch --resume {batch_id}  again."
        )
    return view


def _announce(cli: Cli, view: BatchView, *, resumed: bool) -> None:
    if resumed:
        ended = sum(1 for item in view.items if item.status in ENDED)
        text = (
            f"Resuming batch {view.batch_id}: {ended} of {view.total} item(s) already ended; "
            "finished or sent items are not sent again."
        )
    else:
        text = (
            f"Batch {view.batch_id}: {view.total} video(s), {money(view.estimated_cost_usd)} if "
            f"all complete. If interrupted, resume with:  veo-tools batch --resume {view.batch_id}"
        )
    cli.err.print(Text(text), soft_wrap=True)


def _show(cli: Cli, view: BatchView, report: Path) -> int:
    if cli.json:
        document = {**view.model_dump(mode="json"), "report_path": str(report)}
        cli.emit_json(json.dumps(document, indent=2))
    else:
        cli.out.print(batch_table(view))
        for line in summary_lines(view, report):
            cli.out.print(line, soft_wrap=True)
    code = exit_code(view)
    if code:
        cli.err.print(
            Text(f"veo-tools: batch {view.batch_id}: {counts_text(view)}. {next_step(view)}"),
            soft_wrap=True,
        )
    return code


def exit_code(view: BatchView) -> int:
    """0 every item completed and saved; 1 some item failed, was interrupted or is unfinished;
    3 every item completed but some video could not be saved (a resume downloads it)."""
    if view.failed or unfinished(view):
        return 1
    if unsaved(view):
        return 3
    return 0


BATCH = Command(
    "batch",
    "make many videos from a JSON Lines or CSV file (--dry-run, --resume)",
    options.add_batch_arguments,
    run_batch,
    "Check and price the whole batch first (budget guard included), then submit and follow "
    "every item with a per-channel cap on tasks in flight, saving the MP4s and a JSON Lines "
    "report (one TaskView per item, in input order) in the output directory. Ctrl-C is safe: "
    "--resume BATCH_ID carries on without sending anything twice.",
)
