"""Photometric degradations shared by plate crops and whole scenes.

Geometry (perspective, rotation, scale) is applied where plates are placed (render.random_quad);
everything here keeps pixel positions, so corner labels stay exact.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges of each degradation."""
    p_lighting: float = 0.9          # brightness, contrast, gamma, colour cast
    p_gradient: float = 0.4          # linear illumination gradient
    p_shadow: float = 0.3            # a hard-edged shadow polygon
    p_gaussian_blur: float = 0.25    # the three blurs are exclusive: their sum must be <= 1
    max_gaussian_sigma: float = 1.3  # in pixels of the output
    p_motion_blur: float = 0.15
    max_motion_len: int = 7
    p_low_res: float = 0.25          # downsample then upsample
    max_low_res_factor: float = 3.0
    p_noise: float = 0.6
    max_noise_sigma: float = 10.0
    p_jpeg: float = 0.6
    jpeg_quality: tuple[int, int] = (15, 90)
    p_night: float = 0.0             # a dark, noisy frame (dusk, night, an underexposed camera)
    p_glare: float = 0.0             # a soft specular highlight (sun or headlights on the plate)


# Plate crops as street cameras deliver them (easypr_dev: dark dusk shots, glare, plates of
# 30-70 px upscaled by the rectification, heavy JPEG)
PLATE_AUGMENT = AugmentConfig(p_night=0.08, p_glare=0.1, p_low_res=0.3, max_low_res_factor=3.5)
SCENE_AUGMENT = AugmentConfig(p_shadow=0.2, max_gaussian_sigma=1.2, max_motion_len=7,
                              p_low_res=0.15, max_low_res_factor=2.0, max_noise_sigma=6.0,
                              jpeg_quality=(35, 95))
# No camera effect at all: the plate as drawn (evaluation only: how far the networks read a
# legible plate, apart from the camera)
NO_AUGMENT = AugmentConfig(p_lighting=0.0, p_gradient=0.0, p_shadow=0.0, p_gaussian_blur=0.0,
                           p_motion_blur=0.0, p_low_res=0.0, p_noise=0.0, p_jpeg=0.0)
# Training photos as other cameras would take them (the detector's real photos are CCPD's
# bright parking-lot shots; street cameras add night, glare, blur and compression)
PHOTO_AUGMENT = AugmentConfig(p_lighting=0.7, p_gradient=0.3, p_shadow=0.1,
                              p_gaussian_blur=0.15, max_gaussian_sigma=1.2, p_motion_blur=0.1,
                              max_motion_len=5, p_low_res=0.1, max_low_res_factor=2.0,
                              p_noise=0.4, max_noise_sigma=6.0, p_jpeg=0.4,
                              jpeg_quality=(30, 90), p_night=0.25)


def apply(rng: np.random.Generator, image: np.ndarray, cfg: AugmentConfig = AugmentConfig()
          ) -> np.ndarray:
    """image float32 [H, W, 3] in [0, 255] -> uint8 [H, W, 3], degraded at random."""
    img = image.astype(np.float32, copy=True)
    h, w = img.shape[:2]
    if rng.random() < cfg.p_lighting:
        img = _lighting(rng, img)
    if rng.random() < cfg.p_night:
        img = _night(rng, img)
    if rng.random() < cfg.p_gradient:
        angle = rng.uniform(0, 2 * np.pi)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = (np.cos(angle) * xs / w + np.sin(angle) * ys / h)
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        img *= (1 + rng.uniform(-0.5, 0.5) * (ramp - 0.5))[..., None]
    if rng.random() < cfg.p_shadow:
        img = _shadow(rng, img)
    if rng.random() < cfg.p_glare:
        img = _glare(rng, img)
    # At most one kind of blur: stacked blurs leave plates no real camera would produce.
    blur_probs = np.array([cfg.p_motion_blur, cfg.p_gaussian_blur, cfg.p_low_res])
    blur = int(rng.choice(4, p=np.append(blur_probs, max(0.0, 1 - blur_probs.sum())) /
                          max(1.0, blur_probs.sum())))
    if blur == 0:
        length = int(rng.integers(3, max(4, cfg.max_motion_len + 1)))
        img = motion_blur(img, length, rng.uniform(0, 180))
    elif blur == 1:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, cfg.max_gaussian_sigma))
    elif blur == 2 and min(h, w) > 8:
        f = rng.uniform(1.3, cfg.max_low_res_factor)
        img = low_resolution(img, f, (cv2.INTER_LINEAR, cv2.INTER_CUBIC,
                                      cv2.INTER_NEAREST)[rng.integers(3)])
    if rng.random() < cfg.p_noise:
        sigma = rng.uniform(1, cfg.max_noise_sigma)
        img += rng.normal(0, sigma, img.shape).astype(np.float32)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    if rng.random() < cfg.p_jpeg:
        out = jpeg(out, int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1)))
    return out


