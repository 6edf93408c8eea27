"""Run a uvicorn server on loopback in a thread, for tests of any scope (the ``serve_in_thread``
fixture in ``conftest.py`` is built on it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def running_in_thread(server: uvicorn.Server) -> Iterator[str]:
    """Start ``server`` (bound to port 0) and yield ``http://127.0.0.1:<port>``; stop it after."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
