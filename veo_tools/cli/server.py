"""``veo-tools sandbox``: serve the APIYI simulator over real HTTP on loopback."""

from __future__ import annotations

import argparse
import contextlib

from rich.text import Text

from veo_tools.cli.context import Cli, Command
from veo_tools.cli.options import positive

DEFAULT_PORT = 8765


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="loopback only (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default 8765; 0 = any")
    parser.add_argument(
        "--time-scale",
        type=positive,
        metavar="FACTOR",
        help="render-time factor (default: VEO_TOOLS_TIME_SCALE or 1 = real APIYI timings)",
    )


def run_sandbox(cli: Cli, args: argparse.Namespace) -> int:
    from veo_tools.sandbox import SandboxConfig, make_server

    scale = args.time_scale or cli.settings().time_scale
    server = make_server(
        args.host,
        args.port,
        SandboxConfig(time_scale=scale),
        log_level="debug" if cli.debug else "info",
    )
    base = f"http://{args.host}:{args.port}"
    cli.err.print(
        Text(
            f"APIYI sandbox on {base} (time scale {scale:g}; any key works; Ctrl-C stops it).\n"
            f"Point veo-tools at it:  APIYI_BASE_URL={base} APIYI_API_KEY=sk-test "
            f"VEO_TOOLS_TIME_SCALE={scale:g} veo-tools recommend\n"
            f"Or try:  curl -s {base}/v1/videos -H 'Authorization: Bearer sk-test' "
            "-H 'Content-Type: application/json' "
            """-d '{"model":"veo-3.1-fast-generate-preview","prompt":"a lighthouse","""
            """"seconds":"8","size":"1280x720"}'"""
        ),
        soft_wrap=True,
    )
    # Ctrl-C is how the sandbox is stopped: its normal end, not an error (exit 0).
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    cli.err.print("veo-tools sandbox: stopped.", markup=False, highlight=False)
    return 0


SANDBOX = Command(
    "sandbox",
    "serve the APIYI simulator on 127.0.0.1 (no key, no cost)",
    add_sandbox_arguments,
    run_sandbox,
    "Serve a faithful simulator of APIYI's Official and Reverse Veo channels over HTTP, for "
    "curl experiments or for clients you cannot point at the in-process --sandbox.",
)
