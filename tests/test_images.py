"""Image decoding: photos come out upright as a viewer shows them, whatever EXIF orientation
they were stored with (phones store a photo held upright on its side, with a tag)."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from alpr_jax.data.images import decode_image


def _encoded(pixels: np.ndarray, fmt: str, orientation: int | None) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, fmt, exif=exif.tobytes(),
                                 **({} if fmt == "PNG" else {"quality": 100}))
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "TIFF"])
def test_every_exif_orientation_decodes_upright(fmt):
    stored = (np.random.default_rng(0).random((40, 64, 3)) * 255).astype(np.uint8)
    for orientation in range(1, 9):
        data = _encoded(stored, fmt, orientation)
        viewer = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
        ours = decode_image(data, f"x.{fmt}")
        assert ours.shape == viewer.shape and ours.flags.c_contiguous, (fmt, orientation)
        assert np.array_equal(ours, viewer), (fmt, orientation)
    # 6 and 8 (the phone held upright) swap height and width
    assert decode_image(_encoded(stored, fmt, 6)).shape == (64, 40, 3)


def test_alpha_gray_and_16_bit_keep_their_colours():
    rgb = (np.random.default_rng(1).random((20, 30, 3)) * 255).astype(np.uint8)
    bgr = rgb[..., ::-1]

    def png(pixels):
        ok, buf = cv2.imencode(".png", pixels)
        return buf.tobytes()
    assert np.array_equal(decode_image(png(np.dstack([bgr, np.full((20, 30), 9, np.uint8)]))), rgb)
    assert np.array_equal(decode_image(png(bgr.astype(np.uint16) * 257)), rgb)
    gray = decode_image(png(bgr[..., 0]))
    assert gray.shape == (20, 30, 3) and np.array_equal(gray[..., 1], bgr[..., 0])
