"""The engine's side of availability: the live list, the journal's refusals, one answer per model.

:func:`availability` is the one entry point: it reads ``GET /v1/models`` on the configured base
URL (through the transport layer: auth, error map, retries as for any GET), at most once per
``Settings.models_ttl_s`` on the engine's clock, reads the journal's recent refusals, and lets
:func:`veo_tools.availability.combine` decide. A failed read is kept for at most
:data:`FAILED_PROBE_TTL_S`, so a network blip does not hide the live list for the whole TTL.

:func:`current` gives the same answer without any request (from the cached live list), for the
synchronous places that turn a record into a result; :func:`unavailable_step` is the next step
an agent reads when a model was refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from veo_tools.availability import (
    DEFAULT_COOL_DOWN_S,
    LiveList,
    ModelAvailability,
    RecentRefusal,
    combine,
)
from veo_tools.catalog import MODELS, Model, all_models, get_model
from veo_tools.errors import (
    AccessGroupError,
    AuthenticationError,
    InvalidRequestError,
    ModelUnavailableError,
    TransportError,
    VeoError,
)
from veo_tools.money import usd
from veo_tools.transport.error_map import CHECK_AGAIN, looks_like_html, read_server_message
from veo_tools.words import GENERATE_VIDEO, RECOMMEND_CHANNEL, Term, Words

if TYPE_CHECKING:
    import asyncio

    import httpx

    from veo_tools.journal.interface import JournalStore
    from veo_tools.settings import Settings
    from veo_tools.transport.http import ApiHttp


class Engine(Protocol):
    """What this module reads of the engine's state (``engine.state.Engine`` has it all); a
    protocol, so the state can show availability in its views without an import cycle."""

    settings: Settings
    http: ApiHttp
    journal: JournalStore
    live_models: LiveList | None
    probe_lock: asyncio.Lock

    def clock(self) -> float: ...


MODELS_PATH = "/v1/models"
#: A failed probe is retried after this long even when the TTL is longer.
FAILED_PROBE_TTL_S = 30.0
#: How far back the journal is searched for refusals (a poll may fail long after its create).
REFUSAL_LOOKBACK_S = 24 * 3600.0
MAX_NAMED = 4
_REASON_CHARS = 200
UNAVAILABLE = "model_unavailable"


async def availability(eng: Engine, *, refresh: bool = False) -> dict[str, ModelAvailability]:
    """Every catalog model's availability now; ``refresh`` reads the live list again."""
    return await current(eng, await live_list(eng, refresh=refresh))


async def current(eng: Engine, live: LiveList | None = None) -> dict[str, ModelAvailability]:
    """The same answer from the cached live list (no request; ``unknown`` if never read)."""
    now = eng.clock()
    return combine(
        all_models(),
        live if live is not None else eng.live_models,
        await recent_refusals(eng, now),
        now=now,
        cool_down_s=DEFAULT_COOL_DOWN_S,
    )


async def live_list(eng: Engine, *, refresh: bool = False) -> LiveList:
    """The cached live list, read again when stale or when ``refresh`` asks."""
    async with eng.probe_lock:
        cached = eng.live_models
        if not refresh and cached is not None and _fresh(eng, cached):
            return cached
        eng.live_models = await probe(eng)
        return eng.live_models


def _fresh(eng: Engine, live: LiveList) -> bool:
    ttl = eng.settings.models_ttl_s
    if not live.ok:
        ttl = min(ttl, FAILED_PROBE_TTL_S)
    return eng.clock() - live.checked_at < ttl


async def recent_refusals(eng: Engine, now: float) -> dict[str, RecentRefusal]:
    """Models whose latest create was refused (or failed) as unavailable, from the journal."""
    rows = await eng.journal.latest_refusals(UNAVAILABLE, since=now - REFUSAL_LOOKBACK_S)
    return {
        rec.model: RecentRefusal(
            rec.model, rec.completed_at or rec.created_at, _short(rec.error_message or "")
        )
        for rec in rows
    }


# -- the probe --------------------------------------------------------------------------------


async def probe(eng: Engine) -> LiveList:
    """One ``GET /v1/models``; every failure becomes ``LiveList(ids=None, error=<why>)``."""
    checked_at = eng.clock()
    key = eng.settings.api_key
    if key is None or not key.get_secret_value().strip():
        return LiveList(None, checked_at, "no API key is configured (set APIYI_API_KEY)")
    try:
        response = await eng.http.request("GET", MODELS_PATH)
    except VeoError as exc:
        return LiveList(None, checked_at, _probe_failure(exc))
    ids, error = read_model_ids(response)
    return LiveList(ids, checked_at, error)


def _probe_failure(exc: VeoError) -> str:
    where = f"GET {MODELS_PATH}"
    if isinstance(exc, AuthenticationError):
        return f"{where}: the key was refused (HTTP {exc.status_code}); check APIYI_API_KEY"
    if exc.status_code == 404:
        return f"{where} answered HTTP 404: this gateway has no model list (check APIYI_BASE_URL)"
    if isinstance(exc, TransportError):
        return f"{where}: {_short(exc.message)}"
    status = f" (HTTP {exc.status_code})" if exc.status_code else ""
    return f"{where} failed{status}: {_short(exc.message)}"


