"""Re-render logic on its own: from a journal row to the input that delivers it elsewhere.

The front-end tests (``tests/langchain/test_tool_rerender.py`` and the MCP and CLI suites) check
that the tools reach this code; these tests pin what it decides, without a service or a network.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from veo_tools.engine.rerender import explicit_overrides, rerender_input
from veo_tools.errors import InvalidRequestError
from veo_tools.journal.schema import TaskRecord
from veo_tools.types import GenerateVideoInput


def draft(model: str, channel: str, **params: Any) -> TaskRecord:
    """A finished draft as the journal stores it (request parameters as JSON)."""
    stored = {"prompt": "a paper boat on a puddle", "image_refs": [], "data_images": 0, **params}
    return TaskRecord(
        task_id="veo_00000000000000aa",
        channel=channel,
        model=model,
        mode="async",
        prompt=stored["prompt"],
        request_json=json.dumps(stored),
        fingerprint="f" * 64,
        price_usd=0.15,
        status="completed",
    )


def test_a_reverse_draft_goes_to_official_standard_by_default_with_its_prompt() -> None:
    source = draft("veo-3.1-fast", "reverse", seconds=8, resolution="720p", aspect_ratio="9:16")
    inp, notes = rerender_input(source)
    assert (inp.channel, inp.model) == ("official", "veo-3.1-generate-preview")
    assert inp.prompt == "a paper boat on a puddle"
    assert (inp.seconds, inp.resolution, inp.aspect_ratio) == (8, "720p", "9:16")
    assert notes == []


def test_an_end_frame_does_not_carry_to_official_and_the_note_says_so() -> None:
    source = draft(
        "veo-3.1-landscape-fast-fl",
        "reverse",
        image_refs=["https://example.com/start.png", "https://example.com/end.png"],
    )
    inp, notes = rerender_input(source)
    assert inp.images == ["https://example.com/start.png"]
    assert len(notes) == 1 and "dropped the end frame" in notes[0]


def test_official_only_values_are_dropped_on_reverse_with_a_note_for_each() -> None:
    source = draft(
        "veo-3.1-fast-generate-preview",
        "official",
        seconds=4,
        resolution="720p",
        aspect_ratio="16:9",
        seed=7,
        negative_prompt="text overlays",
    )
    inp, notes = rerender_input(source, channel="reverse")
    assert inp.model == "veo-3.1-landscape"
    assert inp.seconds is None and inp.seed is None and inp.negative_prompt is None
    assert sorted(note.split("=")[0] for note in notes) == ["negative_prompt", "seconds", "seed"]


def test_images_sent_as_data_urls_are_not_kept_and_the_note_asks_for_them_again() -> None:
    inp, notes = rerender_input(draft("veo-3.1-fast", "reverse", data_images=2))
    assert inp.images == []
    assert notes == [
        "2 reference image(s) were data URLs, which the journal does not keep: pass them again "
        "in images to use them."
    ]


def test_overrides_win_over_the_draft_and_an_explicit_model_wins_over_the_channel() -> None:
    source = draft("veo-3.1-fast", "reverse", seconds=8)
    inp, _ = rerender_input(
        source,
        channel="reverse",
        model="veo-3.1-fast-generate-preview",
        overrides={"seconds": 6, "prompt": "a paper boat, at night", "seed": None},
    )
    assert (inp.model, inp.seconds, inp.prompt) == (
        "veo-3.1-fast-generate-preview",
        6,
        "a paper boat, at night",
    )


def test_an_unknown_target_model_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(InvalidRequestError, match="Unknown model 'veo-9'"):
        rerender_input(draft("veo-3.1-fast", "reverse"), model="veo-9")


def test_explicit_overrides_are_the_values_that_differ_from_the_defaults() -> None:
    inp = GenerateVideoInput(
        prompt="x",
        from_task_id="veo_00000000000000aa",
        channel="official",
        seconds=6,
        wait_seconds=30,
    )
    assert explicit_overrides(inp) == {"prompt": "x", "seconds": 6}
    assert explicit_overrides(GenerateVideoInput(from_task_id="veo_00000000000000aa")) == {}
