"""Contact sheet of the data engine's output, to judge its realism by eye.

    python -m alpr_jax.data.preview --out preview.png [--real-crops ../shared/data/plate_crops]
        [--real-street ../shared/data/easypr_dev] [--backgrounds ../shared/data/ccpd_samples]
        [--seed 0]

Rows: real crops (if given) beside synthetic plates cut the same way (tight box, 94x24);
recogniser inputs (rectified 48x120, with their labels); scenes with the labelled corners drawn.
"""
from __future__ import annotations

import argparse

import cv2
import numpy as np
from PIL import Image, ImageDraw

from alpr_jax import plates
from alpr_jax.data import fonts, generate, input_pipeline, render
from alpr_jax.data.annotations import read_annotations
from alpr_jax.data.images import read_image, write_image
from alpr_jax.data.preprocess import plate_input
from alpr_jax.data.annotations import PlateLabel, corners_to_bbox
from alpr_jax.geometry.rectify import stitch_two_row

CROP_HW = (24, 94)     # the size of the shared real crops


def _grid(tiles: list[np.ndarray], cols: int, pad: int = 4) -> np.ndarray:
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + cols - 1) // cols
    sheet = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), 255, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = t
    return sheet


def _title(sheet: np.ndarray, text: str) -> np.ndarray:
    bar = Image.new("RGB", (sheet.shape[1], 30), (255, 255, 255))
    ImageDraw.Draw(bar).text((6, 3), text, fill=(0, 0, 0), font=fonts.cjk_font(20, 500))
    return np.concatenate([np.asarray(bar), sheet], 0)


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    width = max(p.shape[1] for p in parts)
    padded = [np.pad(p, ((0, 8), (0, width - p.shape[1]), (0, 0)), constant_values=255) for p in parts]
    return np.concatenate(padded, 0)


def _kinds_row(seed: int) -> np.ndarray:
    """Every plate kind and colour, clean layout, plus two-row plates as drawn and as the
    recogniser gets them (rows stitched side by side)."""
    rng = np.random.default_rng([seed, 99])
    tiles = []
    texts = [(plates.sample_kind_text(rng, k), None) for k in plates.PLATE_KINDS]
    texts += [(plates.sample_text(rng, t), t) for t in plates.PLATE_TYPES]
    for text, colours in texts:
        rgb, _ = render.draw_plate(rng, text, colours or None, ppm=0.5)
        tiles.append(cv2.resize(np.clip(rgb, 0, 255).astype(np.uint8), (188, 60)))
    for _ in range(3):
        text = plates.sample_text(rng, "yellow")
        rgb, _ = render.draw_plate(rng, text, "yellow", ppm=0.5, two_row=True)
        rgb = np.clip(rgb, 0, 255).astype(np.uint8)
        tiles.append(np.concatenate([cv2.resize(rgb, (94, 60)), cv2.resize(
            stitch_two_row(rgb), (94, 60))], 1))
    return _grid(tiles, 6)


def make_sheet(seed: int = 0, real_crops: str | None = None, backgrounds: str | None = None,
               n_crops: int = 30, n_scenes: int = 5, real_street: str | None = None) -> np.ndarray:
    """uint8 [H, W, 3] contact sheet."""
    up = (CROP_HW[1] * 2, CROP_HW[0] * 2)
    parts = []
    if real_crops:
        records = read_annotations(real_crops)
        step = max(1, len(records) // n_crops)
        tiles = [cv2.resize(read_image(r.path), up, interpolation=cv2.INTER_LINEAR)
                 for r in records[::step][:n_crops]]
        parts.append(_title(_grid(tiles, 6), f"real crops ({real_crops})"))
    if real_street:   # plates of street photos, cut by their labelled boxes
        records = read_annotations(real_street)
        step = max(1, len(records) // n_crops)
        tiles = [cv2.resize(plate_input(read_image(r.path), PlateLabel(None, None, r.plates[0].box()),
                                        CROP_HW), up) for r in records[::step][:n_crops]]
        parts.append(_title(_grid(tiles, 6), f"real street plates ({real_street}, by box)"))
    tiles = []
    for i in range(n_crops):
        sample = generate.generate_plate(np.random.default_rng([seed, i]))
        box = PlateLabel(None, None, corners_to_bbox(sample.plates[0].corners))
        crop = plate_input(sample.image, box, CROP_HW)
        tiles.append(cv2.resize(crop, up, interpolation=cv2.INTER_LINEAR))
    parts.append(_title(_grid(tiles, 6), "synthetic plates, cut like the real crops"))
    cfg = input_pipeline.RecognitionInputConfig()
    tiles = [input_pipeline.recognition_example(seed, i, cfg)[0] for i in range(n_crops)]
    parts.append(_title(_grid(tiles, 10), "recogniser inputs (48x120, rectified from jittered corners)"))
    parts.append(_title(_kinds_row(seed), "plate kinds (clean layout); two-row plates and their "
                                          "stitched recogniser input"))
    real = tuple(read_annotations(backgrounds)) if backgrounds else ()
    tiles = []
    for i in range(n_scenes):
        sample = generate.generate_scene(np.random.default_rng([seed + 1, i]), real_backgrounds=real)
        image = sample.image.copy()
        for p in sample.plates:
            cv2.polylines(image, [np.round(p.corners).astype(np.int32)], True, (0, 255, 0), 3,
                          cv2.LINE_AA)
            cv2.circle(image, tuple(int(v) for v in np.round(p.corners[0])), 6, (255, 0, 0), -1)
        tiles.append(cv2.resize(image, (232, 374), interpolation=cv2.INTER_AREA))
    parts.append(_title(_grid(tiles, n_scenes), "scenes (green: labelled corners, red dot: top-left)"))
    return _stack(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write a contact sheet of synthetic data.")
    parser.add_argument("--out", default="preview.png")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real-crops", default=None, help="folder of real crops to compare with")
    parser.add_argument("--backgrounds", default=None, help="annotated real photos for scenes")
    parser.add_argument("--real-street", default=None,
                        help="annotated street photos (e.g. EasyPR) whose plates to show")
    args = parser.parse_args(argv)
    sheet = make_sheet(args.seed, args.real_crops, args.backgrounds,
                       real_street=args.real_street)
    write_image(args.out, sheet)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()
