"""The embedded sandbox's task table on disk, so simulated tasks outlive the process.

``veo-tools --sandbox generate … --no-wait`` runs the simulator inside one command; without this
file the next command (``veo-tools --sandbox status ID``) would meet a sandbox that never heard of
the task. Tasks are stored with wall-clock (Unix) creation times, so a render started in one
process finishes on time in the next. Each write merges with what is on disk (another process
may have added tasks) and replaces the file atomically; finished tasks past retention are dropped.
A concurrent write can still lose a task added in the same instant by another process: this is a
simulator, and a lost simulated task reads as "interrupted, nothing billed".
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FIELDS = (
    "id",
    "model",
    "prompt",
    "via",
    "created_unix",
    "render_s",
    "outcome",
    "resolution",
    "aspect_ratio",
    "seconds",
    "image_count",
    "truncations",
)
#: Fields added later: read when present (older files lack them).
OPTIONAL_FIELDS = ("price_usd", "extra")


def load(path: Path) -> list[dict[str, Any]]:
    """The stored task records (empty when the file is absent or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        log.warning("ignoring the sandbox task file %s: %s", path, exc)
        return []
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, list):
        return []
    return [t for t in tasks if isinstance(t, dict) and set(FIELDS) <= set(t)]


def save(path: Path, records: Iterable[dict[str, Any]], *, keep_after_unix: float) -> None:
    """Merge ``records`` into the file (ours win) and drop tasks that ended before
    ``keep_after_unix``."""
    merged = {r["id"]: r for r in load(path)}
    merged.update((r["id"], r) for r in records)
    kept = [r for r in merged.values() if r["created_unix"] + r["render_s"] >= keep_after_unix]
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        part.write_text(json.dumps({"version": 1, "tasks": kept}), encoding="utf-8")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
