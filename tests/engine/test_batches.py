from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn

from veo_tools.engine.batches import expand
from veo_tools.errors import BudgetExceededError, InvalidRequestError
from veo_tools.journal.store import Journal
from veo_tools.sandbox import (
    Sandbox,
    SandboxConfig,
    StreamingASGITransport,
    create_app,
    make_server,
    still_png,
)
from veo_tools.service import VeoService
from veo_tools.settings import SANDBOX_BASE_URL, Settings


def items(n: int, channel: str = "reverse") -> list[dict[str, object]]:
    return [{"prompt": f"clip number {i}", "channel": channel} for i in range(n)]


async def test_fifty_item_batch_with_faults_completes_the_rest(sandbox_settings: Settings) -> None:
    batch = items(50)
    batch[3]["prompt"] = "[sandbox:content_policy] clip 3"
    batch[17]["prompt"] = "[sandbox:fail] clip 17"
    batch[30]["prompt"] = "[sandbox:500] clip 30"  # a transient 500 on create: retried
    async with VeoService(sandbox_settings, max_retries=2) as svc:
        svc._eng.http.sleep = _no_sleep  # type: ignore[method-assign]
        view = await svc.generate_batch(batch, concurrency=8)
        stats = svc.sandbox.stats() if svc.sandbox else None
    assert view.status == "completed" and view.total == 50
    assert view.counts == {"completed": 48, "failed": 2}
    assert {f.index for f in view.failed} == {3, 17}
    assert [i.index for i in view.items] == list(range(50))
    assert all(Path(i.video_path or "").is_file() for i in view.items if i.status == "completed")
    assert view.spent_usd == pytest.approx(48 * 0.15)
    assert stats is not None and stats.create_count["reverse"] == 50
    assert stats.max_in_flight["reverse"] <= 8


async def _no_sleep(_seconds: float) -> None:
    return None


async def test_per_channel_caps_hold_at_every_instant(sandbox_settings: Settings) -> None:
    batch = items(12, "official") + items(12, "reverse")
    async with VeoService(sandbox_settings) as svc:
        await svc.generate_batch(batch, concurrency={"official": 3, "reverse": 5})
        assert svc.sandbox is not None
        peak = svc.sandbox.stats().max_in_flight
    assert peak["official"] == 3 and peak["reverse"] == 5


async def test_dry_run_equals_the_real_spend(sandbox_settings: Settings) -> None:
    batch = [
        *items(4, "official"),
        *items(3),
        {"prompt": "seeds", "channel": "official", "seeds": [1, 2]},
    ]
    async with VeoService(sandbox_settings) as svc:
        plan = await svc.plan_batch(batch)
        assert svc.sandbox is not None and sum(svc.sandbox.stats().create_count.values()) == 0
        view = await svc.generate_batch(batch)
        billed = sum(svc.sandbox.stats().billed_usd.values())
    assert plan.total_usd == pytest.approx(6 * 0.3 + 3 * 0.15)
    assert view.spent_usd == pytest.approx(plan.total_usd) == pytest.approx(billed)


def test_seeds_and_variants_expand_into_items_that_differ_only_by_seed() -> None:
    out = expand(
        [
            {"prompt": "a fox", "channel": "official", "seeds": [7, 8, 9]},
            {"prompt": "a cat", "channel": "official", "variants": 4},
        ]
    )
    assert [i.seed for i in out[:3]] == [7, 8, 9]
    assert len(out) == 7 and len({i.seed for i in out[3:]}) == 4
    assert {i.prompt for i in out[:3]} == {"a fox"}


async def test_an_invalid_item_stops_the_batch_before_anything_is_spent(
    sandbox_settings: Settings,
) -> None:
    batch = [*items(3), {"prompt": "x", "channel": "reverse", "seconds": 4}]
    async with VeoService(sandbox_settings) as svc:
        with pytest.raises(InvalidRequestError, match="Batch item 3"):
            await svc.generate_batch(batch)
        assert await svc.journal.list() == []


async def test_the_budget_is_checked_for_the_whole_batch_first(sandbox_settings: Settings) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=1.0)
    async with VeoService(settings) as svc:
        with pytest.raises(BudgetExceededError, match=r"batch costs \$1.50"):
            await svc.generate_batch(items(10))
        assert await svc.journal.list() == []


async def test_identical_items_are_deduplicated_not_paid_twice(sandbox_settings: Settings) -> None:
    batch = [{"prompt": "same", "channel": "reverse"}] * 3
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate_batch(batch)
        assert svc.sandbox is not None
        assert svc.sandbox.stats().create_count["reverse"] == 1
    assert len({i.task_id for i in view.items}) == 1
    assert [i.deduplicated for i in view.items] == [False, True, True]


async def test_a_batch_returns_at_once_when_not_waiting_and_check_status_follows(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate_batch(items(6), wait=False)
        assert view.status == "running" and all(i.task_id for i in view.items)
        for _ in range(200):
            view = await svc.batch_status(view.batch_id)
            if view.status == "completed":
                break
            await _pause()
    assert view.counts == {"completed": 6}


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.02)


async def test_rerender_moves_a_reverse_draft_to_official_standard(
    sandbox_settings: Settings,
) -> None:
    start = sandbox_settings.input_dirs[0] / "start.png"
    start.write_bytes(still_png())
    end = sandbox_settings.input_dirs[0] / "end.png"
    end.write_bytes(still_png())
    async with VeoService(sandbox_settings) as svc:
        draft = await svc.generate(
            {
                "prompt": "a kite",
                "images": [str(start), str(end)],
                "channel": "reverse",
                "wait_seconds": 30,
            }
        )
        final = await svc.generate(
            {"from_task_id": draft.task_id, "resolution": "1080p", "wait_seconds": 30}
        )
    assert draft.model == "veo-3.1-landscape-fast-fl"
    assert final.model == "veo-3.1-generate-preview" and final.status == "completed"
    assert any("dropped the end frame" in n for n in final.notes)
    assert final.prompt == "a kite"


