"""Error bodies in the shapes the gateway uses, and ids in the shapes it mints.

Shapes (spec §1.4, §2.8, §3.8):

* new-api middleware: ``{"error":{"message":"… (request id: …)","type":"new_api_error","code":…}}``
* OpenAI style: ``{"error":{"message":…,"type":"invalid_request_error"[,"code":…]}}``
* sister-documented: ``{"error":{"message":…,"code":…}}``
* new-api task relay: ``{"code":…,"message":…,"data":null}``
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

from starlette.responses import JSONResponse, Response

_ALNUM = string.ascii_letters + string.digits


class Reply(Exception):
    """Raised anywhere in a handler to answer with ``response`` at once."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def random_alnum(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def request_id() -> str:
    """Like new-api's: a timestamp followed by random characters."""
    return time.strftime("%Y%m%d%H%M%S") + random_alnum(18, string.digits + "abcdef")


def new_api_error(
    status: int, message: str, code: str = "", *, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "error": {
            "message": f"{message} (request id: {request_id()})",
            "type": "new_api_error",
            "code": code,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def openai_error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        error["code"] = code
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def sister_error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "code": code}}, status_code=status)


def task_error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": None}, status_code=status)


def invalid_token() -> JSONResponse:
    return new_api_error(401, "Invalid token")


def no_channel(model: str) -> JSONResponse:
    return new_api_error(
        503, f"no available channels for model {model} under group default", "model_not_found"
    )


def bad_request(message: str, code: str | None = None) -> Reply:
    return Reply(openai_error(400, message, code=code))


CHAT_ON_OFFICIAL_HTML = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>API易</title></head>
<body><div id="root"></div>
<!-- The Official Veo channel is async only: POST /v1/videos, then poll. -->
</body></html>
"""
