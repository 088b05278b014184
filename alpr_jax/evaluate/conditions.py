"""Camera conditions: labelled real photos degraded at fixed strengths (dusk and night,
over-exposure, haze, defocus, motion, low resolution, heavy JPEG, sensor noise, no colour),
or changed by nuisances (JPEG 75, 1.5x resolution, +-20% brightness, faint noise), and read
by the whole pipeline (or plates by the recogniser alone), each scored like the end-to-end
(recognition) evaluation. The strengths are fixed (the
training degradations of data.augment draw milder ones at random), so a row says how one
kind of bad photo is read, not how an average one is.
"""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from alpr_jax.data import augment
from alpr_jax.data.annotations import ImageRecord
from alpr_jax.data.images import read_image
from alpr_jax.evaluate.end_to_end import score_readings
from alpr_jax.evaluate.metrics import recognition_metrics


def _uint8(pixels: np.ndarray) -> np.ndarray:
    """float pixels in [0, 255] (or past it) -> uint8, rounded and clipped."""
    return np.clip(pixels + 0.5, 0, 255).astype(np.uint8)


def _scaled(image: np.ndarray, gain: float) -> np.ndarray:
    return _uint8(image.astype(np.float32) * gain)


def _gamma(image: np.ndarray, gamma: float) -> np.ndarray:
    return _uint8(255.0 * (image / 255.0) ** gamma)


def _haze(image: np.ndarray, share: float) -> np.ndarray:
    return _uint8(image * (1 - share) + 255.0 * share)


def _noisy(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    return _uint8(image + np.random.default_rng(seed).normal(0, sigma, image.shape))


# name -> (what it is, uint8 [H, W, 3] -> uint8 [H, W, 3]); deterministic
CONDITIONS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "as_taken": ("the photo as it is", lambda im: im),
    "dusk": ("25% of the brightness", lambda im: _scaled(im, 0.25)),
    "night": ("12% of the brightness, sensor noise sigma 3",
              lambda im: _noisy(_scaled(im, 0.12), 3.0)),
    "over_exposed": ("gamma 0.4 (shadows lifted, colours washed out)",
                     lambda im: _gamma(im, 0.4)),
    "haze": ("60% white haze (fog, a dirty windscreen)", lambda im: _haze(im, 0.6)),
    "defocus_2": ("Gaussian blur sigma 2 px", lambda im: cv2.GaussianBlur(im, (0, 0), 2.0)),
    "defocus_4": ("Gaussian blur sigma 4 px", lambda im: cv2.GaussianBlur(im, (0, 0), 4.0)),
    "motion_15": ("motion blur 15 px, horizontal", lambda im: augment.motion_blur(im, 15, 0.0)),
    "low_res_3": ("shrunk 3x and enlarged back", lambda im: augment.low_resolution(im, 3.0)),
    "jpeg_10": ("JPEG quality 10", lambda im: augment.jpeg(im, 10)),
    "noise_25": ("sensor noise sigma 25", lambda im: _noisy(im, 25.0)),
    "grayscale": ("no colour (a monochrome or infrared camera)", augment.grayscale),
    # nuisances (NUISANCES), changes no one would call a worse photo: how far a reading rate
    # measured on a set moves when its photos are taken again a little differently
    "jpeg_75": ("saved again as JPEG quality 75", lambda im: augment.jpeg(im, 75)),
    "low_res_1.5": ("shrunk 1.5x and enlarged back", lambda im: augment.low_resolution(im, 1.5)),
    "darker_0.8": ("80% of the brightness", lambda im: _scaled(im, 0.8)),
    "brighter_1.2": ("120% of the brightness", lambda im: _scaled(im, 1.2)),
    "noise_4": ("sensor noise sigma 4", lambda im: _noisy(im, 4.0)),
}

# the conditions above that are nuisances, not bad photos
NUISANCES = ("jpeg_75", "low_res_1.5", "darker_0.8", "brighter_1.2", "noise_4")


def check_conditions(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        raise ValueError(f"unknown condition(s) {unknown}; known: {', '.join(CONDITIONS)}")
    return names


def plate_conditions_sweep(reader, images: np.ndarray, texts: list[str],
                           names: list[str] | None = None) -> list[dict]:
    """reader (pipeline.reader.PlateReader) on plates uint8 [N, 48, 120, 3] as the
    recogniser takes them (real_plates.load_plate_dataset) under each condition -> rows
    {"condition", "what", "n", "read" (exactly), "province" (first character right),
    "wrong": [(text, what was read)]}."""
    names = check_conditions(list(names or CONDITIONS))
    rows = []
    for name in names:
        what, degrade = CONDITIONS[name]
        read = [r.text for r in reader.read(np.stack([degrade(p) for p in images]))]
        m = recognition_metrics(read, list(texts))
        rows.append({"condition": name, "what": what, "n": m["n"], "read": m["acc"],
                     "province": m["acc_1"],
                     "wrong": [(t, r) for t, r in zip(texts, read) if t != r]})
    return rows


def conditions_sweep(alpr, records: list[ImageRecord], names: list[str] | None = None
                     ) -> list[dict]:
    """alpr (pipeline.alpr.ALPR) on every labelled photo of records under each condition ->
    rows {"condition", "what", "n" (labelled plates), "read" (found and read exactly),
    "found", "false_per_image", "wrong": [(labelled text, what was read or "" when not
    found)] of the plates not read exactly}, scored by end_to_end.score_readings (box IoU
    0.3 for box-only labels, quadrilateral IoU 0.5 otherwise)."""
    names = check_conditions(list(names or CONDITIONS))
    photos = [read_image(r.path) for r in records]
    rows = []
    for name in names:
        what, degrade = CONDITIONS[name]
        readings = [[(p.corners, p.detection_score, p.text)
                     for p in alpr.predict(degrade(photo)).plates] for photo in photos]
        m = score_readings(records, readings)
        rows.append({"condition": name, "what": what, "n": len(m["predictions"]),
                     "read": m["acc"], "found": m["detected"],
                     "false_per_image": m["false_per_image"],
                     "wrong": [(row["target"], row["prediction"] or "")
                               for row in m["predictions"]
                               if row["prediction"] != row["target"]]})
    return rows
