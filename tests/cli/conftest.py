"""Fixtures for the CLI tests: ``main(argv)`` in-process on the sandbox, with every directory in
``tmp_path`` and a time scale that makes a render take a fraction of a second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from veo_tools.cli import main
from veo_tools.sandbox import SandboxConfig, make_server, still_png

TIME_SCALE = 0.002


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


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
def served_sandbox(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A sandbox over real HTTP that outlives each ``main`` call, as the real API does."""
    server = make_server("127.0.0.1", 0, SandboxConfig(time_scale=TIME_SCALE), log_level="warning")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("APIYI_BASE_URL", base)
    monkeypatch.setenv("APIYI_API_KEY", "sk-cli-test-key")
    yield base
    server.should_exit = True
    thread.join(timeout=5)
