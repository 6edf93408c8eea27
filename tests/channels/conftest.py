"""Fixtures for the channel-client tests: a scripted API and an ``ApiHttp`` in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from channels_support import MockApi

from veo_tools.transport.http import ApiHttp


@pytest.fixture
def api() -> MockApi:
    return MockApi()


@pytest.fixture
async def http(api: MockApi) -> AsyncIterator[ApiHttp]:
    async with api.http() as client:
        yield client
