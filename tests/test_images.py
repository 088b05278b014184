"""Image decoding: photos come out upright as a viewer shows them, whatever EXIF orientation
they were stored with (phones store a photo held upright on its side, with a tag)."""
import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from alpr_jax.data.images import decode_image, exif_orientation


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


def test_orientation_absent_or_unreadable_means_as_stored():
    stored = np.zeros((8, 12, 3), np.uint8)
    assert exif_orientation(_encoded(stored, "JPEG", None)) == 1
    assert exif_orientation(_encoded(stored, "JPEG", 9)) == 1         # not a valid value
    assert exif_orientation(b"not an image") == 1
