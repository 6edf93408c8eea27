"""examples/langchain_agent.py runs end to end on the sandbox, offline and without a key."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from langchain_support import TIME_SCALE, is_mp4

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "langchain_agent.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("langchain_agent_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_sandbox_run_prints_the_conversation_and_saves_an_mp4(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APIYI_", "VEO_TOOLS_"))}
    env |= {
        "VEO_TOOLS_TIME_SCALE": str(TIME_SCALE),
        "VEO_TOOLS_STATE_DIR": str(tmp_path / "state"),
        "VEO_TOOLS_OUTPUT_DIR": str(tmp_path / "out"),
    }
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--sandbox", "--prompt", "a paper plane over a city"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for step in ("recommend_channel [success]", "generate_video [success]", "check_status"):
        assert step in done.stdout
    saved = re.search(r"^Saved video: (.+)$", done.stdout, re.MULTILINE)
    assert saved is not None
    assert Path(saved.group(1)).parent == tmp_path / "out"
    assert is_mp4(saved.group(1))


def test_without_a_key_or_sandbox_it_says_how_to_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_example().main([]) == 2
    assert "APIYI_API_KEY" in capsys.readouterr().err
