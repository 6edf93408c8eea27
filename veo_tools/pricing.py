"""What one video costs, by its model's price rule, before anything is sent.

* ``per_request`` (Veo): the same price whatever the length or resolution.
* ``per_second`` (Wan, HappyHorse, Grok): seconds x the USD per second of the resolution, plus a
  fee per input image (Grok).
* ``tokens`` (Seedance): output tokens ~ seconds x width x height x 24 / 1024 (APIYI's formula),
  times the model's USD per million tokens. The estimate is what the budget checks; the journal
  settles it to the tokens the API reports (``usage.completion_tokens``) when the task ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veo_tools.catalog_table import Model

#: Frames per second in APIYI's Seedance token formula.
SEEDANCE_FPS = 24
#: Output pixel sizes (width, height) of a landscape video by resolution, as Volcano Engine
#: renders them; a portrait one swaps them, a square one has the same pixel count (inferred).
SEEDANCE_PIXELS: dict[str, tuple[int, int]] = {
    "480p": (864, 496),
    "720p": (1280, 720),
    "1080p": (1920, 1080),
}


def seedance_tokens(seconds: int, resolution: str) -> int:
    """Output tokens of a Seedance video: seconds x width x height x 24 / 1024."""
    width, height = SEEDANCE_PIXELS[resolution]
    return seconds * width * height * SEEDANCE_FPS // 1024


def tokens_price(model: Model, tokens: int) -> float:
    """USD for ``tokens`` output tokens on a token-priced model."""
    return tokens * model.usd_per_million_tokens / 1_000_000


def estimate(
    model: Model,
    seconds: int | None = None,
    resolution: str | None = None,
    aspect_ratio: str | None = None,
    images: int = 0,
) -> float:
    """The estimated USD of one video of ``model`` (defaults: the model's seconds and its first
    resolution). ``aspect_ratio`` does not change any price today; it is accepted so callers pass
    the whole request."""
    del aspect_ratio
    seconds = seconds if seconds is not None else model.default_seconds
    resolution = resolution or model.resolutions[0]
    if model.price_rule == "per_request":
        return model.price_usd
    if model.price_rule == "per_second":
        per_second = model.price_per_second_usd[resolution]
        return seconds * per_second + images * model.price_per_image_usd
    return tokens_price(model, seedance_tokens(seconds, resolution))


def price_text(model: Model) -> str:
    """The price rule in words: ``$1.20/video``, ``$0.084/s 720p, $0.14/s 1080p``,
    ``$8.38/M tokens (~$0.91 at 720p, 5 s)``."""
    from veo_tools.money import usd, usd_rate

    if model.price_rule == "per_request":
        return f"{usd(model.price_usd)}/video"
    if model.price_rule == "per_second":
        rates = ", ".join(f"{usd_rate(p)} {r}" for r, p in model.price_per_second_usd.items())
        image = model.price_per_image_usd
        return rates + (f" (+{usd_rate(image, 'image')})" if image else "")
    first = model.resolutions[0]
    return (
        f"{usd_rate(model.usd_per_million_tokens, 'M tokens')} (~{usd(model.price_usd)} at "
        f"{first}, {model.default_seconds} s)"
    )
