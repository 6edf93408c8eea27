"""The one table of models sold by APIYI, and the checks that read it.

The table is data: ``veo_tools/data/models.toml``, shipped in the package, plus one optional user
override file (:mod:`veo_tools.catalog_file` reads and validates both; the records are in
:mod:`veo_tools.catalog_table`). Every other module (validation, pricing, the recommender, the
sandbox, tool descriptions and the README table) reads model facts from the one loaded
:class:`Catalog`; no other module spells a model id.

The catalog is loaded on first use, never at import time: the override file is
``VEO_TOOLS_MODELS`` if set, else ``models.toml`` in the user config dir. :func:`load_catalog`
and :func:`use` load and install another one (``Settings.models_file`` does this).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from veo_tools import catalog_beyond_veo as beyond_veo
from veo_tools import catalog_file
from veo_tools.catalog_table import CHANNEL_FACTS as CHANNEL_FACTS
from veo_tools.catalog_table import ENDPOINT_CHAT as ENDPOINT_CHAT
from veo_tools.catalog_table import ENDPOINT_DASHSCOPE as ENDPOINT_DASHSCOPE
from veo_tools.catalog_table import ENDPOINT_VIDEOS as ENDPOINT_VIDEOS
from veo_tools.catalog_table import ENDPOINT_VOLCANO as ENDPOINT_VOLCANO
from veo_tools.catalog_table import MAX_IMAGE_BYTES as MAX_IMAGE_BYTES
from veo_tools.catalog_table import VEO_CHANNELS as VEO_CHANNELS
from veo_tools.catalog_table import AspectRatio as AspectRatio
from veo_tools.catalog_table import Catalog as Catalog
from veo_tools.catalog_table import Channel as Channel
from veo_tools.catalog_table import Lifecycle as Lifecycle
from veo_tools.catalog_table import LifecycleStatus as LifecycleStatus
from veo_tools.catalog_table import Model as Model
from veo_tools.catalog_table import Resolution as Resolution
from veo_tools.catalog_table import Tier as Tier
from veo_tools.errors import InvalidRequestError

log = logging.getLogger(__name__)

_current: Catalog | None = None
_last_warning: str | None = None


def load_catalog(models_file: str | Path | None = None) -> Catalog:
    """The shipped catalog with an override applied: ``models_file`` when given, else
    ``VEO_TOOLS_MODELS``, else ``models.toml`` in the user config dir when it exists.

    A bad override never stops the load: the result is the shipped catalog, with the reason in
    :attr:`Catalog.override_error`. A file named explicitly (argument or ``VEO_TOOLS_MODELS``)
    that does not exist is such an error; a missing file in the config dir is not.
    """
    return catalog_file.load(Path(models_file) if models_file is not None else None)


def shipped_catalog() -> Catalog:
    """The catalog as shipped, without any override; it reads no environment, so text built at
    import time (tool descriptions, CLI choices) uses it."""
    return catalog_file.shipped()


def use(catalog: Catalog | None) -> None:
    """Make ``catalog`` the one every module reads. ``None`` forgets the current one: the next
    use loads it again from the environment."""
    global _current
    _current = catalog
    if catalog is not None:
        _warn_once(catalog)


def current() -> Catalog:
    """The catalog every module reads, loaded on first use (see :func:`load_catalog`)."""
    global _current
    if _current is None:
        _current = load_catalog()
        _warn_once(_current)
    return _current


def _warn_once(catalog: Catalog) -> None:
    global _last_warning
    if catalog.override_error and catalog.override_error != _last_warning:
        _last_warning = catalog.override_error
        log.warning("%s", catalog.override_error)


class _CurrentModels(Mapping[str, Model]):
    """A read-only view of the current catalog's models, by id."""

    def __getitem__(self, model_id: str) -> Model:
        return current().models[model_id]

    def __iter__(self) -> Iterator[str]:
        return iter(current().models)

    def __len__(self) -> int:
        return len(current().models)

    def __repr__(self) -> str:
        return f"MODELS({', '.join(self)})"


#: The current catalog's models by id (read-only; loaded on first use).
MODELS: Mapping[str, Model] = _CurrentModels()


def all_models(channel: Channel | None = None) -> list[Model]:
    return current().all(channel)


