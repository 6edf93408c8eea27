from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from veo_tools.errors import (
    BudgetExceededError,
    ConfigurationError,
    InvalidRequestError,
    SubmitOutcomeUnknownError,
    TaskNotFoundError,
)
from veo_tools.sandbox import (
    FaultRule,
    SandboxConfig,
    StreamingASGITransport,
    create_app,
    end_frame_jpg,
    still_png,
)
from veo_tools.service import VeoService
from veo_tools.settings import SANDBOX_BASE_URL, Settings
from veo_tools.types import ProgressEvent, TaskView

OFFICIAL = {"prompt": "a lighthouse at dusk", "channel": "official"}


def is_mp4(path: str | None) -> bool:
    return path is not None and Path(path).read_bytes()[4:8] == b"ftyp"


def creates(svc: VeoService) -> int:
    assert svc.sandbox is not None
    return sum(svc.sandbox.stats().create_count.values())


async def test_official_text_to_video_completes_and_downloads(sandbox_settings: Settings) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate({**OFFICIAL, "wait_seconds": 30})
        assert view.status == "completed" and view.progress == 100 and view.billed
        assert is_mp4(view.video_path)
        assert Path(view.video_path or "").parent == sandbox_settings.output_dir.resolve()
        assert view.video_path and view.video_path.endswith(f"{view.task_id}.mp4")
        row = await svc.journal.get(view.task_id)
        assert row is not None and row.status == "completed" and row.remote_id
        assert row.video_path == view.video_path


