"""Text burnt into photos by traffic and security cameras (date and time, frame counters,
place names, speeds): a plate-free look-alike of a plate's row of characters, common in
street photos (21 of easypr_dev's 82 photos put 3 or more RoIs on their top or bottom
tenth). Burnt into training photos as negatives, away from every labelled plate; the
R-CNN also gets plate-shaped windows along them as proposals (caption_windows).
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from alpr_jax.data import fonts
from alpr_jax.geometry import boxes as box_ops

_PLACES = "东西南北中路口街道大桥卡口车道监控电子警察编号方向进出城区高速收费站停车场小区"
_COLOURS = ((255, 255, 255), (255, 255, 255), (255, 235, 60), (255, 60, 40), (20, 20, 20))


def caption_text(rng: np.random.Generator) -> str:
    """One line of camera caption: a date and time, a frame counter, a place, a speed."""
    parts = []
    for kind in rng.permutation(4)[:int(rng.integers(1, 3))]:
        if kind == 0:
            parts.append(f"{rng.integers(2008, 2027)}-{rng.integers(1, 13):02d}-"
                         f"{rng.integers(1, 29):02d} {rng.integers(0, 24):02d}:"
                         f"{rng.integers(0, 60):02d}:{rng.integers(0, 60):02d}")
        elif kind == 1:
            parts.append(f"{rng.integers(0, 10000):04d}/{rng.integers(0, 100000):05d}")
        elif kind == 2:
            n = int(rng.integers(2, 8))
            parts.append("".join(rng.choice(list(_PLACES), n)) + str(rng.integers(1, 99)))
        else:
            parts.append(f"车速:{rng.integers(10, 130)}km/h")
    return " ".join(parts)


def burn_captions(rng: np.random.Generator, image: np.ndarray, keep_clear: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """image uint8 [H, W, 3] -> (a copy with 1-2 caption lines burnt in, mostly along the top
    or bottom edge as cameras put them; the drawn lines' boxes float32 [L, 4], L <= 2).
    No line is drawn over keep_clear boxes [P, 4] (x1, y1, x2, y2, image px; a line that
    would touch one is skipped)."""
    h, w = image.shape[:2]
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    lines = []
    for _ in range(int(rng.integers(1, 3))):
        size = max(8, int(h * rng.uniform(0.02, 0.05)))
        font = fonts.cjk_font(size, int(rng.integers(400, 800)))
        text = caption_text(rng)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        tw, th = right - left, bottom - top
        if tw >= w or th >= h:
            continue
        x = float(rng.uniform(0, w - tw))
        y = float(rng.uniform(0, 0.12 * h) if rng.random() < 0.4 else
                  rng.uniform(0.88 * h - th, h - th) if rng.random() < 0.6 else
                  rng.uniform(0, h - th))
        box = np.array([[x - 4, y - 4, x + tw + 4, y + th + 4]], np.float32)
        if len(keep_clear) and np.any(box_ops.iou(box, keep_clear) > 0):
            continue
        colour = _COLOURS[int(rng.integers(len(_COLOURS)))]
        outline = int(rng.integers(0, 3))
        draw.text((x - left, y - top), text, font=font, fill=colour, stroke_width=outline,
                  stroke_fill=(0, 0, 0) if sum(colour) > 200 else (255, 255, 255))
        lines.append([x, y, x + tw, y + th])
    return np.array(canvas), np.array(lines, np.float32).reshape(-1, 4)


def caption_windows(rng: np.random.Generator, lines: np.ndarray, per_line: int = 4
                    ) -> np.ndarray:
    """Plate-shaped boxes float32 [L * per_line, 4] along caption lines [L, 4]: what an RPN
    proposes on a caption (a few characters' run, about a plate's 3:1 shape), for the R-CNN
    to learn as negatives."""
    out = []
    for x1, y1, x2, y2 in np.asarray(lines, np.float32).reshape(-1, 4):
        th = y2 - y1
        for _ in range(per_line):
            h = th * rng.uniform(1.0, 1.6)
            w = min(h * rng.uniform(2.5, 4.5), x2 - x1)
            cx = rng.uniform(x1 + w / 2, max(x1 + w / 2, x2 - w / 2))
            cy = (y1 + y2) / 2 + rng.normal(0, 0.1) * th
            out.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    return np.array(out, np.float32).reshape(-1, 4)
