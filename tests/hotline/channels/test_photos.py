"""Photo cleaning (no database): type by content, metadata gone, GPS read only to be offered."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from hotline.channels import photos
from hotline.domain.errors import InvalidInput
from hotline.workbench.attachments import FileTooLarge, UnsupportedFile
from tests.hotline.channels.photo_files import CAMERA, photo


def upload(data: bytes, name: str = "IMG_0001.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_metadata_is_removed_and_the_gps_position_read(fmt: str) -> None:
    raw = photo(fmt, gps=(30.2741, 120.1551))
    assert CAMERA.encode() in raw
    cleaned = photos.clean(raw, 1)
    assert cleaned.position == pytest.approx((30.2741, 120.1551), abs=1e-5)
    assert CAMERA.encode() not in cleaned.data
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.format == fmt and dict(image.getexif()) == {}
    assert cleaned.content_type == f"image/{fmt.lower()}"


def test_southern_and_western_positions_are_negative() -> None:
    assert photos.clean(photo(gps=(-33.8688, -70.6693)), 1).position == \
        pytest.approx((-33.8688, -70.6693), abs=1e-5)


def test_a_photo_without_gps_has_no_position() -> None:
    assert photos.clean(photo(), 1).position is None


def test_the_orientation_is_applied_before_the_tag_goes() -> None:
    cleaned = photos.clean(photo(size=(64, 48), orientation=6), 1)  # taken with the phone upright
    assert Image.open(io.BytesIO(cleaned.data)).size == (48, 64)


def test_large_photos_are_scaled_down() -> None:
    cleaned = photos.clean(photo(size=(4000, 3000)), 1)
    assert Image.open(io.BytesIO(cleaned.data)).size == (photos.MAX_SIDE, photos.MAX_SIDE * 3 // 4)


def test_the_content_decides_not_the_name() -> None:
    got = photos.read([upload(photo("PNG"), "holiday.jpg")], max_bytes=10**6, max_count=3)
    assert [(p.name, p.content_type) for p in got] == [("photo-1.png", "image/png")]


@pytest.mark.parametrize("data", [b"<script>alert(1)</script>", b"\xff\xd8\xff" + b"\0" * 64,
                                  b"GIF89a" + b"\0" * 64])
def test_what_is_not_a_jpeg_or_png_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFile) as refused:
        photos.read([upload(data)], max_bytes=10**6, max_count=3)
    assert refused.value.status == 415 and refused.value.field == "photos"


def test_a_gif_is_refused_even_when_readable() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    with pytest.raises(UnsupportedFile):
        photos.clean(out.getvalue(), 1)


def test_a_declared_huge_image_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 100)
    with pytest.raises(InvalidInput, match="像素"):
        photos.clean(photo(size=(20, 20)), 1)


def test_size_and_count_limits() -> None:
    with pytest.raises(FileTooLarge) as big:
        photos.read([upload(photo())], max_bytes=100, max_count=3)
    assert big.value.status == 413
    with pytest.raises(InvalidInput, match="最多上传 2 张"):
        photos.read([upload(photo()) for _ in range(3)], max_bytes=10**6, max_count=2)
    assert photos.read([FileStorage(io.BytesIO(b""), filename="")], max_bytes=10, max_count=1) == []
