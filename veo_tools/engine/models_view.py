"""The availability map as the :class:`~veo_tools.types.ModelsView` every front-end shows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from veo_tools.availability import LiveList, ModelAvailability
from veo_tools.catalog import current, get_model
from veo_tools.pricing import price_text
from veo_tools.types import ModelInfo, ModelsView
from veo_tools.words import GENERATE_VIDEO, RECOMMEND_CHANNEL, Term, Words

CHECK_AGAIN = "`veo-tools models --refresh`, the veo://models resource or recommend_channel"


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def model_info(avail: ModelAvailability) -> ModelInfo:
    model, life = get_model(avail.model_id), avail.lifecycle
    return ModelInfo(
        id=model.id,
        channel=model.channel,
        tier=model.tier,
        protocol=model.protocol,
        access_group=model.access_group,
        price_usd=model.price_usd,
        price=price_text(model),
        lifecycle=life.status,
        lifecycle_since=life.since.isoformat() if life.since else None,
        lifecycle_source=life.source,
        replacement=life.replacement,
        note=life.note,
        availability=avail.state,
        reason=avail.reason,
        since=_iso(avail.since),
    )


def _next_step(available: list[str], live: LiveList | None) -> Words:
    if available:
        return Words(
            "Use one of the available models ({models}) with {use}.",
            models=", ".join(available),
            use=Term(
                f"{GENERATE_VIDEO}, or let {RECOMMEND_CHANNEL} pick among them",
                "veo-tools generate --model, or let veo-tools recommend pick among them",
            ),
        )
    if live is None or not live.ok:
        return Words.plain(
            "Whether the models are up is unknown (the live check failed). Fix the cause in "
            f"live_error, then check again with {CHECK_AGAIN}."
        )
    return Words.plain(f"No model is available right now. Check again later with {CHECK_AGAIN}.")


def models_view(avail: Mapping[str, ModelAvailability], live: LiveList | None) -> ModelsView:
    available = [a.model_id for a in avail.values() if a.usable]
    advice = _next_step(available, live)
    view = ModelsView(
        models=[model_info(a) for a in avail.values()],
        available=available,
        live_checked_at=_iso(live.checked_at) if live is not None else None,
        live_error=live.error if live is not None else None,
        catalog_error=current().override_error,
        next_step=advice.render("agent"),
    )
    view.advise(advice)
    return view
