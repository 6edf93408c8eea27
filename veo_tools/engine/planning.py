"""From a ``generate_video`` input to a concrete plan: which model, which mode, which parameters.

Pure logic (no I/O): resolves ``channel="auto"`` through the recommender, fills defaults, and
validates against the catalog, so nothing is spent on a request the API would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from veo_tools.catalog import VEO_CHANNELS, Model, get_model, pick_model, validate_request
from veo_tools.errors import InvalidRequestError
from veo_tools.pricing import estimate
from veo_tools.recommend import recommend_channel
from veo_tools.types import GenerateVideoInput, Recommendation, RecommendChannelInput
from veo_tools.words import CHECK_STATUS, Words, arg, call, names


@dataclass(frozen=True)
class Plan:
    model: Model
    mode: Literal["async", "stream"]
    seconds: int | None
    resolution: str | None
    aspect_ratio: str | None
    recommendation: Recommendation | None = None
    images: int = 0

    @property
    def price_usd(self) -> float:
        """The estimated price of this video (exact for per-request and per-second models)."""
        return round(
            estimate(self.model, self.seconds, self.resolution, self.aspect_ratio, self.images), 6
        )

    def params(self, inp: GenerateVideoInput, image_digests: list[str]) -> dict[str, object]:
        """The normalised request: stored in the journal and hashed for duplicate detection."""
        params: dict[str, object] = {
            "model": self.model.id,
            "prompt": inp.prompt,
            "seconds": self.seconds,
            "resolution": self.resolution,
            "aspect_ratio": self.aspect_ratio,
            "negative_prompt": inp.negative_prompt,
            "seed": inp.seed,
            "images": image_digests,
        }
        # Only where asked, so a Veo request hashes as it always did.
        if inp.audio is not None:
            params["audio"] = inp.audio
        if inp.image_use is not None:
            params["image_use"] = inp.image_use
        return params


def plan_request(inp: GenerateVideoInput) -> Plan:
    """Choose the model and fill the defaults for ``inp``; raise if it cannot be served."""
    recommendation = None
    if inp.model:
        model = get_model(inp.model)
        if inp.channel != "auto" and inp.channel != model.channel:
            raise InvalidRequestError(
                f"model {model.id!r} belongs to the {model.channel} channel, but channel="
                f"{inp.channel!r} was asked for. Drop one of the two, or make them agree.",
                field="channel",
            )
    elif inp.channel == "auto":
        recommendation = recommend_channel(_needs(inp))
        model = get_model(recommendation.model)
    elif inp.channel not in VEO_CHANNELS:
        recommendation = recommend_channel(_needs(inp), channel=inp.channel)
        model = get_model(recommendation.model)
    else:
        model = pick_model(
            inp.channel,
            fast=inp.priority != "quality" and inp.resolution != "4k",
            aspect_ratio=inp.aspect_ratio or "16:9",
            frame_to_video=len(inp.images) > 0,
        )
    mode = _mode(inp, model)
    if model.is_veo:
        _check_official_only_options(inp, model)
    validate_request(
        model,
        seconds=inp.seconds,
        resolution=inp.resolution,
        aspect_ratio=inp.aspect_ratio,
        image_count=len(inp.images),
        image_role=inp.image_use,
        audio=inp.audio,
        local_images=sum(not ref.lower().startswith("https://") for ref in inp.images),
        seed=inp.seed is not None,
        negative_prompt=inp.negative_prompt is not None,
    )
    if not model.is_veo:  # every parameter is sent, so the price and the video are known
        return Plan(
            model=model,
            mode=mode,
            seconds=inp.seconds or model.default_seconds,
            resolution=inp.resolution or model.resolutions[0],
            aspect_ratio=inp.aspect_ratio or model.aspect_ratios[0],
            recommendation=recommendation,
            images=len(inp.images),
        )
    if model.channel == "official":
        return Plan(
            model=model,
            mode=mode,
            seconds=inp.seconds or model.default_seconds,
            resolution=inp.resolution or "720p",
            aspect_ratio=inp.aspect_ratio or "16:9",
            recommendation=recommendation,
        )
    return Plan(model, mode, None, None, model.fixed_aspect_ratio, recommendation)


def _needs(inp: GenerateVideoInput) -> RecommendChannelInput:
    official_only_option = inp.seed is not None or inp.negative_prompt is not None
    return RecommendChannelInput(
        frame_to_video=len(inp.images) >= 2,
        reference_images=len(inp.images),
        streaming_progress=inp.mode == "stream",
        priority=inp.priority,
        resolution=inp.resolution,
        seconds=inp.seconds,
        aspect_ratio=inp.aspect_ratio,
        # Seeds and negative prompts are Official features: the seed-exploration row picks it.
        scenario="seed_exploration" if official_only_option else None,
    )


def _mode(inp: GenerateVideoInput, model: Model) -> Literal["async", "stream"]:
    if inp.mode != "stream":
        return "async"
    if not model.streaming:
        raise InvalidRequestError(
            Words(
                "{stream} is only available on Reverse models; {model} is {channel}. Use "
                "{async_} (progress comes from {status}), or {reverse}.",
                stream=arg("mode", "stream"),
                model=model.id,
                channel=model.channel,
                async_=arg("mode", "async"),
                status=call(CHECK_STATUS),
                reverse=arg("channel", "reverse"),
            ),
            field="mode",
        )
    return "stream"


def _check_official_only_options(inp: GenerateVideoInput, model: Model) -> None:
    if model.channel == "official":
        return
    used = [name for name in ("seed", "negative_prompt") if getattr(inp, name) is not None]
    if used:
        raise InvalidRequestError(
            Words(
                "{used} only {work} on Official models; {model} would ignore {them}. Drop "
                "{them}, or use {official}.",
                used=names(*used),
                work="work" if len(used) > 1 else "works",
                them="them" if len(used) > 1 else "it",
                model=model.id,
                official=arg("channel", "official"),
            ),
            field=used[0],
        )