def read_model_ids(response: httpx.Response) -> tuple[frozenset[str] | None, str | None]:
    """Ids from ``{"data":[{"id":…}]}``, ``{"models":[…]}`` or a bare list (tolerant)."""
    text = response.text
    where = f"GET {MODELS_PATH}"
    if looks_like_html(text, response.headers.get("content-type", "")):
        return None, f"{where} answered an HTML page, not JSON (check APIYI_BASE_URL)"
    try:
        body: Any = json.loads(text)
    except ValueError:
        return None, f"{where} did not answer JSON: {read_server_message(text).text}"
    items = body
    if isinstance(body, dict):
        items = body.get("data", body.get("models"))
    if not isinstance(items, list):
        return None, f"{where} answered JSON without a list of models ({_shape(body)})"
    ids = {i for i in map(_item_id, items) if i}
    if items and not ids:
        return None, f"{where} listed {len(items)} entries without an id"
    return frozenset(ids), None


def _item_id(item: object) -> str | None:
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, dict):
        for key in ("id", "model", "name"):
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _shape(body: object) -> str:
    if isinstance(body, dict):
        return "keys: " + ", ".join(sorted(str(k) for k in body)[:6])
    return type(body).__name__


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"


# -- what to tell an agent --------------------------------------------------------------------


def _closeness(refused: Model | None) -> Any:
    def key(m: Model) -> tuple[bool, bool, bool, float]:
        if refused is None:
            return (False, False, False, m.price_usd)
        replacement = refused.lifecycle.replacement
        return (m.id != replacement, m.tier != refused.tier, m.channel != refused.channel,
                m.price_usd)  # fmt: skip

    return key


def _refused_model(model_id: str) -> Model | None:
    try:
        return get_model(model_id)
    except InvalidRequestError:
        return None


def _named(models: list[Model]) -> str:
    named = models[:MAX_NAMED]
    shown = ", ".join(f"{m.id} ({m.channel}, {m.tier}, {usd(m.price_usd)})" for m in named)
    more = len(models) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def unavailable_step(avail: Mapping[str, ModelAvailability], model_id: str) -> Words:
    """What to do after ``model_id`` was refused as unavailable: the models available now
    (closest first), or that none is and how to check again."""
    refused = _refused_model(model_id)
    others = sorted(
        (get_model(a.model_id) for a in avail.values() if a.model_id != model_id),
        key=_closeness(refused),
    )
    up = [m for m in others if avail[m.id].usable]
    if up:
        return Words(
            "Available now: {named}. {use}.",
            named=_named(up),
            use=Term(
                f"Call {GENERATE_VIDEO} with one of them as `model` (or without `model` and let "
                f"{RECOMMEND_CHANNEL} pick)",
                "Run veo-tools generate with --model set to one of them (or without --model, "
                "letting veo-tools pick)",
            ),
        )
    unknown = [m for m in others if avail[m.id].state == "unknown"]
    if unknown:
        why = avail[unknown[0].id].reason or "the live check failed"
        return Words.plain(
            f"No model is confirmed available right now ({why}); not known to be "
            f"down: {_named(unknown)}. {CHECK_AGAIN}, then try again."
        )
    return Words.plain(
        "No model is available right now. Check again later with `veo-tools models "
        "--refresh`, the veo://models resource or recommend_channel before submitting again."
    )


async def step_for(eng: Engine, model_id: str) -> Words:
    """:func:`unavailable_step` from the cached live list (no request)."""
    return unavailable_step(await current(eng), model_id)


async def explained(eng: Engine, model_id: str, exc: VeoError) -> VeoError:
    """A create refusal with the next step that names what is available now."""
    if not isinstance(exc, ModelUnavailableError):
        return exc
    group = MODELS[model_id].access_group if model_id in MODELS else None
    if group:
        return AccessGroupError(access_group_message(model_id, group, exc.message))
    step = unavailable_step(await availability(eng), model_id)
    base = exc.message.removesuffix(f" {CHECK_AGAIN}.")
    return ModelUnavailableError(
        Words("{base} {step}", base=base, step=step), status_code=exc.status_code
    )


def access_group_message(model_id: str, group: str, said: str) -> str:
    """What to do when a group-routed model is refused: most often the token's group."""
    return (
        f"APIYI routes {model_id} only for tokens in the {group} group, and this key was "
        f"refused: create a token in the {group} group with pay-as-you-go billing at "
        f"https://api.apiyi.com/token and use its key (APIYI_API_KEY). Nothing was billed. If "
        f"the key is already in {group}, the model may be in an outage: try again later. The "
        f"API said: {said}"
    )


def failed_task_message(said: str) -> str:
    """The journal's message for a task that failed because its model went away."""
    return (
        "The model is unavailable upstream (retired, or its channel is in an outage); the task "
        f"cannot finish and is not billed. The API said: {said or '(no reason)'}"
    )