def get_model(model_id: str) -> Model:
    """Look a model up by id; an unknown id is an error that lists the valid ones."""
    return current().get(model_id)


def pick_model(
    channel: Channel,
    *,
    fast: bool,
    aspect_ratio: str = "16:9",
    frame_to_video: bool = False,
) -> Model:
    """The model of a channel that matches the tier, orientation and frame switches."""
    return current().pick(
        channel, fast=fast, aspect_ratio=aspect_ratio, frame_to_video=frame_to_video
    )


def price_of(channel: Channel, tier: Tier) -> float:
    """Price per request of a channel's tier (all models of a tier cost the same)."""
    return current().price_of(channel, tier)


def prices_text(channel: Channel) -> str:
    """``"$0.3 fast / $1.2 standard"`` for a channel, read from the table."""
    return current().prices_text(channel)


def _choices(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def validate_request(
    model: Model,
    *,
    seconds: int | None = None,
    resolution: str | None = None,
    aspect_ratio: str | None = None,
    image_count: int = 0,
    image_role: str | None = None,
    audio: bool | None = None,
    local_images: int = 0,
    seed: bool = False,
    negative_prompt: bool = False,
) -> None:
    """Refuse, before any money is spent, a request this model cannot serve.

    Each message names the offending value, what the model accepts, and a model that would take
    the request as asked, so an agent can correct itself in one step. ``local_images`` counts
    the images given as files or data: URIs (not public https URLs); ``seed`` and
    ``negative_prompt`` say whether they are asked for.
    """
    cat = current()
    if not model.is_veo:
        beyond_veo.validate(
            cat,
            model,
            beyond_veo.Ask(
                seconds,
                resolution,
                aspect_ratio,
                image_count,
                image_role,
                audio,
                local_images,
                seed,
                negative_prompt,
            ),
        )
        return
    beyond_veo.validate_audio(cat, model, audio)
    if seconds is not None and seconds not in model.durations:
        takers = [m.id for m in cat.all("official") if seconds in m.durations]
        hint = (
            f" Only Official models ({', '.join(takers)}) take {seconds} s."
            if model.channel == "reverse" and takers
            else ""
        )
        raise InvalidRequestError(
            f"seconds={seconds} is not available on {model.id}: it accepts "
            f"{_choices(model.durations)} s.{hint}",
            field="seconds",
        )
    if resolution is not None and resolution not in model.resolutions:
        other = next((m for m in cat.all("official") if resolution in m.resolutions), None)
        hint = f" 1080p and 4k need an Official model such as {other.id}." if other else ""
        raise InvalidRequestError(
            f"resolution={resolution!r} is not available on {model.id} (it renders "
            f"{_choices(model.resolutions)}).{hint}",
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
        other = cat.find(
            model.channel,
            tier=model.tier,
            aspect_ratio=aspect_ratio,
            frame_to_video=model.frame_to_video,
        )
        raise InvalidRequestError(
            f"aspect_ratio={aspect_ratio!r} is not available on {model.id}, which is fixed at "
            f"{model.fixed_aspect_ratio}."
            + (f" Use {other.id} for {aspect_ratio}." if other else ""),
            field="aspect_ratio",
        )
    _validate_images(cat, model, image_count)


def _validate_images(cat: Catalog, model: Model, image_count: int) -> None:
    if image_count <= model.max_images:
        return
    if model.max_images == 0:
        fl = cat.find(
            model.channel,
            tier=model.tier,
            aspect_ratio=model.fixed_aspect_ratio or "16:9",
            frame_to_video=True,
        )
        use_fl = f"For frame-to-video use {fl.id} (1-2 frames), or" if fl else "Use"
        raise InvalidRequestError(
            f"{model.id} does not take reference images. {use_fl} an Official model for one "
            "reference image.",
            field="images",
        )
    if model.channel == "official":
        fl = cat.find("reverse", tier="fast", aspect_ratio="16:9", frame_to_video=True)
        such_as = f" such as {fl.id}" if fl else ""
        raise InvalidRequestError(
            f"{model.id} takes exactly one reference image (got {image_count}). Send one, or use "
            f"a Reverse '-fl' model{such_as} for start and end frames.",
            field="images",
        )
    raise InvalidRequestError(
        f"{model.id} takes at most {model.max_images} images (start frame, end frame); "
        f"got {image_count}.",
        field="images",
    )