# --- the degradations at given strengths (apply draws them; evaluate.conditions fixes them) --
def motion_blur(img: np.ndarray, length: int, degrees: float) -> np.ndarray:
    """img [H, W, C] smeared along a line `length` px long at `degrees` (0: horizontal),
    as a camera or a car moving during the exposure; same dtype."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), degrees, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    kernel /= max(kernel.sum(), 1e-6)
    return cv2.filter2D(img, -1, kernel)


def low_resolution(img: np.ndarray, factor: float, interpolation: int = cv2.INTER_LINEAR
                   ) -> np.ndarray:
    """img [H, W, C] shrunk by `factor` and enlarged back (a low-resolution camera, or a
    plate digitally zoomed); same size and dtype."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(2, int(w / factor)), max(2, int(h / factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=interpolation)


def grayscale(img: np.ndarray) -> np.ndarray:
    """uint8 [..., H, W, 3] RGB -> the same shape, each pixel's luma (ITU-R 601, as a
    monochrome or infrared camera records it) in all three channels."""
    luma = np.asarray(img, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.repeat(np.clip(luma + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=-1)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """uint8 [H, W, 3] -> the same after JPEG compression at `quality` (1-100)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"cannot JPEG-encode an image of shape {img.shape} {img.dtype}")
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def _lighting(rng, img):
    gain = rng.uniform(0.55, 1.35)
    # down to 0.45: washed-out plates under sun glare or over-exposure (seen on real green ones)
    contrast = rng.uniform(0.45, 1.3)
    mean = img.mean()
    img = (img - mean) * contrast + mean * gain
    # White balance / camera tint; some cameras (much of CCPD) add a strong green-cyan cast.
    cast = 1 + rng.normal(0, 0.07, 3).astype(np.float32)
    if rng.random() < 0.25:
        cast *= np.array([rng.uniform(0.55, 0.95), rng.uniform(1.0, 1.3), rng.uniform(0.7, 1.1)],
                         np.float32)
    img *= cast
    img = np.clip(img, 0, 255)
    gamma = np.exp(rng.uniform(-0.35, 0.35))
    return 255.0 * (img / 255.0) ** gamma


def _night(rng, img):
    """Underexposed: most of the frame 12-45% as bright, gamma lifted shadows crushed, a
    blue-orange cast, sensor noise."""
    img = img * rng.uniform(0.12, 0.45)
    img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** rng.uniform(1.0, 1.6)
    img *= (1 + rng.normal(0, 0.1, 3)).astype(np.float32)
    return img + rng.normal(0, rng.uniform(1, 5), img.shape).astype(np.float32)


def _glare(rng, img):
    """A soft elliptical highlight that washes out part of the frame towards white."""
    h, w = img.shape[:2]
    cy, cx = rng.uniform(0.1, 0.9) * h, rng.uniform(0.1, 0.9) * w
    sy, sx = rng.uniform(0.1, 0.5) * h, rng.uniform(0.05, 0.35) * w
    ys, xs = np.ogrid[0:h, 0:w]
    blob = np.exp(-(((ys - cy) / sy) ** 2 + ((xs - cx) / sx) ** 2)).astype(np.float32)
    strength = rng.uniform(0.4, 0.9)
    return img + (255.0 - img) * (strength * blob)[..., None]


def _shadow(rng, img):
    h, w = img.shape[:2]
    n = int(rng.integers(3, 6))
    pts = np.stack([rng.uniform(-0.3, 1.3, n) * w, rng.uniform(-0.3, 1.3, n) * h], 1)
    mask = np.zeros((h, w), np.float32)
    cv2.fillPoly(mask, [cv2.convexHull(pts.astype(np.int32))], 1.0)
    k = max(1, int(min(h, w) * rng.uniform(0.0, 0.08))) | 1
    mask = cv2.GaussianBlur(mask, (k, k), 0)
    return img * (1 - rng.uniform(0.25, 0.65) * mask)[..., None]
