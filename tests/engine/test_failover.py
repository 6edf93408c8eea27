"""Failover on the in-process sandbox: a channel in an outage answers 503 `no available channels`.

Creates are counted at the simulator: ``requests["create"]`` is every create request it received
(refused or not), ``create_count`` the tasks it made, ``billed_usd`` its own billing ledger.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from veo_tools.availability import LiveList, ModelAvailability, combine
from veo_tools.catalog import all_models
from veo_tools.errors import BudgetExceededError, ModelUnavailableError, SubmitOutcomeUnknownError
from veo_tools.fallbacks import variants
from veo_tools.sandbox import FaultRule, SandboxConfig, still_png
from veo_tools.sandbox.state import SandboxStats
from veo_tools.service import VeoService
from veo_tools.settings import Settings

# The routing rules for models nobody announced as down (the shipped Veo ids are retired or
# paused; tests/cli/test_cli_models.py shows the shipped state).
pytestmark = pytest.mark.usefixtures("all_models_active")

PROMPT = {"prompt": "a lighthouse at dusk, waves and gulls"}
OFFICIAL_FAST = "veo-3.1-fast-generate-preview"
OFFICIAL_STD = "veo-3.1-generate-preview"
REVERSE_FAST = "veo-3.1-landscape-fast"
REVERSE_IDS = frozenset(m.id for m in all_models("reverse"))


def outage(settings: Settings, *channels: str, **config: Any) -> SandboxConfig:
    """Every create on these channels answers 503 `no available channels` (an outage)."""
    faults = tuple(FaultRule("create", "503", times=50, channel=c) for c in channels)  # type: ignore[arg-type]
    return SandboxConfig(time_scale=settings.time_scale, faults=faults, **config)


def stats(svc: VeoService) -> SandboxStats:
    assert svc.sandbox is not None
    return svc.sandbox.stats()


def listed_only(ids: frozenset[str]) -> Any:
    async def provider() -> Mapping[str, ModelAvailability]:
        return combine(all_models(), LiveList(ids, 0.0), {}, now=0.0)

    return provider


async def test_official_down_sends_an_unpinned_request_to_reverse_and_says_why(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate({**PROMPT, "wait_seconds": 30})
        assert view.status == "completed" and view.model == REVERSE_FAST and view.billed
        assert view.notes[0].startswith(f"{OFFICIAL_FAST} was refused as unavailable (")
        assert "no available channels" in view.notes[0]
        assert f"Sent to {REVERSE_FAST} instead; trade: $0.15 less per video" in view.notes[1]
        refused = [t for t in (await svc.list_tasks()).tasks if t.task_id != view.task_id]
        assert [(t.model, t.status, t.billed) for t in refused] == [
            (OFFICIAL_FAST, "failed", False)
        ]
        assert refused[0].error is not None and refused[0].error.kind == "model_unavailable"
        assert (await svc.list_tasks()).spent_24h_usd == 0.15
        s = stats(svc)
    assert s.requests["create"] == 2 and s.create_count == {"official": 0, "reverse": 1}
    assert s.billed_usd == {"official": 0.0, "reverse": 0.15}


async def test_reverse_down_sends_a_budget_request_to_official_fast(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "reverse")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate({**PROMPT, "priority": "budget", "wait_seconds": 30})
        assert view.status == "completed" and view.model == OFFICIAL_FAST
        assert view.notes[0].startswith(f"{REVERSE_FAST} was refused as unavailable")
        assert "$0.15 more per video" in view.notes[-1]
        s = stats(svc)
    assert s.create_count == {"official": 1, "reverse": 0}
    assert s.billed_usd == {"official": 0.3, "reverse": 0.0}


async def test_both_channels_down_tries_each_candidate_once_and_bills_nothing(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official", "reverse")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        with pytest.raises(ModelUnavailableError) as exc:
            await svc.generate(PROMPT)
        message = str(exc.value)
        assert message.startswith("No model that serves this request as asked is available")
        assert "Nothing was billed" in message and "veo-tools models --refresh" in message
        rows = (await svc.list_tasks()).tasks
        assert sorted(t.model for t in rows) == sorted(m.id for m in variants("16:9", False))
        assert all(t.status == "failed" and not t.billed for t in rows)
        assert (await svc.list_tasks()).spent_24h_usd == 0
        s = stats(svc)
    assert s.requests["create"] == 4 and sum(s.create_count.values()) == 0


@pytest.mark.parametrize(
    ("pin", "what"),
    [
        ({"model": OFFICIAL_FAST}, f"model='{OFFICIAL_FAST}'"),
        ({"channel": "official"}, "channel='official'"),
    ],
)
async def test_a_pinned_request_never_fails_over_and_names_what_would_serve_it(
    sandbox_settings: Settings, pin: dict[str, str], what: str
) -> None:
    config = outage(sandbox_settings, "official")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        with pytest.raises(ModelUnavailableError) as exc:
            await svc.generate({**PROMPT, **pin})
        message = str(exc.value)
        assert f"Not failed over, because the request pins {what}" in message
        assert REVERSE_FAST in message and "drop `model` and `channel`" in message
        (row,) = (await svc.list_tasks()).tasks
        assert row.status == "failed" and not row.billed and row.error is not None
        assert row.error.kind == "model_unavailable"
        s = stats(svc)
    assert s.requests["create"] == 1 and sum(s.create_count.values()) == 0


async def test_explicit_arguments_limit_the_candidates_4_seconds_stays_on_official(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        with pytest.raises(ModelUnavailableError) as exc:
            await svc.generate({**PROMPT, "seconds": 4})
        assert OFFICIAL_FAST in str(exc.value) and OFFICIAL_STD in str(exc.value)
        assert REVERSE_FAST not in str(exc.value)
        s = stats(svc)
    assert s.requests["create"] == 2 and s.create_count["reverse"] == 0


async def test_the_refused_row_is_not_counted_against_the_budget(
    sandbox_settings: Settings,
) -> None:
    # $0.30 cap: reverse fast ($0.15) refused, then official fast ($0.30) fits only because the
    # refused row counts for nothing.
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.3)
    config = outage(settings, "reverse")
    async with VeoService(settings, sandbox_config=config) as svc:
        view = await svc.generate({**PROMPT, "priority": "budget"})
        assert view.model == OFFICIAL_FAST and view.status != "failed"
        assert (await svc.list_tasks()).spent_24h_usd == 0.3


async def test_the_budget_refuses_a_dearer_candidate_which_is_skipped_not_sent(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.2)
    config = outage(settings, "reverse")
    async with VeoService(settings, sandbox_config=config) as svc:
        with pytest.raises(ModelUnavailableError) as exc:
            await svc.generate({**PROMPT, "priority": "budget"})
        message = str(exc.value)
        assert f"{OFFICIAL_FAST} was skipped: Budget guard" in message
        assert f"{REVERSE_FAST} was refused as unavailable" in message
        assert "veo-3.1-landscape was skipped: Budget guard" in message
        assert (await svc.list_tasks()).spent_24h_usd == 0
        s = stats(svc)
    assert s.create_count == {"official": 0, "reverse": 0}
    assert s.requests["create"] == 1  # only Reverse fast left; the dearer ones were not sent


async def test_a_request_over_the_budget_by_itself_is_refused_as_before(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.2)
    async with VeoService(settings, sandbox_config=outage(settings, "official")) as svc:
        with pytest.raises(BudgetExceededError):
            await svc.generate(PROMPT)  # official fast, $0.30: over the cap before any refusal
        assert stats(svc).requests.get("create", 0) == 0


async def test_an_unknown_outcome_stops_the_failover_nothing_is_sent_twice(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, read_timeout=0.2)
    config = SandboxConfig(
        time_scale=settings.time_scale, hang_s=1.0, faults=(FaultRule("create", "hang"),)
    )
    async with VeoService(settings, sandbox_config=config) as svc:
        with pytest.raises(SubmitOutcomeUnknownError):
            await svc.generate(PROMPT)
        (row,) = (await svc.list_tasks()).tasks
        assert row.status == "interrupted" and row.model == OFFICIAL_FAST
        assert stats(svc).requests["create"] == 1


async def test_a_repeat_after_failover_is_deduplicated_and_paid_once(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        first = await svc.generate({**PROMPT, "wait_seconds": 30})
        # By now the availability answer knows Official is down (the other helper's probe
        # reads the refusal from the journal); the repeat does not ask Official again.
        svc._eng.availability_provider = listed_only(REVERSE_IDS)
        again = await svc.generate({**PROMPT, "wait_seconds": 30})
        assert again.deduplicated and again.task_id == first.task_id
        assert f"{OFFICIAL_FAST} is unlisted" in again.notes[0] and "not sent" in again.notes[0]
        s = stats(svc)
    assert s.requests["create"] == 2  # the first call's refusal and its Reverse create
    assert s.create_count["reverse"] == 1 and s.billed_usd["reverse"] == 0.15


async def test_a_known_outage_is_routed_around_before_anything_is_sent(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official")
    async with VeoService(
        sandbox_settings, sandbox_config=config, availability_provider=listed_only(REVERSE_IDS)
    ) as svc:
        view = await svc.generate(PROMPT)
        assert view.model == REVERSE_FAST
        assert len((await svc.list_tasks()).tasks) == 1
        assert stats(svc).requests["create"] == 1


async def test_the_idempotency_key_moves_to_the_model_that_took_the_request(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate({**PROMPT, "idempotency_key": "take-1"})
        again = await svc.generate({**PROMPT, "idempotency_key": "take-1"})
        assert again.deduplicated and again.task_id == view.task_id
        assert view.model == REVERSE_FAST
        assert (await svc.journal.get(view.task_id)).idempotency_key == "take-1"  # type: ignore[union-attr]
        assert stats(svc).create_count["reverse"] == 1


async def test_unpinned_batch_items_fail_over_and_pinned_ones_do_not(
    sandbox_settings: Settings,
) -> None:
    config = outage(sandbox_settings, "official")
    items = [
        {"prompt": "clip one"},
        {"prompt": "clip two", "priority": "quality"},
        {"prompt": "clip three", "channel": "official"},
    ]
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate_batch(items)
        s = stats(svc)
    by_index = {i.index: i for i in view.items}
    assert by_index[0].status == "completed" and by_index[0].model == REVERSE_FAST
    assert by_index[1].status == "completed" and by_index[1].model == "veo-3.1-landscape"
    assert by_index[2].status == "failed" and by_index[2].error is not None
    assert by_index[2].error.kind == "model_unavailable"
    assert view.spent_usd == 0.4
    assert s.create_count == {"official": 0, "reverse": 2}
    assert s.billed_usd["reverse"] == 0.4


async def test_image_requests_fail_over_only_to_models_that_take_the_image(
    sandbox_settings: Settings,
) -> None:
    still = sandbox_settings.input_dirs[0] / "still.png"
    still.write_bytes(still_png())
    config = outage(sandbox_settings, "official")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate({**PROMPT, "images": [str(still)], "wait_seconds": 30})
        assert view.status == "completed" and view.model == "veo-3.1-landscape-fast-fl"