# ---- killed midway, then resumed ------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from veo_tools.service import VeoService
    from veo_tools.settings import SANDBOX_BASE_URL, Settings

    async def main() -> None:
        settings = Settings.from_env({}, api_key="sk-test", base_url=sys.argv[1],
                                     time_scale=float(sys.argv[2]), state_dir=sys.argv[3],
                                     output_dir=sys.argv[4])
        async with VeoService(settings) as svc:
            items = [{"prompt": f"clip number {i}", "channel": "reverse"} for i in range(50)]
            await svc.generate_batch(items, concurrency=5)

    asyncio.run(main())
    """
)


@pytest.fixture
def loopback_sandbox(serve_in_thread: Callable[[uvicorn.Server], str]) -> tuple[str, Sandbox]:
    server = make_server(port=0, config=SandboxConfig(time_scale=0.005), log_level="warning")
    return serve_in_thread(server), server.config.app.state.sandbox  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_a_killed_batch_resumes_without_submitting_anything_twice(
    tmp_path: Path, loopback_sandbox: tuple[str, Sandbox]
) -> None:
    url, sandbox = loopback_sandbox
    state, out = tmp_path / "state", tmp_path / "out"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, "0.005", str(state), str(out)],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    deadline = time.monotonic() + 30
    while sum(sandbox.stats().create_count.values()) < 15 and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    created_before = sum(sandbox.stats().create_count.values())
    assert 15 <= created_before < 50

    with Journal.in_state_dir(state) as journal:
        batch_id = (await journal.list(limit=1))[0].batch_id
    assert batch_id
    settings = Settings.from_env(
        {}, api_key="sk-test", base_url=url, time_scale=0.005, state_dir=state, output_dir=out
    )
    async with VeoService(settings) as svc:
        view = await svc.resume_batch(batch_id, concurrency=5)
    creates = sum(sandbox.stats().create_count.values())
    remote_ids = [t.id for t in sandbox.stats().tasks]
    assert len(remote_ids) == len(set(remote_ids)) == creates <= 50
    assert view.total == 50 and len({i.task_id for i in view.items}) == 50
    completed = view.counts.get("completed", 0)
    assert completed + view.counts.get("interrupted", 0) == 50
    assert completed >= 50 - 5  # at most one create per slot can have been cut mid-flight
    # An interrupted item's create may or may not have reached the server; none was sent twice.
    assert completed <= creates <= completed + view.counts.get("interrupted", 0)


async def test_a_batch_is_running_until_its_last_video_is_saved(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate_batch(items(4), wait=False)
        while (view := await svc.batch_status(view.batch_id)).status == "running":
            await _pause()
    assert view.status == "completed"
    assert all(i.video_path and Path(i.video_path).is_file() for i in view.items)


async def test_check_status_of_a_stopped_batch_resumes_it(sandbox_settings: Settings) -> None:
    # One simulated API outlives both engines, as the real one would.
    app = create_app(SandboxConfig(time_scale=sandbox_settings.time_scale))
    settings = dataclasses.replace(sandbox_settings, sandbox=False, base_url=SANDBOX_BASE_URL)
    async with VeoService(settings, transport=StreamingASGITransport(app)) as first:
        view = await first.generate_batch(items(6), wait=False, concurrency=1)
        await _pause()
    # ``first`` closed with items still pending: nobody runs the batch any more.
    async with VeoService(settings, transport=StreamingASGITransport(app)) as second:
        stopped = await second.batch_status(view.batch_id)
        assert stopped.status == "incomplete" and "resume" in stopped.next_step
        seen: list[str] = []
        done = await second.follow_batch(
            view.batch_id, wait_seconds=60, on_progress=lambda v: seen.append(v.status)
        )
    assert done.status == "completed" and seen[-1] == "completed" and "running" in seen
    assert done.counts.get("completed", 0) + done.counts.get("interrupted", 0) == 6


async def test_a_batch_item_can_be_a_rerender(sandbox_settings: Settings) -> None:
    async with VeoService(sandbox_settings) as svc:
        draft = await svc.generate({"prompt": "a kite", "channel": "reverse", "wait_seconds": 30})
        view = await svc.generate_batch(
            [{"from_task_id": draft.task_id}, {"from_task_id": draft.task_id, "seed": 9}]
        )
        (first, second) = [await svc.journal.get(i.task_id or "") for i in view.items]
    assert view.status == "completed"
    assert first and second and first.model == "veo-3.1-generate-preview"
    assert first.prompt == second.prompt == "a kite"


async def test_rerender_ignores_arguments_left_at_their_defaults(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        draft = await svc.generate({"prompt": "a kite", "channel": "reverse", "wait_seconds": 30})
        # As LangChain sends it: every field present, most at their defaults.
        final = await svc.generate(
            {
                "from_task_id": draft.task_id,
                "prompt": "",
                "images": [],
                "force_new": False,
                "wait_seconds": 30,
            }
        )
    assert final.prompt == "a kite" and final.status == "completed"


async def test_dry_run_prices_rerender_items_as_they_will_be_sent(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        draft = await svc.generate({"prompt": "a kite", "channel": "reverse", "wait_seconds": 30})
        plan = await svc.plan_batch([{"from_task_id": draft.task_id}])
        view = await svc.generate_batch([{"from_task_id": draft.task_id, "seed": 4}])
        assert (await svc.task_view(view.items[0].task_id or "")).seed == 4
    assert plan.items[0].model == "veo-3.1-generate-preview" and plan.total_usd == 1.2
    assert view.items[0].seed == 4
