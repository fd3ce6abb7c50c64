"""Citizens' photos from the web form: JPEG or PNG by their content, rewritten without metadata.

A phone photo's EXIF says where and when it was taken and with which device; the citizen did not
mean to send that, and the units reading the ticket should not see it. So every photo is decoded
with Pillow and written again from its pixels alone, which keeps no EXIF, XMP, comment or PNG
text chunk (the orientation tag is applied first, so the photo stays upright). The GPS position
is read before that and used only when the citizen ticks "share the photo's location": it then
becomes the ticket's location, and nothing else of the metadata survives. The browser's content
type and the file name are ignored: Pillow's reading of the bytes decides, and the stored name
is ours (a phone's file name can carry a person's name).

The files are written under random keys in ATTACHMENT_DIR before the intake is committed and
listed in its payload, so the worker that opens the ticket later (or an agent, if the intake
failed) only adds their rows: a worker that is down loses nothing.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from hotline.domain.errors import InvalidInput
from hotline.workbench.attachments import FileTooLarge, UnsupportedFile

FIELD = "photos"
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}
ACCEPT = "image/jpeg,image/png"
# Larger photos are scaled down to this many pixels on the long side: plenty to see a broken
# lamp or a blocked drain, and a 48-megapixel phone photo decodes at 1/2 or 1/4 scale (JPEG
# draft mode) instead of taking hundreds of MB of memory.
MAX_SIDE = 2560
# A small file can still declare a huge image (a "decompression bomb"): refused before decoding.
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class Photo:
    """A checked photo, re-encoded; `position` is (latitude, longitude) from its GPS tags."""

    name: str
    content_type: str
    data: bytes
    position: tuple[float, float] | None


def _degrees(value: Any, ref: Any, limit: float) -> float | None:
    """EXIF degrees, minutes, seconds (rationals) and N/S/E/W as signed decimal degrees."""
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = d + m / 60 + s / 3600
    if str(ref).strip().upper() in ("S", "W"):
        decimal = -decimal
    return decimal if -limit <= decimal <= limit else None


def gps_position(image: Image.Image) -> tuple[float, float] | None:
    """The photo's GPS position, or None when it has none (or a broken or 0,0 one)."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except (OSError, ValueError, KeyError):
        return None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), 90)
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), 180)
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return round(lat, 6), round(lon, 6)


def _unreadable(index: int) -> UnsupportedFile:
    return UnsupportedFile(f"第 {index} 张照片不是 JPG 或 PNG 图片，或已损坏 / photo {index} is not "
                           f"a readable JPEG or PNG image", field=FIELD)


def clean(raw: bytes, index: int) -> Photo:
    """Decode, check and re-encode one photo (`index` counts from 1, for the messages)."""
    try:
        image = Image.open(io.BytesIO(raw))
        kind = image.format
        if kind not in FORMATS:
            raise _unreadable(index)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise InvalidInput(f"第 {index} 张照片像素过多 / photo {index} has too many pixels",
                               field=FIELD)
        position = gps_position(image)
        if kind == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _unreadable(index) from None
    # No `optimize`: it made the re-encoding 3x (JPEG) to 1.5x (PNG) slower for a few percent
    # of size, in the citizen's request.
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        image.save(out, "PNG")
    content_type, extension = FORMATS[kind]
    return Photo(f"photo-{index}{extension}", content_type, out.getvalue(), position)


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def read(files: list[FileStorage], *, max_bytes: int, max_count: int) -> list[Photo]:
    """Every photo of the form, checked before anything is stored; empty inputs are skipped."""
    given = [f for f in files if f and f.filename]
    if len(given) > max_count:
        raise InvalidInput(f"最多上传 {max_count} 张照片 / at most {max_count} photos", field=FIELD)
    photos = []
    for index, file in enumerate(given, start=1):
        data = file.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileTooLarge(f"第 {index} 张照片超过 {_size(max_bytes)} 上限 / photo {index} is "
                               f"larger than {_size(max_bytes)}", field=FIELD)
        photos.append(clean(data, index))
    return photos


def store(photos: list[Photo], directory: Path) -> list[dict[str, Any]]:
    """Write the photos under random keys; returns their entries for the intake's payload."""
    if photos:
        directory.mkdir(parents=True, exist_ok=True)
    entries = []
    for photo in photos:
        key = secrets.token_hex(16)
        (directory / key).write_bytes(photo.data)
        entries.append({"key": key, "name": photo.name, "type": photo.content_type,
                        "size": len(photo.data), "sha256": hashlib.sha256(photo.data).hexdigest()})
    return entries


def discard(entries: list[dict[str, Any]], directory: Path) -> None:
    """Remove the files of an intake that was refused, so no file outlives its request."""
    for entry in entries:
        (directory / entry["key"]).unlink(missing_ok=True)
