"""Reading batch files: JSON Lines and CSV into ``BatchItemInput``, bad lines named by number."""

from __future__ import annotations

from pathlib import Path

import pytest

from veo_tools.cli.batch_file import file_format, read_batch_file
from veo_tools.errors import InvalidRequestError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_jsonl_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.jsonl",
        '# drafts for Monday\n{"prompt": "a fox", "channel": "reverse"}\n\n'
        '  # indented comment\n{"prompt": "a lighthouse", "seconds": 4, "seeds": [1, 2]}\n',
    )
    items = read_batch_file(path)
    assert [i.prompt for i in items] == ["a fox", "a lighthouse"]
    assert items[0].channel == "reverse" and items[1].seconds == 4 and items[1].seeds == [1, 2]


def test_csv_columns_map_to_generate_video_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.csv",
        "Prompt,Channel,Seconds,Aspect Ratio,images,seeds,negative-prompt,variants\n"
        '"a cat, sleeping",official,4,9:16,,3|4,blurry,\n'
        "\n"
        "the poster comes alive,reverse,,,a.png; b.png,,,\n"
        "sunrise,,,,,,,2\n",
    )
    first, frames, third = read_batch_file(path)
    assert first.prompt == "a cat, sleeping" and first.channel == "official"
    assert first.seconds == 4 and first.aspect_ratio == "9:16" and first.seeds == [3, 4]
    assert first.negative_prompt == "blurry" and first.variants is None and first.images == []
    assert frames.images == ["a.png", "b.png"]
    assert third.prompt == "sunrise" and third.channel == "auto" and third.variants == 2


def test_csv_with_a_utf8_bom_and_crlf_line_ends_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffprompt,seed\r\nwaves,7\r\n".encode())
    (item,) = read_batch_file(path)
    assert item.prompt == "waves" and item.seed == 7


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("b.jsonl", '{"prompt": "ok"}\n{"prompt": "x", "seconds": 45}\n', "line 2: seconds:"),
        ("b.jsonl", '{"prompt": "ok"}\n\n{"prompt": "x",}\n', "line 3: not valid JSON"),
        ("b.jsonl", '["a fox"]\n', "line 1: expected a JSON object"),
        ("b.jsonl", '{"prompt": "x", "chanel": "reverse"}\n', "line 1: chanel: Extra inputs"),
        ("b.jsonl", '{"channel": "reverse"}\n', "line 1: prompt is required"),
        ("b.csv", "prompt,chanel\nx,reverse\n", "line 1: unknown column(s) 'chanel'"),
        ("b.csv", "channel\nreverse\n", "line 1: the header row needs a prompt column"),
        ("b.csv", "prompt,seconds\nok,8\nx,five\n", "line 3: seconds:"),
        ("b.csv", "prompt\na,b\n", "line 2: 2 cells but the header has 1"),
    ],
)
def test_a_bad_line_is_refused_with_its_number_and_the_field(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        read_batch_file(write(tmp_path, name, text))
    assert caught.value.message.startswith(str(tmp_path / name))
    assert expected in caught.value.message


def test_a_request_the_api_would_refuse_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.jsonl",
        '{"prompt": "ok"}\n{"prompt": "x", "channel": "reverse", "resolution": "4k"}\n',
    )
    with pytest.raises(InvalidRequestError, match=r"line 2: resolution='4k'"):
        read_batch_file(path)


def test_an_empty_file_or_a_missing_one_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="no items"):
        read_batch_file(write(tmp_path, "empty.jsonl", "# nothing yet\n\n"))
    with pytest.raises(InvalidRequestError, match="does not exist"):
        read_batch_file(tmp_path / "missing.csv")


def test_the_format_comes_from_the_extension_or_else_the_first_line() -> None:
    assert file_format(Path("x.csv"), '{"prompt": "a"}') == "csv"
    assert file_format(Path("x.ndjson"), "prompt\n") == "jsonl"
    assert file_format(Path("batch.txt"), '\n{"prompt": "a"}\n') == "jsonl"
    assert file_format(Path("batch.txt"), "prompt,seed\n") == "csv"
