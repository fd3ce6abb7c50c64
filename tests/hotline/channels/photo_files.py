"""Photos as phones make them, for the web form's tests: JPEG or PNG with EXIF (camera, GPS)."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

CAMERA = "PhoneCo Model X"


def photo(fmt: str = "JPEG", *, size: tuple[int, int] = (64, 48),
          gps: tuple[float, float] | None = None, orientation: int | None = None) -> bytes:
    """An image whose EXIF names a camera and, when given, where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        tags = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat, lon = gps
        tags[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        tags[ExifTags.GPS.GPSLatitude] = _dms(abs(lat))
        tags[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        tags[ExifTags.GPS.GPSLongitude] = _dms(abs(lon))
    out = io.BytesIO()
    Image.new("RGB", size, (180, 60, 40)).save(out, fmt, exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)
