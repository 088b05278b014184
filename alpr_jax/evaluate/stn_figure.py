"""A figure like the paper's Fig. 5: input plate, rectified 48x120 plate, and the 8 segments
the spatial transformers cut (with their windows drawn on the plate).

    alpr stn-figure --data ../shared/data/ccpd_samples --out stn.png [--weights FILE] [--count 6]
"""
from __future__ import annotations

import argparse

import cv2
import jax.numpy as jnp
import numpy as np
from PIL import Image, ImageDraw

from alpr_jax.data import fonts
from alpr_jax.data.annotations import read_annotations
from alpr_jax.data.images import read_image, write_image
from alpr_jax.data.preprocess import record_plate_inputs, to_float
from alpr_jax.geometry import sampler
from alpr_jax.geometry.rectify import PLATE_HW
from alpr_jax.models.recognizer import SEGMENT_FILL, SEGMENT_HW
from alpr_jax.pipeline.reader import PlateReader

SCALE = 3   # display magnification


def _window_quad(theta: np.ndarray, hw=PLATE_HW) -> np.ndarray:
    """Corners (x, y) in plate pixels of the input region a theta samples."""
    corners = np.array([[-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]], np.float32)
    pts = corners @ theta.T
    return np.stack([(pts[:, 0] + 1) * hw[1] / 2, (pts[:, 1] + 1) * hw[0] / 2], 1)


def figure_rows(reader: PlateReader, records, count: int) -> list[np.ndarray]:
    rows = []
    for record in records[:count]:
        image = read_image(record.path)
        plate = record_plate_inputs(image, record)[0]
        out = reader.outputs(plate[None])
        reading = reader.read(plate[None])[0]
        thetas = out["thetas"][0]                                   # [8, 2, 3]
        segs = np.asarray(sampler.sample_batch(jnp.asarray(to_float(plate[None])),
                                               jnp.asarray(thetas[None]), SEGMENT_HW,
                                               SEGMENT_FILL))[0]
        (ph, pw), (sh, sw) = PLATE_HW, SEGMENT_HW
        big = cv2.resize(plate, (pw * SCALE, ph * SCALE), interpolation=cv2.INTER_NEAREST)
        colours = [(255, 0, 0), (0, 200, 0), (0, 0, 255), (255, 160, 0)]
        for i, th in enumerate(thetas):
            quad = np.round(_window_quad(th) * SCALE).astype(np.int32)
            cv2.polylines(big, [quad], True, colours[i % 4], 1, cv2.LINE_AA)
        if record.is_crop:
            source = image
        else:
            x1, y1, x2, y2 = record.plates[0].box().astype(int)
            pad = int(0.3 * (x2 - x1))
            source = image[max(0, y1 - pad):y2 + pad, max(0, x1 - pad):x2 + pad]
        source = cv2.resize(source, (int(source.shape[1] * ph * SCALE / source.shape[0]), ph * SCALE))
        tiles = [cv2.resize((s * 255).clip(0, 255).astype(np.uint8), (sw * SCALE, sh * SCALE),
                            interpolation=cv2.INTER_NEAREST) for s in segs]
        gap = np.full((ph * SCALE, 6, 3), 255, np.uint8)
        row = np.concatenate([source[:, :360], gap, big, gap] + sum([[t, gap[:, :2]] for t in tiles], []), 1)
        label = Image.new("RGB", (row.shape[1], 26), (255, 255, 255))
        truth = record.plates[0].text
        ImageDraw.Draw(label).text((4, 2), f"read {reading.text} ({reading.confidence:.2f}), "
                                   f"label {truth}", fill=(0, 0, 0), font=fonts.cjk_font(18, 500))
        rows.append(np.concatenate([np.asarray(label), row], 0))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--out", default="stn.png")
    p.add_argument("--weights", default=None)
    p.add_argument("--count", type=int, default=6)
    args = p.parse_args(argv)
    reader = PlateReader.load(args.weights)
    rows = figure_rows(reader, read_annotations(args.data), args.count)
    width = max(r.shape[1] for r in rows)
    sheet = np.concatenate([np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)),
                                   constant_values=255) for r in rows], 0)
    write_image(args.out, sheet)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
