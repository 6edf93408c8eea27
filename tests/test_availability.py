"""The pure rule: lifecycle + live list + recent refusals -> one availability per model."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from veo_tools.availability import (
    DEFAULT_COOL_DOWN_S,
    LiveList,
    RecentRefusal,
    combine,
    judge,
)
from veo_tools.catalog import Lifecycle, Model, all_models, get_model

NOW = 1_800_000_000.0
FAST = "veo-3.1-fast"
NOTICE = "https://docs.apiyi.com/en/live/2026-10/veo-3-1-preview-retired.md"


def _with(status: str, model_id: str = FAST, **more: object) -> Model:
    life = Lifecycle(status=status, since=date(2026, 10, 22), source=NOTICE, **more)  # type: ignore[arg-type]
    return dataclasses.replace(get_model(model_id), lifecycle=life)


def _listed(*ids: str) -> LiveList:
    return LiveList(frozenset(ids), checked_at=NOW - 5)


def test_an_active_model_the_live_list_names_is_available_without_a_reason() -> None:
    verdict = judge(_with("active"), _listed(FAST), None, now=NOW)
    assert (verdict.state, verdict.reason, verdict.since, verdict.usable) == (
        "available",
        None,
        None,
        True,
    )


def test_an_active_model_the_live_list_leaves_out_is_unlisted() -> None:
    verdict = judge(_with("active"), _listed("veo-3.1"), None, now=NOW)
    assert verdict.state == "unlisted" and not verdict.usable
    assert verdict.reason is not None and "GET /v1/models" in verdict.reason


def test_an_empty_live_list_leaves_every_active_model_unlisted() -> None:
    active = [dataclasses.replace(m, lifecycle=Lifecycle()) for m in all_models()]
    result = combine(active, _listed(), {}, now=NOW)
    assert {a.state for a in result.values()} == {"unlisted"}


def test_a_failed_probe_makes_an_active_model_unknown_with_the_probe_error() -> None:
    live = LiveList(None, checked_at=NOW, error="GET /v1/models: the key was refused (HTTP 401)")
    verdict = judge(_with("active"), live, None, now=NOW)
    assert verdict.state == "unknown" and verdict.reason == live.error


def test_a_model_never_checked_is_unknown_and_says_so() -> None:
    verdict = judge(_with("active"), None, None, now=NOW)
    assert verdict.state == "unknown" and verdict.reason == "the live list was not checked"


@pytest.mark.parametrize("status", ["retired", "unavailable"])
def test_a_retired_model_missing_from_the_live_list_is_down_since_its_notice(status: str) -> None:
    verdict = judge(_with(status, replacement="veo-3.1"), _listed("veo-3.1"), None, now=NOW)
    assert verdict.state == "down"
    assert verdict.reason is not None
    assert f"{status} since 2026-10-22" in verdict.reason and NOTICE in verdict.reason
    assert "replacement: veo-3.1" in verdict.reason
    assert verdict.since == datetime(2026, 10, 22, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("status", ["retired", "unavailable"])
def test_a_retired_model_is_down_even_when_the_probe_failed(status: str) -> None:
    live = LiveList(None, checked_at=NOW, error="timed out")
    assert judge(_with(status), live, None, now=NOW).state == "down"


def test_a_retired_model_that_apiyi_lists_again_is_available_and_says_why() -> None:
    verdict = judge(_with("retired"), _listed(FAST), None, now=NOW)
    assert verdict.state == "available" and verdict.usable
    assert verdict.reason is not None and "lists it again" in verdict.reason


def test_a_degraded_listed_model_is_available_with_the_notice_as_reason() -> None:
    verdict = judge(_with("degraded"), _listed(FAST), None, now=NOW)
    assert verdict.state == "available"
    assert verdict.reason is not None and "degraded since 2026-10-22" in verdict.reason


def test_a_recent_refusal_holds_a_listed_model_down_for_the_cool_down() -> None:
    refusal = RecentRefusal(FAST, at=NOW - 60, message="no available channels")
    verdict = judge(get_model(FAST), _listed(FAST), refusal, now=NOW)
    assert verdict.state == "down" and verdict.since == NOW - 60
    assert verdict.reason is not None and "no available channels" in verdict.reason


def test_a_refusal_older_than_the_cool_down_no_longer_counts() -> None:
    refusal = RecentRefusal(FAST, at=NOW - DEFAULT_COOL_DOWN_S, message="no available channels")
    assert judge(get_model(FAST), _listed(FAST), refusal, now=NOW).state == "available"


def test_the_cool_down_is_configurable() -> None:
    refusal = RecentRefusal(FAST, at=NOW - 30, message="refused")
    assert judge(get_model(FAST), _listed(FAST), refusal, now=NOW, cool_down_s=10).usable
    assert not judge(get_model(FAST), _listed(FAST), refusal, now=NOW, cool_down_s=60).usable


def test_combine_answers_for_every_model_and_applies_each_refusal_to_its_own_model() -> None:
    ids = [m.id for m in all_models()]
    refusals = {FAST: RecentRefusal(FAST, at=NOW - 1, message="refused")}
    result = combine(all_models(), _listed(*ids), refusals, now=NOW)
    assert list(result) == ids
    assert result[FAST].state == "down"
    assert all(a.state == "available" for mid, a in result.items() if mid != FAST)
    assert all(a.lifecycle == get_model(mid).lifecycle for mid, a in result.items())
