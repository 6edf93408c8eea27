"""Run every benchmark in ``bench/`` and rewrite ``bench/RESULTS.md`` (``make bench``).

Each module exposes ``main() -> dict`` and prints a markdown snippet. ``polling`` and ``download``
always run; ``cold_start`` and ``batch`` run when their files exist. A module that fails is
reported as failed in ``RESULTS.md`` and the others still run; the exit status is then 1.
Targets come from each result's optional ``"targets"`` list (see ``_common.target``).
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import platform
import sys
import time
import traceback
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from _common import md_table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "RESULTS.md"
#: (module, required): an optional module is skipped when its file is absent.
MODULES: tuple[tuple[str, bool], ...] = (
    ("polling", True),
    ("download", True),
    ("cold_start", False),
    ("batch", False),
    ("schema_size", True),
    ("journal", False),
)
COMMAND = "`make bench` (runs `.venv/bin/python bench/run_all.py`)"


@dataclass
class Section:
    name: str
    seconds: float = 0.0
    output: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def targets(self) -> list[dict[str, Any]]:
        targets = self.result.get("targets", [])
        return targets if isinstance(targets, list) else []


class _Tee(io.TextIOBase):
    """Write to the terminal and keep a copy."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def run_module(name: str) -> Section:
    """Import ``bench/<name>.py`` and run its ``main()`` with a clean ``sys.argv``."""
    section = Section(name)
    captured = io.StringIO()
    saved_argv = sys.argv
    sys.argv = [str(BENCH_DIR / f"{name}.py")]
    started = time.perf_counter()
    try:
        with redirect_stdout(_Tee(sys.stdout, captured)):
            result = importlib.import_module(name).main()
        section.result = result if isinstance(result, dict) else {"result": result}
    except Exception:
        section.error = traceback.format_exc()
        print(section.error, file=sys.stderr)
    finally:
        sys.argv = saved_argv
        section.seconds = time.perf_counter() - started
        section.output = captured.getvalue().strip()
    return section


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()} ({sys.implementation.name})"
    )


def _summary_rows(sections: list[Section]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for s in sections:
        if s.error:
            rows.append((s.name, "runs", "failed (see below)", "**no**"))
        elif not s.targets:
            rows.append((s.name, "no target checked by run_all", "see below", "—"))
        for t in s.targets:
            met = "yes" if t.get("met") else "**no**"
            rows.append((str(t["name"]), str(t["goal"]), str(t["value"]), met))
    return rows


def _section_md(s: Section) -> str:
    lines = [f"## {s.name} (`bench/{s.name}.py`, {s.seconds:.0f} s)", ""]
    if s.output:
        lines += [s.output, ""]
    for t in s.targets:
        if t.get("note"):
            verdict = "met" if t.get("met") else "missed"
            lines += [f"- {t['name']} ({verdict}): {t['note']}", ""]
    if s.error:
        lines += ["Failed:", "", "```", s.error.strip(), "```", ""]
    return "\n".join(lines)


def render(sections: list[Section], skipped: list[str], total_s: float, notes: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmark results",
        "",
        f"- Date: {now}",
        f"- Machine: {_machine()}",
        f"- Command: {COMMAND}, total {total_s:.0f} s",
    ]
    if skipped:
        parts.append(f"- Not present, skipped: {', '.join(f'`{n}.py`' for n in skipped)}")
    headers = ("target", "goal", "measured", "met")
    parts += ["", md_table(headers, _summary_rows(sections)), ""]
    parts += [_section_md(s) for s in sections]
    if notes:
        parts += [notes.strip(), ""]
    return "\n".join(parts).rstrip() + "\n"


def _kept_notes(path: Path) -> str:
    """The hand-written ``## Notes`` section of the current results file, kept across runs."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find("\n## Notes")
    return text[start:].strip() if start >= 0 else ""


def discover(only: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(modules to run, optional modules skipped because their file is absent)."""
    run, skipped = [], []
    for name, required in MODULES:
        if only and name not in only:
            continue
        if required or (BENCH_DIR / f"{name}.py").exists():
            run.append(name)
        else:
            skipped.append(name)
    return run, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="run only these (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    opts = parser.parse_args(argv)
    known = [name for name, _ in MODULES]
    if unknown := set(opts.modules) - set(known):
        parser.error(f"unknown module(s) {', '.join(sorted(unknown))}; choose from {known}")
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    started = time.perf_counter()
    names, skipped = discover(opts.modules)
    sections: list[Section] = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        sections.append(run_module(name))
    total = time.perf_counter() - started
    text = render(sections, skipped, total, _kept_notes(opts.output))
    opts.output.write_text(text, encoding="utf-8")
    print(f"\nwrote {opts.output} ({total:.0f} s)")
    return 1 if any(s.error for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
