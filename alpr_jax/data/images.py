"""Image file I/O with errors that name the file and the problem. Images are RGB uint8, upright
as a photo viewer shows them (the EXIF orientation of phone photos applied)."""
from __future__ import annotations

import os

import cv2
import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


class ImageReadError(ValueError):
    """An input file that is not a readable image."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


# Any depth and any colour (16-bit and grayscale kept for the conversions below), and, unlike
# IMREAD_UNCHANGED, the EXIF orientation applied: a phone photo held upright is often stored
# on its side with a tag saying so. Alpha is dropped.
_DECODE_FLAGS = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR


def decode_image(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Encoded image bytes -> [H, W, 3] uint8 RGB, upright by its EXIF orientation.
    Grayscale, alpha and 16-bit are converted."""
    if len(data) == 0:
        raise ImageReadError(name, "empty file (0 bytes)")
    if data[:2] == b"\xff\xd8" and data.rfind(b"\xff\xd9") < 0:
        raise ImageReadError(name, "truncated JPEG (no end-of-image marker)")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data.rfind(b"IEND") < 0:
        raise ImageReadError(name, "truncated PNG (no IEND chunk)")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), _DECODE_FLAGS)
    if image is None:
        raise ImageReadError(name, "not a decodable image")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_image(path) -> np.ndarray:
    """Reads an image file -> [H, W, 3] uint8 RGB, or raises ImageReadError naming the file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ImageReadError(path, "no such file")
    if os.path.isdir(path):
        raise ImageReadError(path, "is a directory, not an image file")
    with open(path, "rb") as f:
        data = f.read()
    return decode_image(data, path)


def encode_image(image: np.ndarray, ext: str = ".jpg", quality: int = 95) -> bytes:
    """[H, W, 3] uint8 RGB -> encoded bytes (".jpg" or ".png")."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext in (".jpg", ".jpeg") else []
    ok, buf = cv2.imencode(ext, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise ValueError(f"could not encode image of shape {image.shape} as {ext}")
    return buf.tobytes()


def write_image(path, image: np.ndarray, quality: int = 95) -> None:
    """Writes [H, W, 3] uint8 RGB to `path` (format from the extension; UTF-8 names are fine)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    with open(path, "wb") as f:
        f.write(encode_image(image, ext, quality))
