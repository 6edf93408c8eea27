"""Whether each model can be used now: the catalog's lifecycle, the live list and recent answers.

Three sources, one answer per model:

- the catalog's :class:`~veo_tools.catalog.Lifecycle` (what the public notices say);
- the live list of model ids from ``GET /v1/models`` (what the key can call right now), or the
  reason the probe failed;
- what the journal saw recently: a model whose latest creates were refused as unavailable is
  held down for a cool-down.

The combination is a pure function (:func:`combine`); fetching the live list and reading the
journal are the engine's business. Lifecycle is advice, not a lock: a retired model that the live
list still names is ``available`` (APIYI may bring a channel back without a release of ours), and
the result says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from veo_tools.catalog import Lifecycle, Model

AvailabilityState = Literal["available", "down", "unlisted", "unknown"]

#: How long a model stays ``down`` after a create was refused as unavailable.
DEFAULT_COOL_DOWN_S = 600.0


@dataclass(frozen=True)
class LiveList:
    """The outcome of one ``GET /v1/models`` probe: the ids it listed, or why it failed."""

    ids: frozenset[str] | None
    checked_at: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.ids is not None


@dataclass(frozen=True)
class RecentRefusal:
    """The latest create of a model that was refused as unavailable (from the journal)."""

    model_id: str
    at: float
    message: str


@dataclass(frozen=True)
class ModelAvailability:
    """One model's availability; ``reason`` says why whenever the state is not ``available``."""

    model_id: str
    state: AvailabilityState
    reason: str | None
    #: Since when the model is down (epoch seconds), when known.
    since: float | None
    lifecycle: Lifecycle

    @property
    def usable(self) -> bool:
        return self.state == "available"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "an unknown date"


def _lifecycle_text(lifecycle: Lifecycle) -> str:
    text = f"{lifecycle.status} since {_day(lifecycle.since)}"
    if lifecycle.source:
        text += f" ({lifecycle.source})"
    if lifecycle.replacement:
        text += f"; replacement: {lifecycle.replacement}"
    return text


def _epoch(value: date | None) -> float | None:
    if value is None:
        return None
    return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()


def judge(
    model: Model,
    live: LiveList | None,
    refusal: RecentRefusal | None,
    *,
    now: float,
    cool_down_s: float = DEFAULT_COOL_DOWN_S,
) -> ModelAvailability:
    """The availability of one model; see the module docstring for the rules."""
    life = model.lifecycle

    def verdict(
        state: AvailabilityState, reason: str | None, since: float | None = None
    ) -> ModelAvailability:
        return ModelAvailability(model.id, state, reason, since, life)

    if refusal is not None and now - refusal.at < cool_down_s:
        return verdict(
            "down",
            f"its latest task was refused as unavailable: {refusal.message}",
            refusal.at,
        )
    if live is not None and live.ok:
        assert live.ids is not None
        if model.id in live.ids:
            if life.status in ("retired", "unavailable"):
                return verdict(
                    "available",
                    f"the catalog says {_lifecycle_text(life)}, but APIYI lists it again",
                )
            degraded = _lifecycle_text(life) if life.status == "degraded" else None
            return verdict("available", degraded)
        if life.status in ("retired", "unavailable"):
            why = f"GET /v1/models does not list it, and the catalog says {_lifecycle_text(life)}"
            return verdict("down", why, _epoch(life.since))
        return verdict("unlisted", "GET /v1/models does not list it for this key")
    if life.status in ("retired", "unavailable"):
        return verdict("down", _lifecycle_text(life), _epoch(life.since))
    why = live.error if live is not None and live.error else "the live list was not checked"
    return verdict("unknown", why)


def combine(
    models: Iterable[Model],
    live: LiveList | None,
    refusals: Mapping[str, RecentRefusal],
    *,
    now: float,
    cool_down_s: float = DEFAULT_COOL_DOWN_S,
) -> dict[str, ModelAvailability]:
    """:func:`judge` for every model, keyed by model id."""
    return {
        m.id: judge(m, live, refusals.get(m.id), now=now, cool_down_s=cool_down_s) for m in models
    }
