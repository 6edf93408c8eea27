"""The recommender with an availability map: the tree decides among models that are up."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

import pytest
from test_recommend import SCENARIO_ROWS

from veo_tools.availability import LiveList, ModelAvailability, RecentRefusal, combine
from veo_tools.catalog import Lifecycle, Model, all_models, get_model, validate_request
from veo_tools.recommend import recommend_channel
from veo_tools.types import GenerateVideoInput, Recommendation, RecommendChannelInput

# The routing rules for models nobody announced as down (the shipped Veo ids are retired or
# paused; tests/cli/test_cli_models.py shows the shipped state).
pytestmark = pytest.mark.usefixtures("all_models_active")

EVERY = frozenset(m.id for m in all_models())
OFFICIAL = frozenset(m.id for m in all_models("official"))
REVERSE = frozenset(m.id for m in all_models("reverse"))
NOTICE = "https://docs.apiyi.com/en/live/2026-10/veo-3-1-preview-retired.md"


def availability(
    listed: Iterable[str] | None = EVERY,
    *,
    refused: Iterable[str] = (),
    models: Iterable[Model] | None = None,
) -> dict[str, ModelAvailability]:
    live = LiveList(None if listed is None else frozenset(listed), 0.0, error="connect refused")
    refusals = {m: RecentRefusal(m, 10.0, "no available channels") for m in refused}
    return combine(models or all_models(), live, refusals, now=20.0)


def rec(av: dict[str, ModelAvailability], **needs: object) -> Recommendation:
    return recommend_channel(RecommendChannelInput.model_validate(needs), av)


@pytest.mark.parametrize(("scenario", "channel", "model", "endpoint"), SCENARIO_ROWS)
def test_each_scenario_keeps_its_answer_when_every_model_is_up(
    scenario: str, channel: str, model: str, endpoint: str
) -> None:
    r = rec(availability(), scenario=scenario)
    assert (r.channel, r.model, r.endpoint) == (channel, model, endpoint)
    assert r.best_fit is None and r.warnings == []
    assert r.availability is not None and r.availability.state == "available"
    assert all(a.availability and a.availability.state == "available" for a in r.alternatives)
    plain = recommend_channel(RecommendChannelInput.model_validate({"scenario": scenario}))
    skip = {"availability", "alternatives"}
    assert r.model_dump(exclude=skip) == plain.model_dump(exclude=skip)


def test_without_a_map_nothing_is_said_about_availability() -> None:
    r = recommend_channel(RecommendChannelInput())
    assert r.availability is None and r.best_fit is None and r.warnings == []
    assert all(a.availability is None for a in r.alternatives)


def test_official_down_recommends_reverse_fast_and_names_the_trade() -> None:
    r = rec(availability(REVERSE))
    assert r.model == "veo-3.1-landscape-fast" and r.channel == "reverse"
    assert r.best_fit == "veo-3.1-fast-generate-preview"
    assert r.availability is not None and r.availability.state == "available"
    (warning,) = r.warnings
    assert "$0.15 less per video" in warning and "no 4/6 s clips" in warning
    assert "Availability: veo-3.1-fast-generate-preview is unlisted" in r.reasons[-1]
    down = {a.model: a.availability.state for a in r.alternatives if a.availability}
    assert down["veo-3.1-fast-generate-preview"] == "unlisted"
    assert r.generate_video_args == {
        "channel": "reverse",
        "model": "veo-3.1-landscape-fast",
        "mode": "async",
    }


def test_a_refused_official_standard_falls_back_on_the_same_channel_for_quality() -> None:
    r = rec(availability(refused=["veo-3.1-generate-preview"]), priority="quality")
    assert r.model == "veo-3.1-fast-generate-preview"
    assert r.best_fit == "veo-3.1-generate-preview"
    assert "$0.90 less per video" in r.warnings[0] and "fast tier" in r.warnings[0]
    assert "its latest task was refused as unavailable" in r.reasons[-1]


def test_4k_with_official_down_recommends_reverse_and_says_4k_is_lost() -> None:
    r = rec(availability(REVERSE), resolution="4k")
    assert r.channel == "reverse" and r.best_fit == "veo-3.1-generate-preview"
    assert "cannot do what was asked: 4k is only rendered by Official" in r.warnings[0]
    assert "resolution" not in r.generate_video_args


def test_reverse_down_sends_budget_work_to_official_fast() -> None:
    r = rec(availability(OFFICIAL), priority="budget")
    assert r.model == "veo-3.1-fast-generate-preview"
    assert r.best_fit == "veo-3.1-landscape-fast"
    assert "$0.15 more per video" in r.warnings[0]


def test_reverse_down_for_frame_to_video_says_official_cannot_do_it() -> None:
    r = rec(availability(OFFICIAL), scenario="poster_to_motion")
    assert r.channel == "official" and r.best_fit == "veo-3.1-landscape-fast-fl"
    assert "frame-to-video is only on the Reverse '-fl' models" in r.warnings[0]
    assert "no end frame" in r.warnings[0]


def test_both_channels_down_still_answers_the_best_fit_and_says_a_create_would_fail() -> None:
    r = rec(availability(frozenset()), scenario="client_delivery")
    assert r.model == "veo-3.1-generate-preview" and r.best_fit is None
    assert r.availability is not None and r.availability.state == "unlisted"
    (warning,) = r.warnings
    assert warning.startswith("Nothing that fits is available now")
    assert "model_unavailable" in warning and "veo-tools models --refresh" in warning
    assert all(m in warning for m in ("veo-3.1-landscape", "veo-3.1-fast-generate-preview"))


def test_a_failed_probe_keeps_the_best_fit_and_says_availability_is_unknown() -> None:
    r = rec(availability(None))
    assert r.model == "veo-3.1-fast-generate-preview" and r.best_fit is None
    assert r.availability is not None and r.availability.state == "unknown"
    assert "could not be checked (connect refused)" in r.warnings[0]


def _retired(model_id: str) -> list[Model]:
    life = Lifecycle(status="retired", since=date(2026, 10, 22), source=NOTICE)
    return [dataclasses.replace(m, lifecycle=life) if m.id == model_id else m for m in all_models()]


def test_a_retired_model_listed_again_is_recommended_and_the_reason_says_so() -> None:
    av = availability(models=_retired("veo-3.1-generate-preview"))
    r = rec(av, scenario="cinematic_4k")
    assert r.model == "veo-3.1-generate-preview" and r.best_fit is None and r.warnings == []
    assert r.availability is not None and r.availability.state == "available"
    assert "retired since 2026-10-22" in (r.availability.reason or "")
    assert "lists it again" in (r.availability.reason or "")


def test_a_retired_model_not_listed_is_down_and_never_recommended_silently() -> None:
    av = availability(
        EVERY - {"veo-3.1-generate-preview"}, models=_retired("veo-3.1-generate-preview")
    )
    r = rec(av, scenario="cinematic_4k")
    assert r.model == "veo-3.1-fast-generate-preview"
    assert r.best_fit == "veo-3.1-generate-preview"
    assert "the catalog says retired since 2026-10-22" in r.reasons[-1] and NOTICE in r.reasons[-1]


@pytest.mark.parametrize("listed", [REVERSE, OFFICIAL, EVERY - {"veo-3.1-landscape-fast"}])
@pytest.mark.parametrize("scenario", [row[0] for row in SCENARIO_ROWS])
def test_a_substitute_is_available_and_its_arguments_are_valid(
    listed: frozenset[str], scenario: str
) -> None:
    r = rec(availability(listed), scenario=scenario)
    assert r.model in listed
    plain = recommend_channel(RecommendChannelInput.model_validate({"scenario": scenario}))
    assert (r.best_fit is None) == (plain.model == r.model)
    args = GenerateVideoInput.model_validate({"prompt": "a lighthouse", **r.generate_video_args})
    validate_request(
        get_model(r.model),
        seconds=args.seconds,
        resolution=args.resolution,
        aspect_ratio=args.aspect_ratio,
    )
