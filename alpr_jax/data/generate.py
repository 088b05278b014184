"""Synthetic samples: single plates with context (for the recogniser) and whole scenes (for
the detector), each with exact corners and text. Deterministic given a numpy Generator."""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from alpr_jax import plates
from alpr_jax.data import augment, backgrounds, render
from alpr_jax.data.annotations import ImageRecord, PlateLabel, corners_to_bbox
from alpr_jax.data.images import read_image
from alpr_jax.data.preprocess import scale_and_shift


@dataclasses.dataclass(frozen=True)
class SyntheticPlate:
    text: str
    plate_type: str
    corners: np.ndarray            # [4, 2] float32, TL, TR, BR, BL
    two_row: bool = False


@dataclasses.dataclass(frozen=True)
class Sample:
    image: np.ndarray              # [H, W, 3] uint8 RGB
    plates: tuple[SyntheticPlate, ...]


TYPE_NAMES = plates.PLATE_TYPES


@dataclasses.dataclass(frozen=True)
class PlateConfig:
    """A plate crop with some context, as a detector would cut it."""
    plate_width: tuple[float, float] = (60.0, 280.0)   # px, sampled log-uniformly
    margin: tuple[float, float] = (0.0, 0.35)          # context per side, fraction of plate width
    type_probs: tuple[float, ...] = (0.55, 0.12, 0.25, 0.08)   # blue, yellow, green, white
    max_roll: float = 8.0
    max_yaw: float = 35.0
    max_pitch: float = 20.0
    p_kind: float = 0.06       # share drawn as one of plates.PLATE_KINDS (police O, 挂, 港, ...)
    kinds: tuple[str, ...] = plates.PLATE_KINDS   # which of them
    p_two_row: float = 0.3     # share of yellow (and 挂) plates drawn in two rows
    augment: augment.AugmentConfig = augment.PLATE_AUGMENT


@dataclasses.dataclass(frozen=True)
class SceneConfig:
    """A photo-sized scene; the defaults match CCPD (720 wide, 1160 high)."""
    height: int = 1160
    width: int = 720
    max_plates: int = 3
    p_no_plate: float = 0.1
    plate_width: tuple[float, float] = (30.0, 400.0)
    type_probs: tuple[float, ...] = (0.55, 0.12, 0.25, 0.08)
    max_distractors: int = 4
    p_real_background: float = 0.5    # when real backgrounds are supplied
    p_black: float = 0.0              # share of blue plates drawn white on black instead
    p_kind: float = 0.0               # share of plates of the rarer kinds (plates.PLATE_KINDS)
    p_two_row: float = 0.0            # share of yellow plates drawn in two rows
    augment: augment.AugmentConfig = augment.SCENE_AUGMENT


def check_type_probs(probs) -> tuple[float, ...]:
    """Weights of (blue, yellow, green, white) plates as a tuple; ValueError if malformed."""
    probs = tuple(float(p) for p in probs)
    if len(probs) != len(TYPE_NAMES) or min(probs) < 0 or sum(probs) <= 0:
        raise ValueError(f"{probs}: expected {len(TYPE_NAMES)} non-negative weights (not all "
                         f"zero) for {TYPE_NAMES}")
    return probs


def parse_type_probs(text: str) -> tuple[float, ...]:
    """"0.5,0.2,0.22,0.08" (a --type-probs flag) -> check_type_probs of it."""
    try:
        return check_type_probs(text.split(","))
    except ValueError as e:   # also float("x")
        raise ValueError(f"--type-probs {text!r}: {e}") from None


def sample_plate_type(rng: np.random.Generator, probs) -> str:
    p = np.asarray(probs, np.float64)
    return TYPE_NAMES[int(rng.choice(len(TYPE_NAMES), p=p / p.sum()))]


def _new_plate(rng, type_probs, width_px: float, p_black: float = 0.0, p_kind: float = 0.0,
               p_two_row: float = 0.0, kinds=plates.PLATE_KINDS):
    """(text, plate_type, two_row, layout, rgb, alpha) of a random plate drawn ~width_px wide."""
    plate_type = sample_plate_type(rng, type_probs)
    text = plates.sample_text(rng, plate_type)
    if p_kind and rng.random() < p_kind:
        text = plates.sample_kind_text(rng, kinds[rng.integers(len(kinds))])
        plate_type = plates.plate_type_of_text(text)
    two_row = bool(p_two_row and plate_type == "yellow" and len(plates.tokens(text)) == 7
                   and rng.random() < p_two_row)
    layout = render.layout_for(text, two_row)
    # Draw near the final size (within x2) so small plates are not supersampled needlessly.
    ppm = float(np.clip(width_px * 1.5 / layout.width, 0.25, 1.2))
    colours = plate_type
    if p_black and plate_type == "blue" and rng.random() < p_black:
        colours = "black"                  # a scene's plate: only its place is labelled
    rgb, alpha = render.draw_plate(rng, text, colours, ppm=ppm, two_row=two_row)
    return text, plate_type, two_row, layout, rgb, alpha


