"""Reading the catalog's data: the shipped ``veo_tools/data/models.toml`` and one user override.

Both files hold ``[models."<id>"]`` tables, checked by :class:`ModelEntry` (unknown fields and
values outside the documented choices are refused). The override file is
``VEO_TOOLS_MODELS`` when set, else ``models.toml`` in the user config dir. A table for a shipped
id changes only the fields it gives (each field is replaced whole, ``lifecycle`` and
``render_time_s`` included); a table for a new id must give every field. A bad override never
stops the shipped catalog from loading: it is ignored as a whole, and the reason, naming the
file, the model id and the field, is kept in :attr:`Catalog.override_error`.

A file named explicitly (``VEO_TOOLS_MODELS`` or ``Settings.models_file``) that does not exist is
such an error, since its author expects it to be read; a missing file in the config dir just
means there is no override.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from veo_tools.catalog_table import (
    CHANNEL_FACTS,
    ENDPOINT_CHAT,
    ENDPOINT_VIDEOS,
    AspectRatio,
    Audio,
    Catalog,
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
from veo_tools.errors import ConfigurationError
from veo_tools.pricing import SEEDANCE_PIXELS, estimate

ENV_VAR = "VEO_TOOLS_MODELS"
APP_NAME = "veo-tools"
#: Errors listed in one override message; the rest are counted.
MAX_LISTED_ERRORS = 5

Table = dict[str, Any]
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
        if channel is not None and CHANNEL_FACTS[channel][1] != value:
            raise ValueError(
                f"the {channel} channel is reached by tokens of group {CHANNEL_FACTS[channel][1]!r}"
            )
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


class _FileError(Exception):
    """One or more problems in a catalog file, each already phrased for a person."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@cache
def _shipped_tables() -> Mapping[str, Table]:
    text = files("veo_tools").joinpath("data", "models.toml").read_text("utf-8")
    return MappingProxyType(_model_tables(_parse(text)))


@cache
def shipped() -> Catalog:
    """The catalog as shipped, without any override (read once per process)."""
    try:
        return _build(_shipped_tables(), shipped_ids=(), path=None)
    except _FileError as exc:  # a broken release: the tests load this file
        raise ConfigurationError(f"veo_tools/data/models.toml is invalid: {exc}") from None


def default_models_file() -> Path:
    """``models.toml`` in the user config dir (``~/.config/veo-tools`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "models.toml"


def load(models_file: Path | None = None) -> Catalog:
    """The shipped catalog with the override applied (see the module docstring)."""
    explicit = models_file is not None
    if models_file is None and (named := os.environ.get(ENV_VAR, "").strip()):
        models_file, explicit = Path(named).expanduser(), True
    path = models_file or default_models_file()
    if not explicit and not path.exists():
        return shipped()
    shipped()  # a broken shipped file is our bug, not the override's
    try:
        tables = _model_tables(_parse(_read(path)))
        base = dict(_shipped_tables())
        merged = {**base, **{i: {**base.get(i, {}), **t} for i, t in tables.items()}}
        return _build(merged, shipped_ids=base, path=path)
    except _FileError as exc:
        return Catalog(shipped().models, override_path=path, override_error=_message(path, exc))


def _message(path: Path, exc: _FileError) -> str:
    listed = exc.problems[:MAX_LISTED_ERRORS]
    more = len(exc.problems) - len(listed)
    return (
        f"Ignored the models override file {path}: "
        + "; ".join(listed)
        + (f"; and {more} more problem(s)" if more else "")
        + ". The shipped catalog is used instead: fix or remove the file."
    )


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise _FileError(["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _FileError([f"the file cannot be read ({exc})"]) from None


def _parse(text: str) -> Table:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _FileError([f"not valid TOML: {exc}"]) from None


def _model_tables(document: Table) -> dict[str, Table]:
    unknown = [key for key in document if key != "models"]
    if unknown:
        raise _FileError(
            [
                f"unknown top-level key(s) {', '.join(map(repr, unknown))}; put each model in a "
                '[models."<id>"] table'
            ]
        )
    models = document.get("models", {})
    if not isinstance(models, dict):
        raise _FileError(['"models" must be a table of [models."<id>"] tables'])
    bad = [
        f"model {i!r}: must be a table of fields"
        for i, t in models.items()
        if not isinstance(t, dict)
    ]
    if bad:
        raise _FileError(bad)
    return models


def _build(
    tables: Mapping[str, Table], *, shipped_ids: Iterable[str], path: Path | None
) -> Catalog:
    models: dict[str, Model] = {}
    problems: list[str] = []
    for model_id, table in tables.items():
        try:
            models[model_id] = ModelEntry.model_validate(table).to_model(model_id)
        except ValidationError as exc:
            problems += _problems(model_id, exc, shipped_ids)
    if problems:
        raise _FileError(problems)
    return Catalog(MappingProxyType(models), override_path=path)


def _problems(model_id: str, exc: ValidationError, shipped_ids: Iterable[str]) -> list[str]:
    errors = exc.errors()
    problems = [_problem(model_id, err) for err in errors if err["type"] != "missing"]
    # Only a new id can miss a field: a shipped id's table is merged over the shipped one.
    missing = ", ".join(
        repr(".".join(map(str, e["loc"]))) for e in errors if e["type"] == "missing"
    )
    if missing:
        close = difflib.get_close_matches(model_id, list(shipped_ids), n=1)
        typo = f" (or did you mean the shipped {close[0]!r}?)" if close else ""
        problems.insert(
            0,
            f"model {model_id!r}, field(s) {missing}: missing; a model that is not in the "
            f"shipped catalog must give every field{typo}",
        )
    return problems


def _problem(model_id: str, err: ErrorDetails) -> str:
    where = ".".join(str(part) for part in err["loc"]) or "(the table)"
    if err["type"] == "extra_forbidden":
        entry = (
            LifecycleEntry if err["loc"][0] == "lifecycle" and len(err["loc"]) > 1 else ModelEntry
        )
        why = f"unknown field (known: {', '.join(entry.model_fields)})"
    else:
        got = repr(err["input"])
        got = got if len(got) <= 60 else got[:57] + "..."
        why = f"{err['msg'].removeprefix('Value error, ')} (got {got})"
    return f"model {model_id!r}, field {where!r}: {why}"
