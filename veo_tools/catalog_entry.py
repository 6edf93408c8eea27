"""The schema of one ``[models."<id>"]`` table of a catalog file, and its :class:`Model` record.

:class:`ModelEntry` checks every fact about one model (unknown fields and values outside the
documented choices are refused; cross-field rules are checked on the later field, so an error
names the field to fix) and turns it into the catalog's :class:`~veo_tools.catalog_table.Model`.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from veo_tools.catalog_table import (
    CHANNEL_FACTS,
    ENDPOINT_CHAT,
    ENDPOINT_VIDEOS,
    AspectRatio,
    Audio,
    Channel,
    ImageRole,
    Lifecycle,
    LifecycleStatus,
    Model,
    PriceRule,
    Protocol,
    Resolution,
    Tier,
)
from veo_tools.pricing import SEEDANCE_PIXELS, estimate

RenderWindow = Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=2, max_length=2)]
Endpoint = Literal[
    "/v1/videos",
    "/v1/chat/completions",
    "/seedance/api/v3/contents/generations/tasks",
    "/wan/api/v1/services/aigc/video-generation/video-synthesis",
]
#: The create endpoint of each protocol other than the OpenAI Videos one.
_PROTOCOL_ENDPOINTS: dict[str, Endpoint] = {
    "volcano": "/seedance/api/v3/contents/generations/tasks",
    "dashscope": "/wan/api/v1/services/aigc/video-generation/video-synthesis",
}


class DurationRange(BaseModel):
    """``durations = { min = 4, max = 15 }``: every whole second from min to max."""

    model_config = ConfigDict(extra="forbid", strict=True)

    min: int = Field(gt=0)
    max: int = Field(gt=0, le=600)

    def seconds(self) -> list[int]:
        return list(range(self.min, self.max + 1))


class LifecycleEntry(BaseModel):
    """``[models."<id>".lifecycle]``: what the public notices say about the model."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: LifecycleStatus = "active"
    since: date | None = None
    source: str | None = None
    replacement: str | None = None
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _a_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the URL of the notice (https://...)")
        return value


class ModelEntry(BaseModel):
    """``[models."<id>"]``: every fact about one model. Cross-field rules are checked on the
    later field, so an error names the field to fix."""

    model_config = ConfigDict(extra="forbid", strict=True)

    channel: Channel
    tier: Tier
    protocol: Protocol = "openai_videos"
    access_group: str | None = None
    price_rule: PriceRule = "per_request"
    price_usd: float | None = Field(None, ge=0)
    price_per_second_usd: dict[Resolution, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict
    )
    price_per_image_usd: float = Field(0.0, ge=0)
    usd_per_million_tokens: float = Field(0.0, ge=0)
    durations: list[Annotated[int, Field(gt=0)]] | DurationRange
    default_seconds: int
    resolutions: list[Resolution] = Field(min_length=1)
    resolutions_need_8s: list[Resolution] = Field(default_factory=list)
    aspect_ratios: list[AspectRatio] = Field(min_length=1)
    max_images: int = Field(ge=0)
    frame_to_video: bool = False
    image_roles: list[ImageRole] | None = None
    audio: Audio = "always"
    negative_prompt: bool = False
    seed: bool | None = None
    local_images: bool = True
    endpoints: list[Endpoint] | None = None
    render_time_s: dict[Resolution, RenderWindow]
    lifecycle: LifecycleEntry = Field(default_factory=LifecycleEntry)

    @field_validator("durations")
    @classmethod
    def _a_set_or_a_range(cls, value: list[int] | DurationRange) -> list[int] | DurationRange:
        if isinstance(value, DurationRange):
            if value.min > value.max:
                raise ValueError(f"min {value.min} is above max {value.max}")
            return value
        if not value:
            raise ValueError("give at least one duration")
        if len(set(value)) != len(value):
            raise ValueError(f"lists a value twice: {value}")
        return value

    @field_validator("resolutions", "aspect_ratios", "endpoints", "image_roles")
    @classmethod
    def _no_repeats(cls, values: list[Any] | None) -> list[Any] | None:
        if values is not None and len(set(values)) != len(values):
            raise ValueError(f"lists a value twice: {values}")
        return values

    @field_validator("protocol")
    @classmethod
    def _the_channels_protocol(cls, value: str, info: ValidationInfo) -> str:
        channel = info.data.get("channel")
        if channel is not None and CHANNEL_FACTS[channel][0] != value:
            raise ValueError(f"the {channel} channel speaks {CHANNEL_FACTS[channel][0]!r}")
        return value

    @field_validator("access_group")
    @classmethod
    def _the_channels_group(cls, value: str | None, info: ValidationInfo) -> str | None:
        channel = info.data.get("channel")
        groups = CHANNEL_FACTS[channel][1] if channel is not None else (value,)
        if value not in groups:
            named = " or ".join(repr(g) for g in groups)
            raise ValueError(f"the {channel} channel is reached by tokens of group {named}")
        return value

    @field_validator("price_usd")
    @classmethod
    def _price_by_rule(cls, value: float | None, info: ValidationInfo) -> float | None:
        rule = info.data.get("price_rule")
        if rule == "per_request" and value is None:
            raise ValueError("a per_request model needs price_usd")
        if rule not in (None, "per_request") and value is not None:
            raise ValueError(f"a {rule} model's price is computed: leave price_usd out")
        return value

    @field_validator("usd_per_million_tokens")
    @classmethod
    def _tokens_need_a_rate(cls, value: float, info: ValidationInfo) -> float:
        if info.data.get("price_rule") == "tokens" and value <= 0:
            raise ValueError("a tokens model needs usd_per_million_tokens > 0")
        return value

    @field_validator("default_seconds")
    @classmethod
    def _one_of_the_durations(cls, value: int, info: ValidationInfo) -> int:
        durations = info.data.get("durations")
        if isinstance(durations, DurationRange):
            durations = durations.seconds()
        if durations is not None and value not in durations:
            raise ValueError(f"{value} is not one of the durations {durations}")
        return value

    @field_validator("resolutions")
    @classmethod
    def _priced_and_rendered(cls, value: list[str], info: ValidationInfo) -> list[str]:
        rule, per_second = info.data.get("price_rule"), info.data.get("price_per_second_usd")
        if rule == "per_second" and per_second is not None and set(value) != set(per_second):
            raise ValueError(f"needs one price_per_second_usd for each of {value}")
        if rule == "tokens" and not set(value) <= set(SEEDANCE_PIXELS):
            raise ValueError(f"token prices are known for {list(SEEDANCE_PIXELS)} only")
        return value

    @field_validator("resolutions_need_8s")
    @classmethod
    def _a_subset_served_at_8s(cls, value: list[str], info: ValidationInfo) -> list[str]:
        resolutions, durations = info.data.get("resolutions"), info.data.get("durations")
        if resolutions is not None and not set(value) <= set(resolutions):
            raise ValueError(f"{value} is not a subset of the resolutions {resolutions}")
        if value and durations is not None and 8 not in durations:
            raise ValueError("needs 8 among the durations")
        return value

    @field_validator("aspect_ratios")
    @classmethod
    def _reverse_ids_fix_the_orientation(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("channel") == "reverse" and len(value) != 1:
            raise ValueError("a Reverse model id fixes its orientation: give exactly one")
        return value

    @field_validator("frame_to_video")
    @classmethod
    def _frames_need_images(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("max_images") == 0:
            raise ValueError("frame-to-video needs max_images >= 1")
        return value

    @field_validator("image_roles")
    @classmethod
    def _roles_need_images(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is not None:
            if bool(value) != bool(info.data.get("max_images")):
                raise ValueError("image roles need max_images >= 1, and max_images needs roles")
            if "last_frame" in value and "first_frame" not in value:
                raise ValueError("a last frame needs a first frame")
        return value

    @field_validator("endpoints")
    @classmethod
    def _streams_only_on_reverse(
        cls, value: list[str] | None, info: ValidationInfo
    ) -> list[str] | None:
        protocol = info.data.get("protocol", "openai_videos")
        if protocol != "openai_videos":
            if value is not None and value != [_PROTOCOL_ENDPOINTS[protocol]]:
                raise ValueError(
                    f"a {protocol} model is created at {_PROTOCOL_ENDPOINTS[protocol]}"
                )
            return value
        if value is None:
            raise ValueError(f"list the endpoints ({ENDPOINT_VIDEOS}, optionally {ENDPOINT_CHAT})")
        if ENDPOINT_CHAT in value and info.data.get("channel") not in (None, "reverse"):
            raise ValueError(f"{ENDPOINT_CHAT} (streaming) is only served on the Reverse channel")
        if ENDPOINT_VIDEOS not in value:
            raise ValueError(f"every model is created through {ENDPOINT_VIDEOS}; list it")
        return value

    @field_validator("render_time_s")
    @classmethod
    def _one_window_per_resolution(
        cls, value: dict[str, list[float]], info: ValidationInfo
    ) -> dict[str, list[float]]:
        resolutions = info.data.get("resolutions")
        if resolutions is not None and set(value) != set(resolutions):
            raise ValueError(f"needs one [low, high] window for each of {resolutions}")
        for resolution, (low, high) in value.items():
            if low > high:
                raise ValueError(f"{resolution}: low {low:g} is above high {high:g}")
        return value

    def _image_roles(self) -> tuple[str, ...]:
        if self.image_roles is not None:
            return tuple(self.image_roles)
        if self.frame_to_video:
            return ("first_frame", "last_frame")
        return ("reference_image",) if self.max_images else ()

    def to_model(self, model_id: str) -> Model:
        durations = (
            self.durations.seconds()
            if isinstance(self.durations, DurationRange)
            else self.durations
        )
        endpoints = self.endpoints or [_PROTOCOL_ENDPOINTS[self.protocol]]
        model = Model(
            id=model_id,
            channel=self.channel,
            tier=self.tier,
            price_usd=self.price_usd or 0.0,
            durations=tuple(durations),
            default_seconds=self.default_seconds,
            resolutions=tuple(self.resolutions),
            resolutions_need_8s=tuple(self.resolutions_need_8s),
            fixed_aspect_ratio=self.aspect_ratios[0] if len(self.aspect_ratios) == 1 else None,
            max_images=self.max_images,
            frame_to_video=self.frame_to_video or "last_frame" in self._image_roles(),
            endpoints=tuple(endpoints),
            render_time_s={
                r: (self.render_time_s[r][0], self.render_time_s[r][1]) for r in self.resolutions
            },
            lifecycle=Lifecycle(**self.lifecycle.model_dump()),
            protocol=self.protocol,
            access_group=self.access_group,
            price_rule=self.price_rule,
            price_per_second_usd=MappingProxyType(
                {str(r): p for r, p in self.price_per_second_usd.items()}
            ),
            price_per_image_usd=self.price_per_image_usd,
            usd_per_million_tokens=self.usd_per_million_tokens,
            aspect_ratio_choices=tuple(self.aspect_ratios),
            image_roles=self._image_roles(),
            audio=self.audio,
            negative_prompt=self.negative_prompt,
            seed=self.seed if self.seed is not None else self.channel == "official",
            local_images=self.local_images,
        )
        if self.price_rule == "per_request":
            return model
        return dataclasses.replace(model, price_usd=round(estimate(model), 6))
