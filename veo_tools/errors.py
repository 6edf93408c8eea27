"""One exception tree for the whole package.

Every message is written for an agent: it says what went wrong and what to do next. No message,
``repr`` or attribute ever holds the API key.

    VeoError
    ├── ConfigurationError            missing key, bad setting
    ├── InvalidRequestError           bad input (local check, or HTTP 400/413/422)
    ├── BudgetExceededError           the spending guard refused a request
    ├── APIError                      the API answered with an error status
    │   ├── AuthenticationError       401
    │   ├── InsufficientBalanceError  402, 403 quota text, 429 balance text
    │   ├── RateLimitError            429 (``retry_after``)
    │   ├── ModelUnavailableError     the model is retired, in an outage, or not enabled
    │   ├── TaskNotFoundError         404 / task_not_exist, unknown local task id
    │   └── ServerError               5xx
    ├── TransportError                connection refused, time-out
    │   └── SubmitOutcomeUnknownError a create request was sent, its answer never came
    ├── TaskFailedError               the task ended ``failed`` (``content_policy`` flag)
    └── DownloadError                 the video body was not a complete MP4
"""

from __future__ import annotations

from typing import ClassVar

from veo_tools.words import Audience, Words


class VeoError(Exception):
    """Base of every error raised by veo-tools."""

    #: Short machine-readable kind, copied into ``TaskView.error.kind``.
    kind: ClassVar[str] = "error"
    #: Whether the same call may succeed if simply tried again later.
    retryable: ClassVar[bool] = False

    def __init__(self, message: str | Words, *, status_code: int | None = None) -> None:
        self.words = message if isinstance(message, Words) else Words.plain(message)
        #: The agent form (what the MCP and LangChain tools say); see :meth:`text`.
        self.message = self.words.render("agent")
        super().__init__(self.message)
        self.status_code = status_code

    def text(self, audience: Audience) -> str:
        """The message for ``audience``: tool calls and arguments for an agent, commands and
        flags for a person (the CLI)."""
        return self.words.render(audience)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(VeoError):
    kind = "configuration"


class InvalidRequestError(VeoError):
    kind = "invalid_request"

    def __init__(
        self, message: str | Words, *, field: str | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.field = field


class BudgetExceededError(VeoError):
    kind = "budget"


class APIError(VeoError):
    kind = "api"


class AuthenticationError(APIError):
    kind = "authentication"


class InsufficientBalanceError(APIError):
    kind = "insufficient_balance"


class RateLimitError(APIError):
    kind = "rate_limited"
    retryable = True

    def __init__(
        self,
        message: str | Words,
        *,
        retry_after: float | None = None,
        status_code: int | None = 429,
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class ModelUnavailableError(APIError):
    """The model cannot be used now: retired upstream, in an outage, or not enabled for the key.

    Nothing was billed. ``retryable`` because APIYI may bring a channel back at any time; the
    message names what is available instead (see :mod:`veo_tools.engine.availability`).
    """

    kind = "model_unavailable"
    retryable = True


class AccessGroupError(ModelUnavailableError):
    """The key's token is not in the APIYI token group the model is routed for (Seedance 2.0:
    ``SeeDance2``, Seedance 2.5: ``SeeDance25``, Wan/HappyHorse: ``Wan&HappyHorse``, Grok:
    ``GrokOfficial``; the catalog's ``access_group``): APIYI answers such tokens 503 on every
    call. Nothing was billed; the fix is a token in that group."""

    kind = "access_group"
    retryable = False


class TaskNotFoundError(APIError):
    kind = "not_found"


class ServerError(APIError):
    kind = "upstream"
    retryable = True


class TransportError(VeoError):
    kind = "network"
    retryable = True


class SubmitOutcomeUnknownError(TransportError):
    """A create request left this machine and no answer came back: a task may exist and be paid.

    Never re-sent automatically. ``task_id`` is the local journal id under which the attempt is
    recorded, so the agent can look for it instead of submitting again.
    """

    kind = "submit_outcome_unknown"
    retryable = False

    def __init__(self, message: str | Words, *, task_id: str | None = None) -> None:
        super().__init__(message)
        self.task_id = task_id


class TaskFailedError(VeoError):
    kind = "task_failed"

    def __init__(
        self,
        message: str | Words,
        *,
        reason: str | None = None,
        content_policy: bool = False,
        task_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.content_policy = content_policy
        self.task_id = task_id

    @property
    def error_kind(self) -> str:
        return "content_policy" if self.content_policy else "upstream"


class DownloadError(VeoError):
    kind = "download"
    retryable = True


CONTENT_POLICY_MARKERS = (
    "PUBLIC_",
    "content policy",
    "content_policy",
    "moderation",
    "safety",
    "AUDIO_FILTERED",
    "raiMediaFiltered",
    # DashScope (Wan, HappyHorse): "[DataInspectionFailed] ..."; Volcano (Seedance) codes.
    "DataInspectionFailed",
    "SensitiveContent",
    "违规",
    "审核",
)


def looks_like_content_policy(text: str | None) -> bool:
    """True when a failure text reads like a moderation block (not billed, fix the prompt)."""
    if not text:
        return False
    lowered = text.lower()
    return any(m.lower() in lowered for m in CONTENT_POLICY_MARKERS)


#: Texts that mean the gateway has no route to the model (retired, switched off, not enabled).
NO_CHANNEL_MARKERS = ("no available channel", "无可用渠道", "model_not_found")
#: Google's answer for a retired model id, passed through by APIYI (docs.apiyi.com
#: /en/live/2026-10/veo-3-1-preview-retired.md): an upstream 404 "... is no longer available".
RETIRED_MARKER = "is no longer available"
#: The gateway's code when it cannot read a task back from upstream.
FETCH_FAILED_MARKER = "fail_to_fetch_task"


def looks_like_retired(text: str | None) -> bool:
    """True when a text quotes the upstream's answer for a retired model."""
    return bool(text) and RETIRED_MARKER in (text or "").lower()


def looks_like_model_unavailable(text: str | None) -> bool:
    """True when an answer or a task failure says the model itself cannot be used now.

    - ``is no longer available`` anywhere (the retirement answer, usually with
      ``fail_to_fetch_task`` and an upstream 404);
    - ``no available channels`` / ``无可用渠道`` / ``model_not_found`` (no channel routes it);
    - ``fail_to_fetch_task`` together with an upstream ``INTERNAL`` (Google's 500 status): the
      gateway cannot even read the task back, which is how the 2026 outages showed.

    A task that failed with a bare ``INTERNAL`` (the render ran and failed) is *not* matched: APIYI
    documents that as transient (retry with the same seed), and a plain HTTP 500 at create stays
    a retried :class:`ServerError`.
    """
    if not text:
        return False
    lowered = text.lower()
    if RETIRED_MARKER in lowered or any(m in lowered for m in NO_CHANNEL_MARKERS):
        return True
    return FETCH_FAILED_MARKER in lowered and "INTERNAL" in text


def task_failure_kind(text: str | None) -> str:
    """``content_policy``, ``model_unavailable`` or ``upstream`` for a failed task's reason."""
    if looks_like_content_policy(text):
        return "content_policy"
    return "model_unavailable" if looks_like_model_unavailable(text) else "upstream"
