"""Helpers shared by the LangChain tests (imported by module name: tests have no packages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.messages import ToolCall

#: Fast enough that an Official fast render (60-90 s) takes about 0.15 s.
TIME_SCALE = 0.002


def sandbox_settings(root: Path) -> dict[str, Any]:
    """Settings overrides for a sandbox engine whose files all live under ``root``."""
    return {
        "sandbox": True,
        "time_scale": TIME_SCALE,
        "state_dir": root / "state",
        "output_dir": root / "out",
        "input_dirs": [root],
    }


def call(name: str, args: dict[str, Any], call_id: str = "call_1") -> ToolCall:
    return ToolCall(name=name, args=args, id=call_id, type="tool_call")


def is_mp4(path: str | Path) -> bool:
    """A real MP4 starts with an ``ftyp`` box: bytes 4-8 of the file."""
    return Path(path).read_bytes()[4:8] == b"ftyp"
