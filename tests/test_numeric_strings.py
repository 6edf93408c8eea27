"""Numbers sent as strings (issue 15 item 3): APIYI's wire format spells ``seconds`` as ``"8"``
and some MCP clients can only send strings for an ``integer | null`` argument, so every
number-typed argument of every tool input accepts a numeric string; anything else that is not a
number (a word, a fraction for a whole number, a boolean, a number out of range) is refused with
the same clear message as before, and the published schemas do not mention any of it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from veo_tools.types import (
    CheckStatusInput,
    GenerateBatchInput,
    GenerateVideoInput,
    ListTasksInput,
    RecommendChannelInput,
    explain_validation_error,
)

ACCEPTED = [
    (GenerateVideoInput, {"prompt": "x", "seconds": "8"}, "seconds", 8),
    (GenerateVideoInput, {"prompt": "x", "seconds": " 4 "}, "seconds", 4),
    (GenerateVideoInput, {"prompt": "x", "seed": "12345"}, "seed", 12345),
    (GenerateVideoInput, {"prompt": "x", "wait_seconds": "2.5"}, "wait_seconds", 2.5),
    (GenerateVideoInput, {"prompt": "x", "wait_seconds": "30"}, "wait_seconds", 30.0),
    (CheckStatusInput, {"task_id": "t", "wait_seconds": "1e2"}, "wait_seconds", 100.0),
    (RecommendChannelInput, {"seconds": "6"}, "seconds", 6),
    (RecommendChannelInput, {"count": "40"}, "count", 40),
    (RecommendChannelInput, {"reference_images": "2"}, "reference_images", 2),
    (ListTasksInput, {"limit": "5"}, "limit", 5),
    (GenerateBatchInput, {"items": [{"prompt": "x"}], "concurrency": "3"}, "concurrency", 3),
]


@pytest.mark.parametrize(("model", "args", "field", "expected"), ACCEPTED)
def test_a_numeric_string_is_read_as_the_number_it_spells(
    model: type[BaseModel], args: dict[str, Any], field: str, expected: object
) -> None:
    value = getattr(model.model_validate(args), field)
    assert value == expected and type(value) is type(expected)


def test_a_batch_items_seeds_variants_and_seconds_may_be_strings() -> None:
    batch = GenerateBatchInput.model_validate(
        {
            "items": [
                {"prompt": "x", "seeds": ["1", 2, " 3"], "seconds": "6"},
                {"prompt": "y", "variants": "4"},
            ]
        }
    )
    assert batch.items[0].seeds == [1, 2, 3] and batch.items[0].seconds == 6
    assert batch.items[1].variants == 4


REFUSED = [
    (GenerateVideoInput, {"prompt": "x", "seconds": "eight"}, "seconds: Input should be a valid"),
    (GenerateVideoInput, {"prompt": "x", "seconds": "8.5"}, "seconds: Input should be a valid"),
    (GenerateVideoInput, {"prompt": "x", "seconds": "45"}, "seconds: Input should be less than"),
    (GenerateVideoInput, {"prompt": "x", "seconds": "0"}, "seconds: Input should be greater"),
    (GenerateVideoInput, {"prompt": "x", "seconds": True}, "seconds: Input should be a number"),
    (GenerateVideoInput, {"prompt": "x", "seed": "8.5"}, "seed: Input should be a valid integer"),
    (GenerateVideoInput, {"prompt": "x", "seed": True}, "seed: Input should be a number"),
    (GenerateVideoInput, {"prompt": "x", "seed": False}, "seed: Input should be a number"),
    (GenerateVideoInput, {"prompt": "x", "seed": "9" * 30}, "seed: Input should be less than"),
    (GenerateVideoInput, {"prompt": "x", "seed": "9" * 5000}, "as an integer"),
    (GenerateVideoInput, {"prompt": "x", "seed": "-1"}, "seed: Input should be greater than"),
    (GenerateVideoInput, {"prompt": "x", "wait_seconds": "nan"}, "wait_seconds: Input should be"),
    (GenerateVideoInput, {"prompt": "x", "wait_seconds": "1e400"}, "wait_seconds: Input should"),
    (GenerateVideoInput, {"prompt": "x", "wait_seconds": True}, "wait_seconds: Input should be"),
    (ListTasksInput, {"limit": "lots"}, "limit: Input should be a valid integer"),
    (ListTasksInput, {"limit": True}, "limit: Input should be a number"),
    (RecommendChannelInput, {"count": "0x10"}, "count: Input should be a valid integer"),
]


@pytest.mark.parametrize(("model", "args", "expected"), REFUSED)
def test_what_is_not_a_number_in_range_is_still_refused_clearly(
    model: type[BaseModel], args: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(args)
    assert expected in explain_validation_error(caught.value)


def test_a_boolean_argument_still_takes_a_boolean() -> None:
    assert CheckStatusInput.model_validate({"task_id": "t", "download": False}).download is False
    assert RecommendChannelInput.model_validate({"frame_to_video": "true"}).frame_to_video


def test_the_published_schemas_do_not_mention_strings_for_numbers() -> None:
    schema = GenerateVideoInput.model_json_schema()
    assert schema["properties"]["seconds"] == {
        "minimum": 1,
        "maximum": 30,
        "type": "integer",
        "description": schema["properties"]["seconds"]["description"],
    }
    assert schema["properties"]["seed"]["type"] == "integer"
