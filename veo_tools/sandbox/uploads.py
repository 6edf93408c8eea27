"""Reference images as they arrive: multipart files, ``data:`` URLs, Base64 text or http(s) URLs.

Checks shared by both channels: at most ``MAX_IMAGE_BYTES`` (413), a JPEG/PNG/WebP by declared
type *and* by magic bytes (400), and remote URLs only where the channel takes them (400).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from veo_tools.catalog import MAX_IMAGE_BYTES
from veo_tools.sandbox.assets import ALLOWED_IMAGE_MIMES, sniff_image_mime

_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
_UNDECLARED = {"", "application/octet-stream"}


@dataclass(frozen=True)
class FilePart:
    """A file part of a multipart body, already read."""

    data: bytes
    content_type: str | None
    filename: str | None = None


@dataclass(frozen=True)
class ImageIn:
    """An accepted reference image (``url`` set when it was passed by address)."""

    mime: str | None
    size: int
    url: str | None = None


class ImageError(Exception):
    """An image the API refuses; the route turns it into its channel's error body."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def image_from_form(value: FilePart | str, *, allow_urls: bool) -> ImageIn:
    """An ``input_reference`` form value: a file part, or text (data URL, Base64, URL)."""
    if isinstance(value, str):
        return image_from_text(value, allow_urls=allow_urls)
    return check_image_bytes(value.data, value.content_type)


def image_from_text(text: str, *, allow_urls: bool) -> ImageIn:
    text = text.strip()
    if text.startswith(("http://", "https://")):
        if not allow_urls:
            raise ImageError(
                400,
                "Remote image URLs are not accepted here: upload the file as multipart "
                "input_reference or send it Base64-encoded",
                "invalid_image_url",
            )
        return ImageIn(mime=None, size=0, url=text)
    if text.startswith("data:"):
        header, _, payload = text.partition(",")
        declared = header[5:].split(";")[0] or None
        return check_image_bytes(_b64decode(payload), declared)
    return check_image_bytes(_b64decode(text), None)


def check_image_bytes(data: bytes, declared: str | None) -> ImageIn:
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(
            413,
            f"Image size exceeds limit: {len(data)} bytes > {MAX_IMAGE_BYTES} bytes (10 MB)",
            "image_too_large",
        )
    declared_mime = _ALIASES.get((declared or "").lower(), (declared or "").lower())
    sniffed = sniff_image_mime(data)
    if declared_mime not in _UNDECLARED and declared_mime not in ALLOWED_IMAGE_MIMES:
        raise _unsupported(declared_mime)
    if sniffed is None:
        raise _unsupported(declared_mime or "unknown (bytes are not JPEG/PNG/WebP)")
    return ImageIn(mime=sniffed, size=len(data))


def _unsupported(mime: str) -> ImageError:
    return ImageError(
        400,
        f"Unsupported image format {mime}: use {', '.join(ALLOWED_IMAGE_MIMES)}",
        "invalid_image_format",
    )


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImageError(400, "Image is not valid Base64", "invalid_image_format") from None
