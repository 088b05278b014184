"""Synthetic plate renderer: draws a plate with the real GA 36-2018 layout, then places it.

`draw_plate` makes a fronto-parallel plate image (RGB + alpha) at a given scale (pixels per mm);
`random_quad` picks a viewpoint; `warp_onto` composites the plate into any canvas with exact
corner coordinates. Corners are always the plate's outer corners, clockwise from top-left.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from alpr_jax import plates
from alpr_jax.data import fonts


@dataclasses.dataclass(frozen=True)
class PlateLayout:
    """Plate geometry in millimetres."""
    width: float
    height: float
    n_chars: int
    char_w: float
    char_h: float
    char_gap: float        # between neighbouring characters
    sep_gap: float         # between characters 2 and 3, where the separator dot sits
    left: float | None = None   # left margin; None: the characters are centred

    def char_boxes(self) -> np.ndarray:
        """float32 [n_chars, 4] character boxes (x0, y0, x1, y1)."""
        total = self.n_chars * self.char_w + (self.n_chars - 2) * self.char_gap + self.sep_gap
        x = (self.width - total) / 2 if self.left is None else self.left
        y0 = (self.height - self.char_h) / 2
        boxes = []
        for i in range(self.n_chars):
            boxes.append((x, y0, x + self.char_w, y0 + self.char_h))
            x += self.char_w + (self.sep_gap if i == 1 else self.char_gap)
        return np.array(boxes, np.float32)

    def dot_centre(self) -> tuple[float, float] | None:
        b = self.char_boxes()
        return float(b[1, 2] + b[2, 0]) / 2, self.height / 2


@dataclasses.dataclass(frozen=True)
class TwoRowLayout:
    """A two-row plate (GA 36: large vehicles, trailers), 440x220 mm: province and letter
    (80x60 mm each) centred above, 5 characters (65x110 mm, 15 mm apart) below."""
    width: float = 440
    height: float = 220
    n_chars: int = 7

    def char_boxes(self) -> np.ndarray:
        top = [(110, 15, 190, 75), (250, 15, 330, 75)]
        bottom = [(27.5 + 80 * i, 95, 92.5 + 80 * i, 205) for i in range(5)]
        return np.array(top + bottom, np.float32)

    def dot_centre(self) -> None:          # no separator dot between the rows
        return None


LAYOUT_7 = PlateLayout(440, 140, 7, 45, 90, 12, 34)   # blue, yellow, white: 440x140 mm
# green new-energy, 480x140 mm. Measured on the real green plates of the shared CCPD scenes
# (ink columns of the rectified plate at 1 mm/px): characters 3-8 at a 53 mm pitch from 155 mm,
# characters 1-2 close to the left edge (~12 mm) with a 47 mm separator gap, so not centred.
LAYOUT_8 = PlateLayout(480, 140, 8, 43, 90, 10, 47, left=12)
LAYOUT_TWO_ROW = TwoRowLayout()
# the characters drawn in the plate's second colour (red)
RED_TOKENS = ("警", "学", "应急", plates.EMBASSY)


def layout_for(text: str, two_row: bool = False):
    if two_row:
        if len(plates.tokens(text)) != 7:
            raise ValueError(f"{text!r}: only 7-character plates come in two rows")
        return LAYOUT_TWO_ROW
    return LAYOUT_8 if len(plates.tokens(text)) == 8 else LAYOUT_7


def _vary_colour(rng, rgb, amount):
    return np.clip(np.asarray(rgb, np.float32) + rng.uniform(-amount, amount, 3), 0, 255)


def _plate_colours(rng: np.random.Generator, plate_type: str):
    """(background top, background bottom, ink, ink of a special suffix) as float32 RGB."""
    if plate_type == "blue":
        base = np.array([rng.uniform(5, 45), rng.uniform(45, 115), rng.uniform(170, 245)])
        bg_top = bg_bot = _vary_colour(rng, base, 8)
        ink = _vary_colour(rng, (240, 242, 245), 12)
    elif plate_type == "yellow":
        bg_top = bg_bot = _vary_colour(rng, (240, 185, 20), 18)
        ink = _vary_colour(rng, (20, 20, 20), 15)
    elif plate_type == "green":
        if rng.random() < 0.8:    # small car: white (to pale green) fading into green
            pale = rng.uniform(0, 1) ** 2
            bg_top = _vary_colour(rng, (236 - 70 * pale, 246 - 16 * pale, 236 - 66 * pale), 10)
            bg_bot = _vary_colour(rng, (70, 200, 110), 25)
        else:                     # large vehicle: yellow fading into green
            bg_top = _vary_colour(rng, (225, 225, 70), 15)
            bg_bot = _vary_colour(rng, (80, 195, 95), 20)
        ink = _vary_colour(rng, (15, 20, 15), 12)
    elif plate_type == "white":
        bg_top = bg_bot = _vary_colour(rng, (235, 235, 232), 10)
        ink = _vary_colour(rng, (15, 15, 15), 12)
    elif plate_type == "black":   # white on black (older foreign-owned and cross-border cars)
        bg_top = bg_bot = _vary_colour(rng, (22, 24, 26), 12)
        ink = _vary_colour(rng, (235, 235, 235), 12)
    else:
        raise ValueError(f"unknown plate type {plate_type!r}; expected one of "
                         f"{plates.PLATE_TYPES + ('black',)}")
    special = _vary_colour(rng, (200, 25, 25), 20)
    return bg_top, bg_bot, ink, special


def _rounded_rect_sdf(h: int, w: int, ppm: float, inset: float, radius: float) -> np.ndarray:
    """Signed distance (px) to a rounded rectangle inset `inset` mm from the plate edge."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    half = np.array([w / 2 - inset * ppm, h / 2 - inset * ppm], np.float32)
    r = radius * ppm
    qx = np.abs(xs - w / 2) - (half[0] - r)
    qy = np.abs(ys - h / 2) - (half[1] - r)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0) - r


