"""The one way a price is written for people and agents: ``$0.30``, ``$1,234.50``.

Two decimals everywhere (never ``$0.3`` in one place and ``$0.30`` in another), except a unit
price (``$0.084/s``), which keeps the digits it has; a test scans the package for any other
``$``-formatting of an amount.
"""

from __future__ import annotations

__all__ = ["usd", "usd_rate"]


def usd(amount: float) -> str:
    """``amount`` US dollars, with a thousands separator and two decimals."""
    return f"${amount:,.2f}"


def usd_rate(amount: float, unit: str = "s") -> str:
    """A unit price, exact to four decimals and never fewer than two: ``$0.084/s``,
    ``$0.14/s``, ``$0.002/image``, ``$8.38/M tokens`` (a rate rounded to cents would lie)."""
    whole, _, cents = f"{amount:,.4f}".partition(".")
    return f"${whole}.{cents.rstrip('0').ljust(2, '0')}/{unit}"
