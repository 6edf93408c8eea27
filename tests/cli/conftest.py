"""Fixtures for the CLI tests: ``main(argv)`` in-process on the sandbox, with every directory in
``tmp_path`` and a time scale that makes a render take a fraction of a second."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import uvicorn
from cli_support import Result, Run

from veo_tools.cli import main
from veo_tools.sandbox import SandboxConfig, make_server, still_png

TIME_SCALE = 0.002


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project-like directory: the cwd, with ``inputs/still.png`` allowed as an input."""
    monkeypatch.chdir(tmp_path)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "still.png").write_bytes(still_png())
    monkeypatch.setenv("VEO_TOOLS_INPUT_DIRS", str(inputs))
    monkeypatch.setenv("VEO_TOOLS_TIME_SCALE", str(TIME_SCALE))
    monkeypatch.setenv("VEO_TOOLS_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("VEO_TOOLS_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


@pytest.fixture
def run(workdir: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("--sandbox", "recommend")`` calls ``main`` and returns its code, stdout and stderr."""

    def invoke(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def served_sandbox(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    serve_in_thread: Callable[[uvicorn.Server], str],
) -> str:
    """A sandbox over real HTTP that outlives each ``main`` call, as the real API does."""
    config = SandboxConfig(time_scale=TIME_SCALE)
    base = serve_in_thread(make_server("127.0.0.1", 0, config, log_level="warning"))
    monkeypatch.setenv("APIYI_BASE_URL", base)
    monkeypatch.setenv("APIYI_API_KEY", "sk-cli-test-key")
    return base
