import os
import subprocess
import sys
import zipfile
from datetime import date
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

import pytest

from veo_tools.catalog import (
    MODELS,
    Catalog,
    all_models,
    current,
    get_model,
    pick_model,
    prices_text,
    shipped_catalog,
    use,
    validate_request,
)
from veo_tools.engine.planning import plan_request
from veo_tools.errors import ConfigurationError, InvalidRequestError
from veo_tools.types import GenerateVideoInput

ROOT = Path(__file__).resolve().parent.parent


def test_catalog_has_two_official_and_eight_reverse_models() -> None:
    assert len(all_models("official")) == 2
    assert len(all_models("reverse")) == 8
    assert len(MODELS) == 25


def test_catalog_has_the_models_apiyi_points_to_beyond_veo() -> None:
    assert len(all_models("seedance")) == 4
    assert len(all_models("wan")) == 8
    assert len(all_models("grok")) == 3
    assert "wan2.7-videoedit" not in MODELS  # it edits a video, which the tools do not take


@pytest.mark.parametrize(
    ("model_id", "price"),
    [
        ("veo-3.1-generate-preview", 1.2),
        ("veo-3.1-fast-generate-preview", 0.3),
        ("veo-3.1", 0.25),
        ("veo-3.1-fl", 0.25),
        ("veo-3.1-fast", 0.15),
        ("veo-3.1-fast-fl", 0.15),
        ("veo-3.1-landscape", 0.25),
        ("veo-3.1-landscape-fl", 0.25),
        ("veo-3.1-landscape-fast", 0.15),
        ("veo-3.1-landscape-fast-fl", 0.15),
    ],
)
def test_every_documented_model_has_its_documented_price(model_id: str, price: float) -> None:
    assert get_model(model_id).price_usd == price


def test_models_are_found_by_channel_tier_orientation_and_frames() -> None:
    landscape_fast_fl = pick_model("reverse", fast=True, aspect_ratio="16:9", frame_to_video=True)
    assert landscape_fast_fl.id == "veo-3.1-landscape-fast-fl"
    assert pick_model("reverse", fast=False, aspect_ratio="9:16").id == "veo-3.1"
    assert pick_model("official", fast=True).id == "veo-3.1-fast-generate-preview"
    # Official has no frame-to-video model: its model for the tier takes a reference image.
    assert pick_model("official", fast=False, frame_to_video=True).id == "veo-3.1-generate-preview"


def test_reverse_orientation_is_fixed_by_the_id() -> None:
    assert get_model("veo-3.1-landscape").size("720p", "16:9") == "1280x720"
    assert get_model("veo-3.1").size("720p", "9:16") == "720x1280"
    assert pick_model("reverse", fast=True, aspect_ratio="9:16").id == "veo-3.1-fast"


def test_official_sizes_follow_resolution_and_aspect() -> None:
    m = get_model("veo-3.1-generate-preview")
    assert m.size("4k", "9:16") == "2160x3840"
    assert m.size("1080p", "16:9") == "1920x1080"


def test_render_times_come_from_the_docs() -> None:
    assert get_model("veo-3.1-generate-preview").render_time("4k") == (300.0, 360.0)
    assert get_model("veo-3.1-fast-generate-preview").render_time("720p") == (60.0, 90.0)
    assert get_model("veo-3.1-landscape-fast").render_time() == (30.0, 60.0)
    assert get_model("veo-3.1-landscape").render_time() == (60.0, 120.0)


def test_prices_text_reads_the_table() -> None:
    assert prices_text("official") == "$0.30 fast / $1.20 standard"
    assert prices_text("reverse") == "$0.15 fast / $0.25 standard"


def test_unknown_model_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidRequestError) as exc:
        get_model("veo-31")
    assert "veo-3.1-landscape-fast" in str(exc.value)
    assert exc.value.field == "model"


@pytest.mark.parametrize(
    ("model_id", "kwargs", "needle"),
    [
        (
            "veo-3.1-fast-generate-preview",
            {"seconds": 4, "resolution": "1080p"},
            "requires seconds=8",
        ),
        ("veo-3.1-generate-preview", {"seconds": 6, "resolution": "4k"}, "requires seconds=8"),
        ("veo-3.1-landscape-fast", {"seconds": 6}, "Only Official"),
        ("veo-3.1-landscape-fast", {"resolution": "4k"}, "need an Official model"),
        ("veo-3.1-landscape-fast-fl", {"image_count": 3}, "at most 2"),
        ("veo-3.1-landscape-fast", {"image_count": 1}, "veo-3.1-landscape-fast-fl"),
        ("veo-3.1-generate-preview", {"image_count": 2}, "exactly one"),
        ("veo-3.1-landscape", {"aspect_ratio": "9:16"}, "Use veo-3.1 for 9:16"),
    ],
)
def test_validation_refuses_what_the_model_cannot_do_and_names_a_fix(
    model_id: str, kwargs: dict[str, object], needle: str
) -> None:
    with pytest.raises(InvalidRequestError) as exc:
        validate_request(get_model(model_id), **kwargs)  # type: ignore[arg-type]
    assert needle in str(exc.value)


