"""Opening the SQLite journal file: connection settings, WAL, migrations, and what to say when
the file cannot be opened. The ledger operations are :class:`~veo_tools.journal.store.Journal`.
"""

from __future__ import annotations

import shlex
import sqlite3
import time
from pathlib import Path

from veo_tools.errors import ConfigurationError
from veo_tools.journal.schema import MIGRATIONS, statements_for


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to the journal at ``path``, configured and migrated."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise unopenable(path, exc) from None
    try:
        _configure(conn)
        _migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise unopenable(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 10000")
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


def _enable_wal(conn: sqlite3.Connection) -> None:
    # Two processes creating the file at once: switching the journal mode reports "locked"
    # at once instead of waiting on busy_timeout, so wait here (bounded, like busy_timeout).
    deadline = time.monotonic() + 10.0
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise ConfigurationError(
                f"The journal {path} has schema version {version}, newer than this "
                f"veo-tools understands ({len(MIGRATIONS)}). Upgrade veo-tools, or point "
                "VEO_TOOLS_STATE_DIR at another directory."
            )
        for step in MIGRATIONS[version:]:
            for statement in statements_for(step, "sqlite"):
                conn.execute(statement)
        # PRAGMA takes no parameters; the value is our own integer.
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS):d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def unopenable(path: Path, exc: sqlite3.Error) -> ConfigurationError:
    """The journal cannot be opened: say why, and how to carry on without losing it."""
    if isinstance(exc, sqlite3.OperationalError) and "malformed" not in str(exc):
        return ConfigurationError(
            f"The task journal {path} cannot be opened ({exc}). Check that its directory is "
            "writable, or point VEO_TOOLS_STATE_DIR at another directory."
        )
    quoted, aside = shlex.quote(str(path)), shlex.quote(f"{path}.broken")
    return ConfigurationError(
        f"The task journal {path} is damaged or is not a veo-tools journal ({exc}). Move it "
        f"aside (it is kept for inspection) and start again: mv {quoted} {aside} (and any "
        f"{path.name}-wal / {path.name}-shm next to it); a fresh journal is created on the "
        "next start. Tasks recorded only in the old file are no longer tracked: check the "
        "APIYI console task log for them."
    )
