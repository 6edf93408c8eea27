"""The one table of Veo 3.1 models sold by APIYI, and the checks that read it.

Every other module (validation, pricing, the recommender, the sandbox, tool descriptions and the
README table) reads model facts from here; no other module spells a model id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from veo_tools.errors import InvalidRequestError
from veo_tools.money import usd

Channel = Literal["official", "reverse"]
Tier = Literal["fast", "standard"]
Resolution = Literal["720p", "1080p", "4k"]
AspectRatio = Literal["16:9", "9:16"]
LifecycleStatus = Literal["active", "degraded", "unavailable", "retired"]

ENDPOINT_VIDEOS = "/v1/videos"
ENDPOINT_CHAT = "/v1/chat/completions"

#: Upper bound on the size of one reference image, on both channels.
MAX_IMAGE_BYTES = 10 * 1024 * 1024

_OFFICIAL_SIZES: dict[tuple[str, str], str] = {
    ("720p", "16:9"): "1280x720",
    ("720p", "9:16"): "720x1280",
    ("1080p", "16:9"): "1920x1080",
    ("1080p", "9:16"): "1080x1920",
    ("4k", "16:9"): "3840x2160",
    ("4k", "9:16"): "2160x3840",
}


@dataclass(frozen=True)
class Lifecycle:
    """What the public notices say about a model: advice for the recommender, never a lock."""

    status: LifecycleStatus = "active"
    since: date | None = None
    #: URL of the notice this status comes from.
    source: str | None = None
    #: A model id of the catalog, or free text ("gemini-omni-1.1-flash, not yet on APIYI").
    replacement: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Model:
    """One model id and everything the package needs to know about it."""

    id: str
    channel: Channel
    tier: Tier
    price_usd: float
    durations: tuple[int, ...]
    default_seconds: int
    resolutions: tuple[str, ...]
    #: Resolutions that only accept ``default_seconds == 8``.
    resolutions_need_8s: tuple[str, ...]
    #: ``None`` when the aspect ratio is a request parameter; otherwise fixed by the id.
    fixed_aspect_ratio: str | None
    max_images: int
    frame_to_video: bool
    endpoints: tuple[str, ...]
    #: Typical render time in seconds by resolution, (low, high), from APIYI's docs.
    render_time_s: dict[str, tuple[float, float]]
    lifecycle: Lifecycle = field(default_factory=Lifecycle)

    @property
    def aspect_ratios(self) -> tuple[str, ...]:
        return (self.fixed_aspect_ratio,) if self.fixed_aspect_ratio else ("16:9", "9:16")

    @property
    def streaming(self) -> bool:
        return ENDPOINT_CHAT in self.endpoints

    def render_time(self, resolution: str | None = None) -> tuple[float, float]:
        return self.render_time_s[resolution or self.resolutions[0]]

    def size(self, resolution: str, aspect_ratio: str) -> str:
        """Pixel size as the API spells it (``1280x720``)."""
        if self.channel == "official":
            return _OFFICIAL_SIZES[(resolution, aspect_ratio)]
        return "1280x720" if self.fixed_aspect_ratio == "16:9" else "720x1280"


def _official(model_id: str, tier: Tier, price: float) -> Model:
    return Model(
        id=model_id,
        channel="official",
        tier=tier,
        price_usd=price,
        durations=(4, 6, 8),
        default_seconds=8,
        resolutions=("720p", "1080p", "4k"),
        resolutions_need_8s=("1080p", "4k"),
        fixed_aspect_ratio=None,
        max_images=1,
        frame_to_video=False,
        endpoints=(ENDPOINT_VIDEOS,),
        render_time_s={"720p": (60.0, 90.0), "1080p": (80.0, 120.0), "4k": (300.0, 360.0)},
    )


def reverse_model_id(*, landscape: bool, fast: bool, fl: bool) -> str:
    """Build a Reverse model id from its three switches (``veo-3.1[-landscape][-fast][-fl]``)."""
    return (
        "veo-3.1"
        + ("-landscape" if landscape else "")
        + ("-fast" if fast else "")
        + ("-fl" if fl else "")
    )


def official_model_id(*, fast: bool) -> str:
    return "veo-3.1-fast-generate-preview" if fast else "veo-3.1-generate-preview"


def _reverse(landscape: bool, fast: bool, fl: bool) -> Model:
    return Model(
        id=reverse_model_id(landscape=landscape, fast=fast, fl=fl),
        channel="reverse",
        tier="fast" if fast else "standard",
        price_usd=0.15 if fast else 0.25,
        durations=(8,),
        default_seconds=8,
        resolutions=("720p",),
        resolutions_need_8s=(),
        fixed_aspect_ratio="16:9" if landscape else "9:16",
        max_images=2 if fl else 0,
        frame_to_video=fl,
        endpoints=(ENDPOINT_VIDEOS, ENDPOINT_CHAT),
        render_time_s={"720p": (30.0, 60.0) if fast else (60.0, 120.0)},
    )


MODELS: dict[str, Model] = {
    m.id: m
    for m in (
        _official(official_model_id(fast=False), "standard", 1.2),
        _official(official_model_id(fast=True), "fast", 0.3),
        *(
            _reverse(landscape, fast, fl)
            for landscape in (False, True)
            for fast in (False, True)
            for fl in (False, True)
        ),
    )
}


def all_models(channel: Channel | None = None) -> list[Model]:
    return [m for m in MODELS.values() if channel is None or m.channel == channel]


def get_model(model_id: str) -> Model:
    """Look a model up by id; an unknown id is an error that lists the valid ones."""
    try:
        return MODELS[model_id]
    except KeyError:
        raise InvalidRequestError(
            f"Unknown model {model_id!r}. Use one of: {', '.join(MODELS)}; "
            "or leave `model` empty and set `channel` to let the package pick.",
            field="model",
        ) from None


def pick_model(
    channel: Channel,
    *,
    fast: bool,
    aspect_ratio: str = "16:9",
    frame_to_video: bool = False,
) -> Model:
    """The model of a channel that matches the tier, orientation and frame switches."""
    if channel == "official":
        return MODELS[official_model_id(fast=fast)]
    landscape = aspect_ratio != "9:16"
    return MODELS[reverse_model_id(landscape=landscape, fast=fast, fl=frame_to_video)]


def _choices(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def validate_request(
    model: Model,
    *,
    seconds: int | None = None,
    resolution: str | None = None,
    aspect_ratio: str | None = None,
    image_count: int = 0,
) -> None:
    """Refuse, before any money is spent, a request this model cannot serve.

    Each message names the offending value, what the model accepts, and a model that would take
    the request as asked, so an agent can correct itself in one step.
    """
    if seconds is not None and seconds not in model.durations:
        hint = (
            f" Only Official models ({official_model_id(fast=True)}, "
            f"{official_model_id(fast=False)}) take 4 or 6 s."
            if model.channel == "reverse"
            else ""
        )
        raise InvalidRequestError(
            f"seconds={seconds} is not available on {model.id}: it accepts "
            f"{_choices(model.durations)} s.{hint}",
            field="seconds",
        )
    if resolution is not None and resolution not in model.resolutions:
        raise InvalidRequestError(
            f"resolution={resolution!r} is not available on {model.id} (it renders "
            f"{_choices(model.resolutions)}). 1080p and 4k need an Official model such as "
            f"{official_model_id(fast=False)}.",
            field="resolution",
        )
    effective_seconds = seconds if seconds is not None else model.default_seconds
    if resolution in model.resolutions_need_8s and effective_seconds != 8:
        raise InvalidRequestError(
            f"resolution={resolution!r} requires seconds=8 (got {effective_seconds}). "
            "Use seconds=8, or resolution='720p' for 4 or 6 s.",
            field="seconds",
        )
    if aspect_ratio is not None and aspect_ratio not in model.aspect_ratios:
        other = pick_model(
            "reverse",
            fast=model.tier == "fast",
            aspect_ratio=aspect_ratio,
            frame_to_video=model.frame_to_video,
        )
        raise InvalidRequestError(
            f"aspect_ratio={aspect_ratio!r} is not available on {model.id}, which is fixed at "
            f"{model.fixed_aspect_ratio}. Use {other.id} for {aspect_ratio}.",
            field="aspect_ratio",
        )
    _validate_images(model, image_count)


def _validate_images(model: Model, image_count: int) -> None:
    if image_count <= model.max_images:
        return
    if model.max_images == 0:
        fl = pick_model(
            "reverse",
            fast=model.tier == "fast",
            aspect_ratio=model.fixed_aspect_ratio or "16:9",
            frame_to_video=True,
        )
        raise InvalidRequestError(
            f"{model.id} does not take reference images. For frame-to-video use {fl.id} "
            f"(1-2 frames), or an Official model for one reference image.",
            field="images",
        )
    if model.channel == "official":
        raise InvalidRequestError(
            f"{model.id} takes exactly one reference image (got {image_count}). Send one, or use "
            f"a Reverse '-fl' model such as {reverse_model_id(landscape=True, fast=True, fl=True)} "
            "for start and end frames.",
            field="images",
        )
    raise InvalidRequestError(
        f"{model.id} takes at most {model.max_images} images (start frame, end frame); "
        f"got {image_count}.",
        field="images",
    )


def price_of(channel: Channel, tier: Tier) -> float:
    """Price per request of a channel's tier (all models of a tier cost the same)."""
    return next(m.price_usd for m in MODELS.values() if m.channel == channel and m.tier == tier)


def prices_text(channel: Channel) -> str:
    """``"$0.30 fast / $1.20 standard"`` for a channel, read from the table."""
    return f"{usd(price_of(channel, 'fast'))} fast / {usd(price_of(channel, 'standard'))} standard"
