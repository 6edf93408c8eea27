"""The one way a price is written for people and agents: ``$0.30``, ``$1,234.50``.

Two decimals everywhere (never ``$0.3`` in one place and ``$0.30`` in another); a test scans the
package for any other ``$``-formatting of an amount.
"""

from __future__ import annotations

__all__ = ["usd"]


def usd(amount: float) -> str:
    """``amount`` US dollars, with a thousands separator and two decimals."""
    return f"${amount:,.2f}"
