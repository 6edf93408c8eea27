"""Configuration: explicit arguments first, then the documented environment variables.

The environment is read when :meth:`Settings.from_env` is called, never at import time.

| variable                | default                         |
|-------------------------|---------------------------------|
| ``APIYI_API_KEY``       | required unless sandbox         |
| ``APIYI_BASE_URL``      | ``https://api.apiyi.com``       |
| ``VEO_TOOLS_SANDBOX``   | ``0`` (``1`` = embedded sandbox)|
| ``VEO_TOOLS_OUTPUT_DIR``| ``./veo-output`` (``~/Videos/veo-tools`` if cwd is ``/``) |
| ``VEO_TOOLS_STATE_DIR`` | platformdirs user state dir (sandbox runs use its ``sandbox/``) |
| ``VEO_TOOLS_INPUT_DIRS``| the current directory, none if it is ``/`` (``os.pathsep``-separated) |
| ``VEO_TOOLS_BUDGET_USD``| no cap                          |
| ``VEO_TOOLS_TIME_SCALE``| ``1``                           |
| ``VEO_TOOLS_MODELS_TTL_S``| ``300`` (how long ``GET /v1/models`` is trusted) |
| ``VEO_TOOLS_MODELS``    | ``models.toml`` in the platformdirs user config dir, if it exists |
| ``VEO_TOOLS_JOURNAL_URL``| the SQLite journal in the state dir |

Checked at start, so a bad value never reaches the wire (where it used to look like a create
"sent, may be billed"): the base URL must be http(s) with a host and no user, query or fragment
(plain http off loopback is accepted with a warning: a trusted local proxy is a real setup); the
key must be printable ASCII without spaces (an invisible character pasted with it is refused,
naming its position, never the key); numbers must be finite, the time scale > 0, the budget >= 0.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_state_dir, user_videos_dir
from pydantic import SecretStr

from veo_tools.errors import ConfigurationError
from veo_tools.words import PASS_API_KEY, SANDBOX_SWITCH, Words

DEFAULT_BASE_URL = "https://api.apiyi.com"
SANDBOX_BASE_URL = "http://sandbox.invalid"
SANDBOX_API_KEY = "sk-sandbox"

ENV_VARS: dict[str, str] = {
    "APIYI_API_KEY": "API key from https://api.apiyi.com/token (required unless sandbox)",
    "APIYI_BASE_URL": DEFAULT_BASE_URL,
    "VEO_TOOLS_SANDBOX": "0 (set 1 to use the embedded sandbox: no key, no network, no cost)",
    "VEO_TOOLS_OUTPUT_DIR": "./veo-output (~/Videos/veo-tools when the current directory is / or "
    "not writable)",
    "VEO_TOOLS_STATE_DIR": "the platform's user state dir (e.g. ~/.local/state/veo-tools)",
    "VEO_TOOLS_INPUT_DIRS": "the current directory (none when it is /)",
    "VEO_TOOLS_BUDGET_USD": "no cap",
    "VEO_TOOLS_TIME_SCALE": "1",
    "VEO_TOOLS_MODELS_TTL_S": "300 (seconds the live model list from GET /v1/models is reused)",
    "VEO_TOOLS_MODELS": "models.toml in the platform's user config dir (e.g. "
    "~/.config/veo-tools/models.toml) when it exists: a catalog override file",
    "VEO_TOOLS_JOURNAL_URL": "none: a SQLite journal in the state dir (set postgresql://... to "
    "share one journal between replicas and workers; needs veo-tools[postgres])",
}

_TRUE = {"1", "true", "yes", "on"}

log = logging.getLogger(__name__)


def _float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigurationError(
            f"{name}={raw[:40]!r} is not a finite number; set it to e.g. 5 or 0.5."
        ) from None
    return value


def _check_number(name: str, value: float, *, positive: bool) -> None:
    """``name`` (the variable or argument) holds a finite number, > 0 or >= 0."""
    ok = math.isfinite(value) and (value > 0 if positive else value >= 0)
    if not ok:
        bound = "> 0" if positive else ">= 0"
        raise ConfigurationError(f"{name} must be a finite number {bound} (got {value}).")


def check_base_url(url: str) -> None:
    """An http(s) URL with a host, nothing the key should not travel with (user, query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(
            f"APIYI_BASE_URL={url[:80]!r} is not an http(s) URL with a host name; set it to "
            f"e.g. {DEFAULT_BASE_URL} (the default) or https://vip.apiyi.com."
        )
    if (
        parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in url)
    ):
        raise ConfigurationError(
            "APIYI_BASE_URL must be a plain origin with an optional path (no user:password@, "
            f"no ?query, no #fragment, no spaces), e.g. {DEFAULT_BASE_URL}."
        )
    if parts.scheme == "http" and not _is_loopback(host):
        log.warning(
            "APIYI_BASE_URL uses plain http to %s: the API key travels unencrypted. "
            "Use https unless this is a trusted local proxy.",
            host,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".invalid"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_key(key: str) -> None:
    """Refuse a key HTTP cannot carry: it would fail (or leak into an error) at send time."""
    for position, char in enumerate(key, 1):
        if not 33 <= ord(char) <= 126:
            raise ConfigurationError(
                f"APIYI_API_KEY holds a character an API key never has at position {position} "
                f"(U+{ord(char):04X}: a space, a control character or an invisible/non-ASCII "
                "character, often picked up by copy and paste). Copy the key again from "
                "https://api.apiyi.com/token."
            )


def _cwd_is_root() -> bool:
    cwd = Path.cwd()
    return cwd == Path(cwd.anchor)


def default_output_dir() -> Path:
    """``./veo-output``; but a desktop app may start the MCP server in ``/`` or another place it
    cannot write, and then the user's videos folder is used (``~/Videos/veo-tools``)."""
    if not _cwd_is_root() and os.access(Path.cwd(), os.W_OK):
        return Path("veo-output")
    return Path(user_videos_dir()) / "veo-tools"


def default_input_dirs() -> tuple[Path, ...]:
    """The current directory, except the filesystem root: an agent must never be able to read
    any image on the disk just because a desktop app started the server in ``/``."""
    return () if _cwd_is_root() else (Path.cwd(),)


def _bare_key(raw: str) -> str:
    """The key without surrounding spaces or a pasted ``Bearer `` prefix (added when sent)."""
    key = raw.strip()
    return key[7:].strip() if key.lower().startswith("bearer ") else key


@dataclass(frozen=True)
class Settings:
    """Everything the engine needs to know about where and how to run."""

    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    sandbox: bool = False
    output_dir: Path = field(default_factory=lambda: default_output_dir())
    state_dir: Path = field(default_factory=lambda: Path(user_state_dir("veo-tools")))
    input_dirs: tuple[Path, ...] = field(default_factory=lambda: default_input_dirs())
    budget_usd: float | None = None
    time_scale: float = 1.0
    #: Seconds to wait for an HTTP connection / for a response.
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: The SSE stream holds the connection open for the whole render.
    stream_timeout: float = 900.0
    max_retries: int = 4
    #: Seconds the live model list (``GET /v1/models``) is reused before it is read again.
    models_ttl_s: float = 300.0
    #: A catalog override file (see ``veo_tools.catalog_file``); ``None``: the catalog's default.
    models_file: Path | None = None
    #: The largest video saved; a longer body is refused (a Veo clip is a few MB).
    max_video_bytes: int = 2 * 1024**3
    #: ``postgresql://…``: the shared PostgreSQL journal (None: SQLite in ``journal_dir``).
    journal_url: SecretStr | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_scale) and self.time_scale > 0):
            raise ConfigurationError(
                f"VEO_TOOLS_TIME_SCALE (time_scale) must be a finite number > 0 (got "
                f"{self.time_scale}); 1 is real time, 0.01 is 100x faster."
            )
        if self.budget_usd is not None:
            _check_number("VEO_TOOLS_BUDGET_USD (budget_usd)", self.budget_usd, positive=False)
        for name in ("connect_timeout", "read_timeout", "stream_timeout"):
            _check_number(name, getattr(self, name), positive=True)
        check_base_url(self.base_url)
        if self.api_key is not None:
            check_api_key(self.api_key.get_secret_value())
        _check_number("VEO_TOOLS_MODELS_TTL_S (models_ttl_s)", self.models_ttl_s, positive=False)

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        return (
            f"Settings(base_url={self.base_url!r}, sandbox={self.sandbox}, api_key={key}, "
            f"output_dir={str(self.output_dir)!r}, state_dir={str(self.state_dir)!r}, "
            f"budget_usd={self.budget_usd}, time_scale={self.time_scale})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Explicit ``overrides`` win; then the environment; then the defaults."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if key := _bare_key(env.get("APIYI_API_KEY", "")):
            values["api_key"] = SecretStr(key)
        if url := env.get("APIYI_BASE_URL", "").strip():
            values["base_url"] = url
        values["sandbox"] = env.get("VEO_TOOLS_SANDBOX", "").strip().lower() in _TRUE
        if out := env.get("VEO_TOOLS_OUTPUT_DIR", "").strip():
            values["output_dir"] = Path(out).expanduser()
        if state := env.get("VEO_TOOLS_STATE_DIR", "").strip():
            values["state_dir"] = Path(state).expanduser()
        if dirs := env.get("VEO_TOOLS_INPUT_DIRS", "").strip():
            values["input_dirs"] = tuple(Path(d).expanduser() for d in dirs.split(os.pathsep) if d)
        if (budget := _float(env, "VEO_TOOLS_BUDGET_USD")) is not None:
            values["budget_usd"] = budget
        if (scale := _float(env, "VEO_TOOLS_TIME_SCALE")) is not None:
            values["time_scale"] = scale
        if (ttl := _float(env, "VEO_TOOLS_MODELS_TTL_S")) is not None:
            values["models_ttl_s"] = ttl
        if models := env.get("VEO_TOOLS_MODELS", "").strip():
            values["models_file"] = Path(models).expanduser()
        if journal_url := env.get("VEO_TOOLS_JOURNAL_URL", "").strip():
            values["journal_url"] = SecretStr(journal_url)
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigurationError(
                f"Unknown setting(s) {', '.join(sorted(unknown))}; known settings: "
                f"{', '.join(f.name for f in fields(cls))}."
            )
        for name, value in overrides.items():
            if value is None:
                continue
            if name == "api_key" and isinstance(value, str):
                value = SecretStr(_bare_key(value))
            if name == "journal_url" and isinstance(value, str):
                value = SecretStr(value)
            if name in {"output_dir", "state_dir", "models_file"}:
                value = Path(value).expanduser()
            if name == "input_dirs":
                value = tuple(Path(v).expanduser() for v in value)
            values[name] = value
        settings = cls(**values)
        if settings.sandbox and settings.api_key is None:
            settings = replace(settings, api_key=SecretStr(SANDBOX_API_KEY))
        return settings

    @property
    def journal_dir(self) -> Path:
        """Where the task journal lives: sandbox tasks are kept apart from real (paid) ones, so
        they never deduplicate a real request or count against the real budget."""
        return self.state_dir / "sandbox" if self.sandbox else self.state_dir

    def require_key(self) -> SecretStr:
        """The API key, or an error that says how to provide one (or to use the sandbox)."""
        if self.api_key is None or not self.api_key.get_secret_value().strip():
            raise ConfigurationError(
                Words(
                    "No APIYI API key. Set the APIYI_API_KEY environment variable (create a key "
                    "at https://api.apiyi.com/token){pass_key}, or run on the built-in sandbox "
                    "with {sandbox} (no key, no cost, simulated videos).",
                    pass_key=PASS_API_KEY,
                    sandbox=SANDBOX_SWITCH,
                )
            )
        return self.api_key
