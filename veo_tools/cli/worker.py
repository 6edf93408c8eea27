"""``veo-tools worker``: one of several processes (on any hosts) running enqueued batches.

Batches recorded with ``veo-tools batch FILE --enqueue`` are shared through the journal
(``VEO_TOOLS_JOURNAL_URL``, PostgreSQL): each item is sent by exactly one worker, the per-channel
caps hold across all workers, and the items of a worker that dies are taken over when its lease
expires (an item whose create may have left is marked interrupted, never sent again).
"""

from __future__ import annotations

import argparse
import json

from rich.text import Text

from veo_tools.cli.commands import open_service
from veo_tools.cli.context import Cli, Command
from veo_tools.cli.options import concurrency, positive
from veo_tools.service import WORKER_LEASE_S


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=concurrency,
        metavar="N",
        help="tasks in flight per channel across ALL workers (default 10), or "
        "official=4,reverse=10; give every worker the same caps",
    )
    parser.add_argument(
        "--lease",
        type=positive,
        default=WORKER_LEASE_S,
        metavar="SECONDS",
        help=f"how long a dead worker's items wait before another takes them (default "
        f"{WORKER_LEASE_S:g})",
    )
    parser.add_argument(
        "--poll", type=positive, default=1.0, metavar="SECONDS", help="claim interval (default 1)"
    )
    parser.add_argument(
        "--exit-when-idle",
        action="store_true",
        help="stop when no enqueued item is left to send or follow (default: run until Ctrl-C)",
    )


async def run_worker(cli: Cli, args: argparse.Namespace) -> int:
    async with open_service(cli) as service:
        cli.err.print(Text(f"veo-tools worker on {service.journal!r}"), soft_wrap=True)
        report = await service.run_worker(
            concurrency=args.concurrency,
            lease_s=args.lease,
            poll_s=args.poll,
            exit_when_idle=args.exit_when_idle,
        )
    summary = {
        "worker_id": report.worker_id,
        "sent": report.sent,
        "followed": report.followed,
        "interrupted": report.interrupted,
    }
    if cli.json:
        cli.emit_json(json.dumps(summary))
    else:
        cli.out.print(Text(", ".join(f"{k}: {v}" for k, v in summary.items())))
    return 0


WORKER = Command(
    "worker",
    "run enqueued batches together with other workers (shared PostgreSQL journal)",
    add_worker_arguments,
    run_worker,
    "Claim items of batches enqueued with  veo-tools batch FILE --enqueue , send each exactly "
    "once, follow it and save its MP4. Run one per host (or several); see docs/deployment.md.",
)
