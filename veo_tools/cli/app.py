"""Argument parsing, dispatch, logging and the mapping from errors to exit codes.

Exit codes: 0 success (or still rendering, with the task id shown), 1 the task (or a batch item)
failed, 2 bad input (invalid arguments, request or batch file, missing configuration, budget
refusal, unknown task id), 3 API or network error, 130 interrupted (Ctrl-C). Errors are one line
on stderr; ``--debug`` adds the traceback and debug logs.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import logging
import sys
import traceback
from collections.abc import Sequence

from rich.logging import RichHandler

from veo_tools import __version__
from veo_tools.cli.batch import BATCH
from veo_tools.cli.commands import COMMANDS as TASK_COMMANDS
from veo_tools.cli.context import Cli, Command
from veo_tools.cli.demo import DEMO
from veo_tools.cli.gallery import GALLERY
from veo_tools.cli.mcp import MCP
from veo_tools.cli.models import MODELS
from veo_tools.cli.server import SANDBOX
from veo_tools.cli.worker import WORKER
from veo_tools.errors import (
    BudgetExceededError,
    ConfigurationError,
    InvalidRequestError,
    TaskFailedError,
    TaskNotFoundError,
    VeoError,
)

EXIT_OK, EXIT_TASK_FAILED, EXIT_BAD_INPUT, EXIT_API_ERROR = 0, 1, 2, 3
EXIT_INTERRUPTED = 130

#: Every sub-command, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    *TASK_COMMANDS,
    BATCH,
    WORKER,
    MODELS,
    GALLERY,
    SANDBOX,
    MCP,
    DEMO,
)

EPILOG = """\
exit codes: 0 success, 1 task (or batch item) failed, 2 bad input, 3 API or network error,
  130 interrupted
environment: APIYI_API_KEY, APIYI_BASE_URL, VEO_TOOLS_SANDBOX, VEO_TOOLS_OUTPUT_DIR,
  VEO_TOOLS_STATE_DIR, VEO_TOOLS_INPUT_DIRS, VEO_TOOLS_BUDGET_USD, VEO_TOOLS_TIME_SCALE,
  VEO_TOOLS_MODELS_TTL_S, VEO_TOOLS_JOURNAL_URL
try it without a key:  veo-tools --sandbox demo"""


def _global_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=default,
        help="use the embedded APIYI simulator: no key, no network, no cost",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default,
        help="print only the result as JSON on stdout (for scripts)",
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="debug logs and tracebacks"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veo-tools",
        description="Make Google Veo 3.1 videos through APIYI's Official and Reverse channels.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _global_options(parser, default=False)
    # Global options are documented before the command; accepting them after it too is kinder.
    shared = argparse.ArgumentParser(add_help=False)
    _global_options(shared, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        child = sub.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            parents=[shared],
        )
        command.add_arguments(child)
        options = [o for action in child._actions for o in action.option_strings]
        child.set_defaults(handler=command, known_options=tuple(options))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``veo-tools`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and args.handler is not MCP:  # only ``mcp`` passes options on (to veo-mcp)
            hint = did_you_mean(extra, args.known_options)
            parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    except SystemExit as exc:  # --help / --version (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    args.server_args = [*getattr(args, "server_args", []), *extra]
    cli = Cli.create(json=args.json, debug=args.debug, sandbox=args.sandbox)
    logging_state = _start_logging(cli)
    try:
        return _run(cli, args)
    finally:
        _stop_logging(logging_state)


def did_you_mean(extra: Sequence[str], options: Sequence[str]) -> str:
    """`` (did you mean --channel?)`` for a misspelt option (``--chanel``), else nothing.
    (argparse suggests only from Python 3.14 on, and only for choices.)"""
    for word in extra:
        if word.startswith("--"):
            close = difflib.get_close_matches(word.partition("=")[0], options, n=1, cutoff=0.75)
            if close:
                return f" (did you mean {close[0]}?)"
    return ""


def _run(cli: Cli, args: argparse.Namespace) -> int:
    command: Command = args.handler
    try:
        outcome = command.run(cli, args)
        return outcome if isinstance(outcome, int) else asyncio.run(outcome)
    except KeyboardInterrupt:
        _fail(cli, "interrupted." + _resume_hint(cli))
        return EXIT_INTERRUPTED
    except VeoError as exc:
        _fail(cli, exc.text("person"))
        return exit_code_for(exc)
    except OSError as exc:
        _fail(cli, f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        return EXIT_API_ERROR
    except Exception as exc:  # a bug: still one line, the traceback with --debug
        _fail(cli, f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
        return EXIT_API_ERROR


def _resume_hint(cli: Cli) -> str:
    if cli.batch_id:
        return (
            f" Batch {cli.batch_id} is recorded; carry it on (nothing is sent twice) with: "
            f"veo-tools batch --resume {cli.batch_id}"
        )
    if cli.task_id:
        return f" Task {cli.task_id} is recorded; see it with: veo-tools status {cli.task_id}"
    return ""


def exit_code_for(exc: VeoError) -> int:
    if isinstance(exc, TaskFailedError):
        return EXIT_TASK_FAILED
    bad_input = (InvalidRequestError, ConfigurationError, BudgetExceededError, TaskNotFoundError)
    if isinstance(exc, bad_input):
        return EXIT_BAD_INPUT
    return EXIT_API_ERROR


def _fail(cli: Cli, message: str) -> None:
    if cli.debug:
        traceback.print_exc(file=sys.stderr)
    one_line = " ".join(message.split())
    sys.stderr.write(f"veo-tools: error: {one_line}\n")
    sys.stderr.flush()


_LOGGERS = ("veo_tools", "httpx")


def _start_logging(cli: Cli) -> tuple[logging.Handler, dict[str, int]]:
    """Log records go through rich on stderr, so they print above a live progress bar."""
    handler = RichHandler(
        console=cli.err, show_time=False, show_path=False, markup=False, rich_tracebacks=False
    )
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    names = _LOGGERS if cli.debug else _LOGGERS[:1]
    previous = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if cli.debug else logging.WARNING)
    return handler, previous


def _stop_logging(state: tuple[logging.Handler, dict[str, int]]) -> None:
    handler, previous = state
    for name, level in previous.items():
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(level)
