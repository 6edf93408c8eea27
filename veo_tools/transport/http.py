"""One place for auth, time-outs, the status-to-exception map and retries.

:class:`ApiHttp` owns two clients: the API client, which sends ``Authorization: Bearer <key>``
and only ever talks to the configured base URL, and a download client for video URLs that never
carries the key. Both take an injectable transport (``httpx.MockTransport`` or the sandbox).

Retries (tenacity, with the injected ``sleep``): 429 (honouring ``Retry-After``), 5xx and connect
failures. A create request whose outcome is unknown (sent, then no answer) is never re-sent: it
raises :class:`~veo_tools.errors.SubmitOutcomeUnknownError`, because re-sending can pay twice.

Bounds: every request is bounded as a whole (body included), not only between chunks: by its own
total (``read_timeout``, the stream and download time-outs) and by the deadline of the call in
progress (:mod:`veo_tools.transport.deadline`). A create already sent is never cut by the call's
deadline (cutting it would leave a task of unknown outcome), but no retry is slept or sent past
it: a ``Retry-After`` longer than the time left comes back at once as the
:class:`~veo_tools.errors.RateLimitError`, which says when to try again. JSON answers are read up
to ``max_answer_bytes``; videos up to ``max_video_bytes``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from veo_tools.errors import InvalidRequestError, VeoError
from veo_tools.transport.bounds import bounded, read_answer
from veo_tools.transport.downloads import (
    DEFAULT_MAX_VIDEO_BYTES,
    checked_video_url,
    save_video,
    video_host_error,
)
from veo_tools.transport.error_map import error_from_response
from veo_tools.transport.outcome import (
    NEVER_SENT,
    gateway_timeout_after_create,
    never_sent,
    transport_error,
)
from veo_tools.transport.redaction import install_log_redaction, redact
from veo_tools.transport.retries import Backoff, Sleep, with_retries

if TYPE_CHECKING:
    from veo_tools.settings import Settings

__all__ = ["ApiHttp", "error_from_response"]

#: The largest JSON answer read (a task answer is a few hundred bytes).
MAX_ANSWER_BYTES = 1024 * 1024
#: A non-stream chat completion carries the whole progress transcript.
MAX_CHAT_ANSWER_BYTES = 4 * 1024 * 1024
#: A whole video download (all its tries) must end within this many seconds.
DOWNLOAD_TIMEOUT_S = 30 * 60.0


class ApiHttp:
    """The HTTP layer shared by both channel clients."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        stream_timeout: float = 900.0,
        max_retries: int = 4,
        sleep: Sleep = asyncio.sleep,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        max_video_bytes: int = DEFAULT_MAX_VIDEO_BYTES,
        download_timeout: float = DOWNLOAD_TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        install_log_redaction(api_key)
        self.read_timeout = read_timeout
        self.max_answer_bytes = max_answer_bytes
        self.max_video_bytes = max_video_bytes
        self.download_timeout = download_timeout
        self._connect_timeout = connect_timeout
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.stream_timeout = stream_timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self._wait = Backoff(backoff_base, backoff_max)
        self._owns_api = client is None
        self._api = client or httpx.AsyncClient(transport=transport, timeout=self._timeout)
        self._downloads = httpx.AsyncClient(
            transport=transport, timeout=self._timeout, follow_redirects=True
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> ApiHttp:
        return cls(
            settings.base_url,
            settings.require_key(),
            transport=transport,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            stream_timeout=settings.stream_timeout,
            max_retries=settings.max_retries,
            sleep=sleep,
            max_video_bytes=settings.max_video_bytes,
        )

    def __repr__(self) -> str:
        return f"ApiHttp(base_url={self.base_url!r}, api_key='**********')"

    async def __aenter__(self) -> ApiHttp:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._downloads.aclose()
        if self._owns_api:
            await self._api.aclose()

    # -- URLs and headers ---------------------------------------------------------------------

    def is_api_url(self, url: str) -> bool:
        """True for a path, or an absolute URL on the API's own origin (safe to send the key)."""
        if url.startswith("/") and not url.startswith("//"):
            return True
        mine, theirs = urlsplit(self.base_url.lower()), urlsplit(url.lower())
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    def _api_url(self, path: str) -> str:
        if not self.is_api_url(path):
            raise InvalidRequestError(
                f"Refusing to send the API key to {urlsplit(path).netloc or path!r}: only the "
                "configured APIYI_BASE_URL receives it."
            )
        return self.base_url + path if path.startswith("/") else path

    def redact(self, text: str) -> str:
        """``text`` from the API without the key (a server may echo it in a failure reason, or
        put it in a video URL): for everything shown, stored or logged."""
        return redact(text, self._key)

    def unredact_url(self, url: str) -> str:
        """The URL to fetch for one stored redacted: the key the API put in it, put back."""
        value = self._key.get_secret_value()
        return url.replace("[redacted]", value) if value else url

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.get_secret_value()}"}

    def _build(self, method: str, url: str, **options: Any) -> httpx.Request:
        """An API request; a URL or header httpx cannot encode is a configuration error."""
        try:
            return self._api.build_request(method, url, **options)
        except (httpx.InvalidURL, UnicodeEncodeError) as exc:
            raise never_sent(exc) from None

    def _timeout_for(self, read: float) -> httpx.Timeout:
        return httpx.Timeout(read, connect=self._connect_timeout)

    def _error(self, response: httpx.Response) -> VeoError:
        return error_from_response(response, secret=self._key)

    # -- retries ------------------------------------------------------------------------------

    async def _with_retries(self, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        return await with_retries(
            send, max_retries=self.max_retries, wait=self._wait, sleep=self.sleep
        )

    async def _send(
        self, client: httpx.AsyncClient, request: httpx.Request, *, creates_task: bool, api: bool
    ) -> httpx.Response:
        """One attempt: send, map the status and transport failures (the body stays unread)."""
        target = request.url.host or "the API"
        try:
            response = await client.send(request, stream=True)
        except NEVER_SENT as exc:
            raise never_sent(exc) from None
        except httpx.TransportError as exc:
            raise transport_error(exc, target=target, creates_task=creates_task) from exc
        if response.status_code < 300:
            return response
        try:
            answer = await read_answer(response, limit=self.max_answer_bytes, creates_task=False)
        except httpx.TransportError as exc:
            raise transport_error(exc, target=target, creates_task=creates_task) from exc
        finally:
            await response.aclose()
        response = answer
        if creates_task and response.status_code == 504:
            raise gateway_timeout_after_create()
        raise self._error(response) if api else video_host_error(response)

    # -- public API ---------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: dict[str, str] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        creates_task: bool = False,
        read_timeout: float | None = None,
        max_bytes: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one API request with retries; the returned response is fully read.

        ``creates_task=True`` marks a request that may start a billed task: once it may have
        been received it is never re-sent. ``read_timeout`` overrides the default for requests
        the server holds open (the non-stream chat completion); it bounds the whole answer too.
        ``max_bytes`` overrides the answer size cap. ``headers`` adds protocol headers (never
        ``Authorization``, which is always the key's).
        """
        total = self.read_timeout if read_timeout is None else read_timeout
        timeout = self._timeout_for(total)
        limit = self.max_answer_bytes if max_bytes is None else max_bytes

        async def send() -> httpx.Response:
            async with bounded(total, what="The API", creates_task=creates_task):
                return await attempt()

        async def attempt() -> httpx.Response:
            request = self._build(
                method,
                self._api_url(path),
                json=json,
                data=data,
                files=files,
                headers={**(headers or {}), **self._auth()},
                timeout=timeout,
            )
            response = await self._send(self._api, request, creates_task=creates_task, api=True)
            try:
                return await read_answer(response, limit=limit, creates_task=creates_task)
            except httpx.TransportError as exc:
                raise transport_error(exc, target="the API", creates_task=creates_task) from exc
            finally:
                await response.aclose()

        return await self._with_retries(send)

    @asynccontextmanager
    async def stream(
        self, method: str, path: str, *, json: Any = None
    ) -> AsyncIterator[httpx.Response]:
        """Open a long streaming request (SSE). Retried only until the response starts; the
        request creates a task, so an unknown outcome is never re-sent. The whole stream must
        end within ``stream_timeout``."""
        request = self._build(
            method,
            self._api_url(path),
            json=json,
            headers={**self._auth(), "Accept": "text/event-stream", "Cache-Control": "no-store"},
            timeout=self._timeout_for(self.stream_timeout),
        )
        async with bounded(self.stream_timeout, what="The stream", creates_task=True):
            response = await self._with_retries(
                lambda: self._send(self._api, request, creates_task=True, api=True)
            )
            try:
                yield response
            finally:
                await response.aclose()

    @asynccontextmanager
    async def open_download(
        self, url_or_path: str, *, api: bool, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """Open a streamed GET of a video: ``api=True`` for an API path (with auth), ``api=False``
        for an absolute http(s) URL fetched by the download client (never with auth). The URL
        may be one stored redacted: the key the API had put in it is restored here."""
        url = self.unredact_url(url_or_path)
        extra = dict(headers or {})
        if api:
            client = self._api
            request = client.build_request(
                "GET", self._api_url(url), headers={**extra, **self._auth()}
            )
        else:
            client = self._downloads
            request = client.build_request("GET", self._checked_url(url), headers=extra)
        response = await self._with_retries(
            lambda: self._send(client, request, creates_task=False, api=api)
        )
        try:
            yield response
        finally:
            await response.aclose()

    def _checked_url(self, url: str) -> str:
        try:
            return checked_video_url(url)
        except InvalidRequestError as exc:
            raise InvalidRequestError(self.redact(exc.message), field=exc.field) from None

    @asynccontextmanager
    async def download_bounds(self) -> AsyncIterator[None]:
        """Bound a whole download (every try) by ``download_timeout`` and the call's deadline."""
        async with bounded(self.download_timeout, what="The download", creates_task=False):
            yield

    async def save_download(
        self, response: httpx.Response, url_or_path: str, dest: Path, *, api: bool
    ) -> Path:
        """Save an opened download into ``dest``, fetching it again (resumed where the server
        allows) if it is cut short; see :func:`~veo_tools.transport.downloads.save_video`."""

        def reopen(headers: Mapping[str, str]) -> AbstractAsyncContextManager[httpx.Response]:
            return self.open_download(url_or_path, api=api, headers=headers)

        return await save_video(response, dest, reopen=reopen, max_bytes=self.max_video_bytes)

    async def download_to(self, url_or_path: str, dest: Path, *, api: bool) -> Path:
        """Stream a video into ``dest`` (temp file, checks, atomic rename; see ``save_video``)."""
        async with (
            self.download_bounds(),
            self.open_download(url_or_path, api=api) as response,
        ):
            return await self.save_download(response, url_or_path, dest, api=api)
