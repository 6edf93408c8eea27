"""The recommender among the models beyond Veo (Seedance, Wan, HappyHorse, Grok).

Used when a request needs what no Veo model does (a length other than 4/6/8 s, 480p, a silent
video, more than two images, a ratio other than 16:9/9:16), when a non-Veo channel is named, or
when no Veo model that fits is available now. Candidates are the models that can serve the
request as asked and are usable now (availability when known, else the catalog lifecycle);
they are ranked by the priority: ``quality`` premium tier first, ``budget``/``iteration`` the
cheapest, ``balanced`` the cheapest standard-tier model. The estimate uses the model's price
rule at the requested length and resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from veo_tools import fallbacks
from veo_tools.availability import ModelAvailability
from veo_tools.catalog import VEO_CHANNELS, Model, all_models
from veo_tools.money import usd
from veo_tools.pricing import estimate
from veo_tools.types import Alternative, Recommendation

_TIER_RANK = {"premium": 0, "standard": 1, "fast": 2}


@dataclass(frozen=True)
class Wants:
    """What a request asks, in catalog terms."""

    seconds: int | None
    resolution: str | None
    aspect_ratio: str | None
    images: int
    frames: bool
    audio: bool | None
    priority: str
    count: int
    channel: str | None = None

    def veo_cannot(self) -> list[str]:
        """What no Veo model does, in words."""
        why = []
        if self.seconds is not None and self.seconds not in (4, 6, 8):
            why.append(f"{self.seconds}-second clips")
        if self.resolution == "480p":
            why.append("480p")
        if self.audio is False:
            why.append("a silent video")
        if self.images > 2:
            why.append(f"{self.images} reference images")
        if self.aspect_ratio not in (None, "16:9", "9:16"):
            why.append(f"aspect ratio {self.aspect_ratio}")
        return why


def fits(model: Model, w: Wants) -> bool:
    """Whether ``model`` serves the request as asked."""
    if w.seconds is not None and w.seconds not in model.durations:
        return False
    if w.resolution is not None and w.resolution not in model.resolutions:
        return False
    if w.aspect_ratio is not None and w.aspect_ratio not in model.aspect_ratios:
        return False
    if w.audio is False and model.audio == "always":
        return False
    if w.frames and not model.takes_frames:
        return False
    if w.images:
        if w.frames:
            room = 2 if "last_frame" in model.image_roles else int(model.takes_frames)
        else:
            room = model.max_images if model.takes_references else 0
        if w.images > room:
            return False
    return True


def _up(model: Model, availability: Mapping[str, ModelAvailability] | None) -> bool:
    if availability is not None:
        return fallbacks.usable(availability, model.id)
    return model.lifecycle.status in ("active", "degraded")


def _price(model: Model, w: Wants) -> float:
    seconds = w.seconds or model.default_seconds
    return round(estimate(model, seconds, w.resolution, w.aspect_ratio, w.images), 6)


def candidates(w: Wants, availability: Mapping[str, ModelAvailability] | None) -> list[Model]:
    """The usable non-Veo models that fit, best first (see the module docstring)."""
    found = [
        m
        for m in all_models()
        if m.channel not in VEO_CHANNELS
        and (w.channel is None or m.channel == w.channel)
        and fits(m, w)
        and _up(m, availability)
    ]

    def key(m: Model) -> tuple[float, float]:
        if w.priority == "quality":
            return (_TIER_RANK[m.tier], -_price(m, w))
        if w.priority == "balanced":
            return (m.tier != "standard", _price(m, w))
        return (0, _price(m, w))

    return sorted(found, key=key)


def recommend(
    w: Wants, availability: Mapping[str, ModelAvailability] | None, reasons: list[str]
) -> Recommendation | None:
    """The best non-Veo model for ``w``, or ``None`` when none fits and is up."""
    ranked = candidates(w, availability)
    if not ranked:
        return None
    model = ranked[0]
    price = _price(model, w)
    reasons = [*reasons, _why(model, w, price)]
    if model.access_group:
        reasons.append(
            f"{model.id} needs an APIYI token in the {model.access_group} group "
            "(pay-as-you-go); create one at https://api.apiyi.com/token if yours is not."
        )
    resolution = w.resolution or model.resolutions[0]
    args: dict[str, object] = {
        "channel": model.channel,
        "model": model.id,
        "seconds": w.seconds or model.default_seconds,
        "resolution": resolution,
        "aspect_ratio": w.aspect_ratio or model.aspect_ratios[0],
        "mode": "async",
    }
    if w.audio is not None:
        args["audio"] = w.audio
    if w.images or w.frames:
        args["image_use"] = "frames" if w.frames else "references"
    result = Recommendation(
        channel=model.channel,
        model=model.id,
        endpoint=model.endpoints[0],
        mode="async",
        price_usd=price,
        count=w.count,
        estimated_cost_usd=round(price * w.count, 2),
        render_time_s=model.render_time(resolution),
        reasons=reasons,
        alternatives=[_alternative(model, m, w, availability) for m in ranked[1:4]],
        conflicts=[],
        generate_video_args=args,
    )
    if availability is not None:
        result.availability = fallbacks.note(availability, model.id)
    return result


def _why(model: Model, w: Wants, price: float) -> str:
    goal = {
        "quality": "the highest tier that fits",
        "balanced": "the cheapest standard model that fits",
    }.get(w.priority, "the cheapest model that fits")
    return (
        f"{model.id} ({model.channel}, {model.tier}) is {goal}: {usd(price)} per video at "
        f"{w.seconds or model.default_seconds} s, {w.resolution or model.resolutions[0]}."
    )


def _alternative(
    chosen: Model,
    alt: Model,
    w: Wants,
    availability: Mapping[str, ModelAvailability] | None,
) -> Alternative:
    delta = _price(alt, w) - _price(chosen, w)
    cost = f"{usd(abs(delta))} {'more' if delta > 0 else 'less'} per video" if delta else "same"
    return Alternative(
        channel=alt.channel,
        model=alt.id,
        price_usd=_price(alt, w),
        trade_off=f"{cost}; {alt.tier} tier on the {alt.channel} channel.",
        availability=fallbacks.note(availability, alt.id) if availability is not None else None,
    )
