"""The Volcano Engine tasks adapter (Seedance) against a scripted API: every documented status,
error and quirk."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from channels_support import KEY, MP4, MockApi

from veo_tools.catalog import ENDPOINT_VOLCANO, get_model
from veo_tools.channels.base import ImagePayload, VideoRequest
from veo_tools.errors import InvalidRequestError, SubmitOutcomeUnknownError
from veo_tools.pricing import seedance_tokens, tokens_price
from veo_tools.protocols.volcano import VolcanoClient
from veo_tools.transport.http import ApiHttp

MODEL = "doubao-seedance-2-0-260128"
TASK = f"{ENDPOINT_VOLCANO}/cgt-123"


def request(**kw: object) -> VideoRequest:
    return VideoRequest(model=MODEL, prompt="a red kite over the sea", **kw)  # type: ignore[arg-type]


async def test_the_create_body_is_written_as_volcano_spells_it(api: MockApi, http: ApiHttp) -> None:
    api.on("POST", ENDPOINT_VOLCANO, httpx.Response(200, json={"id": "cgt-123"}))
    frame = ImagePayload("image/png", data=b"\x89PNG", filename="a.png")
    task = await VolcanoClient(http).submit(
        request(seconds=7, resolution="480p", aspect_ratio="21:9", images=(frame,), audio=False)
    )
    assert (task.remote_id, task.status) == ("cgt-123", "queued")
    sent = api.requests[0]
    assert sent.headers["accept-encoding"] == "identity"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = api.bodies(ENDPOINT_VOLCANO)[0]
    assert body["content"][0] == {"type": "text", "text": "a red kite over the sea"}
    image = body["content"][1]
    assert image["role"] == "first_frame" and image["type"] == "image_url"
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert (body["resolution"], body["ratio"], body["duration"]) == ("480p", "21:9", 7)
    assert body["generate_audio"] is False and body["watermark"] is False


async def test_images_as_references_carry_the_reference_role(api: MockApi, http: ApiHttp) -> None:
    api.on("POST", ENDPOINT_VOLCANO, httpx.Response(200, json={"id": "cgt-1"}))
    refs = tuple(ImagePayload(None, url=f"https://img.example/{i}.png") for i in range(3))
    await VolcanoClient(http).submit(request(images=refs, image_role="references"))
    roles = [part["role"] for part in api.bodies(ENDPOINT_VOLCANO)[0]["content"][1:]]
    assert roles == ["reference_image"] * 3


async def test_the_default_duration_is_always_sent(api: MockApi, http: ApiHttp) -> None:
    api.on("POST", ENDPOINT_VOLCANO, httpx.Response(200, json={"id": "cgt-1"}))
    await VolcanoClient(http).submit(request())
    body = api.bodies(ENDPOINT_VOLCANO)[0]
    assert body["duration"] == 5 and body["resolution"] == "720p" and "generate_audio" not in body


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("queued", "queued"),
        ("running", "in_progress"),
        ("succeeded", "completed"),
        ("failed", "failed"),
        ("expired", "failed"),
    ],
)
async def test_every_documented_status_is_read(
    api: MockApi, http: ApiHttp, said: str, status: str
) -> None:
    api.on("GET", TASK, httpx.Response(200, json={"id": "cgt-123", "status": said}))
    task = await VolcanoClient(http).get("cgt-123")
    assert task.status == status
    if said == "expired":
        assert task.error is not None and "48 h" in task.error and task.billed is False


async def test_a_success_gives_the_video_url_and_the_billed_tokens(
    api: MockApi, http: ApiHttp
) -> None:
    answer = {
        "id": "cgt-123",
        "status": "succeeded",
        "content": {"video_url": "https://cdn.volc.example/v.mp4?sig=1"},
        "usage": {"completion_tokens": 108000},
    }
    api.on("GET", TASK, httpx.Response(200, json=answer))
    task = await VolcanoClient(http).get("cgt-123")
    assert task.video_url == "https://cdn.volc.example/v.mp4?sig=1"
    assert task.tokens == 108000 and task.billed is None


async def test_a_failure_says_the_code_and_message_and_releases_the_hold(
    api: MockApi, http: ApiHttp
) -> None:
    answer = {
        "id": "cgt-123",
        "status": "failed",
        "error": {"code": "OutputVideoSensitiveContentDetected", "message": "blocked"},
    }
    api.on("GET", TASK, httpx.Response(200, json=answer))
    task = await VolcanoClient(http).get("cgt-123")
    assert task.error == "OutputVideoSensitiveContentDetected: blocked"
    assert task.billed is False


async def test_the_video_is_fetched_from_its_signed_url_without_the_key(
    api: MockApi, http: ApiHttp, tmp_path: Path
) -> None:
    api.on("GET", "cdn.volc.example", httpx.Response(200, content=MP4))
    dest = tmp_path / "v.mp4"
    result = await VolcanoClient(http).download(
        "cgt-123", dest, video_url="https://cdn.volc.example/v.mp4?sig=1"
    )
    assert dest.read_bytes() == MP4 and result.video_url is not None
    fetch = api.requests[-1]
    assert fetch.url.host == "cdn.volc.example" and "authorization" not in fetch.headers


async def test_an_unreadable_create_answer_may_hide_a_paid_task(
    api: MockApi, http: ApiHttp
) -> None:
    api.on("POST", ENDPOINT_VOLCANO, httpx.Response(200, text="not json"))
    with pytest.raises(SubmitOutcomeUnknownError, match="do not submit again"):
        await VolcanoClient(http).submit(request())


async def test_a_request_the_model_cannot_serve_is_refused_before_sending(
    api: MockApi, http: ApiHttp
) -> None:
    with pytest.raises(InvalidRequestError, match="doubao-seedance-2-5-260628 can"):
        await VolcanoClient(http).submit(request(seconds=20))
    assert api.requests == []


def test_the_token_rates_reproduce_the_documented_examples_within_a_cent() -> None:
    examples = [
        ("doubao-seedance-2-0-260128", "480p", 0.42),
        ("doubao-seedance-2-0-260128", "720p", 0.91),
        ("doubao-seedance-2-0-260128", "1080p", 2.03),
        ("doubao-seedance-2-0-fast-260128", "720p", 0.73),
        ("doubao-seedance-2-0-mini-260615", "720p", 0.45),
        ("doubao-seedance-2-5-260628", "720p", 1.37),
        ("doubao-seedance-2-5-260628", "1080p", 3.09),
    ]
    for model_id, resolution, documented in examples:
        price = tokens_price(get_model(model_id), seedance_tokens(5, resolution))
        assert abs(price - documented) <= 0.01, (model_id, resolution, price)
