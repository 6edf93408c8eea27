"""Which model stands in when the best fit is not available, and what the stand-in gives up.

Pure, like the recommender that uses it (so does the engine's failover). The candidates are the
channel/tier variants of one request shape (orientation, frames); they are ranked after the best
fit by the rule below, and a model is *usable* when its availability is ``available`` or
``unknown`` (the probe could not tell: trying costs nothing, a refusal is not billed).

Ranking after the best fit: first the candidates that lose none of the request's hard
constraints (4k, 4/6 s, frame-to-video, live progress...). Then, when the best fit is a standard
model (quality was the point), the same channel before the other, standard before fast; when it
is a fast model (price was the point), fast before standard, cheaper before dearer. So a failed
Official standard falls back to Official fast, and a failed Official fast falls back to Reverse
fast rather than to a model four times the price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from veo_tools.availability import ModelAvailability
from veo_tools.catalog import Model, all_models
from veo_tools.money import usd
from veo_tools.types import AvailabilityNote

#: States worth sending a create to: listed, or the probe could not tell.
USABLE = ("available", "unknown")
VEO_CHANNELS = ("official", "reverse")
TIERS = ("fast", "standard")


def variant(channel: str, tier: str, aspect_ratio: str, frame_to_video: bool) -> Model | None:
    """The model of ``channel`` and ``tier`` for this orientation (Reverse: and frame switch)."""
    for model in all_models():
        if model.channel != channel or model.tier != tier:
            continue
        if aspect_ratio not in model.aspect_ratios:
            continue
        if channel == "reverse" and model.frame_to_video != frame_to_video:
            continue
        if channel != "reverse" and model.frame_to_video:
            continue
        return model
    return None


def variants(aspect_ratio: str, frame_to_video: bool) -> list[Model]:
    """Every channel/tier variant of a request shape, in catalog order."""
    found = (variant(c, t, aspect_ratio, frame_to_video) for c in VEO_CHANNELS for t in TIERS)
    return [m for m in found if m is not None]


def rank(
    best: Model, candidates: Sequence[Model], lost: Callable[[Model], Sequence[str]]
) -> list[Model]:
    """``best`` first, then the other candidates in fallback order (see the module docstring)."""

    def key(m: Model) -> tuple[int, bool, bool, float]:
        if best.tier == "standard":
            return (len(lost(m)), m.channel != best.channel, m.tier != "standard", m.price_usd)
        return (len(lost(m)), m.tier != "fast", False, m.price_usd)

    others = sorted((m for m in candidates if m.id != best.id), key=key)
    return [best, *others]


def usable(availability: Mapping[str, ModelAvailability] | None, model_id: str) -> bool:
    """True when a create to this model is worth sending (not known to be down or unlisted)."""
    if availability is None:
        return True
    found = availability.get(model_id)
    return found is None or found.state in USABLE


def note(
    availability: Mapping[str, ModelAvailability] | None, model_id: str
) -> AvailabilityNote | None:
    """The two-field summary a result carries; ``None`` when availability was not checked."""
    if availability is None:
        return None
    found = availability.get(model_id)
    if found is None:
        return AvailabilityNote(state="unknown", reason="not in the availability answer")
    return AvailabilityNote(state=found.state, reason=found.reason)


def describe(availability: Mapping[str, ModelAvailability] | None, model_id: str) -> str:
    """``"veo-x is down (reason)"`` for a message."""
    found = note(availability, model_id)
    if found is None:
        return f"{model_id} was not checked"
    return f"{model_id} is {found.state}" + (f" ({found.reason})" if found.reason else "")


def trade(best: Model, sub: Model, lost: Sequence[str] = (), *, features: bool = True) -> str:
    """What ``sub`` gives up (and costs) compared with ``best``, in one sentence.

    ``features=False`` leaves out the capabilities ``sub`` lacks (for a request it serves as
    asked, they do not matter) and only names the change of channel.
    """
    parts = [_cost(best, sub)]
    if lost:
        parts.append("cannot do what was asked: " + "; ".join(lost))
    if features:
        parts.extend(_features_lost(best, sub))
    elif best.channel != sub.channel:
        parts.append(f"the {sub.channel.title()} channel instead of {best.channel.title()}")
    if best.tier != sub.tier:
        parts.append(
            "the fast tier instead of standard quality"
            if sub.tier == "fast"
            else "the standard tier instead of fast (slower renders)"
        )
    return "; ".join(parts)


def _cost(best: Model, sub: Model) -> str:
    delta = round(sub.price_usd - best.price_usd, 2)
    if not delta:
        return "same price"
    return f"{usd(abs(delta))} {'more' if delta > 0 else 'less'} per video"


def _features_lost(best: Model, sub: Model) -> list[str]:
    out: list[str] = []
    durations = [d for d in best.durations if d not in sub.durations]
    if durations:
        out.append(f"no {'/'.join(map(str, durations))} s clips (fixed {sub.durations[0]} s)")
    resolutions = [r for r in best.resolutions if r not in sub.resolutions]
    if resolutions:
        out.append(f"no {'/'.join(resolutions)} (at most {sub.resolutions[-1]})")
    if best.streaming and not sub.streaming:
        out.append("no live streaming progress (async polling)")
    if best.max_images > sub.max_images:
        out.append(
            "no reference images"
            if sub.max_images == 0
            else f"at most {sub.max_images} reference image (no end frame)"
        )
    if best.channel == "official" and sub.channel != "official":
        out.append("no seeds or negative prompts; a reverse-engineered channel")
    return out


@dataclass(frozen=True)
class Choice:
    """The model to recommend, the best fit it stands in for, and what to tell the agent."""

    model: Model
    best: Model
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def choose(
    best: Model,
    candidates: Sequence[Model],
    lost: Callable[[Model], Sequence[str]],
    availability: Mapping[str, ModelAvailability],
) -> Choice:
    """The first usable model in fallback order; the best fit, clearly marked, if none is."""
    ranked = rank(best, candidates, lost)
    pick = next((m for m in ranked if usable(availability, m.id)), None)
    if pick is None:
        return Choice(best, best, warnings=[nothing_available(ranked, availability)])
    if pick.id == best.id:
        found = note(availability, best.id)
        if found is None or found.state != "unknown":
            return Choice(best, best)
        return Choice(
            best,
            best,
            warnings=[
                f"Availability could not be checked ({found.reason}); this assumes {best.id} is "
                "up. If a create is refused as model_unavailable it is not billed."
            ],
        )
    return Choice(
        pick,
        best,
        reasons=[
            f"Availability: {describe(availability, best.id)}; {pick.id} is the best fit "
            "that is available."
        ],
        warnings=[
            f"{best.id} (the best fit) is not available now, so {pick.id} is recommended "
            f"instead. Trade: {trade(best, pick, lost(pick))}."
        ],
    )


def nothing_available(
    ranked: Sequence[Model], availability: Mapping[str, ModelAvailability] | None
) -> str:
    states = "; ".join(describe(availability, m.id) for m in ranked)
    return (
        f"Nothing that fits is available now: {states}. The best fit is shown anyway, but a "
        "create will likely be refused as model_unavailable (not billed). Check again later "
        "with recommend_channel, the veo://models resource or `veo-tools models --refresh`."
    )