async def test_generate_without_wait_returns_a_recorded_queued_task(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate(OFFICIAL)
        assert view.status in ("queued", "in_progress")
        assert view.task_id in view.next_step and view.eta_s is not None
        assert await svc.journal.get(view.task_id) is not None


async def test_a_new_service_on_the_same_state_dir_finishes_the_task(
    sandbox_settings: Settings,
) -> None:
    # One simulated API outlives two engines, as the real API outlives a restart.
    app = create_app(SandboxConfig(time_scale=sandbox_settings.time_scale))
    settings = dataclasses.replace(sandbox_settings, sandbox=False, base_url=SANDBOX_BASE_URL)
    async with VeoService(settings, transport=StreamingASGITransport(app)) as first:
        view = await first.generate(OFFICIAL)
    async with VeoService(settings, transport=StreamingASGITransport(app)) as second:
        done = await second.check_status(view.task_id, wait_seconds=30)
    assert done.status == "completed" and is_mp4(done.video_path)
    assert app.state.sandbox.stats().create_count["official"] == 1


async def test_client_time_out_during_submit_never_creates_a_second_paid_task(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, read_timeout=0.2)
    config = SandboxConfig(
        time_scale=settings.time_scale, hang_s=1.0, faults=(FaultRule("create", "hang"),)
    )
    async with VeoService(settings, sandbox_config=config) as svc:
        with pytest.raises(SubmitOutcomeUnknownError) as exc:
            await svc.generate(OFFICIAL)
        task_id = exc.value.task_id
        assert task_id and task_id in str(exc.value)
        again = await svc.generate(OFFICIAL)
        assert again.deduplicated and again.task_id == task_id
        assert again.status == "interrupted" and "Do not resubmit" in again.next_step
        assert svc.sandbox is not None and svc.sandbox.stats().requests["create"] == 1


async def test_content_policy_failure_is_failed_and_not_billed(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate(
            {"prompt": "[sandbox:content_policy] a fight", "channel": "reverse", "wait_seconds": 30}
        )
    assert view.status == "failed" and not view.billed
    assert view.error is not None and view.error.kind == "content_policy"
    assert "rephrase" in view.next_step


async def test_upstream_failure_is_retryable_and_not_billed(sandbox_settings: Settings) -> None:
    config = SandboxConfig(time_scale=sandbox_settings.time_scale, official_failure_error="object")
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate({**OFFICIAL, "prompt": "[sandbox:fail] x", "wait_seconds": 30})
    assert view.status == "failed" and not view.billed
    assert view.error is not None and view.error.kind == "upstream" and view.error.retryable


@pytest.mark.parametrize("failure", ["absent", "empty"])
async def test_a_silent_official_failure_is_an_inferred_content_policy_block(
    sandbox_settings: Settings, failure: str
) -> None:
    config = SandboxConfig(time_scale=sandbox_settings.time_scale, official_failure_error=failure)  # type: ignore[arg-type]
    async with VeoService(sandbox_settings, sandbox_config=config) as svc:
        view = await svc.generate({**OFFICIAL, "prompt": "[sandbox:fail] x", "wait_seconds": 30})
    assert view.status == "failed" and not view.billed
    assert view.error is not None and view.error.kind == "content_policy"
    assert not view.error.retryable and "inferred" in view.error.message
    assert "rephrase" in view.next_step


async def test_deadline_reached_returns_status_with_task_id_not_an_exception(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate({**OFFICIAL, "resolution": "4k", "wait_seconds": 0.05})
        assert view.status in ("queued", "in_progress")
        assert f"check_status(task_id='{view.task_id}'" in view.next_step


async def test_identical_request_within_the_window_is_deduplicated(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        first = await svc.generate({**OFFICIAL, "wait_seconds": 30})
        again = await svc.generate({**OFFICIAL, "wait_seconds": 30})
        assert again.deduplicated and again.task_id == first.task_id
        assert again.video_path == first.video_path
        assert creates(svc) == 1


async def test_force_new_and_fresh_idempotency_keys_pay_for_another_take(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        first = await svc.generate(OFFICIAL)
        forced = await svc.generate({**OFFICIAL, "force_new": True})
        keyed = await svc.generate({**OFFICIAL, "idempotency_key": "take-2"})
        same_key = await svc.generate({**OFFICIAL, "idempotency_key": "take-2"})
        assert len({first.task_id, forced.task_id, keyed.task_id}) == 3
        assert same_key.deduplicated and same_key.task_id == keyed.task_id
        assert creates(svc) == 3


async def test_budget_guard_refuses_with_spent_cap_price_and_how_to_raise(
    sandbox_settings: Settings,
) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.5)
    async with VeoService(settings) as svc:
        await svc.generate(OFFICIAL)
        with pytest.raises(BudgetExceededError) as exc:
            await svc.generate({**OFFICIAL, "prompt": "another video"})
        message = str(exc.value)
        assert "0.3" in message and "0.5" in message and "VEO_TOOLS_BUDGET_USD" in message
        assert creates(svc) == 1
        assert (await svc.list_tasks()).spent_24h_usd == 0.3


async def test_failed_tasks_do_not_count_against_the_budget(sandbox_settings: Settings) -> None:
    settings = dataclasses.replace(sandbox_settings, budget_usd=0.3)
    async with VeoService(settings) as svc:
        await svc.generate({**OFFICIAL, "prompt": "[sandbox:fail] x", "wait_seconds": 30})
        ok = await svc.generate({**OFFICIAL, "wait_seconds": 30})
        assert ok.status == "completed"


async def test_bad_input_is_refused_before_any_request(sandbox_settings: Settings) -> None:
    async with VeoService(sandbox_settings) as svc:
        with pytest.raises(InvalidRequestError, match="requires seconds=8"):
            await svc.generate({**OFFICIAL, "seconds": 4, "resolution": "1080p"})
        with pytest.raises(InvalidRequestError, match="outside"):
            await svc.generate({**OFFICIAL, "images": ["/etc/passwd"]})
        assert creates(svc) == 0 and await svc.journal.list() == []


async def test_official_image_to_video_from_a_local_still(sandbox_settings: Settings) -> None:
    still = sandbox_settings.input_dirs[0] / "still.png"
    still.write_bytes(still_png())
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate({**OFFICIAL, "images": [str(still)], "wait_seconds": 30})
    assert view.status == "completed" and is_mp4(view.video_path)


async def test_reverse_frame_to_video_streams_progress_and_downloads(
    sandbox_settings: Settings,
) -> None:
    start, end = (sandbox_settings.input_dirs[0] / n for n in ("start.png", "end.jpg"))
    start.write_bytes(still_png())
    end.write_bytes(end_frame_jpg())
    events: list[ProgressEvent] = []
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate(
            {
                "prompt": "animate",
                "images": [str(start), str(end)],
                "mode": "stream",
                "wait_seconds": 30,
            },
            on_progress=events.append,
        )
    assert view.model.endswith("-fl") and view.status == "completed"
    assert is_mp4(view.video_path) and view.video_url
    percentages = [e.progress for e in events if e.status == "in_progress"]
    assert percentages == sorted(percentages) and len(set(percentages)) >= 3


async def test_closing_the_service_mid_stream_marks_the_task_interrupted(
    sandbox_settings: Settings,
) -> None:
    svc = VeoService(sandbox_settings)
    view = await svc.generate({"prompt": "slow", "channel": "reverse", "mode": "stream"})
    await asyncio.sleep(0.01)
    journal_path = svc.journal.path
    await svc.aclose()
    from veo_tools.journal.store import Journal

    with Journal(journal_path) as journal:
        row = await journal.get(view.task_id)
    assert row is not None and row.status == "interrupted"


async def test_progress_callbacks_arrive_while_waiting(sandbox_settings: Settings) -> None:
    events: list[ProgressEvent] = []

    async def collect(event: ProgressEvent) -> None:
        events.append(event)

    async with VeoService(sandbox_settings) as svc:
        await svc.generate({**OFFICIAL, "wait_seconds": 30}, on_progress=collect)
    assert events and events[-1].status == "completed" and events[-1].progress == 100
    assert all(e.task_id == events[0].task_id for e in events)


async def test_check_status_of_an_unknown_task_says_how_to_find_tasks(
    sandbox_settings: Settings,
) -> None:
    async with VeoService(sandbox_settings) as svc:
        with pytest.raises(TaskNotFoundError, match="list_tasks"):
            await svc.check_status("x' OR 1=1 --")


async def test_download_is_idempotent(sandbox_settings: Settings) -> None:
    async with VeoService(sandbox_settings) as svc:
        view = await svc.generate({**OFFICIAL, "wait_seconds": 30})
        assert svc.sandbox is not None
        before = svc.sandbox.stats().requests["content"]
        again = await svc.download(view.task_id)
        assert again.video_path == view.video_path
        assert svc.sandbox.stats().requests["content"] == before


async def test_list_tasks_filters_by_status_and_reports_spend(sandbox_settings: Settings) -> None:
    async with VeoService(sandbox_settings) as svc:
        await svc.generate({**OFFICIAL, "wait_seconds": 30})
        await svc.generate({**OFFICIAL, "prompt": "[sandbox:fail] y", "wait_seconds": 30})
        everything = await svc.list_tasks()
        failed = await svc.list_tasks({"status": "failed"})
    assert len(everything.tasks) == 2 and [t.status for t in failed.tasks] == ["failed"]
    assert everything.spent_24h_usd == 0.3
    assert all(isinstance(t, TaskView) for t in everything.tasks)


async def test_sandbox_tasks_live_in_their_own_journal(sandbox_settings: Settings) -> None:
    async with VeoService(sandbox_settings) as svc:
        await svc.generate(OFFICIAL)
        assert svc.journal.path.parent == sandbox_settings.state_dir / "sandbox"
    real = dataclasses.replace(sandbox_settings, sandbox=False)
    assert real.journal_dir == sandbox_settings.state_dir


async def test_an_unwritable_output_dir_is_an_actionable_error(
    sandbox_settings: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the output directory should be")
    settings = dataclasses.replace(sandbox_settings, output_dir=blocker / "out")
    async with VeoService(settings) as svc:
        with pytest.raises(ConfigurationError, match="VEO_TOOLS_OUTPUT_DIR") as exc:
            await svc.generate({**OFFICIAL, "wait_seconds": 30})
        assert "is rendered" in str(exc.value)
        (row,) = await svc.journal.list()
        assert row.status == "completed"


async def test_reading_the_journal_needs_no_key_but_spending_does(tmp_path: Path) -> None:
    settings = Settings.from_env({}, state_dir=tmp_path / "state", output_dir=tmp_path / "out")
    async with VeoService(settings) as svc:
        assert (await svc.list_tasks()).tasks == []
        assert svc.recommend({"priority": "budget"}).channel == "reverse"
        with pytest.raises(ConfigurationError, match="APIYI_API_KEY"):
            await svc.generate(OFFICIAL)
        assert await svc.journal.list() == []
