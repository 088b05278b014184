"""Procedural backgrounds, cars to mount plates on, and plate-like distractors (hard negatives).

All drawing is float32 RGB in [0, 255] on [H, W, 3] canvases.
"""
from __future__ import annotations

import cv2
import numpy as np

from alpr_jax import plates
from alpr_jax.data import fonts, render
from alpr_jax.geometry.boxes import box_corners

CAR_COLOURS = np.array([[235, 235, 235], [25, 25, 28], [160, 163, 168], [120, 122, 128],
                        [150, 25, 30], [30, 50, 110], [200, 200, 195], [90, 70, 50],
                        [60, 90, 60], [230, 210, 170], [190, 110, 30]], np.float32)


def fractal_noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4) -> np.ndarray:
    """float32 [h, w] smooth noise, roughly zero-mean, unit-ish amplitude."""
    out = np.zeros((h, w), np.float32)
    amp, cells = 1.0, 3
    for _ in range(octaves):
        grid = rng.normal(0, 1, (cells, max(2, int(cells * w / max(h, 1))) + 1)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        amp, cells = amp * 0.5, cells * 2
    return out


def texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random surface: car paint, asphalt, foliage, wall with windows, or coloured noise."""
    kind = rng.choice(["paint", "paint", "asphalt", "foliage", "building", "noise"])
    if kind == "paint":
        base = CAR_COLOURS[rng.integers(len(CAR_COLOURS))] + rng.normal(0, 12, 3)
        shade = 1 + 0.25 * np.linspace(-1, 1, h, dtype=np.float32)[:, None] * rng.uniform(-1, 1)
        img = base * shade[..., None] * (1 + 0.06 * fractal_noise(rng, h, w, 2))[..., None]
        if rng.random() < 0.6:   # a specular streak
            ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
            a = rng.uniform(0, np.pi)
            d = np.abs(np.cos(a) * (xs - rng.uniform(0, w)) + np.sin(a) * (ys - rng.uniform(0, h)))
            img += (rng.uniform(20, 90) * np.exp(-(d / rng.uniform(3, 30)) ** 2))[..., None]
        return np.broadcast_to(img, (h, w, 3)).astype(np.float32)
    if kind == "asphalt":
        g = rng.uniform(70, 150) + 18 * fractal_noise(rng, h, w) + rng.normal(0, 9, (h, w))
        return np.repeat(g[..., None], 3, 2).astype(np.float32) + rng.normal(0, 4, 3).astype(np.float32)
    if kind == "foliage":
        n = fractal_noise(rng, h, w, 5)
        base = np.array([rng.uniform(30, 90), rng.uniform(70, 140), rng.uniform(20, 70)], np.float32)
        return np.clip(base * (1 + 0.35 * n)[..., None], 0, 255)
    if kind == "building":
        img = np.empty((h, w, 3), np.float32)
        img[:] = rng.uniform(90, 220, 3)
        step = int(rng.integers(20, 80))
        for y in range(int(rng.integers(0, step)), h, step):
            for x in range(int(rng.integers(0, step)), w, step):
                img[y:y + step * 6 // 10, x:x + step * 6 // 10] = rng.uniform(20, 120, 3)
        return img
    n = np.stack([fractal_noise(rng, h, w) for _ in range(3)], -1)
    return np.clip(rng.uniform(40, 200, 3) + 40 * n, 0, 255).astype(np.float32)


def street_scene(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Sky, buildings or trees, and a road: a plausible parking-lot backdrop."""
    img = np.empty((h, w, 3), np.float32)
    horizon = int(h * rng.uniform(0.15, 0.5))
    sky = np.array([rng.uniform(150, 230), rng.uniform(180, 235), rng.uniform(200, 255)], np.float32)
    img[:horizon] = sky
    band = int(h * rng.uniform(0.05, 0.2))
    img[max(0, horizon - band):horizon + band] = texture(rng, min(h, horizon + band) - max(0, horizon - band), w)
    img[horizon + band:] = texture(rng, h - horizon - band, w) if rng.random() < 0.3 else \
        _road(rng, h - horizon - band, w)
    return img


def _road(rng, h, w):
    g = rng.uniform(80, 160) + 15 * fractal_noise(rng, h, w) + rng.normal(0, 7, (h, w))
    img = np.repeat(g[..., None], 3, 2).astype(np.float32)
    for _ in range(int(rng.integers(0, 4))):   # lane / parking markings
        p0 = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        p1 = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        colour = (230, 230, 230) if rng.random() < 0.8 else (220, 190, 40)
        cv2.line(img, p0, p1, colour, int(rng.integers(4, 20)), cv2.LINE_AA)
    return img


def draw_car(rng: np.random.Generator, canvas: np.ndarray, plate_centre, plate_width: float) -> None:
    """Draws the front or rear of a car around a plate position (in place)."""
    cx, cy = plate_centre
    s = plate_width / 440.0 * 1000.0            # px per metre, from the plate's real width
    car_w, car_h = 1.8 * s * rng.uniform(0.9, 1.1), 1.3 * s * rng.uniform(0.85, 1.1)
    x0, x1 = cx - car_w / 2, cx + car_w / 2
    y_plate = rng.uniform(0.55, 0.75)           # plate height relative to the car's front
    y0, y1 = cy - car_h * y_plate, cy + car_h * (1 - y_plate)
    colour = CAR_COLOURS[rng.integers(len(CAR_COLOURS))] + rng.normal(0, 10, 3)
    body = np.array([[x0 + 0.05 * car_w, y0 + 0.35 * car_h], [x1 - 0.05 * car_w, y0 + 0.35 * car_h],
                     [x1, y0 + 0.5 * car_h], [x1, y1 - 0.1 * car_h], [x0, y1 - 0.1 * car_h],
                     [x0, y0 + 0.5 * car_h]], np.float32)
    cv2.fillPoly(canvas, [np.round(body).astype(np.int32)], colour.tolist(), cv2.LINE_AA)
    glass = np.array([[x0 + 0.15 * car_w, y0], [x1 - 0.15 * car_w, y0],
                      [x1 - 0.06 * car_w, y0 + 0.33 * car_h], [x0 + 0.06 * car_w, y0 + 0.33 * car_h]])
    cv2.fillPoly(canvas, [np.round(glass).astype(np.int32)], rng.uniform(20, 90, 3).tolist(),
                 cv2.LINE_AA)
    dark = (colour * rng.uniform(0.1, 0.4)).tolist()
    tyre_h = 0.12 * car_h
    for tx in (x0 + 0.02 * car_w, x1 - 0.17 * car_w):   # tyres
        cv2.rectangle(canvas, (int(tx), int(y1 - tyre_h)), (int(tx + 0.15 * car_w), int(y1)),
                      (20, 20, 20), -1)
    # grille and lights between the windscreen and the plate
    gy = int(cy - rng.uniform(0.1, 0.2) * car_h)
    if rng.random() < 0.5:
        cv2.rectangle(canvas, (int(cx - 0.25 * car_w), gy - int(0.06 * car_h)),
                      (int(cx + 0.25 * car_w), gy + int(0.04 * car_h)), dark, -1)
    else:   # slatted or mesh grille: real car fronts' commonest plate-like false positive
        rgb, alpha = grille(rng, 0.1 * car_h, aspect=5.0)
        paste(canvas, rgb, alpha, (cx, gy - 0.01 * car_h))
    if rng.random() < 0.6:   # the maker's badge, on the grille or the boot lid above the plate
        rgb, alpha = badge(rng, plate_width * 140 / 440 * rng.uniform(0.6, 1.4))
        y = gy if rng.random() < 0.5 else cy - rng.uniform(0.12, 0.3) * car_h
        paste(canvas, rgb, alpha, (cx + rng.normal(0, 0.02) * car_w, y))
    for lx in (x0 + 0.15 * car_w, x1 - 0.15 * car_w):
        cv2.ellipse(canvas, (int(lx), gy), (max(1, int(0.1 * car_w)), max(1, int(0.04 * car_h))), 0,
                    0, 360, rng.uniform(170, 255, 3).tolist(), -1, cv2.LINE_AA)
    cv2.line(canvas, (int(x0), int(cy + 0.12 * car_h)), (int(x1), int(cy + 0.12 * car_h)), dark,
             max(1, int(0.01 * car_h)), cv2.LINE_AA)


def distractor(rng: np.random.Generator, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A plate-like negative about `height` px tall: a sign, a text strip, a phone number on a
    car, or an empty plate-coloured rectangle. Returns rgb float32 [h, w, 3] and alpha [h, w]."""
    kind = rng.choice(["sign", "text", "blank", "stripes", "badge", "grille"])
    if kind == "badge":
        return badge(rng, height)
    if kind == "grille":
        return grille(rng, height)
    aspect = rng.uniform(1.2, 8.0)
    h = max(6, int(height))
    w = max(6, int(h * aspect))
    bg = rng.choice([0, 1, 2, 3])
    bg_colour = [(20, 70, 200), (240, 240, 240), (30, 140, 60), (240, 185, 20)][bg]
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = np.asarray(bg_colour, np.float32) + rng.normal(0, 15, 3)
    if kind in ("sign", "text"):
        n = int(rng.integers(2, 10))
        pool = plates.PROVINCES + tuple("路街大道停车场出口入银行酒店") if kind == "sign" else \
            plates.LETTERS + plates.DIGITS + tuple("-/:")
        chars = "".join(pool[i] for i in rng.integers(len(pool), size=n))
        if kind == "text" and rng.random() < 0.5:
            chars = "".join(plates.DIGITS[i] for i in rng.integers(10, size=int(rng.integers(4, 12))))
        ink = (0, 0, 0) if sum(bg_colour) > 450 else (245, 245, 245)
        img = _text_strip(chars, h, w, rng)
        rgb = rgb * (1 - img[..., None]) + img[..., None] * np.asarray(ink, np.float32)
    elif kind == "stripes":
        period = max(2, int(h * rng.uniform(0.15, 0.5)))
        rows = (np.arange(h) // period) % 2 == 0
        rgb[rows] = rng.uniform(0, 255, 3)
    alpha = np.ones((h, w), np.float32)
    return rgb, alpha


def _text_strip(chars: str, h: int, w: int, rng) -> np.ndarray:
    """Ink mask [h, w] of `chars` laid out evenly, natural glyph aspect (not plate-like)."""
    mask = np.zeros((h, w), np.float32)
    n = len(chars)
    ch_h = int(h * rng.uniform(0.45, 0.8))
    weight = int(rng.choice([300, 400, 700, 900]))
    x = w * rng.uniform(0.02, 0.1)
    step = (w * 0.9 - x) / n
    for c in chars:
        ch_w = max(1, int(min(step * 0.9, ch_h * rng.uniform(0.5, 1.0))))
        glyph = fonts.plate_glyph(c, weight, ch_w, max(1, ch_h))
        y0 = (h - ch_h) // 2
        xi = int(x)
        if xi + ch_w <= w:
            mask[y0:y0 + ch_h, xi:xi + ch_w] = np.maximum(mask[y0:y0 + ch_h, xi:xi + ch_w], glyph)
        x += step
    return mask


def _metal(rng, h: int, w: int) -> np.ndarray:
    """float32 [h, w, 3] chrome: bright, with a vertical reflection gradient and a highlight."""
    t = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    highlight = np.exp(-((t - rng.uniform(-0.5, 0.5)) / 0.15) ** 2)
    grey = rng.uniform(140, 230) + rng.uniform(-60, 60) * t + rng.uniform(0, 40) * highlight
    tint = rng.normal(0, 6, 3).astype(np.float32)
    return np.clip(np.broadcast_to(grey[..., None], (h, w, 3)) + tint, 0, 255).astype(np.float32)


def badge(rng: np.random.Generator, height: float) -> tuple[np.ndarray, np.ndarray]:
    """A car maker's emblem about `height` px tall: a chrome ring (round or oval) around a
    logo of strokes, inner ovals or letters, on a dark or body-coloured disc. Round badges on
    boot lids are the detector's commonest false positive on real photos.
    Returns rgb float32 [h, w, 3] in [0, 255] and alpha float32 [h, w]."""
    h = max(8, int(height))
    w = max(8, int(h * rng.choice([1.0, 1.0, 1.0, 1.5, 1.9, 2.6]) * rng.uniform(0.9, 1.1)))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    u, v = (xs - w / 2) / (w / 2), (ys - h / 2) / (h / 2)
    r = np.hypot(u, v)                         # 1 on the badge's outline
    px = min(h, w) / 2                         # pixels per unit radius
    alpha = np.clip((1 - r) * px + 0.5, 0, 1)
    chrome = _metal(rng, h, w)
    inner = rng.uniform(0, 255, 3) if rng.random() < 0.4 else rng.uniform(10, 70, 3)
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = inner
    ring = rng.uniform(0.08, 0.2)
    on_ring = np.clip((r - (1 - ring)) * px + 0.5, 0, 1)
    logo = np.zeros((h, w), np.float32)
    kind = rng.choice(["strokes", "ovals", "letters"])
    thick = max(1, int(px * rng.uniform(0.08, 0.2)))
    if kind == "strokes":                      # V/W-like chevrons or a star
        pts = rng.uniform(-0.75, 0.75, (int(rng.integers(3, 7)), 2))
        for a, b in zip(pts[:-1], pts[1:]):
            p0 = (int(w / 2 + a[0] * w / 2), int(h / 2 + a[1] * h / 2))
            p1 = (int(w / 2 + b[0] * w / 2), int(h / 2 + b[1] * h / 2))
            cv2.line(logo, p0, p1, 1.0, thick, cv2.LINE_AA)
    elif kind == "ovals":                      # nested ellipses
        for _ in range(int(rng.integers(1, 4))):
            axes = (max(1, int(w / 2 * rng.uniform(0.2, 0.7))),
                    max(1, int(h / 2 * rng.uniform(0.2, 0.7))))
            centre = (int(w / 2 + rng.normal(0, 0.1) * w), int(h / 2 + rng.normal(0, 0.1) * h))
            cv2.ellipse(logo, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, thick,
                        cv2.LINE_AA)
    else:
        n = int(rng.integers(1, 5))
        chars = "".join(plates.LETTERS[i] for i in rng.integers(len(plates.LETTERS), size=n))
        iw, ih = max(4, int(w * 0.7)), max(4, int(h * 0.6))
        mask = _text_strip(chars, ih, iw, rng)
        y0, x0 = (h - ih) // 2, (w - iw) // 2
        logo[y0:y0 + ih, x0:x0 + iw] = mask
    if rng.random() < 0.3:                     # chrome disc (and ring), dark logo
        logo = logo * (1 - on_ring)
        rgb = chrome * (1 - logo[..., None]) + rgb * logo[..., None]
    else:                                      # chrome logo and ring on a dark or painted disc
        logo = np.maximum(logo, on_ring)
        rgb = rgb * (1 - logo[..., None]) + chrome * logo[..., None]
    return rgb, alpha


def grille(rng: np.random.Generator, height: float, aspect: float | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """A radiator grille about `height` px tall: horizontal chrome or black slats, or a mesh,
    in a frame. Returns rgb float32 [h, w, 3] in [0, 255] and alpha float32 [h, w]."""
    h = max(6, int(height))
    w = max(8, int(h * (aspect if aspect else rng.uniform(2.0, 7.0)) * rng.uniform(0.8, 1.2)))
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = rng.uniform(5, 50)
    slat = _metal(rng, h, w) if rng.random() < 0.6 else \
        np.full((h, w, 3), rng.uniform(20, 90), np.float32)
    if rng.random() < 0.65:                    # horizontal slats
        period = max(2, int(h / rng.integers(3, 9)))
        on = (np.arange(h) % period) < max(1, int(period * rng.uniform(0.3, 0.7)))
        rgb[on] = slat[on]
    else:                                      # mesh of holes
        cell = max(3, int(h / rng.integers(3, 8)))
        ys, xs = np.mgrid[0:h, 0:w]
        shift = (ys // cell % 2) * (cell // 2)
        hole = (((xs + shift) % cell) < cell * 0.65) & ((ys % cell) < cell * 0.65)
        rgb[~hole] = slat[~hole]
    if rng.random() < 0.7:                     # chrome frame
        f = max(1, int(h * rng.uniform(0.05, 0.12)))
        frame = _metal(rng, h, w)
        for sl in (np.s_[:f], np.s_[-f:]):
            rgb[sl] = frame[sl]
        rgb[:, :f], rgb[:, -f:] = frame[:, :f], frame[:, -f:]
    alpha = np.ones((h, w), np.float32)
    return rgb, alpha


def paste(canvas: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, centre) -> None:
    """Alpha-blends rgb [h, w, 3] / alpha [h, w] into canvas (in place), upright and centred at
    (x, y), clipped to the canvas: render.warp_onto with an axis-aligned quadrilateral."""
    h, w = alpha.shape
    x0, y0 = round(centre[0] - w / 2), round(centre[1] - h / 2)
    render.warp_onto(canvas, rgb, alpha, box_corners((x0, y0, x0 + w, y0 + h)))
