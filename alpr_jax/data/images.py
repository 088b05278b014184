"""Image file I/O with errors that name the file and the problem. Images are RGB uint8, upright
as a photo viewer shows them (the EXIF orientation of phone photos applied)."""
from __future__ import annotations

import io
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


# EXIF orientation tag value -> how the stored pixels become the upright photo
# (np.rot90's k: quarter turns counter-clockwise; then a left-right flip)
_EXIF_ORIENTATION = 0x0112
_UPRIGHT = {2: (0, True), 3: (2, False), 4: (2, True), 5: (3, True), 6: (3, False),
            7: (1, True), 8: (1, False)}


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8) that decoding still has to apply to encoded image bytes; 1
    (as stored) when there is none or it cannot be read. Only the file's header is parsed.
    TIFF: 1, because cv2's TIFF decoder already applies its orientation tag."""
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return 1
    from PIL import Image                 # Pillow reads EXIF from every format cv2 decodes
    try:
        with Image.open(io.BytesIO(data)) as im:
            value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:                     # an unreadable header: cv2's decode will say why
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """Stored pixels [H, W, C] -> the photo as EXIF `orientation` says it is seen (2-8:
    mirrored and / or turned; 6 and 8 are the phone held upright, [W, H, C] out)."""
    if orientation not in _UPRIGHT:
        return image
    k, mirror = _UPRIGHT[orientation]
    out = np.rot90(image, k)
    return np.ascontiguousarray(out[:, ::-1] if mirror else out)


def decode_image(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Encoded image bytes -> [H, W, 3] uint8 RGB, upright by its EXIF orientation (a phone
    photo held upright is often stored on its side with a tag saying so; cv2's
    IMREAD_UNCHANGED ignores the tag). Grayscale, alpha and 16-bit are converted."""
    if len(data) == 0:
        raise ImageReadError(name, "empty file (0 bytes)")
    if data[:2] == b"\xff\xd8" and data.rfind(b"\xff\xd9") < 0:
        raise ImageReadError(name, "truncated JPEG (no end-of-image marker)")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data.rfind(b"IEND") < 0:
        raise ImageReadError(name, "truncated PNG (no IEND chunk)")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageReadError(name, "not a decodable image")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    else:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return upright(image, exif_orientation(data))


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
