"""A faithful local simulator of APIYI's two Veo 3.1 channels (see ``apiyi-veo-api.md``).

Official (``veo-3.1[-fast]-generate-preview``): ``POST /v1/videos`` (JSON or multipart),
``GET /v1/videos/{id}`` (0/50/100 progress), ``GET /v1/videos/{id}/content`` (MP4 bytes).
Reverse (the eight ``veo-3.1[-landscape][-fast][-fl]`` ids): the same trio with JSON ``/content``
holding a URL, and ``POST /v1/chat/completions`` (SSE progress, then a markdown link).
Render times come from the catalog, scaled by ``SandboxConfig.time_scale``; faults are injected by
config, by ``POST /_sandbox/faults`` or by ``[sandbox:…]`` prompt markers. ``README.md`` beside
this file lists every knob.

In-process use (the demo and tests)::

    app = create_app(SandboxConfig(time_scale=0.01))
    transport = StreamingASGITransport(app)
    client = httpx.AsyncClient(transport=transport, base_url="http://sandbox.invalid")

The payload ``assets/sample.mp4`` (2 s, 320x180, H.264 + AAC, ~80 kB) was made once with::

    ffmpeg -f lavfi -i testsrc2=size=320x180:rate=24 \\
        -f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 \\
        -c:v libx264 -pix_fmt yuv420p -profile:v baseline -c:a aac -b:a 64k \\
        -movflags +faststart sample.mp4

and the stills with ``ffmpeg -f lavfi -i testsrc2=size=160x90 -frames:v 1 still.png`` and
``ffmpeg -f lavfi -i smptebars=size=160x90 -frames:v 1 -q:v 5 end_frame.jpg``.
"""

from veo_tools.sandbox.app import create_app
from veo_tools.sandbox.assets import end_frame_jpg, sample_video, still_png
from veo_tools.sandbox.config import FaultRule, SandboxConfig
from veo_tools.sandbox.server import make_server, serve
from veo_tools.sandbox.state import LedgerEntry, Sandbox, SandboxStats, SimTask
from veo_tools.sandbox.transport import StreamingASGITransport

__all__ = [
    "FaultRule",
    "LedgerEntry",
    "Sandbox",
    "SandboxConfig",
    "SandboxStats",
    "SimTask",
    "StreamingASGITransport",
    "create_app",
    "end_frame_jpg",
    "make_server",
    "sample_video",
    "serve",
    "still_png",
]
