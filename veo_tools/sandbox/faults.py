"""Faults on demand: armed rules (config or ``POST /_sandbox/faults``) and prompt markers.

A prompt marker such as ``[sandbox:429]`` applies to the request that carries it:

* ``429``, ``500``, ``502``, ``503``, ``hang``, ``cut_stream`` fire on the *first* request with a
  given prompt only, so a client's retry succeeds (that is what a demo wants to show);
* ``balance``, ``content_policy``, ``fail`` fire every time;
* ``truncate`` cuts the first download of the task's video.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import asdict
from typing import Any

from starlette.responses import JSONResponse

from veo_tools.sandbox.config import FAULT_KINDS, FaultRule, SandboxConfig
from veo_tools.sandbox.replies import new_api_error, no_channel, openai_error
from veo_tools.sandbox.specs import AnyModel

MARKER = re.compile(r"\[sandbox:([a-z0-9_]+)\]")
ONCE_PER_PROMPT = frozenset({"429", "500", "502", "503", "hang", "cut_stream"})
#: Reverse failure texts (Official failures carry no text by default, spec §2.6).
CONTENT_POLICY_TEXT = (
    "PUBLIC_ERROR_UNSAFE_GENERATION: the prompt or image was blocked by the content policy"
)
UPSTREAM_FAILURE_TEXT = "服务内部异常 (task_failed), please retry"
#: Quota units per USD (spec §1.3).
QUOTA_PER_USD = 500_000


def markers_in(prompt: str | None) -> list[str]:
    """Fault kinds named by ``[sandbox:…]`` markers in a prompt, in order."""
    if not prompt:
        return []
    return [kind for kind in MARKER.findall(prompt) if kind in FAULT_KINDS]


class FaultBook:
    """The armed rules; each fires ``times`` times then disappears."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self._armed: list[tuple[FaultRule, int]] = []
        self.arm(rules)

    def arm(self, rules: Iterable[FaultRule]) -> int:
        added = [(rule, rule.times) for rule in rules]
        self._armed.extend(added)
        return len(added)

    def clear(self) -> None:
        self._armed.clear()

    def take(self, operation: str, channel: str, kinds: Collection[str]) -> str | None:
        """Consume one firing of the first rule that matches, and name its kind."""
        for index, (rule, left) in enumerate(self._armed):
            if rule.operation != operation or rule.kind not in kinds:
                continue
            if rule.channel is not None and rule.channel != channel:
                continue
            if left <= 1:
                del self._armed[index]
            else:
                self._armed[index] = (rule, left - 1)
            return rule.kind
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [{**asdict(rule), "times": left} for rule, left in self._armed]


def http_fault(kind: str, config: SandboxConfig, model: AnyModel | None) -> JSONResponse:
    """The error response of an HTTP fault kind (everything but ``hang``)."""
    if kind == "429":
        return new_api_error(
            429,
            "当前分组上游负载已饱和，请稍后再试",
            "rate_limit_exceeded",
            headers={"Retry-After": str(config.retry_after_s)},
        )
    if kind == "500":
        return openai_error(
            500, "INTERNAL: upstream request failed, please retry", type_="upstream_error"
        )
    if kind == "502":
        return openai_error(502, "Upstream service returned status 502", type_="server_error")
    if kind == "503":
        return no_channel(model.id if model else "unknown")
    if kind == "balance":
        return balance_error(config.balance_status, model)
    raise ValueError(f"{kind!r} is not an HTTP fault")


def balance_error(status: int, model: AnyModel | None) -> JSONResponse:
    """Insufficient balance, in the shape each source reports it (spec §1.4, §5.6)."""
    if status == 403:
        quota = round((model.price_usd if model else 0.15) * QUOTA_PER_USD)
        message = f"user [65944] quota [-14305] preConsumedQuota [{quota}] is not enough"
        return JSONResponse({"error": {"message": message}}, status_code=403)
    if status == 429:
        return new_api_error(
            429, "insufficient balance: user quota is not enough, please top up", "quota_not_enough"
        )
    return openai_error(
        402, "Insufficient balance", type_="insufficient_quota", code="insufficient_balance"
    )
