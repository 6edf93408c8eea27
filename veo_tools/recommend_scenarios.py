"""APIYI's eight-row scenario table: for each scenario, the channel, the tier and what it implies
(frame-to-video, streaming, resolution, length), as data the recommender applies."""

from __future__ import annotations

from dataclasses import dataclass

from veo_tools.catalog import Channel
from veo_tools.types import Scenario


@dataclass(frozen=True)
class ScenarioRule:
    channel: Channel
    fast: bool
    #: Filled in by :mod:`veo_tools.recommend` when used: prices come from the loaded catalog.
    why: str
    frame_to_video: bool = False
    streaming: bool = False
    resolution: str | None = None
    seconds: int | None = None


SCENARIOS: dict[Scenario, ScenarioRule] = {
    "batch_matrix": ScenarioRule(
        "reverse",
        True,
        "short-video matrix batch production: {reverse_fast} "
        "unit price keeps batch cost under control",
    ),
    "client_delivery": ScenarioRule(
        "official", False, "final client ad delivery: stable official quality, 4K optional"
    ),
    "live_progress_ui": ScenarioRule(
        "reverse",
        True,
        "front-end live display: streaming sync shows visible progress and "
        "avoids blank-wait anxiety",
        streaming=True,
    ),
    "poster_to_motion": ScenarioRule(
        "reverse",
        True,
        "static poster to motion clip: frame-to-video capability",
        frame_to_video=True,
    ),
    "cinematic_4k": ScenarioRule(
        "official",
        False,
        "4K cinematic hero asset: only Official supports 4K",
        resolution="4k",
        seconds=8,
    ),
    "overseas_onboarding": ScenarioRule(
        "official",
        True,
        "overseas team onboarding: Default group + pay-per-request, existing key "
        "unchanged, zero friction",
    ),
    "seed_exploration": ScenarioRule(
        "official",
        True,
        "same-prompt multi-seed exploration: 4-6 s clips and seeds keep iteration cheap",
        seconds=4,
    ),
    "iterate_then_deliver": ScenarioRule(
        "reverse",
        True,
        "iterate on Reverse fast ({reverse_fast}), then deliver the final "
        "cut on Official standard ({official_standard})",
    ),
}
