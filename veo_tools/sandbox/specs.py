"""The non-Veo models the sandbox serves, with the facts their protocols need (a sandbox-side
table: the catalog does not describe these models yet).

Figures come from APIYI's pages (see ``README.md`` beside this file for each source); where the
pages give none, the value is the sandbox's choice and says so. When the catalog gains one of
these ids with an ``access_group``, that group wins over the one written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from veo_tools.catalog import MODELS, Model

Protocol = Literal["volcano", "dashscope", "openai_videos"]
#: The channel of a model (the catalog's names): what fault rules, lifecycle states and stats
#: are keyed by. One token group through one protocol.
SimChannel = Literal["seedance", "wan", "grok"]
SIM_CHANNELS: tuple[SimChannel, ...] = ("seedance", "wan", "grok")

#: Volcano Ark's output sizes (``ratio`` → ``WxH``) per resolution; ``adaptive`` bills as 16:9.
_SEEDANCE_SIZES: dict[str, dict[str, str]] = {
    "480p": {
        "16:9": "864x480",
        "4:3": "736x544",
        "1:1": "640x640",
        "3:4": "544x736",
        "9:16": "480x864",
        "21:9": "960x416",
    },
    "720p": {
        "16:9": "1280x720",
        "4:3": "1112x834",
        "1:1": "960x960",
        "3:4": "834x1112",
        "9:16": "720x1280",
        "21:9": "1470x630",
    },
    "1080p": {
        "16:9": "1920x1080",
        "4:3": "1664x1248",
        "1:1": "1440x1440",
        "3:4": "1248x1664",
        "9:16": "1080x1920",
        "21:9": "2176x928",
    },
}
_WIDE = {"480p": (848, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


def _wh_sizes(resolution: str) -> dict[str, str]:
    """16:9, 9:16 and 1:1 sizes of a resolution (Grok's ``size`` and DashScope's ratios)."""
    w, h = _WIDE[resolution]
    return {"16:9": f"{w}x{h}", "9:16": f"{h}x{w}", "1:1": f"{h}x{h}"}


@dataclass(frozen=True)
class SimModel:
    """One non-Veo model as the sandbox simulates it."""

    id: str
    channel: SimChannel
    protocol: Protocol
    #: The APIYI token group a key needs to call the model.
    group: str
    family: str
    min_seconds: int
    max_seconds: int
    #: Used when the request omits the duration; ``-1`` = the model decides (Seedance 2.5).
    default_seconds: int
    resolutions: tuple[str, ...]
    default_resolution: str
    ratios: tuple[str, ...]
    max_images: int
    #: DashScope ``media[].type`` values the model accepts.
    media_types: tuple[str, ...] = ()
    #: USD per second by resolution (Wan, HappyHorse, Grok) ...
    per_second: dict[str, float] = field(default_factory=dict)
    #: ... or USD per million completion tokens (Seedance).
    per_million_tokens: float = 0.0
    #: USD per input image (Grok).
    per_image: float = 0.0
    #: Frames (first/last) only with ``ratio: adaptive`` (Seedance 2.5, launch notice).
    frames_need_adaptive: bool = False
    #: Render time in seconds for a 5 s clip, by resolution, (low, high).
    render_5s: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def access_group(self) -> str:
        """The catalog's group for this id when it has one, else the table's."""
        entry = MODELS.get(self.id)
        group = getattr(entry, "access_group", None) if entry is not None else None
        return group if isinstance(group, str) and group else self.group

    def size(self, resolution: str, ratio: str) -> str:
        """Output size ``WxH`` (an ``adaptive`` ratio is sized, and billed, as 16:9)."""
        ratio = "16:9" if ratio == "adaptive" else ratio
        if self.protocol == "volcano":
            return _SEEDANCE_SIZES[resolution][ratio]
        return _wh_sizes(resolution).get(ratio, _wh_sizes(resolution)["16:9"])

    def tokens(self, seconds: int, resolution: str, ratio: str) -> int:
        """Seedance's ``completion_tokens``: seconds × width × height × 24 / 1024."""
        width, height = (int(v) for v in self.size(resolution, ratio).split("x"))
        return seconds * width * height * 24 // 1024

    def price(self, seconds: int, resolution: str, ratio: str = "16:9", images: int = 0) -> float:
        """What APIYI bills for a finished task with these parameters."""
        if self.per_million_tokens:
            return round(self.tokens(seconds, resolution, ratio) * self.per_million_tokens / 1e6, 4)
        return round(seconds * self.per_second[resolution] + images * self.per_image, 4)

    @property
    def price_usd(self) -> float:
        """Nominal price: the default resolution, 5 s (8 s for Grok's defaults)."""
        seconds = self.default_seconds if self.default_seconds > 0 else 5
        return self.price(seconds, self.default_resolution)

    def render_time(self, resolution: str | None = None, seconds: int = 5) -> tuple[float, float]:
        """Typical render time, stretched for long clips (2.5: 150 s at 5 s, 330 s at 30 s)."""
        low, high = self.render_5s[resolution or self.default_resolution]
        factor = max(0.6, 1 + (seconds - 5) * 0.048)
        return low * factor, high * factor


