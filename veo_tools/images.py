"""Reference images: read, check and describe them before any money is spent.

A ref is a local path (it must resolve inside one of the allowed input directories), a
``data:image/...;base64,...`` URL, or, where the channel takes one, an ``https`` URL that is passed
through and never fetched here. The type comes from the bytes alone: the file extension and a data
URL's declared type are not trusted. Every refusal is an :class:`InvalidRequestError` on the
``images`` field whose message says what would be accepted; no message ever holds file contents.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import mimetypes
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from veo_tools.catalog import MAX_IMAGE_BYTES
from veo_tools.channels.base import ImagePayload
from veo_tools.errors import InvalidRequestError

_ACCEPTED = (
    "Accepted: a JPEG, PNG or WebP file (at most 10 MB) inside the allowed input directories, "
    "or a 'data:image/png;base64,...' URL"
)
_TYPES: dict[str, str] = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive"),
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_MAX_B64_CHARS = 4 * -(-MAX_IMAGE_BYTES // 3)
_MB = 1024 * 1024
_FRAME_NAMES = ("start", "end")


def load_images(
    refs: Sequence[str], *, input_dirs: Sequence[Path], allow_urls: bool
) -> tuple[ImagePayload, ...]:
    """Load every ref in order; the first is named ``start``, the second ``end``."""
    return tuple(
        load_image(ref, input_dirs=input_dirs, allow_urls=allow_urls, name=_frame_name(i))
        for i, ref in enumerate(refs)
    )


def _frame_name(index: int) -> str:
    return _FRAME_NAMES[index] if index < len(_FRAME_NAMES) else f"image{index + 1}"


def load_image(
    ref: str, *, input_dirs: Sequence[Path], allow_urls: bool, name: str = "image"
) -> ImagePayload:
    """One checked image, ready to send. ``name`` becomes the upload's base file name."""
    ref = ref.strip()
    if not ref:
        raise _refuse(f"An image reference is empty. {_ACCEPTED}.")
    if ref[:5].lower() == "data:":
        return _from_data_url(ref, name)
    if _SCHEME.match(ref):
        return _from_url(ref, name, input_dirs, allow_urls=allow_urls)
    return _from_file(ref, name, input_dirs)


def _refuse(message: str) -> InvalidRequestError:
    return InvalidRequestError(message, field="images")


def _short(ref: str) -> str:
    return repr(ref if len(ref) <= 120 else ref[:117] + "...")


def _payload(data: bytes, source: str, name: str) -> ImagePayload:
    mime = _sniff(data, source)
    digest = hashlib.sha256(data).hexdigest()
    return ImagePayload(mime=mime, data=data, filename=name + _TYPES[mime], digest=digest)


def _sniff(data: bytes, source: str) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise _refuse(
        f"{source} is not a JPEG, PNG or WebP image ({_looks_like(data)}). Only the content "
        f"counts, not the file name or declared type: convert it to JPEG, PNG or WebP. {_ACCEPTED}."
    )


def _looks_like(data: bytes) -> str:
    if not data:
        return "it is empty"
    for magic, kind in _OTHER_MAGIC:
        if data.startswith(magic):
            return f"looks like {kind}"
    if data[4:8] == b"ftyp":
        return "looks like an HEIC/AVIF image or an MP4 video"
    sample = data[:512]
    if all(b >= 0x20 or b in b"\t\n\r" for b in sample):
        return "looks like text"
    return "unrecognised binary data"


def _too_big(source: str, size: int, *, approx: bool = False) -> InvalidRequestError:
    about = "about " if approx else ""
    return _refuse(
        f"{source} is {about}{size / _MB:.1f} MB ({size} bytes); the limit is "
        f"{MAX_IMAGE_BYTES // _MB} MB ({MAX_IMAGE_BYTES} bytes) per image. Re-encode it smaller "
        "(lower resolution or JPEG/WebP quality) and try again."
    )


# --- data: URLs -----------------------------------------------------------------------------


