"""The spec's own curl examples, run unchanged (but for the host) against ``serve`` on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path

import pytest
import uvicorn

from veo_tools.catalog import official_model_id, reverse_model_id
from veo_tools.sandbox import SandboxConfig, make_server

CURL = shutil.which("curl")
#: The ids the spec's examples use: the fast Official model and the plain Reverse one.
OFFICIAL = official_model_id(fast=True)
REVERSE = reverse_model_id(landscape=False, fast=False, fl=False)


@pytest.fixture
def base_url(serve_in_thread: Callable[[uvicorn.Server], str]) -> str:
    config = SandboxConfig(time_scale=0.001)
    return serve_in_thread(make_server("127.0.0.1", 0, config, log_level="warning"))


def curl(*args: str) -> str:
    assert CURL is not None
    done = subprocess.run(
        [CURL, "-sS", "--fail-with-body", "--max-time", "10", *args],
        capture_output=True,
        check=False,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_completed(base: str, task_id: str, key: str) -> dict[str, object]:
    for _ in range(100):
        status = json.loads(curl(f"{base}/v1/videos/{task_id}", "-H", f"Authorization: {key}"))
        if status["status"] == "completed":
            return status
        time.sleep(0.02)
    raise AssertionError(f"{task_id} never completed")


@pytest.mark.slow
@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_the_spec_curl_examples_work_over_real_http(base_url: str, tmp_path: Path) -> None:
    bearer = "Bearer sk-your-api-key"
    # §2.4 text-to-video (JSON), then poll and download the MP4.
    body = {
        "model": OFFICIAL,
        "prompt": "A coastal lighthouse at dusk, slow push-in, ocean ambience, cinematic lighting",
        "seconds": "8",
        "size": "1280x720",
        "metadata": {"resolution": "720p", "aspectRatio": "16:9"},
    }
    created = json.loads(
        curl(
            "-X",
            "POST",
            f"{base_url}/v1/videos",
            "-H",
            f"Authorization: {bearer}",
            "-H",
            "Content-Type: application/json",
            "-d",
            json.dumps(body),
        )
    )
    wait_completed(base_url, created["task_id"], bearer)
    video = tmp_path / "t2v.mp4"
    curl(
        f"{base_url}/v1/videos/{created['task_id']}/content",
        "-H",
        f"Authorization: {bearer}",
        "-o",
        str(video),
    )
    assert video.read_bytes()[4:8] == b"ftyp"

    # §2.5 image-to-video (multipart).
    with as_file(files("veo_tools.sandbox").joinpath("assets", "still.png")) as png:
        i2v = json.loads(
            curl(
                "-X",
                "POST",
                f"{base_url}/v1/videos",
                "-H",
                f"Authorization: {bearer}",
                "-F",
                f"model={OFFICIAL}",
                "-F",
                "prompt=Camera slowly rises from the base of the lighthouse to the top",
                "-F",
                "seconds=8",
                "-F",
                "size=1280x720",
                "-F",
                "resolution=720p",
                "-F",
                "aspectRatio=16:9",
                "-F",
                f"input_reference=@{png};type=image/png",
            )
        )
    assert i2v["status"] == "queued"

    # §3.3 sync chat, streamed, two videos.
    chat = {
        "messages": [{"role": "user", "content": "画只猪在天上飞"}],
        "model": REVERSE,
        "stream": True,
        "n": 2,
    }
    stream = curl(
        "-N",
        "--location",
        "--request",
        "POST",
        f"{base_url}/v1/chat/completions",
        "--header",
        "Content-Type: application/json",
        "--header",
        "Authorization: sk-your-api-key",
        "--data-raw",
        json.dumps(chat),
    )
    assert stream.count("[▶️ Watch](http://127.0.0.1:") == 2
    assert stream.rstrip().endswith("data: [DONE]")

    # §3.4 reverse async: create, query, then fetch the URL from /content without a key.
    raw = "sk-your-api-key"
    reverse = json.loads(
        curl(
            "--location",
            "--request",
            "POST",
            f"{base_url}/v1/videos",
            "--header",
            f"Authorization: {raw}",
            "--header",
            "Content-Type: application/json",
            "--data-raw",
            json.dumps({"prompt": "A cute kitten playing", "model": REVERSE}),
        )
    )
    assert reverse["id"].startswith("video_")
    wait_completed(base_url, reverse["id"], raw)
    content = json.loads(
        curl(f"{base_url}/v1/videos/{reverse['id']}/content", "--header", f"Authorization: {raw}")
    )
    asset = tmp_path / "reverse.mp4"
    curl(content["url"], "-o", str(asset))
    assert asset.read_bytes()[4:8] == b"ftyp"