@pytest.mark.parametrize(
    ("model_id", "allowed", "one_step_too_far"),
    [
        (
            "veo-3.1-fast-generate-preview",
            {"seconds": 4, "resolution": "720p"},
            {"seconds": 4, "resolution": "1080p"},
        ),
        (
            "veo-3.1-generate-preview",
            {"seconds": 8, "resolution": "4k"},
            {"seconds": 6, "resolution": "4k"},
        ),
        (
            "veo-3.1-landscape-fast-fl",
            {"image_count": 2, "aspect_ratio": "16:9"},
            {"image_count": 3, "aspect_ratio": "16:9"},
        ),
        (
            "veo-3.1-generate-preview",
            {"image_count": 1, "aspect_ratio": "9:16"},
            {"image_count": 2, "aspect_ratio": "9:16"},
        ),
        # Official's default duration is 8 s, so 1080p without seconds is allowed.
        (
            "veo-3.1-generate-preview",
            {"resolution": "1080p"},
            {"resolution": "1080p", "seconds": 4},
        ),
    ],
)
def test_validation_accepts_what_the_docs_allow_and_nothing_past_it(
    model_id: str, allowed: dict[str, object], one_step_too_far: dict[str, object]
) -> None:
    model = get_model(model_id)
    assert validate_request(model, **allowed) is None  # type: ignore[arg-type,func-returns-value]
    with pytest.raises(InvalidRequestError):
        validate_request(model, **one_step_too_far)  # type: ignore[arg-type]


def test_the_shipped_data_file_loads_and_is_the_catalog_when_there_is_no_override() -> None:
    shipped = shipped_catalog()
    assert list(shipped.models) == list(MODELS)
    assert current().override_error is None and current().override_path is None
    assert get_model("veo-3.1").fixed_aspect_ratio == "9:16"
    assert get_model("veo-3.1-generate-preview").fixed_aspect_ratio is None
    assert get_model("veo-3.1-generate-preview").resolutions_need_8s == ("1080p", "4k")


def test_every_shipped_model_records_its_lifecycle_with_date_and_source() -> None:
    for model in shipped_catalog().models.values():
        if not model.is_veo:
            continue
        life = model.lifecycle
        assert life.status in ("retired", "unavailable"), model.id
        assert life.since is not None and life.source is not None, model.id
        assert life.source.startswith("https://docs.apiyi.com/en/live/"), model.id
        assert life.note, model.id


def test_the_official_preview_models_are_retired_with_googles_successor_named() -> None:
    for model in all_models("official"):
        life = model.lifecycle
        assert (life.status, life.since) == ("retired", date(2026, 10, 22))
        assert life.source == "https://docs.apiyi.com/en/live/2026-10/veo-3-1-preview-retired.md"
        assert life.replacement is not None and "gemini-omni-1.1-flash" in life.replacement
        assert life.note is not None and "2026-10-25" in life.note


def test_the_reverse_models_are_unavailable_and_the_note_names_apiyis_alternatives() -> None:
    for model in all_models("reverse"):
        life = model.lifecycle
        assert (life.status, life.since) == ("unavailable", date(2026, 11, 9))
        assert life.source == "https://docs.apiyi.com/en/live/2026-11/veo-3-1-official-offline.md"
        assert life.note is not None
        for name in ("Seedance 2.0/2.5", "Wan3.0", "Wan2.7", "HappyHorse", "Grok Imagine"):
            assert name in life.note
        assert "March, April and May 2026 (three in May)" in life.note


def test_a_retired_model_named_in_a_request_is_still_planned() -> None:
    plan = plan_request(
        GenerateVideoInput(prompt="a lighthouse", model="veo-3.1-generate-preview", seconds=4)
    )
    assert plan.model.lifecycle.status == "retired"
    assert plan.model.id == "veo-3.1-generate-preview" and plan.seconds == 4


def test_models_is_a_read_only_view_of_the_current_catalog() -> None:
    with pytest.raises(TypeError):
        MODELS["veo-3.2"] = get_model("veo-3.1")  # type: ignore[index]
    only_official = Catalog(MappingProxyType({m.id: m for m in all_models("official")}))
    use(only_official)
    assert list(MODELS) == ["veo-3.1-generate-preview", "veo-3.1-fast-generate-preview"]
    with pytest.raises(InvalidRequestError) as exc:
        get_model("veo-3.1")
    assert "Use one of: veo-3.1-generate-preview, veo-3.1-fast-generate-preview;" in str(exc.value)


def test_a_lookup_that_matches_no_model_says_what_was_asked() -> None:
    use(Catalog(MappingProxyType({m.id: m for m in all_models("official")})))
    with pytest.raises(ConfigurationError, match="channel=reverse, tier=fast"):
        pick_model("reverse", fast=True)


@pytest.mark.slow
def test_importing_the_package_loads_no_catalog_and_reads_no_override(tmp_path: Path) -> None:
    bad = tmp_path / "models.toml"
    bad.write_text("this is not toml", "utf-8")
    script = (
        "import veo_tools, veo_tools.cli, veo_tools.langchain, veo_tools.sandbox\n"
        "import mcp_server.server\n"
        "from veo_tools import catalog\n"
        "assert catalog._current is None, 'loaded at import time'\n"
        "print(catalog.get_model('veo-3.1').id)\n"
    )
    env = {**os.environ, "VEO_TOOLS_MODELS": str(bad), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    # The bad override is reported once, on stderr; stdout carries only what the script printed.
    assert done.stdout == "veo-3.1\n"
    assert done.stderr.count(f"Ignored the models override file {bad}") == 1


def test_the_wheel_ships_the_catalog_data_file(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("veo_tools/data/models.toml")
    assert shipped == (ROOT / "veo_tools" / "data" / "models.toml").read_bytes()
    assert files("veo_tools").joinpath("data", "models.toml").is_file()
