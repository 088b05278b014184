"""Rectification: an affine map from a plate's 4 corners to an upright 48x120 plate (two-row
plates: the perspective map, see rectify_plate).

The paper maps the corners to (0,0), (48,0), (0,119), (48,119) in (h, w); in this project's
continuous coordinates the plate's outer edges go to the output image's edges: TL -> (0, 0),
TR -> (W, 0), BR -> (W, H), BL -> (0, H).
"""
from __future__ import annotations

import itertools

import cv2
import numpy as np

from alpr_jax.geometry import boxes

PLATE_HW = (48, 120)


def target_corners(out_hw=PLATE_HW) -> np.ndarray:
    h, w = out_hw
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


def fit_affine(src: np.ndarray, dst: np.ndarray, method: str = "ransac",
               threshold: float = 2.0) -> np.ndarray:
    """Affine float64 [2, 3] mapping src [N, 2] to dst [N, 2] (N >= 3).

    "lstsq": least squares over all points. "ransac": the exact affine of each 3-point subset
    is scored by how many points it maps within `threshold` px (in dst units); the best
    subset's inliers are refit by least squares. With 4 plate corners this drops one corner
    that perspective or a bad prediction has moved, instead of spreading its error."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 3:
        raise ValueError(f"need matching [N>=3, 2] point sets, got {src.shape} and {dst.shape}")

    def lstsq(idx):
        a = np.concatenate([src[idx], np.ones((len(idx), 1))], 1)
        m, *_ = np.linalg.lstsq(a, dst[idx], rcond=None)
        return m.T

    if method == "lstsq":
        return lstsq(np.arange(len(src)))
    if method != "ransac":
        raise ValueError(f"unknown method {method!r}; expected 'ransac' or 'lstsq'")
    best, best_key = None, None
    homog = np.concatenate([src, np.ones((len(src), 1))], 1)
    for subset in itertools.combinations(range(len(src)), 3):
        m = lstsq(np.array(subset))
        err = np.linalg.norm(homog @ m.T - dst, axis=1)
        inliers = np.flatnonzero(err <= threshold)
        key = (len(inliers), -err.sum())
        if best_key is None or key > best_key:
            best, best_key = (m, inliers), key
    m, inliers = best
    return lstsq(inliers) if len(inliers) >= 3 else lstsq(np.arange(len(src)))


# cv2 samples at pixel centres (integers); this project's continuous coordinates put them at
# +0.5 (geometry package docstring)
_TO_CV = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
_FROM_CV = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])


def cv_matrix(m: np.ndarray) -> np.ndarray:
    """A map [2, 3] (affine) or [3, 3] (homography) in continuous coordinates -> the same map
    in cv2's pixel-centre coordinates, of the same shape, for cv2.warpAffine /
    warpPerspective."""
    m = np.asarray(m, np.float64)
    full = _TO_CV @ (np.vstack([m, [0, 0, 1]]) if m.shape == (2, 3) else m) @ _FROM_CV
    return full[:2] if m.shape == (2, 3) else full


def rectify(image: np.ndarray, corners: np.ndarray, out_hw=PLATE_HW, method: str = "ransac",
            border_value: float = 128) -> np.ndarray:
    """Cuts the plate with `corners` [4, 2] (TL, TR, BR, BL) out of `image` [H, W, C] and maps it
    to out_hw by fit_affine(method) or, with method "perspective", the homography of the 4
    corners; the output has the input's dtype. Pixels outside the image read `border_value`."""
    corners = np.asarray(corners, np.float32)
    # Minifying with a bilinear warp aliases: low-pass the plate's region first when the plate
    # is much larger than the output.
    shrink = np.linalg.norm(corners[1] - corners[0]) / out_hw[1]
    if shrink > 1.5:
        x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - 4, 0)
        x1, y1 = np.ceil(corners.max(0)).astype(int) + 4
        region = image[y0:y1, x0:x1]
        if region.size:
            corners = corners - np.array([x0, y0], np.float32)
            if shrink > 4:
                # a huge plate (or a wild detection in a huge photo): area-average down to
                # twice the output scale first, so the blur below stays small and cheap
                h, w = region.shape[:2]
                nw, nh = max(1, round(w * 2 / shrink)), max(1, round(h * 2 / shrink))
                region = cv2.resize(region, (nw, nh), interpolation=cv2.INTER_AREA)
                corners = corners * np.array([nw / w, nh / h], np.float32)
                shrink = 2.0
            image = cv2.GaussianBlur(region, (0, 0), 0.45 * shrink)
    dst = target_corners(out_hw)
    size, border = (out_hw[1], out_hw[0]), (border_value,) * 3
    if method == "perspective":
        m = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
        return cv2.warpPerspective(image, cv_matrix(m), size, flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    # RANSAC threshold scales with the output size: 2 px at 48x120.
    m = fit_affine(corners, dst, method, threshold=2.0 * out_hw[0] / PLATE_HW[0])
    return cv2.warpAffine(image, cv_matrix(m), size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


# Two-row plates (440x220 mm): rectified at this size, then their rows are cut and laid side
# by side into the one-row input, so the one recogniser reads both kinds. The cuts (in mm of
# render.TwoRowLayout, with a margin): the top row's two characters x 100-340, y 0-80; the
# bottom row's five x 20-420, y 80-220; widths 34 + 86 px = the share of 2 and 5 characters
# in a one-row plate's 120 px.
TWO_ROW_HW = (88, 176)
_TOP_ROW_MM = (100, 0, 340, 80)
_BOTTOM_ROW_MM = (20, 80, 420, 220)
_TOP_ROW_PX = 34


def stitch_two_row(plate: np.ndarray) -> np.ndarray:
    """A rectified two-row plate [h, w, C] (any size of 2:1 shape) -> its rows side by side,
    [48, 120, C] of the same dtype: province and letter, then the 5 characters."""
    h, w = plate.shape[:2]

    def cut(mm, out_w):
        x0, y0, x1, y1 = (int(round(v)) for v in (mm[0] / 440 * w, mm[1] / 220 * h,
                                                  mm[2] / 440 * w, mm[3] / 220 * h))
        part = plate[y0:y1, x0:x1]
        shrink = part.shape[1] > out_w
        return cv2.resize(part, (out_w, PLATE_HW[0]),
                          interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)

    return np.concatenate([cut(_TOP_ROW_MM, _TOP_ROW_PX),
                           cut(_BOTTOM_ROW_MM, PLATE_HW[1] - _TOP_ROW_PX)], axis=1)


def rectify_plate(image: np.ndarray, corners: np.ndarray, two_row: bool = False,
                  method: str = "ransac") -> np.ndarray:
    """The recogniser's input [48, 120, C] from a plate's corners: rectify by `method`, and
    for a two-row plate (where `method` is not used) rectify at TWO_ROW_HW by the
    perspective map of its 4 corners and stitch its rows. Why not the paper's affine there:
    a 2:1 plate seen at an angle keeps its perspective across both rows, and the cuts then
    miss parts of the characters (synthetic
    two-row plates, shipped recogniser trained on affine stitches: read 0.59 affine, 0.745
    perspective; scripts/plate_kinds.py)."""
    if not two_row:
        return rectify(image, corners, PLATE_HW, method)
    return stitch_two_row(rectify(image, corners, TWO_ROW_HW, "perspective"))


def nearest_parallelogram(corners: np.ndarray) -> np.ndarray:
    """Quadrilaterals [..., 4, 2] (TL, TR, BR, BL) -> the nearest parallelograms (least
    squares over the 8 coordinates), float32 of the same shape: each corner moves by a quarter
    of TL + BR - TR - BL, twice the gap between the midpoints of the two diagonals."""
    c = np.asarray(corners, np.float32)
    gap = (c[..., 0, :] + c[..., 2, :] - c[..., 1, :] - c[..., 3, :]) / 4
    return c - np.stack([gap, -gap, gap, -gap], -2)


def parallelogram_gap(corners: np.ndarray) -> np.ndarray:
    """How far quadrilaterals [..., 4, 2] are from parallelograms, [...] float32: the vector
    TL + BR - TR - BL (0 for a parallelogram) along the plate's width over its width, and
    across it over its height, combined (hypot): for a plate turned about its vertical axis,
    how much longer its near side is than its far side as a share of their length; the
    same for its top and bottom edges when it is seen from above or below."""
    c = np.asarray(corners, np.float32)
    gap = c[..., 0, :] + c[..., 2, :] - c[..., 1, :] - c[..., 3, :]
    along = c[..., 1, :] - c[..., 0, :] + c[..., 2, :] - c[..., 3, :]
    unit = along / np.maximum(np.linalg.norm(along, axis=-1, keepdims=True), 1e-6)
    width, height = (np.maximum(v, 1e-6) for v in boxes.quad_sides(c))
    across = gap[..., 1] * unit[..., 0] - gap[..., 0] * unit[..., 1]
    return np.hypot((gap * unit).sum(-1) / width, across / height).astype(np.float32)


def snap_to_parallelograms(corners: np.ndarray, below: float) -> np.ndarray:
    """Quadrilaterals [..., 4, 2] -> float32 of the same shape: those whose parallelogram_gap
    is under `below` replaced by their nearest parallelogram, the others as they are. A plate
    is small beside its distance from the camera, so it projects nearly to a parallelogram
    (the paper's affine model of a plate; CCPD labels every plate as one); a small gap is the
    localiser's noise, a large one the perspective of a close or steep view."""
    c = np.asarray(corners, np.float32)
    near = parallelogram_gap(c) < below
    return np.where(near[..., None, None], nearest_parallelogram(c), c)


def corner_aspect(corners: np.ndarray) -> float:
    """Width / height of a quadrilateral [4, 2] (mean of opposite sides): ~3.1 for a one-row
    plate seen face on, ~2.0 for a two-row one."""
    width, height = boxes.quad_sides(np.asarray(corners, np.float32))
    return float(width / max(height, 1e-6))
