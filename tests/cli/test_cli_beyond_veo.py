"""``veo-tools --json`` end to end on the in-process sandbox for one Seedance, one Wan/HappyHorse
and one Grok model: the task is submitted, followed, its MP4 saved and checked, its price and
bill recorded in the journal and counted in ``veo-tools tasks``; ``veo-tools models`` lists every
model with its protocol, price rule and availability."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cli_support import Run

from veo_tools.catalog import MODELS
from veo_tools.journal.store import JOURNAL_FILENAME, Journal
from veo_tools.pricing import estimate, price_text
from veo_tools.sandbox import sample_video
from veo_tools.settings import Settings
from veo_tools.types import TaskList, TaskView

CASES = {
    # A local start frame goes to Seedance as a data URI.
    "seedance": (
        "doubao-seedance-2-0-mini-260615",
        ["--image", "inputs/still.png", "--image-use", "frames", "--no-audio"],
    ),
    "wan": ("happyhorse-1.1-t2v", ["--seconds", "3", "--resolution", "1080p"]),
    "grok": ("grok-imagine-video", ["--seconds", "6", "--resolution", "480p"]),
}


@pytest.mark.parametrize("channel", CASES)
def test_generate_json_makes_a_video_beyond_veo_and_records_its_price(
    run: Run, workdir: Path, channel: str
) -> None:
    model, flags = CASES[channel]
    result = run(
        "--sandbox", "--json", "generate", "a lighthouse at dusk", "--model", model, *flags
    )
    assert result.code == 0, result.err
    view = TaskView.model_validate_json(result.out)
    assert (view.channel, view.model, view.status) == (channel, model, "completed")
    assert view.billing == "billed" and view.video_path is not None
    assert Path(view.video_path).read_bytes() == sample_video()
    with Journal(Settings.from_env(sandbox=True).journal_dir / JOURNAL_FILENAME) as journal:
        rec = asyncio.run(journal.get(view.task_id))
    assert rec is not None and rec.price_usd == view.price_usd > 0
    if MODELS[model].price_rule == "per_second":
        seconds = int(flags[flags.index("--seconds") + 1])
        resolution = flags[flags.index("--resolution") + 1]
        assert view.price_usd == pytest.approx(estimate(MODELS[model], seconds, resolution))
    listed = TaskList.model_validate_json(run("--sandbox", "--json", "tasks").out)
    assert listed.spent_24h_usd == round(view.price_usd, 2)


def test_models_lists_every_model_with_protocol_price_rule_and_availability(run: Run) -> None:
    result = run("--sandbox", "models", "--refresh")
    assert result.code == 0, result.err
    flat = " ".join(result.out.split())
    for model in MODELS.values():
        assert model.id in flat
    for words in ("volcano", "dashscope", "openai_videos", "SeeDance2", "GrokOfficial"):
        assert words in flat
    assert "$0.07/s 720p" in flat and "$0.002/image" in flat  # Grok's rule, unrounded
    assert "~$0.56 at the defaults" in flat  # and its estimate
    document = json.loads(run("--sandbox", "--json", "models").out)
    facts = {m["id"]: m for m in document["models"]}
    assert set(facts) == set(MODELS)
    assert {m["availability"] for m in facts.values()} == {"available"}
    assert facts["wan2.7-t2v"]["protocol"] == "dashscope"
    assert facts["wan2.7-t2v"]["price"] == price_text(MODELS["wan2.7-t2v"])
