"""``veo-tools models``: every model with its protocol (and APIYI token group), price rule,
lifecycle and whether it can be used now.

Exit codes: 0 when the live list (``GET /v1/models``) was read, 3 when it could not be (the
table is still shown, built from the catalog and the journal, with the reason on stderr).
"""

from __future__ import annotations

import argparse

from rich import box
from rich.table import Table
from rich.text import Text

from veo_tools.cli.commands import open_service
from veo_tools.cli.context import Cli, Command
from veo_tools.money import usd
from veo_tools.types import ModelInfo, ModelsView

EXIT_OK, EXIT_LIVE_CHECK_FAILED = 0, 3

AVAILABILITY_STYLES = {"available": "green", "down": "red", "unlisted": "yellow", "unknown": "dim"}


def add_models_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="read GET /v1/models again now instead of reusing the cached list "
        "(VEO_TOOLS_MODELS_TTL_S, default 300 s)",
    )


def _lifecycle(model: ModelInfo) -> Text:
    text = model.lifecycle + (f" since {model.lifecycle_since}" if model.lifecycle_since else "")
    if model.replacement:
        text += f" → {model.replacement}"
    return Text(text, style="" if model.lifecycle == "active" else "yellow")


def _price(model: ModelInfo) -> str:
    """A per-video price as it is; any other rule with the estimate at the defaults."""
    if not model.price:
        return usd(model.price_usd)
    if model.price.endswith("/video"):
        return model.price
    if "tokens" in model.price:
        return model.price
    return f"{model.price} (~{usd(model.price_usd)} at the defaults)"


def models_table(view: ModelsView) -> Table:
    checked = view.live_checked_at or "never"
    table = Table(
        title=f"Models (live list checked {checked})",
        box=box.SIMPLE_HEAD,
        caption=view.live_error and f"live check failed: {view.live_error}",
    )
    for name in ("model", "channel", "protocol", "tier", "price", "lifecycle", "now", "why"):
        table.add_column(name, overflow="fold")
    for m in view.models:
        table.add_row(
            m.id,
            m.channel,
            m.protocol + (f"\n{m.access_group} group" if m.access_group else ""),
            m.tier,
            _price(m),
            _lifecycle(m),
            Text(m.availability, style=AVAILABILITY_STYLES[m.availability]),
            Text(m.reason or ""),
        )
    return table


async def run_models(cli: Cli, args: argparse.Namespace) -> int:
    async with open_service(cli) as service:
        view = await service.models(refresh=args.refresh)
    if cli.json:
        cli.emit_json(view)
    else:
        cli.out.print(models_table(view))
        cli.out.print(Text(view.next_step_for("person")))
    if view.catalog_error:
        cli.err.print(f"veo-tools: {view.catalog_error}", markup=False, soft_wrap=True)
    if view.live_error:
        cli.err.print(
            f"veo-tools: the live model list could not be read: {view.live_error}",
            markup=False,
            soft_wrap=True,
        )
        return EXIT_LIVE_CHECK_FAILED
    return EXIT_OK


MODELS = Command(
    "models",
    "list the models with their lifecycle and whether they can be used now",
    add_models_arguments,
    run_models,
    "Show every model with its channel, price, lifecycle (what APIYI's notices say) and "
    "availability now: available, down (retired, or refused recently), unlisted (not in "
    "GET /v1/models for this key) or unknown (the live check failed, with the reason). Exit "
    "code 3 when the live list could not be read.",
)
