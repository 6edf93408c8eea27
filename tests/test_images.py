from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest

from veo_tools.catalog import MAX_IMAGE_BYTES
from veo_tools.errors import InvalidRequestError
from veo_tools.images import load_image, load_images

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
WEBP = b"RIFF" + (36).to_bytes(4, "little") + b"WEBPVP8 " + bytes(28)
SECRET = "SECRET-CONTENT-DO-NOT-LEAK"
MB = 1024 * 1024


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "inputs"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.png").write_bytes(PNG)
    return directory


def refusal(ref: str, inputs: Path, *, allow_urls: bool = False) -> str:
    with pytest.raises(InvalidRequestError) as info:
        load_image(ref, input_dirs=[inputs], allow_urls=allow_urls)
    assert info.value.field == "images"
    assert SECRET not in info.value.message
    return info.value.message


def data_url(data: bytes, declared: str = "image/png") -> str:
    return f"data:{declared};base64," + base64.b64encode(data).decode()


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "mime", "filename"),
    [
        (PNG, "image/png", "image.png"),
        (JPEG, "image/jpeg", "image.jpg"),
        (WEBP, "image/webp", "image.webp"),
    ],
)
def test_image_file_inside_input_dir_is_loaded_with_type_sniffed_from_content(
    inputs: Path, content: bytes, mime: str, filename: str
) -> None:
    path = inputs / "photo.bin"
    path.write_bytes(content)
    image = load_image(str(path), input_dirs=[inputs], allow_urls=False)
    assert (image.mime, image.data, image.url, image.filename) == (mime, content, None, filename)
    assert image.digest == hashlib.sha256(content).hexdigest()


def test_relative_path_resolves_against_current_directory(inputs: Path) -> None:
    (inputs / "sub").mkdir()
    (inputs / "sub" / "frame.png").write_bytes(PNG)
    image = load_image("sub/frame.png", input_dirs=[inputs], allow_urls=False)
    assert image.data == PNG
    assert "sub" not in image.filename


def test_symlink_pointing_inside_input_dir_is_followed(inputs: Path) -> None:
    (inputs / "real.jpg").write_bytes(JPEG)
    (inputs / "alias.png").symlink_to(inputs / "real.jpg")
    assert load_image("alias.png", input_dirs=[inputs], allow_urls=False).mime == "image/jpeg"


def test_data_url_is_decoded_and_typed_by_content_not_declared_type(inputs: Path) -> None:
    image = load_image(data_url(JPEG, "image/png"), input_dirs=[inputs], allow_urls=False)
    assert (image.mime, image.data, image.filename) == ("image/jpeg", JPEG, "image.jpg")
    assert image.digest == hashlib.sha256(JPEG).hexdigest()


def test_https_url_is_passed_through_unfetched_when_allowed(inputs: Path) -> None:
    url = "https://images.example.com/a/b/poster.webp?x=1"
    image = load_image(url, input_dirs=[inputs], allow_urls=True)
    assert (image.url, image.data, image.mime) == (url, None, "image/webp")
    assert image.filename == "image.webp"
    assert image.digest == hashlib.sha256(url.encode()).hexdigest()


def test_https_url_without_image_extension_has_unknown_type(inputs: Path) -> None:
    image = load_image("https://cdn.example.com/img?id=7", input_dirs=[inputs], allow_urls=True)
    assert (image.mime, image.filename) == (None, "image")


def test_load_images_names_first_and_second_frames_start_and_end(inputs: Path) -> None:
    (inputs / "a.png").write_bytes(PNG)
    images = load_images(["a.png", data_url(WEBP)], input_dirs=[inputs], allow_urls=False)
    assert [i.filename for i in images] == ["start.png", "end.webp"]


# --- refused: content -----------------------------------------------------------------------


def test_text_file_named_png_is_refused_as_text_without_echoing_it(inputs: Path) -> None:
    (inputs / "fake.png").write_text(f"{SECRET}\nhello\n")
    message = refusal("fake.png", inputs)
    assert "not a JPEG, PNG or WebP image (looks like text)" in message
    assert "Accepted" in message


def test_gif_is_refused_with_what_it_looks_like(inputs: Path) -> None:
    (inputs / "anim.gif").write_bytes(b"GIF89a" + bytes(20))
    assert "looks like a GIF image" in refusal("anim.gif", inputs)


def test_file_over_10_mb_is_refused_by_size_before_reading(inputs: Path) -> None:
    path = inputs / "huge.png"
    with path.open("wb") as f:
        f.write(PNG)
        f.truncate(11 * MB)
    message = refusal("huge.png", inputs)
    assert "11.0 MB" in message
    assert "limit is 10 MB" in message
    assert "Re-encode" in message


def test_data_url_over_10_mb_is_refused_with_size_and_limit(inputs: Path) -> None:
    message = refusal("data:image/png;base64," + "A" * (15 * MB), inputs)
    assert "limit is 10 MB" in message
    assert "11.2 MB" in message


def test_data_url_just_over_limit_after_whitespace_is_refused(inputs: Path) -> None:
    encoded = base64.encodebytes(PNG + bytes(MAX_IMAGE_BYTES)).decode()
    assert "limit is 10 MB" in refusal("data:image/png;base64," + encoded, inputs)