def _from_data_url(ref: str, name: str) -> ImagePayload:
    header, comma, encoded = ref[5:].partition(",")
    if not comma or "base64" not in (p.strip().lower() for p in header.split(";")[1:]):
        raise _refuse(
            "The data URL must be base64-encoded, like 'data:image/png;base64,iVBORw0...'. "
            f"{_ACCEPTED}."
        )
    if len(encoded) > 2 * _MAX_B64_CHARS:
        raise _too_big("The data URL's image", len(encoded) * 3 // 4, approx=True)
    compact = "".join(encoded.split())
    if len(compact) > _MAX_B64_CHARS:
        raise _too_big("The data URL's image", len(compact) * 3 // 4, approx=True)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(
            "The data URL's payload is not valid standard base64 (A-Z, a-z, 0-9, '+', '/', '=' "
            f"padding). Re-encode the image file with base64. {_ACCEPTED}."
        ) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_big("The data URL's image", len(data))
    return _payload(data, "The data URL's content", name)


# --- https URLs -----------------------------------------------------------------------------


def _from_url(ref: str, name: str, input_dirs: Sequence[Path], *, allow_urls: bool) -> ImagePayload:
    parts = urlsplit(ref)
    scheme = parts.scheme.lower()
    if scheme != "https":
        raise _refuse(
            f"Image {_short(ref)} uses the '{scheme}:' scheme; only https URLs (where the channel "
            f"takes URLs) are accepted. {_ACCEPTED}. If it is a local file whose name contains "
            "':', write it as './<name>'."
        )
    if not allow_urls:
        raise _refuse(
            f"This channel/mode needs the image as a local file or a data URL; it cannot take the "
            f"https URL {_short(ref)}. Download the image into an allowed input directory "
            f"({_dir_list(input_dirs)}) and pass its path, or pass it as a "
            "'data:image/...;base64,...' URL."
        )
    _check_public_host(ref, parts.hostname)
    mime, _ = mimetypes.guess_type(parts.path)
    if mime not in _TYPES:
        mime = None
    filename = name + _TYPES[mime] if mime else name
    digest = hashlib.sha256(ref.encode("utf-8")).hexdigest()
    return ImagePayload(mime=mime, url=ref, filename=filename, digest=digest)


def _check_public_host(ref: str, hostname: str | None) -> None:
    host = (hostname or "").rstrip(".").lower()
    if not host:
        raise _refuse(f"Image URL {_short(ref)} has no host. Pass a full https://host/path URL.")
    if host == "localhost" or host.endswith(".localhost") or not _is_public_ip_literal(host):
        raise _refuse(
            f"Image URL {_short(ref)} points at a local, private or reserved address; the API "
            "cannot be asked to fetch internal addresses. Use a publicly reachable https URL, "
            f"or pass the image as a local file or a data URL. {_ACCEPTED}."
        )


def _is_public_ip_literal(host: str) -> bool:
    """True for a DNS name, or for an IP literal in a public range."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        # 127.1, 2130706433, 0x7f.0.0.1: a numeric last label is an address to a resolver.
        return not _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


# --- local files ----------------------------------------------------------------------------


def _dir_list(input_dirs: Sequence[Path]) -> str:
    return ", ".join(str(Path(d).expanduser().resolve()) for d in input_dirs) or "none configured"


def _from_file(ref: str, name: str, input_dirs: Sequence[Path]) -> ImagePayload:
    path = _resolve_inside(ref, input_dirs)
    data = _read_limited(path, ref)
    return _payload(data, f"Image file {_short(ref)}", name)


def _resolve_inside(ref: str, input_dirs: Sequence[Path]) -> Path:
    # Containment is checked before existence, so refusals never reveal what exists outside.
    try:
        raw = Path(ref).expanduser()
        roots = [Path(d).expanduser().resolve() for d in input_dirs]
        if not _inside(raw.resolve(), roots):
            raise _outside(ref, input_dirs)
        path = raw.resolve(strict=True)
    except FileNotFoundError:
        raise _refuse(
            f"Image file {_short(ref)} does not exist (relative paths are read from {Path.cwd()}). "
            f"Check the path; images are read from: {_dir_list(input_dirs)}. {_ACCEPTED}."
        ) from None
    except (OSError, RuntimeError, ValueError):
        raise _refuse(
            f"Image file {_short(ref)} cannot be opened (bad path, permission or symlink loop); "
            f"images are read from: {_dir_list(input_dirs)}. {_ACCEPTED}."
        ) from None
    if not _inside(path, roots):
        raise _outside(ref, input_dirs)
    return path


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def _outside(ref: str, input_dirs: Sequence[Path]) -> InvalidRequestError:
    return _refuse(
        f"Image path {_short(ref)} is outside the allowed input directories "
        f"({_dir_list(input_dirs)}); symlinks and '..' are followed before checking. Put the "
        "file in one of them, add its directory to the VEO_TOOLS_INPUT_DIRS environment variable "
        f"('{os.pathsep}'-separated), or pass the image as a 'data:image/...;base64,...' URL."
    )


def _read_limited(path: Path, ref: str) -> bytes:
    source = f"Image file {_short(ref)}"
    try:
        info = path.stat()
        _check_regular(info, source)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            _check_regular(os.fstat(f.fileno()), source)
            data = f.read(MAX_IMAGE_BYTES + 1)
    except OSError:
        raise _refuse(
            f"{source} cannot be read (permission denied or it changed). {_ACCEPTED}."
        ) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_big(source, len(data))
    return data


def _check_regular(info: os.stat_result, source: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(f"{source} is not a regular file (a directory or device?). {_ACCEPTED}.")
    if info.st_size > MAX_IMAGE_BYTES:
        raise _too_big(source, info.st_size)
