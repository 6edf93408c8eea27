"""Shared fixtures: settings that point every directory into tmp_path and run on the sandbox."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import MappingProxyType

import platformdirs
import pytest
import uvicorn
from loopback_support import running_in_thread
from postgres_support import embedded_postgres_server

from veo_tools import catalog
from veo_tools.catalog import Catalog, Lifecycle
from veo_tools.settings import Settings

#: Sandbox and polling time scale for tests: a 60-90 s render takes 0.12-0.18 s.
TEST_TIME_SCALE = 0.002


@pytest.fixture
def sandbox_settings(tmp_path: Path) -> Settings:
    (tmp_path / "inputs").mkdir()
    return Settings.from_env(
        {},
        sandbox=True,
        time_scale=TEST_TIME_SCALE,
        state_dir=tmp_path / "state",
        output_dir=tmp_path / "out",
        input_dirs=[tmp_path / "inputs"],
    )


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's key, catalog override or config dir, or writes to the
    developer's state or output dirs.

    "No override" is the absence of ``VEO_TOOLS_MODELS`` and of ``models.toml`` in the config dir
    (a ``VEO_TOOLS_MODELS`` naming a missing file is an error, not "none"). The config dir is a
    fresh empty directory: ``platformdirs.user_config_dir`` in this process, ``XDG_CONFIG_HOME``
    for subprocesses. Every test starts and ends with no current catalog, so a catalog a test
    installed (``catalog.use``, ``Settings.models_file``) never leaks into the next one.
    """
    for name in (
        "APIYI_API_KEY",
        "APIYI_BASE_URL",
        "VEO_TOOLS_SANDBOX",
        "VEO_TOOLS_BUDGET_USD",
        "VEO_TOOLS_INPUT_DIRS",
        "VEO_TOOLS_TIME_SCALE",
        "VEO_TOOLS_MODELS_TTL_S",
        "VEO_TOOLS_MODELS",
        "VEO_TOOLS_JOURNAL_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VEO_TOOLS_STATE_DIR", str(tmp_path / "default-state"))
    monkeypatch.setenv("VEO_TOOLS_OUTPUT_DIR", str(tmp_path / "default-out"))
    config_home = tmp_path / "default-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setattr(
        platformdirs, "user_config_dir", lambda appname, *a, **k: str(config_home / appname)
    )
    # The CLI honours COLUMNS when its output is piped: a test runner's terminal (or pytest-xdist's
    # workers, which set 80) must not change what the CLI tests see.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    catalog.use(None)
    yield
    catalog.use(None)


@pytest.fixture
def all_models_active() -> None:
    """The shipped catalog with every lifecycle reset to ``active``: for tests of the rules that
    apply to a model nobody has announced as down (the shipped Veo ids are all retired or paused).
    """
    shipped = catalog.shipped_catalog()
    active = {m.id: dataclasses.replace(m, lifecycle=Lifecycle()) for m in shipped.models.values()}
    catalog.use(Catalog(MappingProxyType(active)))


@pytest.fixture
def serve_in_thread() -> Iterator[Callable[[uvicorn.Server], str]]:
    """Start uvicorn servers on loopback in threads; returns ``http://127.0.0.1:<port>``.

    Every server started is stopped when the test ends.
    """
    with ExitStack() as running:
        yield lambda server: running.enter_context(running_in_thread(server))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """One real PostgreSQL (embedded-postgres, from the test extra) for the whole session.

    Nothing is skipped: a server that cannot start fails every test that asks for it.
    """
    with embedded_postgres_server() as uri:
        yield uri


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A URL of the session's server whose tables live in a fresh schema of their own."""
    import secrets
    from urllib.parse import quote

    import psycopg

    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
    return f"{postgres_server}&options={quote(f'-c search_path={schema}')}"
