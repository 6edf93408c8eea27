"""One money formatter: every price a person or an agent reads has two decimals."""

from __future__ import annotations

import re
from pathlib import Path

from mcp_server.results import task_line
from veo_tools.catalog import prices_text
from veo_tools.money import usd, usd_rate
from veo_tools.types import TaskView

ROOT = Path(__file__).resolve().parents[1]
#: A dollar sign glued to an f-string field: an amount formatted by hand instead of by ``usd``.
HAND_FORMATTED = re.compile(r"\$\{")


def test_an_amount_is_written_with_two_decimals_and_thousands_separators() -> None:
    assert usd(0.3) == "$0.30"
    assert usd(0.15) == "$0.15"
    assert usd(1234.5) == "$1,234.50"
    assert usd(0) == "$0.00"


def test_a_unit_price_keeps_its_digits_and_never_has_fewer_than_two_decimals() -> None:
    assert usd_rate(0.084) == "$0.084/s"
    assert usd_rate(0.14) == "$0.14/s"
    assert usd_rate(0.0588) == "$0.0588/s"
    assert usd_rate(0.1) == "$0.10/s"
    assert usd_rate(0.002, "image") == "$0.002/image"
    assert usd_rate(1234.5, "M tokens") == "$1,234.50/M tokens"


def test_prices_in_tool_descriptions_and_mcp_results_use_two_decimals() -> None:
    assert prices_text("official") == "$0.30 fast / $1.20 standard"
    view = TaskView(
        task_id="veo_0123456789abcdef",
        channel="official",
        model="veo-3.1-fast-generate-preview",
        status="completed",
        progress=100,
        price_usd=0.3,
        billed=True,
        next_step="done",
        created_at="2026-10-20T09:15:02+00:00",
        elapsed_s=50.0,
    )
    assert "$0.30)" in task_line(view)


def test_no_module_formats_an_amount_by_hand() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("veo_tools", "mcp_server", "examples")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "money.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_FORMATTED.search(line)
    ]
    assert offenders == [], "format amounts with veo_tools.money.usd"
