"""Downloading a large video: ``ApiHttp.download_to`` against a plain ``httpx`` stream.

A loopback HTTP server (``http.server`` in a thread, ``sendfile`` from a generated file that
starts with an MP4 ``ftyp`` box) serves one file. Each download runs in a fresh subprocess so its
memory is its own, after an ``os.sync()`` so no write-back of the previous file is pending; the
clients alternate round by round so they share the machine's noise:

* ``engine``: ``ApiHttp.download_to`` (``aiter_bytes(1 MiB)`` into a temp file, length and
  ``ftyp`` checks, fsync, atomic rename);
* ``httpx``: ``client.stream`` + ``aiter_bytes()`` into a file, nothing else (the baseline);
* ``httpx+fsync``: the baseline plus one fsync at the end (what durability costs on this disk);
* ``httpx+1MiB``: the baseline with ``aiter_bytes(1 MiB)`` (what httpx's re-chunking costs).

The last two are not targets; they say where a gap between the first two comes from.
Peak RSS growth = ``VmHWM`` after the download (reset through ``/proc/self/clear_refs`` just
before it; ``VmRSS`` sampled every 5 ms where that is impossible) minus ``VmRSS`` just before it.
Targets: engine growth < 32 MiB (worst round); engine throughput >= 0.8x the baseline (the
median of the per-round ratios: round i of each client ran back to back, under the same load).

    .venv/bin/python bench/download.py [--mb 500] [--rounds 5]

Env: ``BENCH_DOWNLOAD_MB``, ``BENCH_DOWNLOAD_ROUNDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import env_number, md_table, target

MIB = 1024 * 1024
GIB = 1024 * MIB
VARIANTS = ("engine", "httpx", "httpx+fsync", "httpx+1MiB")
RSS_TARGET_MIB = 32.0
THROUGHPUT_TARGET = 0.8
#: ``ftyp`` (24 bytes) and an empty ``moov`` box, then an ``mdat`` header: the boxes tile the file,
#: as the engine's MP4 check requires.
_FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08moov"


# ---- the file and the server ------------------------------------------------------------------


def make_video_file(path: Path, size: int) -> None:
    """Write ``size`` bytes that start like an MP4 (random payload, one repeated 1 MiB block)."""
    block = os.urandom(MIB)
    with path.open("wb") as out:
        head = _FTYP + (size - len(_FTYP)).to_bytes(4, "big") + b"mdat"
        out.write(head)
        left = size - len(head)
        while left > 0:
            out.write(block[: min(left, MIB)])
            left -= MIB


@contextmanager
def serve_file(path: Path) -> Iterator[str]:
    """Serve ``path`` at ``http://127.0.0.1:<port>/video.mp4`` from a thread."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            size = path.stat().st_size
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            with path.open("rb") as source:
                self.connection.sendfile(source)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/video.mp4"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# ---- the worker (one download in a fresh process) ---------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler(threading.Thread):
    """Samples ``VmRSS`` every few milliseconds (used only where ``VmHWM`` cannot be reset)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib = _status_kib("VmRSS")
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.005):
            self.peak_kib = max(self.peak_kib, _status_kib("VmRSS"))

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kib


async def _measured(download: Awaitable[object]) -> dict[str, Any]:
    """Await ``download`` with the clock and the RSS probes around it."""
    before = _status_kib("VmRSS")
    hwm_reset = _reset_peak()
    sampler = None if hwm_reset else RssSampler()
    if sampler:
        sampler.start()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await download
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    peak = _status_kib("VmHWM") if sampler is None else sampler.stop()
    cpu_s = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    return {"seconds": seconds, "cpu_s": cpu_s, "rss_before_kib": before, "rss_peak_kib": peak}


async def _download_engine(url: str, dest: Path) -> dict[str, Any]:
    from pydantic import SecretStr

    from veo_tools.transport.http import ApiHttp

    async with ApiHttp(url.rsplit("/", 1)[0], SecretStr("sk-bench")) as http:
        return await _measured(http.download_to(url, dest, api=False))


async def _download_httpx(
    url: str, dest: Path, *, fsync: bool, chunk: int | None
) -> dict[str, Any]:
    import httpx

    async def fetch(client: httpx.AsyncClient) -> None:
        async with client.stream("GET", url) as response:
            response.raise_for_status()
            with dest.open("wb") as out:
                async for data in response.aiter_bytes(chunk):
                    out.write(data)
                if fsync:
                    out.flush()
                    os.fsync(out.fileno())

    async with httpx.AsyncClient(timeout=60.0) as client:
        return await _measured(fetch(client))


def worker(variant: str, url: str, dest: Path) -> dict[str, Any]:
    """One download, measured; runs in its own process."""
    if variant == "engine":
        result = asyncio.run(_download_engine(url, dest))
    else:
        fsync, chunk = variant == "httpx+fsync", MIB if variant == "httpx+1MiB" else None
        result = asyncio.run(_download_httpx(url, dest, fsync=fsync, chunk=chunk))
    result["bytes"] = dest.stat().st_size
    return result


def _run_worker(variant: str, url: str, dest: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", variant, url, str(dest)]
    os.sync()  # start each download with no write-back of the previous one pending
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    finally:
        dest.unlink(missing_ok=True)
    if out.returncode != 0:
        raise RuntimeError(f"{variant} download failed:\n{out.stderr.strip()}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ---- the benchmark -----------------------------------------------------------------------------


def _summary(runs: dict[str, list[dict[str, Any]]], size: int) -> dict[str, dict[str, float]]:
    """Per client: speeds, the median of its per-round ratios to plain httpx, CPU, memory.

    Round ``i`` of every client ran back to back, so per-round ratios share the machine's load.
    """
    summary = {}
    base = [size / r["seconds"] for r in runs["httpx"]]
    for variant, results in runs.items():
        assert all(r["bytes"] == size for r in results), f"{variant}: wrong size"
        speeds = [size / r["seconds"] for r in results]
        summary[variant] = {
            "median_mib_s": round(statistics.median(speeds) / MIB, 1),
            "min_mib_s": round(min(speeds) / MIB, 1),
            "max_mib_s": round(max(speeds) / MIB, 1),
            "ratio_to_httpx": round(statistics.median(map(_div, speeds, base)), 3),
            "cpu_s_per_gib": round(statistics.median(r["cpu_s"] for r in results) * GIB / size, 2),
            "max_rss_growth_mib": round(
                max(r["rss_peak_kib"] - r["rss_before_kib"] for r in results) / 1024, 1
            ),
        }
    return summary


def _div(a: float, b: float) -> float:
    return a / b


def _report(summary: dict[str, dict[str, float]], mb: int, rounds: int) -> str:
    rows = [
        (
            variant,
            f"{s['median_mib_s']:.0f} ({s['min_mib_s']:.0f}–{s['max_mib_s']:.0f})",
            f"**{s['ratio_to_httpx']:.2f}×**",
            f"{s['cpu_s_per_gib']:.2f}",
            f"{s['max_rss_growth_mib']:.1f}",
        )
        for variant, s in summary.items()
    ]
    headers = (
        "client",
        "MiB/s, median (range)",
        "vs plain httpx (median per-round ratio)",
        "CPU s per GiB",
        "peak RSS growth, MiB",
    )
    return (
        f"Download: one {mb} MiB file from a loopback server, {rounds} round(s) of every client "
        "(order alternating), each download in a fresh process.\n\n" + md_table(headers, rows)
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=int(env_number("BENCH_DOWNLOAD_MB", 500)))
    parser.add_argument("--rounds", type=int, default=int(env_number("BENCH_DOWNLOAD_ROUNDS", 5)))
    parser.add_argument("--worker", nargs=3, metavar=("VARIANT", "URL", "DEST"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    opts = _parse(argv)
    if opts.worker:
        variant, url, dest = opts.worker
        result = worker(variant, url, Path(dest))
        print(json.dumps(result))
        return result
    started = time.perf_counter()
    size = opts.mb * MIB
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="veo-bench-download-") as tmp:
        source = Path(tmp) / "served.mp4"
        make_video_file(source, size)
        with serve_file(source) as url:
            for i in range(opts.rounds):
                order = VARIANTS if i % 2 == 0 else VARIANTS[::-1]
                for variant in order:
                    dest = Path(tmp) / f"out-{variant}.mp4"
                    runs[variant].append(_run_worker(variant, url, dest))
    summary = _summary(runs, size)
    print(_report(summary, opts.mb, opts.rounds))
    ratio = {variant: s["ratio_to_httpx"] for variant, s in summary.items()}
    growth = summary["engine"]["max_rss_growth_mib"]
    why = (
        f"fsync alone (httpx+fsync) runs at {ratio['httpx+fsync']:.2f}× plain httpx, "
        f"1 MiB re-chunking alone (httpx+1MiB) at {ratio['httpx+1MiB']:.2f}×; CPU per GiB: "
        f"engine {summary['engine']['cpu_s_per_gib']:.2f} s, "
        f"httpx {summary['httpx']['cpu_s_per_gib']:.2f} s"
    )
    return {
        "size_mib": opts.mb,
        "rounds": opts.rounds,
        "clients": summary,
        "throughput_ratio": ratio["engine"],
        "engine_rss_growth_mib": growth,
        "runtime_s": round(time.perf_counter() - started, 1),
        "targets": [
            target(
                "download, peak RSS growth",
                f"< {RSS_TARGET_MIB:.0f} MiB",
                f"{growth:.1f} MiB",
                growth < RSS_TARGET_MIB,
            ),
            target(
                "download, throughput",
                f"≥ {THROUGHPUT_TARGET}× plain httpx",
                f"{ratio['engine']:.2f}×",
                ratio["engine"] >= THROUGHPUT_TARGET,
                why,
            ),
        ],
    }


if __name__ == "__main__":
    main()
