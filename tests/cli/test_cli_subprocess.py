"""The installed console script, run as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from veo_tools.types import Recommendation

SCRIPT = shutil.which("veo-tools", path=str(Path(sys.executable).parent)) or shutil.which(
    "veo-tools"
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SCRIPT is None, reason="the veo-tools console script is not installed"),
]


def test_console_script_recommends_on_the_sandbox(tmp_path: Path) -> None:
    assert SCRIPT is not None
    done = subprocess.run(
        [SCRIPT, "--sandbox", "--json", "recommend", "--scenario", "batch_matrix"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "VEO_TOOLS_STATE_DIR": str(tmp_path / "state")},
    )
    assert done.returncode == 0, done.stderr
    rec = Recommendation.model_validate(json.loads(done.stdout))
    assert rec.channel == "reverse"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_sandbox_command_answers_the_api_over_http(tmp_path: Path) -> None:
    assert SCRIPT is not None
    port = _free_port()
    proc = subprocess.Popen(
        [SCRIPT, "sandbox", "--port", str(port), "--time-scale", "0.01"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        created = _post_when_up(
            f"{base}/v1/videos",
            {"model": "veo-3.1-fast-generate-preview", "prompt": "a lighthouse", "seconds": "8"},
        )
        assert created["status"] == "queued" and created["id"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()


def _post_when_up(url: str, body: dict[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 15
    while True:
        try:
            response = httpx.post(url, json=body, headers={"Authorization": "Bearer sk-x"})
            response.raise_for_status()
            data: dict[str, object] = response.json()
            return data
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
