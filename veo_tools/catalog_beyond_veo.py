"""The request checks of the models beyond Veo (Seedance, Wan, HappyHorse, Grok), read from
their catalog entries: each refusal names what the model accepts and a model that can do what
was asked (an active one when there is one), so an agent corrects itself in one step.

Veo's own checks (and their exact wording) stay in :func:`veo_tools.catalog.validate_request`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from veo_tools.catalog_table import Catalog, Model
from veo_tools.errors import InvalidRequestError


@dataclass(frozen=True)
class Ask:
    """What a request asks of a model."""

    seconds: int | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    images: int = 0
    image_role: str | None = None
    audio: bool | None = None
    local_images: int = 0
    seed: bool = False
    negative_prompt: bool = False


def taker(cat: Catalog, model: Model, can: Callable[[Model], bool]) -> Model | None:
    """A model that can: on the same channel first, an active one before any other."""
    fits = [m for m in cat.all() if m.id != model.id and can(m)]
    fits.sort(key=lambda m: (m.channel != model.channel, m.lifecycle.status != "active"))
    return fits[0] if fits else None


def _refuse(
    cat: Catalog, model: Model, field: str, said: str, can: Callable[[Model], bool]
) -> None:
    other = taker(cat, model, can)
    hint = f" {other.id} can." if other else ""
    raise InvalidRequestError(f"{said}{hint}", field=field)


def _range(model: Model) -> str:
    low, high = model.durations[0], model.durations[-1]
    if list(model.durations) == list(range(low, high + 1)) and high > low:
        return f"{low}-{high}"
    return ", ".join(map(str, model.durations))


def validate(cat: Catalog, model: Model, ask: Ask) -> None:
    """Refuse what ``model`` cannot do (see the module docstring)."""
    if ask.seconds is not None and ask.seconds not in model.durations:
        _refuse(
            cat,
            model,
            "seconds",
            f"seconds={ask.seconds} is not available on {model.id}: it takes {_range(model)} s.",
            lambda m: ask.seconds in m.durations,
        )
    if ask.resolution is not None and ask.resolution not in model.resolutions:
        _refuse(
            cat,
            model,
            "resolution",
            f"resolution={ask.resolution!r} is not available on {model.id} (it renders "
            f"{', '.join(model.resolutions)}).",
            lambda m: ask.resolution in m.resolutions,
        )
    if ask.aspect_ratio is not None and ask.aspect_ratio not in model.aspect_ratios:
        _refuse(
            cat,
            model,
            "aspect_ratio",
            f"aspect_ratio={ask.aspect_ratio!r} is not available on {model.id} (it takes "
            f"{', '.join(model.aspect_ratios)}).",
            lambda m: ask.aspect_ratio in m.aspect_ratios,
        )
    validate_images(cat, model, ask)
    validate_audio(cat, model, ask.audio)
    if ask.seed and not model.seed:
        _refuse(cat, model, "seed", f"{model.id} does not take seed: drop it.", _takes_seed)
    if ask.negative_prompt and not model.negative_prompt:
        _refuse(
            cat,
            model,
            "negative_prompt",
            f"{model.id} does not take negative_prompt: drop it.",
            _takes_negative_prompt,
        )


def _takes_seed(model: Model) -> bool:
    return model.seed


def _takes_negative_prompt(model: Model) -> bool:
    return model.negative_prompt


def validate_images(cat: Catalog, model: Model, ask: Ask) -> None:
    if not ask.images:
        return
    role = ask.image_role or ("frames" if model.takes_frames else "references")
    if not model.image_roles:
        _refuse(
            cat,
            model,
            "images",
            f"{model.id} does not take images (text to video only).",
            lambda m: m.takes_frames if role == "frames" else m.takes_references,
        )
    if role == "frames":
        frames = 2 if "last_frame" in model.image_roles else 1
        if not model.takes_frames or ask.images > frames:
            _refuse(
                cat,
                model,
                "images",
                f"{model.id} takes {frames if model.takes_frames else 0} frame(s) (got "
                f"{ask.images}): pass a first frame, and a last frame where the model takes one.",
                lambda m: "last_frame" in m.image_roles if ask.images > 1 else m.takes_frames,
            )
    elif not model.takes_references or ask.images > model.max_images:
        limit = model.max_images if model.takes_references else 0
        _refuse(
            cat,
            model,
            "images",
            f"{model.id} takes {limit} reference image(s) (got {ask.images}).",
            lambda m: m.takes_references and m.max_images >= ask.images,
        )
    if ask.local_images and not model.local_images:
        _refuse(
            cat,
            model,
            "images",
            f"{model.id} takes images as public https URLs only (no local files or data: URIs): "
            "upload them and pass https URLs, or use a model that takes local files.",
            lambda m: m.local_images and bool(m.image_roles) and not m.is_veo,
        )


def validate_audio(cat: Catalog, model: Model, audio: bool | None) -> None:
    """A silent video needs a model whose sound is optional (or absent)."""
    if audio is False and model.audio == "always":
        _refuse(
            cat,
            model,
            "audio",
            f"{model.id} always renders sound (audio=false is not possible).",
            lambda m: m.audio != "always",
        )
    if audio is True and model.audio == "none":
        _refuse(cat, model, "audio", f"{model.id} renders no sound.", lambda m: m.audio != "none")
