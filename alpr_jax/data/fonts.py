"""The typefaces plate characters are drawn in, and cached glyph masks for plate rendering.

Real plates use one special typeface that no free font reproduces, so the renderer draws each
plate in one of several (CJK_FACES for Chinese characters, LATIN_FACES for letters and digits),
all installed from PyPI (requirements.txt; none of their files is in this repository):
  noto              Noto Sans CJK SC, variable weight (OFL-1.1): Chinese, letters and digits
  wqy               WenQuanYi Micro Hei (Apache-2.0 / GPL with font exception), one weight:
                    heavier and lighter strokes are made by dilating / eroding its ink
  roboto_condensed  Roboto Condensed, variable weight (OFL-1.1): letters and digits
  oswald            Oswald, variable weight (OFL-1.1): letters and digits
"""
from __future__ import annotations

import functools
import os

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

NOTO_SC_INDEX = 2          # face index of Simplified Chinese in the Noto Sans CJK collection


@functools.lru_cache(maxsize=8)
def _package_file(module: str, relpath: str, pip_name: str) -> str:
    """Path of a font file shipped inside a PyPI package; a clear error if it is missing."""
    try:
        mod = __import__(module)
    except ImportError as e:
        raise RuntimeError(f"the font package is missing: pip install {pip_name} "
                           f"(it is in requirements.txt)") from e
    path = os.path.join(os.path.dirname(mod.__file__), relpath)
    if not os.path.isfile(path):
        raise RuntimeError(f"{path}: font file missing from {pip_name}")
    return path


# face -> (package, file in it, pip name, collection index, weight range of a variable font
# or None: one weight)
_FACE_FILES = {
    "noto": ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", "manimgx-fonts-cjk",
             NOTO_SC_INDEX, (100, 900)),
    "wqy": ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc", "paperang-p2-fonts-cjk", 0, None),
    "roboto_condensed": ("fontpkg_roboto_condensed", "files/RobotoCondensed[wght].ttf",
                         "fontpkg-roboto-condensed", 0, (100, 900)),
    "oswald": ("fontpkg_oswald", "files/Oswald[wght].ttf", "fontpkg-oswald", 0, (200, 700)),
}
CJK_FACES = ("noto", "wqy")
LATIN_FACES = ("noto", "roboto_condensed", "oswald")


@functools.lru_cache(maxsize=64)
def face_font(face: str, size: int, weight: int = 700) -> ImageFont.FreeTypeFont:
    """`face` (CJK_FACES + LATIN_FACES) at `size` px; `weight` (100..900) where the font is
    variable (clipped to its range)."""
    if face not in _FACE_FILES:
        raise ValueError(f"unknown font face {face!r}; expected one of {sorted(_FACE_FILES)}")
    module, relpath, pip_name, index, weights = _FACE_FILES[face]
    font = ImageFont.truetype(_package_file(module, relpath, pip_name), size, index=index)
    if weights is not None:
        font.set_variation_by_axes([int(np.clip(weight, *weights))])
    return font


def cjk_font(size: int, weight: int = 700) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK SC at `size` px and `weight` (100..900): labels, previews, annotations."""
    return face_font("noto", size, weight)


def _render_ink(char: str, weight: int, face: str) -> np.ndarray:
    font = face_font(face, 200, weight)
    left, top, right, bottom = font.getbbox(char)
    canvas = Image.new("L", (right - left + 24, bottom - top + 24), 0)
    ImageDraw.Draw(canvas).text((12 - left, 12 - top), char, fill=255, font=font)
    ink = np.asarray(canvas, np.float32) / 255.0
    if _FACE_FILES[face][4] is None and weight != 500:
        # one-weight face: 100 units of weight ~ 3 px of stroke at 200 px
        k = int(round(abs(weight - 500) / 100 * 3)) | 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        ink = (cv2.dilate if weight > 500 else cv2.erode)(ink, kernel)
    return ink


@functools.lru_cache(maxsize=4096)
def _glyph_ink(char: str, weight: int, face: str = "noto") -> np.ndarray:
    """Tight-cropped ink mask of one character at 200 px, float32 [h, w] in [0, 1]."""
    if char == "Q":
        return _plate_q(weight, face)
    ink = _render_ink(char, weight, face)
    ys, xs = np.nonzero(ink > 0.02)
    if len(ys) == 0:
        raise ValueError(f"the font face {face!r} has no glyph for {char!r}")
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _plate_q(weight: int, face: str = "noto") -> np.ndarray:
    """The plate font's Q: a full-height O with a short tail across its lower right.

    Noto's Q has a long tail below the baseline, so stretched into the character box its
    body comes out shorter than a 0; on real plates the body is as tall as 0's and only the
    small tail tells them apart (the first recogniser read most real Qs as 0)."""
    ink = _glyph_ink("O", weight, face)
    h, w = ink.shape
    stroke = max(2, int((ink[h // 2, : w // 2] > 0.5).sum()))
    canvas = (ink * 255).astype(np.uint8)
    cv2.line(canvas, (int(0.58 * w), int(0.70 * h)), (w - 1 - stroke // 3, h - 1 - stroke // 3),
             255, stroke, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0


@functools.lru_cache(maxsize=8192)
def plate_glyph(char: str, weight: int, box_w: int, box_h: int, face: str = "noto") -> np.ndarray:
    """Ink mask float32 [box_h, box_w] of `char` as printed on a plate, in font `face`.

    Plate characters fill a tall fixed box (45x90 mm); glyphs are stretched to it, except
    narrow ones (such as '1') which keep their aspect and are centred. A two-character token
    (应急) is drawn as two glyphs side by side in the box."""
    out = np.zeros((box_h, box_w), np.float32)
    if len(char) > 1:
        half = max(1, box_w // len(char))
        for i, c in enumerate(char):
            out[:, i * half:(i + 1) * half] = plate_glyph(c, weight, half, box_h, face)
        return out
    ink = _glyph_ink(char, weight, face)
    h, w = ink.shape
    if w / h < 0.3:
        # min: a box narrower than the glyph (tiny distractor text) must not wrap the slice
        new_w = min(box_w, max(1, int(round(box_h * w / h * 1.3))))
        glyph = cv2.resize(ink, (new_w, box_h), interpolation=cv2.INTER_AREA)
        x0 = (box_w - new_w) // 2
        out[:, x0:x0 + new_w] = glyph
        return out
    return cv2.resize(ink, (box_w, box_h), interpolation=cv2.INTER_AREA)