def _seedance(
    model_id: str,
    per_m: float,
    resolutions: tuple[str, ...],
    *,
    max_seconds: int = 15,
    default_seconds: int = 5,
    max_images: int = 9,
    frames_need_adaptive: bool = False,
    group: str = "SeeDance2",
) -> SimModel:
    return SimModel(
        id=model_id,
        channel="seedance",
        protocol="volcano",
        group=group,
        family="seedance",
        min_seconds=4,
        max_seconds=max_seconds,
        default_seconds=default_seconds,
        resolutions=resolutions,
        default_resolution="720p",
        ratios=("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"),
        max_images=max_images,
        per_million_tokens=per_m,
        frames_need_adaptive=frames_need_adaptive,
        render_5s={r: (120.0, 300.0) for r in resolutions},
    )


def _dashscope(
    model_id: str,
    family: str,
    media: tuple[str, ...],
    prices: dict[str, float],
    *,
    max_seconds: int = 15,
    max_images: int = 0,
) -> SimModel:
    resolutions = tuple(prices)
    return SimModel(
        id=model_id,
        channel="wan",
        protocol="dashscope",
        group="Wan&HappyHorse",
        family=family,
        min_seconds=2,
        max_seconds=max_seconds,
        default_seconds=5,
        resolutions=resolutions,
        default_resolution="720P" if "720P" in resolutions else resolutions[0],
        ratios=("16:9", "9:16", "1:1", "4:3", "3:4"),
        max_images=max_images,
        media_types=media,
        per_second=prices,
        render_5s={r: (70.0, 140.0) if r != "1080P" else (140.0, 320.0) for r in resolutions},
    )


def _grok(model_id: str, prices: dict[str, float]) -> SimModel:
    return SimModel(
        id=model_id,
        channel="grok",
        protocol="openai_videos",
        group="GrokOfficial",
        family="grok",
        min_seconds=1,
        max_seconds=15,
        default_seconds=8,
        resolutions=tuple(prices),
        default_resolution="480p",
        ratios=("16:9", "9:16", "1:1"),
        max_images=1,
        per_second=prices,
        per_image=0.002,
        render_5s={r: (30.0, 90.0) for r in prices},
    )


_WAN30 = ("first_frame", "last_frame", "reference_image", "reference_video", "reference_audio")
_WAN30_PRICES = {"480P": 0.0588, "720P": 0.0588, "1080P": 0.1176}
_WAN27_PRICES = {"720P": 0.084, "1080P": 0.14}

SPECS: dict[str, SimModel] = {
    m.id: m
    for m in (
        _seedance(
            "doubao-seedance-2-5-260628",
            12.69,
            ("480p", "720p", "1080p"),
            max_seconds=30,
            default_seconds=-1,
            max_images=30,
            frames_need_adaptive=True,
            # APIYI's notice of 2026-08-30: 2.5 moved to its own token group.
            group="SeeDance25",
        ),
        _seedance("doubao-seedance-2-0-260128", 8.43, ("480p", "720p", "1080p")),
        _seedance("doubao-seedance-2-0-fast-260128", 6.76, ("480p", "720p")),
        _seedance("doubao-seedance-2-0-mini-260615", 4.17, ("480p", "720p")),
        _dashscope("wan3.0-video", "wan3", _WAN30, _WAN30_PRICES, max_seconds=30, max_images=10),
        _dashscope(
            "wan3.0-video-prime",
            "wan3",
            _WAN30,
            {"480P": 0.126, "720P": 0.126, "1080P": 0.252},
            max_seconds=30,
            max_images=10,
        ),
        _dashscope("wan2.7-t2v", "wan2.7", (), _WAN27_PRICES),
        _dashscope("wan2.7-i2v", "wan2.7", ("first_frame", "driving_audio"), _WAN27_PRICES),
        _dashscope(
            "wan2.7-r2v",
            "wan2.7",
            ("reference_image", "reference_video"),
            _WAN27_PRICES,
            max_images=5,
        ),
        _dashscope("happyhorse-1.1-t2v", "happyhorse", (), _WAN27_PRICES),
        _dashscope("happyhorse-1.1-i2v", "happyhorse", ("first_frame",), _WAN27_PRICES),
        _dashscope(
            "happyhorse-1.1-r2v", "happyhorse", ("reference_image",), _WAN27_PRICES, max_images=9
        ),
        _grok("grok-imagine-video", {"480p": 0.05, "720p": 0.07}),
        _grok("grok-imagine-video-1.5", {"480p": 0.08, "720p": 0.14, "1080p": 0.25}),
        _grok("grok-imagine-video-1.5-lite", {"480p": 0.02, "720p": 0.04, "1080p": 0.08}),
    )
}

#: What a task can be about: a catalog (Veo) model, or one of the table above.
AnyModel = Model | SimModel


def sim_model(model_id: object) -> SimModel | None:
    return SPECS.get(model_id) if isinstance(model_id, str) else None


def lookup(model_id: str) -> AnyModel | None:
    """The table's entry first (it drives the protocol), then the catalog's."""
    return SPECS.get(model_id) or MODELS.get(model_id)
