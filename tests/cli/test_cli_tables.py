"""The tables keep what people copy (ids, prices, statuses) whole at any width, and the CLI
honours ``COLUMNS`` when its output is piped."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from veo_tools.cli.batch_report import batch_table, plan_view
from veo_tools.cli.context import Cli
from veo_tools.cli.render import task_list_table
from veo_tools.types import BatchItemView, BatchPlan, BatchPlanItem, BatchView, TaskList, TaskView

TASK_ID = "veo_7a1f2fc7715cb4f0"
PROMPT = (
    "A slow dolly shot through a rain-soaked neon market at night, steam rising from food "
    "stalls, reflections everywhere, cinematic lighting"
)


def render(renderable: object, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(renderable)
    return buffer.getvalue()


def a_task(task_id: str = TASK_ID) -> TaskView:
    return TaskView(
        task_id=task_id,
        channel="official",
        model="veo-3.1-fast-generate-preview",
        status="in_progress",
        progress=40,
        price_usd=0.3,
        billed=True,
        next_step="wait",
        created_at="2026-10-20T09:15:02+00:00",
        elapsed_s=12.0,
        video_path="/srv/videos/output/a-rather-long-directory-name/" + task_id + ".mp4",
        prompt=PROMPT,
    )


@pytest.mark.parametrize("width", [80, 200])
def test_the_task_list_never_cuts_an_id_a_price_or_a_status(width: int) -> None:
    second = "veo_0123456789abcdef"
    text = render(
        task_list_table(TaskList(tasks=[a_task(), a_task(second)], spent_24h_usd=0.6)), width
    )
    assert TASK_ID in text and second in text
    assert "$0.30" in text and "in_progress 40%" in text
    assert "…" not in text


@pytest.mark.parametrize("width", [80, 200])
def test_a_dry_run_at_any_width_shows_every_price_and_wraps_the_prompt(width: int) -> None:
    items = [
        BatchPlanItem(
            index=i,
            channel="official" if i % 2 else "reverse",
            model="veo-3.1-fast-generate-preview" if i % 2 else "veo-3.1-landscape-fast-fl",
            mode="async",
            price_usd=0.3 if i % 2 else 0.15,
            seed=1234567 if i % 2 else None,
            prompt=PROMPT,
        )
        for i in range(1, 4)
    ]
    plan = BatchPlan(items=items, total_usd=0.75, by_channel={"official": 0.6, "reverse": 0.15})
    text = render(plan_view(plan, TaskList(tasks=[], spent_24h_usd=0)), width)
    table = text.split("Total:")[0]
    assert table.count("$0.30") == 2 and table.count("$0.15") == 1
    assert "price" in table
    if width == 200:
        assert "A slow dolly shot" in table


@pytest.mark.parametrize("width", [80, 200])
def test_the_batch_result_table_keeps_task_ids_whole(width: int) -> None:
    item = BatchItemView(
        index=1,
        task_id=TASK_ID,
        status="completed",
        price_usd=0.3,
        video_path="/srv/videos/output/a-rather-long-directory-name/" + TASK_ID + ".mp4",
    )
    view = BatchView(
        batch_id="batch_1",
        status="completed",
        total=1,
        counts={"completed": 1},
        estimated_cost_usd=0.3,
        spent_usd=0.3,
        items=[item],
        failed=[],
        next_step="done",
    )
    text = render(batch_table(view), width)
    assert TASK_ID in text and "$0.30" in text and "completed" in text


def test_piped_output_honours_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert Cli.create().out.width == 200


def test_piped_output_without_columns_is_120_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert Cli.create().out.width == 120
