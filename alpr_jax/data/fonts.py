"""The CJK font (Noto Sans CJK SC, variable weight) and cached glyph masks for plate rendering."""
from __future__ import annotations

import functools
import os

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

NOTO_SC_INDEX = 2          # face index of Simplified Chinese in the Noto Sans CJK collection


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str:
    """Path of the Noto Sans CJK collection installed from PyPI (manimgx-fonts-cjk)."""
    try:
        import manimgx_fonts_cjk
    except ImportError as e:
        raise RuntimeError(
            "the CJK font package is missing: pip install manimgx-fonts-cjk "
            "(it is in requirements.txt)") from e
    path = os.path.join(os.path.dirname(manimgx_fonts_cjk.__file__), "NotoSansCJK-VF.otf.ttc")
    if not os.path.isfile(path):
        raise RuntimeError(f"{path}: CJK font file missing from manimgx-fonts-cjk")
    return path


@functools.lru_cache(maxsize=64)
def cjk_font(size: int, weight: int = 700) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK SC at `size` px and `weight` (100..900)."""
    font = ImageFont.truetype(cjk_font_path(), size, index=NOTO_SC_INDEX)
    font.set_variation_by_axes([int(weight)])
    return font


@functools.lru_cache(maxsize=4096)
def _glyph_ink(char: str, weight: int) -> np.ndarray:
    """Tight-cropped ink mask of one character at 200 px, float32 [h, w] in [0, 1]."""
    if char == "Q":
        return _plate_q(weight)
    font = cjk_font(200, weight)
    left, top, right, bottom = font.getbbox(char)
    canvas = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), char, fill=255, font=font)
    ink = np.asarray(canvas, np.float32) / 255.0
    ys, xs = np.nonzero(ink > 0.02)
    if len(ys) == 0:
        raise ValueError(f"the CJK font has no glyph for {char!r}")
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _plate_q(weight: int) -> np.ndarray:
    """The plate font's Q: a full-height O with a short tail across its lower right.

    Noto's Q has a long tail below the baseline, so stretched into the character box its
    body comes out shorter than a 0; on real plates the body is as tall as 0's and only the
    small tail tells them apart (the first recogniser read most real Qs as 0)."""
    ink = _glyph_ink("O", weight)
    h, w = ink.shape
    stroke = max(2, int((ink[h // 2, : w // 2] > 0.5).sum()))
    canvas = (ink * 255).astype(np.uint8)
    cv2.line(canvas, (int(0.58 * w), int(0.70 * h)), (w - 1 - stroke // 3, h - 1 - stroke // 3),
             255, stroke, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0


@functools.lru_cache(maxsize=8192)
def plate_glyph(char: str, weight: int, box_w: int, box_h: int) -> np.ndarray:
    """Ink mask float32 [box_h, box_w] of `char` as printed on a plate.

    Plate characters fill a tall fixed box (45x90 mm); glyphs are stretched to it, except
    narrow ones (such as '1') which keep their aspect and are centred."""
    ink = _glyph_ink(char, weight)
    h, w = ink.shape
    out = np.zeros((box_h, box_w), np.float32)
    if w / h < 0.3:
        # min: a box narrower than the glyph (tiny distractor text) must not wrap the slice
        new_w = min(box_w, max(1, int(round(box_h * w / h * 1.3))))
        glyph = cv2.resize(ink, (new_w, box_h), interpolation=cv2.INTER_AREA)
        x0 = (box_w - new_w) // 2
        out[:, x0:x0 + new_w] = glyph
        return out
    return cv2.resize(ink, (box_w, box_h), interpolation=cv2.INTER_AREA)
