"""Model inputs from images: the one place that turns pixels into network inputs, used by
training, evaluation and inference alike."""
from __future__ import annotations

import cv2
import numpy as np

from alpr_jax.data.annotations import ImageRecord, PlateLabel
from alpr_jax.geometry.boxes import box_corners
from alpr_jax.geometry.rectify import PLATE_HW, rectify, rectify_plate

DETECTOR_PAD_VALUE = 128


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 [..., 3] -> float32 in [0, 1]."""
    return image.astype(np.float32) * (1.0 / 255.0)


# Photos whose brightness spans fewer levels than this (luminance, 0.5 to 99.5 percentile) are
# stretched to the full range before they are read: every shared real photo spans 108 or more
# (easypr_dev's narrowest; CCPD's 159), while dusk, night and haze squeeze a street photo into
# 30-90, where the detector, trained on full-range photos, loses most plates
# (scripts/conditions_sweep.py: easypr_dev at 25% brightness found 0.89 -> 0.97)
AUTO_LEVELS_BELOW = 100.0
# ... and so are photos whose darkest 0.5% is brighter than this: haze and over-exposure lift
# the black point (the shared real photos' highest: 51; easypr_dev with gamma 0.4: 0.74 read,
# stretched 0.84)
AUTO_LEVELS_BLACK_ABOVE = 64.0
AUTO_LEVELS_MAX_GAIN = 8.0       # a black frame's noise is not stretched into a picture


def check_auto_levels_below(value: float, name: str = "auto_levels_below") -> float:
    if not 0 <= value <= 255:
        raise ValueError(f"{name} must be in [0, 255] brightness levels, got {value}")
    return value


def auto_levels(image: np.ndarray, below: float = AUTO_LEVELS_BELOW,
                black_above: float = AUTO_LEVELS_BLACK_ABOVE,
                max_gain: float = AUTO_LEVELS_MAX_GAIN) -> np.ndarray:
    """uint8 [H, W, 3] -> the same array when its luminance spans `below` levels or more
    (0.5 to 99.5 percentile; below 0: never) from a black point (0.5 percentile) of at most
    black_above, else a copy stretched linearly (one gain and offset for the three channels,
    so hues keep) to put that span on 0..255, the gain at most max_gain."""
    if below <= 0:
        return image
    # the percentiles of a sample of ~64K pixels: a millisecond for a 12 MP photo
    h, w = image.shape[:2]
    step = max(1, int(np.sqrt(h * w / 65536)))
    sample = cv2.resize(image, (max(1, w // step), max(1, h // step)),
                        interpolation=cv2.INTER_NEAREST)
    luma = cv2.cvtColor(sample, cv2.COLOR_RGB2GRAY)
    cdf = np.cumsum(np.bincount(luma.ravel(), minlength=256)) / luma.size
    lo, hi = float(np.searchsorted(cdf, 0.005)), float(np.searchsorted(cdf, 0.995))
    if hi - lo >= below and lo <= black_above:
        return image
    gain = min(255.0 / max(hi - lo, 1.0), max_gain)
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) * gain + 0.5, 0, 255).astype(np.uint8)
    return cv2.LUT(image, lut)


# a plate at most 1% of whose pixels spread more than this between their channels (max -
# min; i.e. whose 99th-percentile spread is at most this) has no colour (a monochrome or
# infrared camera's): a grey photo's plates spread 0-2 levels after JPEG; the least coloured
# of the shared real plates (dark or washed-out blue ones) 10 at the 99th percentile
MONO_CHROMA = 6


def colourless(plates_uint8: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W, 3] plates -> bool [N]: those with no colour (MONO_CHROMA)."""
    x = np.asarray(plates_uint8)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]      # elementwise: a reduction over 3 is slow
    spread = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    spread = spread.reshape(len(x), -1)                                 # uint8 [N, H * W]
    return np.count_nonzero(spread > MONO_CHROMA, axis=1) <= 0.01 * spread.shape[1]


def oriented_input_hw(image_hw: tuple[int, int], input_hw: tuple[int, int]) -> tuple[int, int]:
    """input_hw for a portrait photo, transposed for a landscape one (h < w)."""
    tall, short = max(input_hw), min(input_hw)
    return (tall, short) if image_hw[0] >= image_hw[1] else (short, tall)


def scale_and_shift(image: np.ndarray, scale: float, shift, out_hw: tuple[int, int],
                    pad_value: float | None = None) -> np.ndarray:
    """image [H, W, C] -> [*out_hw, C] holding it at x' = scale * x + shift (continuous
    coordinates: edges map to edges); outside it pad_value, or the image mirrored when None."""
    # cv2 works on pixel centres, hence the half-pixel terms
    m = np.array([[scale, 0, shift[0] + 0.5 * scale - 0.5],
                  [0, scale, shift[1] + 0.5 * scale - 0.5]])
    border = (dict(borderMode=cv2.BORDER_REFLECT) if pad_value is None else
              dict(borderMode=cv2.BORDER_CONSTANT, borderValue=(pad_value,) * 3))
    return cv2.warpAffine(image, m, (out_hw[1], out_hw[0]),
                          flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR, **border)


def letterbox(image: np.ndarray, out_hw: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Resizes keeping the aspect ratio so the image fits out_hw, pads bottom/right with 128.

    Scale convention: detector-input coordinates = scale * original coordinates (continuous
    coordinates, see alpr_jax.geometry). Returns (uint8 [out_h, out_w, 3], scale)."""
    h, w = image.shape[:2]
    scale = min(out_hw[0] / h, out_hw[1] / w)
    nh, nw = max(1, min(out_hw[0], int(round(h * scale)))), max(1, min(out_hw[1], int(round(w * scale))))
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.full((out_hw[0], out_hw[1], 3), DETECTOR_PAD_VALUE, np.uint8)
    out[:nh, :nw] = resized
    return out, scale


def plate_input(image: np.ndarray, plate: PlateLabel | None, out_hw=PLATE_HW,
                two_row: bool = False) -> np.ndarray:
    """The recogniser's input for one plate: uint8 [48, 120, 3].

    With corners, the plate is rectified (a two_row plate: its rows cut and laid side by
    side, rectify.stitch_two_row); with only a box, the box is cut and resized; with
    neither (plate is None: a crop dataset), the whole image is the plate."""
    if two_row:
        if plate is None or plate.corners is None or tuple(out_hw) != PLATE_HW:
            raise ValueError("a two-row plate input needs the plate's corners and PLATE_HW")
        return rectify_plate(image, plate.corners, two_row=True)
    if plate is not None and plate.corners is not None:
        return rectify(image, plate.corners, out_hw)
    if plate is not None and plate.bbox is not None:
        return rectify(image, box_corners(plate.bbox), out_hw)
    return cv2.resize(image, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_AREA
                      if image.shape[1] > out_hw[1] else cv2.INTER_LINEAR)


def record_plate_inputs(image: np.ndarray, record: ImageRecord, out_hw=PLATE_HW,
                        rectify: bool = True) -> list[np.ndarray]:
    """plate_input for every labelled plate of a record (one whole-image input for crops).
    rectify=False cuts each plate by the bounds of its corners instead (the paper's
    "without rectification" ablation)."""
    if record.is_crop:
        return [plate_input(image, None, out_hw)]
    if not rectify:
        return [plate_input(image, PlateLabel(p.text, None, p.box()), out_hw) for p in record.plates]
    return [plate_input(image, p, out_hw) for p in record.plates]
