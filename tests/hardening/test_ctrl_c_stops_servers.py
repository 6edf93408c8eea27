"""Ctrl-C is the normal way to stop ``veo-tools sandbox`` and ``veo-mcp --transport
streamable-http``: one line "stopped" on stderr, no traceback, exit code 0."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited before listening"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


def _default_sigint() -> None:
    # A test run started in the background inherits an ignored SIGINT; a terminal does not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("script", "args", "line"),
    [
        ("veo-tools", ["sandbox", "--time-scale", "0.01", "--port"], "veo-tools sandbox: stopped."),
        (
            "veo-mcp",
            ["--sandbox", "--transport", "streamable-http", "--port"],
            "veo-mcp: stopped.",
        ),
    ],
)
def test_ctrl_c_stops_a_server_with_one_line_and_exit_code_0(
    tmp_path: Path, script: str, args: list[str], line: str
) -> None:
    path = shutil.which(script, path=str(BIN)) or shutil.which(script)
    if path is None:
        pytest.skip(f"the {script} console script is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [path, *args, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "VEO_TOOLS_STATE_DIR": str(tmp_path / "state")},
        preexec_fn=_default_sigint,
    )
    try:
        _wait_until_listening(port, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert stderr.rstrip().splitlines()[-1] == line
    assert "Traceback" not in stderr and "error" not in stderr.lower()
