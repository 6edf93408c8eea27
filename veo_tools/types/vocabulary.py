"""The choices and limits the tool inputs and results share (literal types and constants)."""

from __future__ import annotations

from typing import Literal

ChannelChoice = Literal["auto", "official", "reverse", "seedance", "wan", "grok"]
#: Whether a task is paid: ``pending`` until it ends, then ``billed`` / ``not_billed``;
#: ``unknown`` when nobody knows (an interrupted create or stream: its error says why).
Billing = Literal["pending", "billed", "not_billed", "unknown"]
Priority = Literal["balanced", "budget", "quality", "iteration"]
ModeChoice = Literal["auto", "async", "stream"]
TaskStatus = Literal["queued", "in_progress", "completed", "failed", "interrupted"]
Scenario = Literal[
    "batch_matrix",
    "client_delivery",
    "live_progress_ui",
    "poster_to_motion",
    "cinematic_4k",
    "overseas_onboarding",
    "seed_exploration",
    "iterate_then_deliver",
]

MAX_PROMPT_CHARS = 20_000
#: Tool results name at most this many batch items (the rest are counted in items_omitted).
SUMMARY_ITEMS = 10
#: The most an agent reads of one tool result (JSON bytes); lists are cut to fit.
RESULT_BYTES = 2048
MAX_WAIT_SECONDS = 3600

SCENARIO_DESCRIPTIONS: dict[str, str] = {
    "batch_matrix": "short-video matrix batch production (100+/day)",
    "client_delivery": "final client ad delivery",
    "live_progress_ui": "front-end live display that needs a loading animation",
    "poster_to_motion": "static poster + frame-to-video -> motion clip",
    "cinematic_4k": "4K cinematic clips (hero asset)",
    "overseas_onboarding": "overseas team onboarding with an existing key",
    "seed_exploration": "same-prompt multi-seed style exploration",
    "iterate_then_deliver": "iterate cheaply, then deliver the final version",
}