def _coverage(sdf: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage of the region sdf < 0 (one pixel of ramp)."""
    return np.clip(0.5 - sdf, 0.0, 1.0)


def _blend(img: np.ndarray, mask: np.ndarray, colour) -> None:
    m = mask[..., None]
    img *= 1 - m
    img += m * np.asarray(colour, np.float32)


def draw_plate(rng: np.random.Generator, text: str, plate_type: str | None = None,
               ppm: float = 1.0, clean: bool = False, two_row: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """Draws a fronto-parallel plate.

    Args:
      text: a valid 7- or 8-character plate text.
      plate_type: colour scheme; default from the text (8 chars -> green, ... see plates.py).
      ppm: pixels per millimetre (1.0 -> 440x140 px for a 7-char plate).
      clean: no wear, dirt, screws or embossing, Noto glyphs (tests, previews of the layout).
      two_row: the 440x220 mm two-row layout (7-character texts).
    Returns:
      rgb float32 [H, W, 3] in [0, 255] and alpha float32 [H, W] in [0, 1] (rounded corners).
    """
    plates.validate_text(text)
    plate_type = plate_type or plates.plate_type_of_text(text)
    layout = layout_for(text, two_row)
    # a typeface per plate: real plates all share one that no free font reproduces
    cjk_face = "noto" if clean else fonts.CJK_FACES[rng.integers(len(fonts.CJK_FACES))]
    latin_face = "noto" if clean else fonts.LATIN_FACES[
        rng.choice(len(fonts.LATIN_FACES), p=(0.4, 0.3, 0.3))]
    h, w = int(round(layout.height * ppm)), int(round(layout.width * ppm))
    bg_top, bg_bot, ink, special = _plate_colours(rng, plate_type)
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    if plate_type == "green":   # the gradient starts up to ~40% of the way down (often ~1/3)
        t = np.clip((t - rng.uniform(-0.2, 0.4)) / rng.uniform(0.5, 0.9), 0, 1)
    img = np.broadcast_to(bg_top * (1 - t) + bg_bot * t, (h, w, 3)).astype(np.float32)

    if not clean:   # uneven paint / reflectance: smooth low-frequency brightness field
        field = cv2.resize(rng.normal(0, 1, (3, 6)).astype(np.float32), (w, h),
                           interpolation=cv2.INTER_CUBIC)
        img *= (1 + rng.uniform(0.0, 0.08) * field)[..., None]

    # Frame line just inside the edge, in the ink colour.
    frame_inset = rng.uniform(1.0, 3.0) if not clean else 2.0
    frame_w = rng.uniform(1.5, 3.5) if not clean else 2.0
    outer = _rounded_rect_sdf(h, w, ppm, frame_inset, 7)
    frame = _coverage(outer) * (1 - _coverage(outer + frame_w * ppm))
    # Everything in the ink colour is gathered into one coverage mask and blended once.
    weight = 500 if clean else int(rng.choice([300, 400, 500, 600, 700], p=[0.2, 0.3, 0.25, 0.15, 0.1]))
    fill = 1.0 if clean else rng.uniform(0.8, 1.0)   # glyph width within its 45 mm box
    ink_mask = np.zeros((h, w), np.float32)
    special_mask = np.zeros((h, w), np.float32)
    for ch, box in zip(plates.tokens(text), layout.char_boxes() * ppm):
        x0, y0, x1, y1 = box
        x0, x1 = (x0 + x1) / 2 - fill * (x1 - x0) / 2, (x0 + x1) / 2 + fill * (x1 - x0) / 2
        bw, bh = max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0)))
        face = latin_face if ch.isascii() else cjk_face
        glyph = fonts.plate_glyph(ch, weight, bw, bh, face)
        ix, iy = int(round(x0)), int(round(y0))
        target = special_mask if ch in RED_TOKENS else ink_mask
        region = target[iy:iy + bh, ix:ix + bw]
        np.maximum(region, glyph[:region.shape[0], :region.shape[1]], out=region)

    if layout.dot_centre() is not None and (clean or rng.random() < 0.95):
        cx, cy = layout.dot_centre()   # separator dot between characters 2 and 3
        r = 5.0 * ppm   # 10 mm diameter
        y0, y1 = max(0, int(cy * ppm - r - 2)), min(h, int(cy * ppm + r + 3))
        x0, x1 = max(0, int(cx * ppm - r - 2)), min(w, int(cx * ppm + r + 3))
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
        dot = _coverage(np.hypot(xs - cx * ppm, ys - cy * ppm) - r)
        np.maximum(ink_mask[y0:y1, x0:x1], dot, out=ink_mask[y0:y1, x0:x1])
    _blend(img, np.maximum(frame, ink_mask), ink)
    if special_mask.any():
        _blend(img, special_mask, special)
    ink_mask = np.maximum(ink_mask, special_mask)

    if not clean:
        img = _wear(rng, img, ink_mask, layout, ppm)

    alpha = _coverage(_rounded_rect_sdf(h, w, ppm, 0.0, 8))
    return np.clip(img, 0, 255), alpha


def _wear(rng, img, ink_mask, layout: PlateLayout, ppm: float) -> np.ndarray:
    """Embossing, screws, dirt and fine grain: what makes a plate look used."""
    h, w = img.shape[:2]
    if rng.random() < 0.6:   # raised characters: light from the top-left
        s = max(1, int(round(rng.uniform(0.6, 1.6) * ppm)))
        shifted = np.roll(np.roll(ink_mask, s, 0), s, 1)
        edge = ink_mask - shifted
        img += (rng.uniform(20, 50) * edge)[..., None]
    if rng.random() < 0.6:   # two screws in the top margin
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
        boxes = layout.char_boxes()
        screw_y = rng.uniform(9, 14) * ppm
        for x_mm in ((boxes[1, 0] + boxes[1, 2]) / 2, (boxes[-2, 0] + boxes[-2, 2]) / 2):
            d = np.hypot(xs - x_mm * ppm, ys - screw_y)
            head = _coverage(d - rng.uniform(3.5, 5) * ppm)
            shade = np.clip(1.2 - (ys - screw_y + xs - x_mm * ppm) / (8 * ppm), 0.5, 1.5)
            metal = rng.uniform(120, 200)
            img = img * (1 - head[..., None]) + head[..., None] * (metal * shade)[..., None]
    n_blobs = rng.poisson(1.5)
    for _ in range(n_blobs):   # dirt: soft brownish-grey blotches
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        sy, sx = rng.uniform(5, 40) * ppm, rng.uniform(5, 80) * ppm
        ys, xs = np.ogrid[0:h, 0:w]
        blob = np.exp(-(((ys - cy) / sy) ** 2 + ((xs - cx) / sx) ** 2)).astype(np.float32)
        colour = _vary_colour(rng, (90, 80, 65), 30)
        _blend(img, blob * rng.uniform(0.1, 0.45), colour)
    grain = rng.normal(0, rng.uniform(1, 6), (h, w, 1)).astype(np.float32)
    return img + grain


def random_quad(rng: np.random.Generator, centre, width: float, aspect: float,
                max_roll: float = 12.0, max_yaw: float = 40.0, max_pitch: float = 25.0) -> np.ndarray:
    """Corners float32 [4, 2] (TL, TR, BR, BL) of a plate `width` px wide seen from a random view.

    aspect is plate height / width (140/440 for a 7-char plate). Yaw shortens one side, pitch
    one edge, roll rotates in the image plane (degrees)."""
    yaw = np.deg2rad(rng.uniform(-max_yaw, max_yaw))
    pitch = np.deg2rad(rng.uniform(-max_pitch, max_pitch))
    roll = np.deg2rad(rng.uniform(-max_roll, max_roll))
    hw, hh = width / 2, width * aspect / 2
    k = 0.25   # strength of perspective foreshortening
    left, right = 1 + k * np.sin(yaw), 1 - k * np.sin(yaw)
    top, bottom = 1 + k * np.sin(pitch), 1 - k * np.sin(pitch)
    w_scale = np.cos(yaw) ** 0.5
    quad = np.array([[-hw * w_scale * top, -hh * left],
                     [hw * w_scale * top, -hh * right],
                     [hw * w_scale * bottom, hh * right],
                     [-hw * w_scale * bottom, hh * left]], np.float32)
    quad[:, 0] += rng.uniform(-0.08, 0.08) * quad[:, 1] * 2   # slight shear
    rot = np.array([[np.cos(roll), -np.sin(roll)], [np.sin(roll), np.cos(roll)]], np.float32)
    return quad @ rot.T + np.asarray(centre, np.float32)


def warp_onto(canvas: np.ndarray, plate_rgb: np.ndarray, plate_alpha: np.ndarray,
              corners: np.ndarray) -> np.ndarray:
    """Composites a fronto-parallel plate into `canvas` so its outer corners land on `corners`.

    canvas: float32 [H, W, 3] in [0, 255], modified in place and returned.
    corners: [4, 2] (TL, TR, BR, BL) pixel coordinates; pixel centres are at integer + 0.5,
      so the plate's outer edge maps exactly onto the corner points."""
    corners = np.asarray(corners, np.float32)
    ph, pw = plate_alpha.shape
    # Shrink big plates with area averaging first: perspective warps alias when minifying.
    target_w = max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3]))
    if target_w < 0.7 * pw:
        scale = max(target_w * 1.3, 8) / pw
        size = (max(2, int(round(pw * scale))), max(2, int(round(ph * scale))))
        plate_rgb = cv2.resize(plate_rgb, size, interpolation=cv2.INTER_AREA)
        plate_alpha = cv2.resize(plate_alpha, size, interpolation=cv2.INTER_AREA)
        ph, pw = plate_alpha.shape
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    # cv2 maps pixel centres at integer coordinates; shift by half a pixel on both sides.
    homography = cv2.getPerspectiveTransform(src - 0.5, corners - 0.5)
    x0, y0 = np.floor(corners.min(0)).astype(int) - 2
    x1, y1 = np.ceil(corners.max(0)).astype(int) + 2
    H, W = canvas.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, W), min(y1, H)
    if x1 <= x0 or y1 <= y0:
        return canvas
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
    m = shift @ homography
    size = (x1 - x0, y1 - y0)
    rgb = cv2.warpPerspective(plate_rgb, m, size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpPerspective(plate_alpha, m, size, flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    region = canvas[y0:y1, x0:x1]
    region *= 1 - alpha[..., None]
    region += alpha[..., None] * rgb
    return canvas
