"""The records of the model catalog: :class:`Model`, its :class:`Lifecycle`, and the
:class:`Catalog` that holds them with its lookups by attribute.

They are built by :mod:`veo_tools.catalog_file` from the shipped data file and the user override,
and read through :mod:`veo_tools.catalog`, which re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from veo_tools.errors import ConfigurationError, InvalidRequestError
from veo_tools.money import usd

Channel = Literal["official", "reverse", "seedance", "wan", "grok"]
#: The wire protocol a model is called through (one adapter each, veo_tools/protocols/).
Protocol = Literal["openai_videos", "volcano", "dashscope"]
Tier = Literal["fast", "standard", "premium"]
Resolution = Literal["480p", "720p", "1080p", "4k"]
AspectRatio = Literal["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"]
LifecycleStatus = Literal["active", "degraded", "unavailable", "retired"]
#: How a model is priced: one price per video, a price per second by resolution (plus a fee per
#: input image), or by output tokens ~ seconds x width x height x 24 / 1024 (Seedance).
PriceRule = Literal["per_request", "per_second", "tokens"]
#: Whether a model's videos carry sound: always, on request (``audio``), or never.
Audio = Literal["always", "optional", "none"]
#: How an input image is used: the first or last frame of the clip, or a reference.
ImageRole = Literal["first_frame", "last_frame", "reference_image"]

ENDPOINT_VIDEOS = "/v1/videos"
ENDPOINT_CHAT = "/v1/chat/completions"
ENDPOINT_VOLCANO = "/seedance/api/v3/contents/generations/tasks"
ENDPOINT_DASHSCOPE = "/wan/api/v1/services/aigc/video-generation/video-synthesis"

#: Each channel's protocol and the APIYI token groups its models need (``None``: the default
#: group). A channel is a family of models reached through one protocol; since APIYI's notice
#: of 2026-08-30 Seedance 2.5 has its own group (``SeeDance25``), the 2.0 family keeps
#: ``SeeDance2``.
CHANNEL_FACTS: dict[str, tuple[Protocol, tuple[str | None, ...]]] = {
    "official": ("openai_videos", (None,)),
    "reverse": ("openai_videos", (None,)),
    "seedance": ("volcano", ("SeeDance2", "SeeDance25")),
    "wan": ("dashscope", ("Wan&HappyHorse",)),
    "grok": ("openai_videos", ("GrokOfficial",)),
}
VEO_CHANNELS: tuple[Channel, ...] = ("official", "reverse")

#: Upper bound on the size of one reference image, on both channels.
MAX_IMAGE_BYTES = 10 * 1024 * 1024

_OFFICIAL_SIZES: dict[tuple[str, str], str] = {
    # Grok's 480p (the only 480p spelt as a size): xAI renders 848x480, and /v1/videos answers
    # 400 to any other size (the sandbox follows APIYI's Grok page).
    ("480p", "16:9"): "848x480",
    ("480p", "9:16"): "480x848",
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
    #: The price of one video at the defaults (``per_request``: the price of every video).
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
    protocol: Protocol = "openai_videos"
    #: The APIYI token group the key's token must be in (``None``: the default group).
    access_group: str | None = None
    price_rule: PriceRule = "per_request"
    #: ``per_second``: USD per second of video, by resolution.
    price_per_second_usd: Mapping[str, float] = field(default_factory=dict)
    #: ``per_second``: USD per input image (Grok).
    price_per_image_usd: float = 0.0
    #: ``tokens``: USD per million output tokens.
    usd_per_million_tokens: float = 0.0
    #: Aspect ratios a request may ask for (when not fixed by the id).
    aspect_ratio_choices: tuple[str, ...] = ("16:9", "9:16")
    #: How input images may be used; frames and references never mix unless ``mix_roles``.
    image_roles: tuple[str, ...] = ()
    audio: Audio = "always"
    negative_prompt: bool = False
    seed: bool = False
    #: Whether local files may be sent (as uploads or data URIs); else public https URLs only.
    local_images: bool = True

    @property
    def aspect_ratios(self) -> tuple[str, ...]:
        return (self.fixed_aspect_ratio,) if self.fixed_aspect_ratio else self.aspect_ratio_choices

    @property
    def is_veo(self) -> bool:
        return self.channel in VEO_CHANNELS

    @property
    def takes_frames(self) -> bool:
        return "first_frame" in self.image_roles

    @property
    def takes_references(self) -> bool:
        return "reference_image" in self.image_roles

    @property
    def streaming(self) -> bool:
        return ENDPOINT_CHAT in self.endpoints

    def render_time(self, resolution: str | None = None) -> tuple[float, float]:
        return self.render_time_s[resolution or self.resolutions[0]]

    def size(self, resolution: str, aspect_ratio: str) -> str:
        """Pixel size as the API spells it (``1280x720``)."""
        if self.channel != "reverse":
            return _OFFICIAL_SIZES[(resolution, aspect_ratio)]
        return "1280x720" if self.fixed_aspect_ratio == "16:9" else "720x1280"


@dataclass(frozen=True)
class Catalog:
    """A loaded catalog: the models by id, in file order, and what became of the override."""

    models: Mapping[str, Model]
    #: The override file that was read, or that was named and failed; ``None`` if there was none.
    override_path: Path | None = None
    #: Why the override file was ignored (it names the file, the model id and the field); the
    #: shipped models are used unchanged. Front-ends show it; it is also logged once.
    override_error: str | None = None

    def get(self, model_id: str) -> Model:
        """Look a model up by id; an unknown id is an error that lists the valid ones."""
        try:
            return self.models[model_id]
        except KeyError:
            raise InvalidRequestError(
                f"Unknown model {model_id!r}. Use one of: {', '.join(self.models)}; "
                "or leave `model` empty and set `channel` to let the package pick.",
                field="model",
            ) from None

    def all(self, channel: Channel | None = None) -> list[Model]:
        return [m for m in self.models.values() if channel is None or m.channel == channel]

    def find(
        self,
        channel: Channel | None = None,
        *,
        tier: Tier | None = None,
        aspect_ratio: str | None = None,
        frame_to_video: bool | None = None,
    ) -> Model | None:
        """The first model, in catalog order, with these attributes (``None`` matches any)."""
        for m in self.all(channel):
            if (
                (tier is None or m.tier == tier)
                and (aspect_ratio is None or aspect_ratio in m.aspect_ratios)
                and (frame_to_video is None or m.frame_to_video == frame_to_video)
            ):
                return m
        return None

    def pick(
        self,
        channel: Channel,
        *,
        fast: bool,
        aspect_ratio: str = "16:9",
        frame_to_video: bool = False,
    ) -> Model:
        """The model of a channel that matches the tier, orientation and frame switches.

        A channel without frame-to-video models (Official) answers with its model for the tier
        and orientation: it takes a reference image instead.
        """
        tier: Tier = "fast" if fast else "standard"
        model = self.find(
            channel, tier=tier, aspect_ratio=aspect_ratio, frame_to_video=frame_to_video
        ) or self.find(channel, tier=tier, aspect_ratio=aspect_ratio)
        if model is None:
            raise ConfigurationError(
                f"No model in the catalog has channel={channel}, tier={tier} and aspect ratio "
                f"{aspect_ratio}.{self._override_hint()}"
            )
        return model

    def price_of(self, channel: Channel, tier: Tier) -> float:
        """Price per request of a channel's tier (the first model of the tier sets it)."""
        model = self.find(channel, tier=tier)
        if model is None:
            raise ConfigurationError(
                f"No {tier} model on the {channel} channel in the catalog.{self._override_hint()}"
            )
        return model.price_usd

    def prices_text(self, channel: Channel) -> str:
        """``"$0.30 fast / $1.20 standard"`` for a channel, read from the table."""
        fast, standard = self.price_of(channel, "fast"), self.price_of(channel, "standard")
        return f"{usd(fast)} fast / {usd(standard)} standard"

    def _override_hint(self) -> str:
        if self.override_path is None:
            return ""
        return f" Check the models override file {self.override_path}."
