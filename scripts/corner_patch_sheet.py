"""The corners of the photos where the shipped detector's corners are worst, with and without
a corner-patch refiner: each row one photo, each tile one corner (3x zoom round its label;
label green, shipped detector red, after the patch step blue). Prints each photo's mean
corner error both ways.

    python scripts/corner_patch_sheet.py --patch runs/corner_patch/corner_patch.npz \
        [--data ../shared/data/ccpd_600/test] [--worst 6] [--out docs/corner_patches_worst.jpg]
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_split  # noqa: E402
from alpr_jax.data.images import read_image  # noqa: E402
from alpr_jax.pipeline.detector import PlateDetector, _bucketed  # noqa: E402

ZOOM, HALF = 3, 40          # tile: 2 HALF photo px round the label, ZOOM x


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--patch", required=True, help="corner-patch refiner .npz")
    p.add_argument("--data", default="../shared/data/ccpd_600/test")
    p.add_argument("--worst", type=int, default=6)
    p.add_argument("--out", default="docs/corner_patches_worst.jpg")
    args = p.parse_args()
    det, plain = PlateDetector.load(patch_path=args.patch), PlateDetector.load()
    cases = []
    for record in (r for r in read_split(args.data) if r.plates and r.plates[0].corners is not None):
        image = read_image(record.path)
        label = np.asarray(record.plates[0].corners, np.float32)
        dets, _ = plain.detect(image)
        if not dets:
            continue
        found = min(dets, key=lambda d: np.abs(d.corners.mean(0) - label.mean(0)).sum()).corners
        error = float(np.linalg.norm(found - label, axis=-1).mean())
        cases.append((error, record.path, label, found))
    rows = []
    for error, path, label, found in sorted(cases, key=lambda c: -c[0])[:args.worst]:
        image = read_image(path)
        patched = det._patches(_bucketed(image), found[None], {"patch": 0.0})[0]
        print(f"{os.path.basename(path)[:40]}: {error:.1f} px -> "
              f"{np.linalg.norm(patched - label, axis=-1).mean():.1f} px")
        tiles = []
        for k in range(4):
            x, y = np.round(label[k]).astype(int)
            ox, oy = max(x - HALF, 0), max(y - HALF, 0)
            tile = np.full((2 * HALF, 2 * HALF, 3), 128, np.uint8)
            crop = image[oy:y + HALF, ox:x + HALF]
            tile[:crop.shape[0], :crop.shape[1]] = crop
            tile = cv2.resize(tile, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
            for point, colour in ((label[k], (0, 255, 0)), (found[k], (255, 0, 0)),
                                  (patched[k], (0, 128, 255))):
                centre = (int((point[0] - ox) * ZOOM), int((point[1] - oy) * ZOOM))
                cv2.circle(tile, centre, 5, colour, 2)
            tiles.append(tile)
        rows.append(np.concatenate(tiles, 1))
    sheet = cv2.resize(np.concatenate(rows, 0), None, fx=2 / 3, fy=2 / 3)
    cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
