"""The bench scripts still run: each on a tiny size, plus run_all's report and discovery."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))


def _load(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.usefixtures("bench")
def test_polling_bench_follows_every_family_both_ways() -> None:
    polling = _load("polling")
    result = polling.main(["--tasks", "2", "--time-scale", "0.001"])
    assert [f["family"] for f in result["families"]] == list(polling.FAMILIES)
    for family in result["families"]:
        assert family["policy"]["completed"] == family["fixed_8s"]["completed"] == 2
        assert family["policy"]["status_requests"] >= 2
        assert family["requests_ratio"] > 0
    assert len(result["targets"]) == len(polling.FAMILIES)


@pytest.mark.slow
@pytest.mark.usefixtures("bench")
def test_download_bench_measures_every_client_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    download = _load("download")
    # A private temp dir: other test runs on this machine make their own bench dirs in /tmp.
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(download.tempfile, "tempdir", str(private))
    result = download.main(["--mb", "2", "--rounds", "1"])
    assert set(result["clients"]) == set(download.VARIANTS)
    assert all(c["median_mib_s"] > 0 for c in result["clients"].values())
    assert 0 <= result["engine_rss_growth_mib"] < 1024
    assert [t["name"] for t in result["targets"]] == [
        "download, peak RSS growth",
        "download, throughput",
    ]
    assert list(private.iterdir()) == []


@pytest.mark.usefixtures("bench")
def test_run_all_discovers_optional_modules_only_when_present() -> None:
    run_all = _load("run_all")
    names, skipped = run_all.discover()
    assert names[:2] == ["polling", "download"]
    for optional in ("cold_start", "batch"):
        present = (BENCH / f"{optional}.py").exists()
        assert (optional in names, optional in skipped) == (present, not present)


def test_run_all_keeps_going_when_a_module_fails(
    bench: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "smoke_ok.py").write_text(
        "def main():\n    print('| a |')\n    return {'targets': [{'name': 'ok', 'goal': 'g',"
        " 'value': '1', 'met': True, 'note': ''}]}\n"
    )
    (tmp_path / "smoke_boom.py").write_text("def main():\n    raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    run_all = _load("run_all")
    ok, boom = run_all.run_module("smoke_ok"), run_all.run_module("smoke_boom")
    assert ok.error is None and ok.output == "| a |"
    assert boom.error is not None and "boom" in boom.error
    text = run_all.render([ok, boom], ["batch"], 1.0, "## Notes\n\nkept by hand")
    assert "| ok | g | 1 | yes |" in text
    assert "| smoke_boom | runs | failed (see below) | **no** |" in text
    assert "`batch.py`" in text and "make bench" in text
    assert text.rstrip().endswith("kept by hand")
    assert sys.argv[0] != str(BENCH / "smoke_ok.py")


@pytest.mark.usefixtures("bench")
def test_polling_bench_can_keep_the_sandboxs_own_random_draws() -> None:
    polling = _load("polling")
    argv = ["--tasks", "2", "--time-scale", "0.001", "--sampling", "random"]
    result = polling.main([*argv, "--families", "Reverse fast"])
    (family,) = result["families"]
    assert family["policy"]["completed"] == family["fixed_8s"]["completed"] == 2
    assert result["sampling"] == "random"


@pytest.mark.slow
@pytest.mark.usefixtures("bench")
def test_journal_bench_measures_sqlite_and_postgres_side_by_side() -> None:
    journal = _load("journal")
    result = journal.main(["--tasks", "3"])
    assert [row["store"] for row in result["stores"]] == [
        "SQLite (WAL), inline",
        "SQLite (WAL), to_thread",
        "PostgreSQL (async pool)",
    ]
    assert all(row["p50_ms"] > 0 and row["tasks_per_s"] > 0 for row in result["stores"])
    assert all(row["loop_late_p99_ms"] >= 0 for row in result["stores"])
    assert result["latency_ratio"] > 0 and result["throughput_ratio"] > 0
    assert result["thread_latency_ratio"] > 0 and result["thread_throughput_ratio"] > 0
