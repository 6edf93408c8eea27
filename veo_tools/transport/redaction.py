"""The API key kept out of what is shown, stored or logged: text from the server, and the
records of loggers that print URLs."""

from __future__ import annotations

import logging
import re

from pydantic import SecretStr

_KEY_LIKE = re.compile(r"(?:Bearer\s+)?(?<![A-Za-z0-9_])sk-[A-Za-z0-9_\-]{4,}")


def redact(text: str, secret: SecretStr | None = None) -> str:
    """Remove the key (and anything shaped like an ``sk-`` key) from a server-supplied text."""
    if secret is not None and (value := secret.get_secret_value()):
        text = text.replace(value, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)


class _RedactingFilter(logging.Filter):
    """Takes the key out of the records of loggers that print URLs (httpx logs each request's
    URL, and a video URL may carry the key the API put in it)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[SecretStr] = []

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = text
        for secret in self.secrets:
            clean = redact(clean, secret)
        clean = redact(clean)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_LOG_FILTER = _RedactingFilter()
#: httpx logs every request's URL on this logger itself (a filter applies to its own records).
_URL_LOGGERS = ("httpx",)


def install_log_redaction(secret: SecretStr) -> None:
    """Redact ``secret`` (and anything key-shaped) in the records of loggers that show URLs."""
    value = secret.get_secret_value()
    if value and all(s.get_secret_value() != value for s in _LOG_FILTER.secrets):
        _LOG_FILTER.secrets.append(secret)
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)
