import pytest

from veo_tools.engine.planning import plan_request
from veo_tools.errors import InvalidRequestError
from veo_tools.types import GenerateVideoInput


def plan(**kw: object):  # type: ignore[no-untyped-def]
    return plan_request(GenerateVideoInput.model_validate({"prompt": "a lighthouse", **kw}))


def test_auto_channel_goes_through_the_recommender() -> None:
    p = plan(priority="budget")
    assert p.model.id == "veo-3.1-landscape-fast"
    assert p.recommendation is not None and p.mode == "async"


def test_official_defaults_are_written_explicitly() -> None:
    p = plan(channel="official")
    assert (p.model.id, p.seconds, p.resolution, p.aspect_ratio) == (
        "veo-3.1-fast-generate-preview",
        8,
        "720p",
        "16:9",
    )


def test_explicit_model_wins_and_must_agree_with_channel() -> None:
    assert plan(model="veo-3.1-fast").model.id == "veo-3.1-fast"
    with pytest.raises(InvalidRequestError, match="belongs to the reverse channel"):
        plan(model="veo-3.1-fast", channel="official")


def test_two_images_pick_a_frame_to_video_model() -> None:
    p = plan(images=["a.png", "b.png"])
    assert p.model.id == "veo-3.1-landscape-fast-fl"


def test_portrait_reverse_uses_the_portrait_id() -> None:
    assert plan(channel="reverse", aspect_ratio="9:16").model.id == "veo-3.1-fast"


def test_4k_on_official_picks_the_standard_model() -> None:
    assert plan(channel="official", resolution="4k").model.id == "veo-3.1-generate-preview"


def test_seed_in_auto_mode_picks_official() -> None:
    assert plan(seed=42).model.channel == "official"


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"channel": "official", "seconds": 4, "resolution": "1080p"}, "requires seconds=8"),
        ({"channel": "reverse", "seconds": 6}, "Only Official"),
        ({"channel": "reverse", "resolution": "4k"}, "Official"),
        ({"model": "veo-3.1-fast", "images": ["a.png"]}, "does not take reference images"),
        ({"channel": "official", "images": ["a.png", "b.png"]}, "exactly one"),
        ({"model": "veo-9"}, "Unknown model"),
        ({"channel": "official", "mode": "stream"}, "only available on Reverse"),
        ({"channel": "reverse", "seed": 3}, "seed only works on Official"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_sent(
    kw: dict[str, object], needle: str
) -> None:
    with pytest.raises(InvalidRequestError, match=needle):
        plan(**kw)


def test_thirty_one_images_are_refused_by_the_input_model() -> None:
    with pytest.raises(ValueError, match="at most 30"):
        GenerateVideoInput(prompt="x", images=["a"] * 31)


def test_params_hold_everything_that_makes_the_video_differ() -> None:
    inp = GenerateVideoInput(prompt="x", channel="official", seed=5)
    params = plan_request(inp).params(inp, ["d1"])
    assert params["seed"] == 5 and params["images"] == ["d1"] and params["seconds"] == 8