def test_data_url_with_bad_base64_is_refused(inputs: Path) -> None:
    message = refusal("data:image/png;base64,not*base64!", inputs)
    assert "not valid standard base64" in message
    assert "Accepted" in message


def test_data_url_that_is_not_base64_encoded_is_refused(inputs: Path) -> None:
    assert "must be base64-encoded" in refusal("data:image/png,%89PNG", inputs)


def test_empty_reference_is_refused(inputs: Path) -> None:
    assert "Accepted" in refusal("  ", inputs)


# --- refused: where the file is -------------------------------------------------------------


def assert_outside_message(message: str, inputs: Path) -> None:
    assert "outside the allowed input directories" in message
    assert str(inputs) in message
    assert "VEO_TOOLS_INPUT_DIRS" in message


def test_absolute_path_outside_input_dirs_is_refused(inputs: Path, outside: Path) -> None:
    assert_outside_message(refusal(str(outside / "secret.png"), inputs), inputs)


def test_dot_dot_traversal_is_refused(inputs: Path, outside: Path) -> None:
    assert_outside_message(refusal("../outside/secret.png", inputs), inputs)


def test_symlink_escaping_input_dir_is_refused(inputs: Path, outside: Path) -> None:
    (inputs / "innocent.png").symlink_to(outside / "secret.png")
    assert_outside_message(refusal("innocent.png", inputs), inputs)


def test_symlinked_directory_escaping_input_dir_is_refused(inputs: Path, outside: Path) -> None:
    (inputs / "linked").symlink_to(outside, target_is_directory=True)
    assert_outside_message(refusal("linked/secret.png", inputs), inputs)


def test_etc_passwd_is_refused(inputs: Path) -> None:
    assert_outside_message(refusal("/etc/passwd", inputs), inputs)


def test_home_ssh_key_is_refused(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(SECRET)
    monkeypatch.setenv("HOME", str(home))
    assert_outside_message(refusal("~/.ssh/id_rsa", inputs), inputs)


def test_missing_file_outside_dirs_does_not_reveal_whether_it_exists(inputs: Path) -> None:
    assert_outside_message(refusal("/nonexistent/secret.png", inputs), inputs)


def test_missing_file_inside_input_dir_is_refused_with_clear_message(inputs: Path) -> None:
    message = refusal("nope.png", inputs)
    assert "'nope.png' does not exist" in message
    assert str(inputs) in message


def test_directory_is_refused_as_not_a_regular_file(inputs: Path) -> None:
    (inputs / "folder.png").mkdir()
    message = refusal("folder.png", inputs)
    assert "not a regular file" in message
    assert "Accepted" in message


def test_no_input_dirs_refuses_every_local_path(inputs: Path) -> None:
    (inputs / "a.png").write_bytes(PNG)
    with pytest.raises(InvalidRequestError, match="none configured"):
        load_image("a.png", input_dirs=[], allow_urls=False)


# --- refused: URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.png",
        "file:///etc/passwd",
        "ftp://example.com/a.png",
        "javascript:alert(1)",
    ],
)
def test_non_https_schemes_are_refused(inputs: Path, url: str) -> None:
    message = refusal(url, inputs, allow_urls=True)
    assert "only https URLs" in message
    assert "Accepted" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/a.png",
        "https://10.0.0.1/a.png",
        "https://192.168.1.20/a.png",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/a.png",
        "https://LOCALHOST./a.png",
        "https://api.localhost/a.png",
        "https://[::1]/a.png",
        "https://[::ffff:127.0.0.1]/a.png",
        "https://0.0.0.0/a.png",
        "https://2130706433/a.png",
        "https://127.1/a.png",
        "https://user@10.0.0.1:8443/a.png",
    ],
)
def test_https_urls_to_internal_addresses_are_refused(inputs: Path, url: str) -> None:
    message = refusal(url, inputs, allow_urls=True)
    assert "local, private or reserved address" in message
    assert "publicly reachable https URL" in message


def test_https_url_to_public_ip_literal_is_accepted(inputs: Path) -> None:
    assert load_image("https://8.8.8.8/a.jpg", input_dirs=[inputs], allow_urls=True).url


def test_https_url_is_refused_when_channel_needs_bytes(inputs: Path) -> None:
    message = refusal("https://images.example.com/a.png", inputs, allow_urls=False)
    assert "needs the image as a local file or a data URL" in message
    assert str(inputs) in message


def test_file_name_with_colon_is_treated_as_url_and_message_says_how_to_pass_it(
    inputs: Path,
) -> None:
    (inputs / "shot:1.png").write_bytes(PNG)
    assert "./<name>" in refusal("shot:1.png", inputs)
    assert load_image("./shot:1.png", input_dirs=[inputs], allow_urls=False).data == PNG


def test_messages_never_contain_file_bytes(inputs: Path) -> None:
    (inputs / "k.png").write_bytes(SECRET.encode() + b"\x00\x01")
    assert "unrecognised binary data" in refusal("k.png", inputs)
    assert os.fsencode(SECRET) not in refusal("k.png", inputs).encode()


def test_symlink_loop_is_refused_with_readable_message(inputs: Path) -> None:
    (inputs / "loop.png").symlink_to(inputs / "loop.png")
    message = refusal("loop.png", inputs)
    assert "cannot be opened" in message
    assert str(inputs) in message
