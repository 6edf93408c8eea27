import pytest

from veo_tools.catalog import (
    MODELS,
    all_models,
    get_model,
    official_model_id,
    pick_model,
    prices_text,
    reverse_model_id,
    validate_request,
)
from veo_tools.errors import InvalidRequestError


def test_catalog_has_two_official_and_eight_reverse_models() -> None:
    assert len(all_models("official")) == 2
    assert len(all_models("reverse")) == 8
    assert len(MODELS) == 10


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


def test_reverse_ids_are_built_from_their_three_switches() -> None:
    assert reverse_model_id(landscape=True, fast=True, fl=True) == "veo-3.1-landscape-fast-fl"
    assert reverse_model_id(landscape=False, fast=False, fl=False) == "veo-3.1"
    assert official_model_id(fast=True) == "veo-3.1-fast-generate-preview"


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
