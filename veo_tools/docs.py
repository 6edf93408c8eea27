"""Documentation generated from the catalog, so the README can never drift from the code.

The README's channel comparison sits between :data:`START` and :data:`END`; a test fails when it
differs from :func:`channel_tables`. The tables show the catalog as shipped
(``veo_tools/data/models.toml``), never a user's override. After changing that file::

    python -m veo_tools.docs --write README.md   # rewrite the block in place
    python -m veo_tools.docs --check README.md   # exit 1 if it is stale
    python -m veo_tools.docs                     # print the tables
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from veo_tools import money
from veo_tools.catalog import ENDPOINT_CHAT, Channel, Lifecycle, Model, Tier, shipped_catalog
from veo_tools.pricing import price_text

START = "<!-- channel-table:start (generated: python -m veo_tools.docs --write README.md) -->"
END = "<!-- channel-table:end -->"
CHANNELS: tuple[Channel, ...] = ("official", "reverse")
TIERS: tuple[Tier, ...] = ("fast", "standard")
CHANNEL_TITLES: dict[Channel, str] = {"official": "Official", "reverse": "Reverse"}


def _models(channel: Channel | None = None) -> list[Model]:
    return [m for m in shipped_catalog().all(channel) if m.is_veo]


def _beyond_veo() -> list[Model]:
    return [m for m in shipped_catalog().all() if not m.is_veo]


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    return [_row(header), _row("---" for _ in header), *(_row(r) for r in rows)]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _price(usd: float) -> str:
    return money.usd(usd)


def _seconds(model: Model) -> str:
    return ", ".join(str(s) for s in model.durations) + " s"


def _resolutions(model: Model) -> str:
    return ", ".join(r + ("*" if r in model.resolutions_need_8s else "") for r in model.resolutions)


def _orientation(model: Model) -> str:
    if model.fixed_aspect_ratio is None:
        return "16:9 or 9:16 (`aspect_ratio`)"
    return f"{model.fixed_aspect_ratio} (fixed by the id)"


def _images(model: Model) -> str:
    if model.max_images == 0:
        return "none"
    kind = "start/end frames" if model.frame_to_video else "reference image"
    span = "1" if model.max_images == 1 else f"1–{model.max_images}"
    return f"{span} ({kind})"


def _endpoints(model: Model) -> str:
    return ", ".join(
        f"`{e}`" + (" (SSE stream)" if e == ENDPOINT_CHAT else "") for e in model.endpoints
    )


def _render(model: Model) -> str:
    times = [f"{lo:g}–{hi:g} s" for lo, hi in model.render_time_s.values()]
    if len(set(times)) == 1:
        return times[0]
    return ", ".join(f"{r} {t}" for r, t in zip(model.render_time_s, times, strict=True))


def _status(model: Model) -> str:
    return _lifecycle(model.lifecycle)


def _lifecycle(life: Lifecycle) -> str:
    since = f" since {life.since.isoformat()}" if life.since else ""
    return f"{life.status}{since}"


def _notices() -> list[str]:
    """One line per distinct lifecycle notice: which models, what it says, where it is."""
    by_notice: dict[Lifecycle, list[str]] = {}
    for m in _models():
        if m.lifecycle.status != "active" or m.lifecycle.source:
            by_notice.setdefault(m.lifecycle, []).append(f"`{m.id}`")
    lines = []
    for life, ids in by_notice.items():
        parts = [f"- **{_lifecycle(life)}**: {', '.join(ids)}."]
        if life.replacement:
            parts.append(f" Replacement: {life.replacement}.")
        if life.note:
            parts.append(f" {life.note}")
        if life.source:
            parts.append(f" Source: <{life.source}>")
        lines.append("".join(parts))
    return lines


def _per_channel(describe: Callable[[Model], str]) -> list[str]:
    return ["; ".join(_unique(describe(m) for m in _models(c))) for c in CHANNELS]


def _prices(channel: Channel) -> str:
    by_tier = {m.tier: m.price_usd for m in _models(channel)}
    return " / ".join(f"{_price(by_tier[t])} {t}" for t in ("fast", "standard"))


def _orientations(channel: Channel) -> str:
    models = _models(channel)
    if all(m.fixed_aspect_ratio is None for m in models):
        return _orientation(models[0])
    fixed = _unique(sorted(m.fixed_aspect_ratio or "" for m in models))
    return "fixed by the model id: " + " or ".join(fixed)


def _image_support(channel: Channel) -> str:
    models = _models(channel)
    kinds = "; ".join(_unique(_images(m) for m in models if m.max_images)) or "none"
    if all(m.max_images for m in models) or kinds == "none":
        return kinds
    return f"{kinds}, on the frame-to-video models only"


def _render_times(channel: Channel) -> str:
    by_tier = {t: _unique(_render(m) for m in _models(channel) if m.tier == t) for t in TIERS}
    if len({tuple(v) for v in by_tier.values()}) == 1:
        return "; ".join(by_tier[TIERS[0]])
    return ", ".join(f"{t} {'; '.join(v)}" for t, v in by_tier.items())


def _channel_summary() -> list[str]:
    rows = [
        ["Models", *(str(len(_models(c))) for c in CHANNELS)],
        ["Price per video (any length or resolution)", *(_prices(c) for c in CHANNELS)],
        ["Seconds", *_per_channel(_seconds)],
        ["Resolutions (* needs 8 s)", *_per_channel(_resolutions)],
        ["Orientation", *(_orientations(c) for c in CHANNELS)],
        ["Images", *(_image_support(c) for c in CHANNELS)],
        ["Endpoints", *_per_channel(_endpoints)],
        ["Typical render time", *(_render_times(c) for c in CHANNELS)],
        ["Status (advice, see below)", *_per_channel(_status)],
    ]
    return _table(["", *(CHANNEL_TITLES[c] for c in CHANNELS)], rows)


def _model_table() -> list[str]:
    header = [
        "Model",
        "Channel",
        "Tier",
        "Price",
        "Seconds",
        "Resolutions",
        "Aspect ratio",
        "Images",
        "Stream",
        "Status",
    ]
    rows = [
        [
            f"`{m.id}`",
            CHANNEL_TITLES[m.channel],
            m.tier,
            _price(m.price_usd),
            _seconds(m),
            _resolutions(m),
            m.fixed_aspect_ratio or "16:9, 9:16",
            _images(m),
            "yes" if m.streaming else "no",
            _status(m),
        ]
        for m in _models()
    ]
    return _table(header, rows)


def _seconds_span(model: Model) -> str:
    low, high = model.durations[0], model.durations[-1]
    return f"{low}–{high} s (default {model.default_seconds})"


def _roles(model: Model) -> str:
    if not model.image_roles:
        return "none"
    names = {"first_frame": "first", "last_frame": "last", "reference_image": "references"}
    roles = "/".join(names[r] for r in model.image_roles)
    where = "" if model.local_images else ", https only"
    return f"up to {model.max_images} ({roles}{where})"


def _beyond_veo_table() -> list[str]:
    header = [
        "Model",
        "Channel",
        "Protocol",
        "Token group",
        "Tier",
        "Price",
        "Seconds",
        "Resolutions",
        "Images",
        "Audio",
        "Status",
    ]
    rows = [
        [
            f"`{m.id}`",
            m.channel,
            m.protocol,
            f"`{m.access_group}`",
            m.tier,
            price_text(m),
            _seconds_span(m),
            ", ".join(m.resolutions),
            _roles(m),
            m.audio,
            _status(m),
        ]
        for m in _beyond_veo()
    ]
    return _table(header, rows)


def channel_tables() -> str:
    """The README block: a channel-level comparison, one row per Veo model, the notices behind
    each Veo model's lifecycle status, then one row per model beyond Veo."""
    notices = _notices()
    lead = "Status is what the public notices say; a model named in a request is still sent:"
    beyond = (
        "Beyond Veo (the models APIYI points to since 2026-11-09; each needs an APIYI token in "
        "its group, pay-as-you-go; prices are estimates before the task, settled to the usage "
        "the API reports where it does):"
    )
    lines = [
        *_channel_summary(),
        "",
        *_model_table(),
        *(["", lead, "", *notices] if notices else []),
        "",
        beyond,
        "",
        *_beyond_veo_table(),
    ]
    return "\n".join(lines) + "\n"


def _split(text: str) -> tuple[str, str, str]:
    try:
        head, rest = text.split(START, 1)
        block, tail = rest.split(END, 1)
    except ValueError:
        raise ValueError(f"the markers {START!r} and {END!r} were not found") from None
    return head, block, tail


def replace_block(text: str, block: str) -> str:
    """``text`` with everything between the markers replaced by ``block``."""
    head, _, tail = _split(text)
    return f"{head}{START}\n{block}{END}{tail}"


def read_block(text: str) -> str:
    """What is between the markers now (without the newline after the start marker)."""
    return _split(text)[1].removeprefix("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m veo_tools.docs", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="README", help="rewrite the block")
    action.add_argument("--check", type=Path, metavar="README", help="exit 1 if it is stale")
    args = parser.parse_args(argv)
    block = channel_tables()
    if args.write:
        args.write.write_text(replace_block(args.write.read_text("utf-8"), block), "utf-8")
        return 0
    if args.check:
        if read_block(args.check.read_text("utf-8")) != block:
            sys.stderr.write(f"{args.check}: stale; run python -m veo_tools.docs --write\n")
            return 1
        return 0
    sys.stdout.write(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
