"""The packaged payloads (a real MP4 and two stills) and image sniffing."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

ALLOWED_IMAGE_MIMES = ("image/jpeg", "image/png", "image/webp")


@cache
def asset_bytes(name: str) -> bytes:
    """Bytes of a file under ``veo_tools/sandbox/assets`` (``sample.mp4``, ``still.png``…)."""
    return files("veo_tools.sandbox").joinpath("assets", name).read_bytes()


def sample_video() -> bytes:
    """A 2 s 320x180 H.264 + AAC MP4 that starts with an ``ftyp`` box."""
    return asset_bytes("sample.mp4")


def still_png() -> bytes:
    return asset_bytes("still.png")


def end_frame_jpg() -> bytes:
    return asset_bytes("end_frame.jpg")


def sniff_image_mime(data: bytes) -> str | None:
    """The image type the magic bytes announce, if it is one the API accepts."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
