"""Channel recommender: a pure function from needs to a :class:`Recommendation`.

It encodes APIYI's channel comparison (``shared/seeds/000_02461f9b832e3f0d.txt``): the three-step
decision tree (Q1 frame-to-video, Q2 streaming progress, Q3 budget vs quality) and the eight-row
scenario table. Hard constraints win over preferences: 1080p, 4k, 4 s and 6 s need Official;
frame-to-video, two frames and live streaming progress need Reverse. An impossible combination is
never dropped silently: it is reported in ``conflicts`` with the nearest possible options.

Given an availability map (model id -> :class:`~veo_tools.availability.ModelAvailability`), the
tree still decides the best fit; when that model is not available the best available fit is
recommended instead, with the trade in ``warnings`` (see :mod:`veo_tools.fallbacks`), and when
nothing fitting is available the best fit is returned with a warning saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from veo_tools import fallbacks
from veo_tools import recommend_beyond as beyond
from veo_tools.availability import ModelAvailability
from veo_tools.catalog import (
    ENDPOINT_CHAT,
    ENDPOINT_VIDEOS,
    VEO_CHANNELS,
    Channel,
    Model,
    pick_model,
    price_of,
)
from veo_tools.money import usd
from veo_tools.recommend_scenarios import SCENARIOS, ScenarioRule
from veo_tools.types import Alternative, Recommendation, RecommendChannelInput

#: A batch this large is treated as volume production when the priority is "balanced".
BATCH_THRESHOLD = 100


@dataclass
class _Needs:
    frame_to_video: bool
    images: int
    streaming: bool
    resolution: str | None
    seconds: int | None
    aspect_ratio: str
    priority: str
    count: int
    reasons: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def official_only(self) -> list[str]:
        why = []
        if self.resolution in ("1080p", "4k"):
            why.append(f"{self.resolution} is only rendered by Official")
        if self.seconds in (4, 6):
            why.append(
                f"{self.seconds}-second clips are only on Official (Reverse is fixed at 8 s)"
            )
        return why

    @property
    def reverse_only(self) -> list[str]:
        why = []
        if self.frame_to_video:
            why.append("frame-to-video is only on the Reverse '-fl' models")
        elif self.images >= 2:
            why.append("two frames (start + end) are only accepted by the Reverse '-fl' models")
        if self.streaming:
            why.append("live streaming progress is only on Reverse (/v1/chat/completions)")
        return why


def recommend_channel(
    needs: RecommendChannelInput | None = None,
    availability: Mapping[str, ModelAvailability] | None = None,
    *,
    channel: str | None = None,
    frames: bool | None = None,
) -> Recommendation:
    """Pick a channel and model for ``needs``; see the module docstring for the rules.

    Without ``availability`` every Veo model is assumed up and the result's availability fields
    are empty. The models beyond Veo (:mod:`veo_tools.recommend_beyond`) are chosen when the
    request needs what Veo cannot do, when ``channel`` names one of their channels, or when no
    fitting Veo model is available now. ``frames``: the images are frames (default: two or more
    images, or ``frame_to_video``, are frames).
    """
    req = needs or RecommendChannelInput()
    wants = beyond.Wants(
        seconds=req.seconds,
        resolution=req.resolution,
        aspect_ratio=req.aspect_ratio,
        images=req.reference_images,
        frames=frames if frames is not None else req.frame_to_video,
        audio=req.audio,
        priority=req.priority,
        count=req.count,
        channel=channel if channel not in (None, *VEO_CHANNELS) else None,
    )
    veo_cannot = wants.veo_cannot()
    if wants.channel or veo_cannot:
        why = [f"Veo cannot do {', '.join(veo_cannot)}."] if veo_cannot else []
        found = beyond.recommend(wants, availability, why)
        if found is not None:
            return found
    result = _recommend_veo(req, availability)
    veo_down = availability is not None and not fallbacks.usable(availability, result.model)
    if veo_down:
        said = ["No Veo model that fits is available now."]
        found = beyond.recommend(wants, availability, said)
        if found is not None:
            return found
    return result


def _recommend_veo(
    req: RecommendChannelInput, availability: Mapping[str, ModelAvailability] | None
) -> Recommendation:
    n = _Needs(
        frame_to_video=req.frame_to_video or req.reference_images >= 2,
        images=req.reference_images,
        streaming=req.streaming_progress,
        resolution=req.resolution,
        seconds=req.seconds,
        aspect_ratio=req.aspect_ratio or "16:9",
        priority=req.priority,
        count=req.count,
    )
    rule = SCENARIOS[req.scenario] if req.scenario else None
    if rule:
        _apply_scenario(n, rule)
    channel, fast = _decide(n, rule)
    best = _model_for(channel, fast, n)
    if availability is None:
        return _build(best, n)
    shape = fallbacks.variants(n.aspect_ratio, n.frame_to_video or n.images > 0)
    choice = fallbacks.choose(best, shape, lambda m: _lost(m, n), availability)
    n.reasons.extend(choice.reasons)
    result = _build(choice.model, n)
    for alt in result.alternatives:
        alt.availability = fallbacks.note(availability, alt.model)
    result.availability = fallbacks.note(availability, choice.model.id)
    result.best_fit = None if choice.best.id == choice.model.id else choice.best.id
    result.warnings = choice.warnings
    return result


def _apply_scenario(n: _Needs, rule: ScenarioRule) -> None:
    n.reasons.append(f"Scenario: {rule.why.format(**_catalog_facts())}.")
    n.frame_to_video = n.frame_to_video or rule.frame_to_video
    n.streaming = n.streaming or rule.streaming
    n.resolution = n.resolution or rule.resolution
    n.seconds = n.seconds or rule.seconds


def _catalog_facts() -> dict[str, object]:
    return {
        "reverse_fast": usd(price_of("reverse", "fast")),
        "official_standard": _official_standard(),
    }


def _official_standard() -> str:
    return pick_model("official", fast=False).id


def _decide(n: _Needs, rule: ScenarioRule | None) -> tuple[Channel, bool]:
    official, reverse = n.official_only, n.reverse_only
    if official and reverse:
        return _resolve_conflict(n, official, reverse)
    if official:
        n.reasons.append("Hard constraint: " + "; ".join(official) + ".")
        return "official", _official_fast(n, rule)
    if reverse:
        n.reasons.append("Hard constraint: " + "; ".join(reverse) + ".")
        return "reverse", n.priority != "quality" and (rule is None or rule.fast)
    if rule:
        return rule.channel, rule.fast if n.priority != "quality" else False
    return _decision_tree_q3(n)


def _official_fast(n: _Needs, rule: ScenarioRule | None) -> bool:
    if n.resolution == "4k":
        n.reasons.append(
            f"4K on {_official_standard()}: APIYI's guide pairs 4K with the standard "
            "model, and the price is the same at any resolution."
        )
        return False
    if n.priority == "quality":
        return False
    return rule.fast if rule else n.priority in ("budget", "iteration", "balanced")


def _resolve_conflict(n: _Needs, official: list[str], reverse: list[str]) -> tuple[Channel, bool]:
    wants = "; ".join(official + reverse)
    if n.frame_to_video:
        n.conflicts.append(
            f"Cannot have all of: {wants}. Picked Reverse frame-to-video (720p, 8 s). Nearest "
            "alternatives: Official image-to-video with one reference image at "
            f"{n.resolution or '720p'} and {n.seconds or 8} s (the image guides the clip but is "
            "not an exact start frame, and there is no end frame); or render on Reverse, then "
            "rerender the final on Official without the end frame."
        )
        n.resolution, n.seconds = None, None
        return "reverse", n.priority != "quality"
    n.conflicts.append(
        f"Cannot have all of: {wants}. Picked Official (the output format cannot be changed "
        "later); progress comes from polling (0/50/100) instead of a live stream. Nearest "
        "alternative: Reverse streaming at 720p and 8 s."
    )
    n.streaming = False
    return "official", n.priority != "quality" and n.resolution != "4k"


def _decision_tree_q3(n: _Needs) -> tuple[Channel, bool]:
    n.reasons.append("Q1: no frame-to-video needed. Q2: no live streaming progress needed.")
    if n.priority == "budget":
        rf, of = price_of("reverse", "fast"), price_of("official", "fast")
        n.reasons.append(
            f"Q3 budget first: Reverse fast at {usd(rf)} is {100 - 100 * rf / of:.0f}% below "
            f"Official fast ({usd(of)})."
        )
        return "reverse", True
    if n.priority == "quality":
        n.reasons.append(
            f"Q3 quality first: Official standard ({_official_standard()}) for final "
            "delivery, "
            "4K and strong instruction following."
        )
        return "official", False
    if n.priority == "iteration":
        n.reasons.append(
            f"Q3 iteration/preview: Reverse fast ({usd(price_of('reverse', 'fast'))}) is the "
            f"cheapest draft; Official fast ({usd(price_of('official', 'fast'))}) is the "
            "alternative when 4-6 s clips or seeds matter."
        )
        return "reverse", True
    if n.count >= BATCH_THRESHOLD:
        n.reasons.append(
            f"Q3 balanced at volume ({n.count} videos): Reverse fast keeps the batch cheap."
        )
        return "reverse", True
    n.reasons.append(
        f"Q3 balanced: Official fast ({usd(price_of('official', 'fast'))}) gives official quality "
        "through async polling at a low price."
    )
    return "official", True


def _model_for(channel: Channel, fast: bool, n: _Needs) -> Model:
    fl = channel == "reverse" and (n.frame_to_video or n.images > 0)
    return pick_model(channel, fast=fast, aspect_ratio=n.aspect_ratio, frame_to_video=fl)


def _build(model: Model, n: _Needs) -> Recommendation:
    stream = model.channel == "reverse" and n.streaming
    resolution = n.resolution if model.channel == "official" else None
    args: dict[str, object] = {"channel": model.channel, "model": model.id}
    if model.channel == "official":
        args["seconds"] = n.seconds or model.default_seconds
        args["resolution"] = resolution or "720p"
        args["aspect_ratio"] = n.aspect_ratio
    args["mode"] = "stream" if stream else "async"
    return Recommendation(
        channel=model.channel,
        model=model.id,
        endpoint=ENDPOINT_CHAT if stream else ENDPOINT_VIDEOS,
        mode="stream" if stream else "async",
        price_usd=model.price_usd,
        count=n.count,
        estimated_cost_usd=round(model.price_usd * n.count, 2),
        render_time_s=model.render_time(resolution),
        reasons=n.reasons,
        alternatives=_alternatives(model, n),
        conflicts=n.conflicts,
        generate_video_args=args,
    )


def _alternatives(chosen: Model, n: _Needs) -> list[Alternative]:
    other: Channel = "official" if chosen.channel == "reverse" else "reverse"
    fl = n.frame_to_video or n.images > 0
    candidates = [
        pick_model(
            chosen.channel,
            fast=chosen.tier != "fast",
            aspect_ratio=n.aspect_ratio,
            frame_to_video=chosen.frame_to_video,
        ),
        pick_model(other, fast=True, aspect_ratio=n.aspect_ratio, frame_to_video=fl),
        pick_model(other, fast=False, aspect_ratio=n.aspect_ratio, frame_to_video=fl),
    ]
    return [
        Alternative(
            channel=m.channel, model=m.id, price_usd=m.price_usd, trade_off=_trade_off(chosen, m, n)
        )
        for m in candidates
    ]


def _trade_off(chosen: Model, alt: Model, n: _Needs) -> str:
    delta = alt.price_usd - chosen.price_usd
    cost = (
        f"{usd(abs(delta))} {'more' if delta > 0 else 'less'} per video" if delta else "same price"
    )
    lost = _lost(alt, n)
    if lost:
        return f"{cost}; cannot serve this request as asked: {'; '.join(lost)}."
    if alt.channel == chosen.channel:
        tier = "standard quality" if alt.tier == "standard" else "the cheaper fast tier"
        return f"{cost}; {tier} on the same channel."
    if alt.channel == "official":
        return (
            f"{cost}; official Google quality, 4/6/8 s, up to 4K, seeds; async polling only, "
            "no end frame."
        )
    return (
        f"{cost}; fixed 8 s at 720p, frame-to-video and live streaming progress; "
        "reverse-engineered channel."
    )


def _lost(model: Model, n: _Needs) -> list[str]:
    """The hard constraints of ``n`` that ``model`` cannot meet."""
    return n.official_only if model.channel == "reverse" else n.reverse_only
