"""A token outside a model's APIYI group gets an error that names the group to create a token in."""

from __future__ import annotations

import pytest

from veo_tools.catalog import get_model
from veo_tools.engine.availability import access_group_message
from veo_tools.errors import AccessGroupError, ModelUnavailableError


@pytest.mark.parametrize(
    ("model_id", "group"),
    [
        ("doubao-seedance-2-0-260128", "SeeDance2"),
        # APIYI's notice of 2026-08-30: Seedance 2.5 has its own group.
        ("doubao-seedance-2-5-260628", "SeeDance25"),
        ("wan2.7-t2v", "Wan&HappyHorse"),
        ("happyhorse-1.1-t2v", "Wan&HappyHorse"),
        ("grok-imagine-video", "GrokOfficial"),
    ],
)
def test_a_refused_group_model_names_the_group_to_create_a_token_in(
    model_id: str, group: str
) -> None:
    assert get_model(model_id).access_group == group
    message = access_group_message(model_id, group, "no available channels")
    assert f"create a token in the {group} group with pay-as-you-go billing" in message
    assert "https://api.apiyi.com/token" in message and "Nothing was billed" in message
    error = AccessGroupError(message)
    assert isinstance(error, ModelUnavailableError) and error.kind == "access_group"
    assert not error.retryable