def generate_plate(rng: np.random.Generator, cfg: PlateConfig = PlateConfig()) -> Sample:
    """One plate seen from a random viewpoint on a random surface, cropped with margins."""
    width = float(np.exp(rng.uniform(*np.log(cfg.plate_width))))
    text, plate_type, two_row, layout, rgb, alpha = _new_plate(
        rng, cfg.type_probs, width, p_kind=cfg.p_kind, p_two_row=cfg.p_two_row, kinds=cfg.kinds)
    quad = render.random_quad(rng, (0, 0), width, layout.height / layout.width,
                              cfg.max_roll, cfg.max_yaw, cfg.max_pitch)
    lo, hi = quad.min(0), quad.max(0)
    m = rng.uniform(*cfg.margin, size=4) * width
    offset = np.array([m[0] - lo[0], m[1] - lo[1]], np.float32)
    quad = quad + offset
    w_out = int(np.ceil(hi[0] - lo[0] + m[0] + m[2]))
    h_out = int(np.ceil(hi[1] - lo[1] + m[1] + m[3]))
    canvas = backgrounds.texture(rng, max(h_out, 4), max(w_out, 4))
    render.warp_onto(canvas, rgb, alpha, quad)
    image = augment.apply(rng, canvas, cfg.augment)
    return Sample(image, (SyntheticPlate(text, plate_type, quad, two_row),))


# --- Scenes -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _cached_background(path: str) -> np.ndarray:
    return read_image(path)


def _real_background(rng, record: ImageRecord, cfg: SceneConfig):
    """A real photo, randomly rescaled and shifted to the scene size, its plates kept."""
    image = _cached_background(record.path).astype(np.float32)
    h, w = image.shape[:2]
    scale = min(cfg.height / h, cfg.width / w) * rng.uniform(0.8, 1.25)
    tx = rng.uniform(min(0, cfg.width - w * scale), max(0, cfg.width - w * scale))
    ty = rng.uniform(min(0, cfg.height - h * scale), max(0, cfg.height - h * scale))
    canvas = scale_and_shift(image, scale, (tx, ty), (cfg.height, cfg.width))
    kept = []
    for p in record.plates:
        if p.corners is None:
            continue
        corners = p.corners * scale + np.array([tx, ty], np.float32)
        centre = corners.mean(0)
        if 0 <= centre[0] < cfg.width and 0 <= centre[1] < cfg.height:
            kept.append(SyntheticPlate(p.text, plates.plate_type_of_text(p.text or "皖A00000"),
                                       corners.astype(np.float32)))
    return canvas, kept


def _overlaps(box, boxes, pad: float = 0.15) -> bool:
    w, h = box[2] - box[0], box[3] - box[1]
    x0, y0, x1, y1 = box[0] - pad * w, box[1] - pad * h, box[2] + pad * w, box[3] + pad * h
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def generate_scene(rng: np.random.Generator, cfg: SceneConfig = SceneConfig(),
                   real_backgrounds: tuple[ImageRecord, ...] = ()) -> Sample:
    """A scene with 0..max_plates synthetic plates (plus any real ones of a real background) and
    plate-like distractors. Real backgrounds are ImageRecords whose plates stay labelled."""
    H, W = cfg.height, cfg.width
    if real_backgrounds and rng.random() < cfg.p_real_background:
        record = real_backgrounds[int(rng.integers(len(real_backgrounds)))]
        canvas, placed = _real_background(rng, record, cfg)
        n_plates = int(rng.integers(0, cfg.max_plates))       # real plates already count
        with_cars = False
    else:
        canvas = backgrounds.street_scene(rng, H, W)
        placed = []
        n_plates = 0 if rng.random() < cfg.p_no_plate else int(rng.integers(1, cfg.max_plates + 1))
        with_cars = True
    boxes = [corners_to_bbox(p.corners) for p in placed]

    # Distractors first, so plates are drawn over them rather than hidden by them.
    for _ in range(int(rng.integers(0, cfg.max_distractors + 1))):
        height = float(np.exp(rng.uniform(np.log(10), np.log(120))))
        rgb, alpha = backgrounds.distractor(rng, height)
        dh, dw = alpha.shape
        quad = render.random_quad(rng, (rng.uniform(0, W), rng.uniform(0, H)), dw, dh / dw,
                                  10, 30, 20)
        if _overlaps(corners_to_bbox(quad), boxes, pad=0.05):
            continue
        render.warp_onto(canvas, rgb, alpha, quad)

    new_plates = []
    for _ in range(n_plates):
        width = float(np.exp(rng.uniform(*np.log(cfg.plate_width))))
        text, plate_type, two_row, layout, rgb, alpha = _new_plate(
            rng, cfg.type_probs, width, cfg.p_black, cfg.p_kind, cfg.p_two_row)
        # centres from which a plate this wide can lie inside the scene (wide plates too)
        mx, my = min(0.5 * W, 0.1 * W + 0.5 * width), min(0.5 * H, 0.1 * H + 0.2 * width)
        for _attempt in range(10):
            centre = (rng.uniform(mx, W - mx), rng.uniform(my, min(0.92 * H, H - my)))
            quad = render.random_quad(rng, centre, width, layout.height / layout.width)
            box = corners_to_bbox(quad)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= W and box[3] <= H
            if inside and not _overlaps(box, boxes, pad=0.6 if with_cars else 0.15):
                new_plates.append((SyntheticPlate(text, plate_type, quad, two_row), width, rgb,
                                   alpha))
                boxes.append(box)
                break
    # Cars first (farther, i.e. smaller, plates' cars behind), then every plate on top.
    if with_cars:
        for plate, width, _, _ in sorted(new_plates, key=lambda t: t[1]):
            if rng.random() < 0.8:
                backgrounds.draw_car(rng, canvas, plate.corners.mean(0), width)
    for plate, _, rgb, alpha in new_plates:
        render.warp_onto(canvas, rgb, alpha, plate.corners)
        placed.append(plate)

    image = augment.apply(rng, canvas, cfg.augment)
    return Sample(image, tuple(placed))


def sample_to_labels(sample: Sample) -> list[PlateLabel]:
    return [PlateLabel(p.text, p.corners, corners_to_bbox(p.corners)) for p in sample.plates]
