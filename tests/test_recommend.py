import pytest

from veo_tools.catalog import ENDPOINT_CHAT, ENDPOINT_VIDEOS, get_model, validate_request
from veo_tools.recommend import recommend_channel
from veo_tools.types import GenerateVideoInput, RecommendChannelInput


def rec(**kw: object):  # type: ignore[no-untyped-def]
    return recommend_channel(RecommendChannelInput.model_validate(kw))


# The seed's scenario table, row by row: scenario -> (channel, model, endpoint).
SCENARIO_ROWS = [
    ("batch_matrix", "reverse", "veo-3.1-landscape-fast", ENDPOINT_VIDEOS),
    ("client_delivery", "official", "veo-3.1-generate-preview", ENDPOINT_VIDEOS),
    ("live_progress_ui", "reverse", "veo-3.1-landscape-fast", ENDPOINT_CHAT),
    ("poster_to_motion", "reverse", "veo-3.1-landscape-fast-fl", ENDPOINT_VIDEOS),
    ("cinematic_4k", "official", "veo-3.1-generate-preview", ENDPOINT_VIDEOS),
    ("overseas_onboarding", "official", "veo-3.1-fast-generate-preview", ENDPOINT_VIDEOS),
    ("seed_exploration", "official", "veo-3.1-fast-generate-preview", ENDPOINT_VIDEOS),
    ("iterate_then_deliver", "reverse", "veo-3.1-landscape-fast", ENDPOINT_VIDEOS),
]


@pytest.mark.parametrize(("scenario", "channel", "model", "endpoint"), SCENARIO_ROWS)
def test_each_scenario_row_recommends_the_seed_table_model(
    scenario: str, channel: str, model: str, endpoint: str
) -> None:
    r = rec(scenario=scenario)
    assert (r.channel, r.model, r.endpoint) == (channel, model, endpoint)
    assert r.reasons[0].startswith("Scenario:")
    assert r.conflicts == []


def test_cinematic_4k_scenario_asks_for_4k_at_8_seconds() -> None:
    r = rec(scenario="cinematic_4k")
    assert r.generate_video_args["resolution"] == "4k"
    assert r.generate_video_args["seconds"] == 8


def test_iterate_then_deliver_names_the_delivery_model_in_its_reasons() -> None:
    r = rec(scenario="iterate_then_deliver")
    assert "veo-3.1-generate-preview" in r.reasons[0]
    assert any(a.model == "veo-3.1-generate-preview" for a in r.alternatives)


# Decision tree: Q1 frame-to-video, Q2 streaming progress, Q3 budget vs quality.
@pytest.mark.parametrize(
    ("needs", "model", "mode"),
    [
        ({"frame_to_video": True}, "veo-3.1-landscape-fast-fl", "async"),
        ({"frame_to_video": True, "priority": "quality"}, "veo-3.1-landscape-fl", "async"),
        ({"frame_to_video": True, "aspect_ratio": "9:16"}, "veo-3.1-fast-fl", "async"),
        ({"streaming_progress": True}, "veo-3.1-landscape-fast", "stream"),
        ({"streaming_progress": True, "priority": "quality"}, "veo-3.1-landscape", "stream"),
        ({"priority": "budget"}, "veo-3.1-landscape-fast", "async"),
        ({"priority": "quality"}, "veo-3.1-generate-preview", "async"),
        ({"priority": "iteration"}, "veo-3.1-landscape-fast", "async"),
        ({"priority": "balanced"}, "veo-3.1-fast-generate-preview", "async"),
        ({"priority": "balanced", "count": 500}, "veo-3.1-landscape-fast", "async"),
        ({"priority": "budget", "aspect_ratio": "9:16"}, "veo-3.1-fast", "async"),
    ],
)
def test_decision_tree_branches(needs: dict[str, object], model: str, mode: str) -> None:
    r = rec(**needs)
    assert (r.model, r.mode) == (model, mode)
    assert r.reasons and r.conflicts == []


@pytest.mark.parametrize(
    "needs",
    [
        {"resolution": "1080p", "priority": "budget"},
        {"resolution": "4k", "priority": "budget"},
        {"seconds": 4, "priority": "budget"},
        {"seconds": 6, "scenario": "batch_matrix"},
    ],
)
def test_official_only_needs_override_a_budget_preference(needs: dict[str, object]) -> None:
    r = rec(**needs)
    assert r.channel == "official"
    assert any(reason.startswith("Hard constraint") for reason in r.reasons)


@pytest.mark.parametrize(
    "needs",
    [
        {"frame_to_video": True, "priority": "quality"},
        {"reference_images": 2, "priority": "quality"},
        {"streaming_progress": True, "scenario": "client_delivery"},
    ],
)
def test_reverse_only_needs_override_a_quality_preference(needs: dict[str, object]) -> None:
    assert rec(**needs).channel == "reverse"


def test_4k_is_paired_with_the_standard_official_model() -> None:
    assert rec(resolution="4k").model == "veo-3.1-generate-preview"


def test_4k_frame_to_video_is_reported_as_a_conflict_with_nearest_options() -> None:
    r = rec(frame_to_video=True, resolution="4k")
    assert r.channel == "reverse" and r.model.endswith("-fl")
    assert len(r.conflicts) == 1
    assert "4k" in r.conflicts[0] and "Official image-to-video" in r.conflicts[0]


def test_streaming_with_1080p_picks_official_and_reports_the_lost_stream() -> None:
    r = rec(streaming_progress=True, resolution="1080p")
    assert r.channel == "official" and r.mode == "async"
    assert "live stream" in r.conflicts[0]


def test_one_reference_image_on_reverse_uses_an_fl_model() -> None:
    assert rec(reference_images=1, priority="budget").model == "veo-3.1-landscape-fast-fl"


def test_cost_estimate_multiplies_price_by_count() -> None:
    r = rec(scenario="batch_matrix", count=120)
    assert r.price_usd == 0.15
    assert r.estimated_cost_usd == 18.0
    assert r.render_time_s == (30.0, 60.0)


def test_alternatives_carry_price_and_a_trade_off() -> None:
    r = rec(priority="budget")
    assert {a.model for a in r.alternatives} >= {"veo-3.1-fast-generate-preview"}
    for alt in r.alternatives:
        assert alt.model != r.model
        assert alt.trade_off
        assert alt.price_usd == get_model(alt.model).price_usd


def test_alternatives_that_cannot_serve_the_request_say_why() -> None:
    r = rec(resolution="4k")
    reverse_alts = [a for a in r.alternatives if a.channel == "reverse"]
    assert reverse_alts and all("cannot serve" in a.trade_off for a in reverse_alts)


@pytest.mark.parametrize("scenario", [row[0] for row in SCENARIO_ROWS])
def test_generate_video_args_are_valid_input_for_that_model(scenario: str) -> None:
    r = rec(scenario=scenario)
    args = GenerateVideoInput.model_validate({"prompt": "a lighthouse", **r.generate_video_args})
    model = get_model(r.model)
    assert args.model in (None, model.id)
    assert args.channel in ("auto", model.channel)
    assert args.seconds is None or args.seconds in model.durations
    assert args.resolution is None or args.resolution in model.resolutions
    assert args.aspect_ratio is None or args.aspect_ratio in model.aspect_ratios
    validate_request(
        model,
        seconds=args.seconds,
        resolution=args.resolution,
        aspect_ratio=args.aspect_ratio,
    )


def test_recommend_with_no_needs_gives_a_sensible_default() -> None:
    r = recommend_channel()
    assert r.model == "veo-3.1-fast-generate-preview"
    assert r.count == 1 and r.estimated_cost_usd == 0.3
