"""Draws a contact sheet of what the shipped pipeline gets wrong on a labelled folder: every
labelled plate not read exactly (missed, or read as another text) and every detection that
matches no labelled plate, each as a tile cut round it from the photo.

    python scripts/misses_sheet.py [--data ../shared/data/easypr_dev] [--out docs/easypr_misses.jpg]

Tiles: the labelled plate in green, the detections in red, and under the tile the truth, what
was read (its confidence and detection score), and the file. Matching is the end-to-end
evaluator's (evaluate.end_to_end.matched_photos: box IoU 0.3 for box-only labels).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from alpr_jax.data.fonts import cjk_font  # noqa: E402
from alpr_jax.data.images import write_image  # noqa: E402
from alpr_jax.evaluate.detection import labels_have_corners  # noqa: E402
from alpr_jax.evaluate.end_to_end import matched_photos, scene_records  # noqa: E402
from alpr_jax.pipeline.alpr import ALPR  # noqa: E402

TILE = 256          # px, square tiles
CAPTION = 60        # px of text under each tile (3 lines)


def _tile(image, centre_quad, gt_quads, det_quads, lines):
    """A TILE x (TILE + CAPTION) RGB tile round centre_quad [4, 2] (2.5x its size)."""
    lo, hi = centre_quad.min(0), centre_quad.max(0)
    side = max(float((hi - lo).max()) * 2.5, 64.0)
    cx, cy = (lo + hi) / 2
    x0, y0 = cx - side / 2, cy - side / 2
    scale = TILE / side
    m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
    crop = cv2.warpAffine(image, m, (TILE, TILE), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(40, 40, 40))
    for quads, colour in ((gt_quads, (0, 220, 0)), (det_quads, (255, 40, 40))):
        for q in quads:
            pts = np.round((q - [x0, y0]) * scale).astype(np.int32)
            cv2.polylines(crop, [pts], True, colour, 2)
    pil = Image.new("RGB", (TILE, TILE + CAPTION), (0, 0, 0))
    pil.paste(Image.fromarray(crop), (0, 0))
    draw = ImageDraw.Draw(pil)
    font = cjk_font(15)
    for k, line in enumerate(lines):
        draw.text((4, TILE + 2 + 17 * k), line, fill=(255, 255, 255), font=font)
    return np.asarray(pil)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/easypr_dev")
    p.add_argument("--out", default="docs/easypr_misses.jpg")
    p.add_argument("--columns", type=int, default=6)
    args = p.parse_args(argv)
    if args.columns < 1:
        p.error("--columns must be at least 1")
    records = scene_records(args.data)
    boxes = not labels_have_corners(records)
    alpr = ALPR.load()
    tiles, counts = [], {"missed": 0, "misread": 0, "false": 0}
    for record, image, plates, gt_quads, tp, which in matched_photos(alpr, records, boxes):
        quads = np.array([q.corners for q in plates], np.float32).reshape(-1, 4, 2)
        name = os.path.basename(record.path)
        for j, gt in enumerate(record.plates):
            hit = np.flatnonzero(which == j)
            if not gt.text or (len(hit) and plates[int(hit[0])].text == gt.text):
                continue
            if len(hit):
                q = plates[int(hit[0])]
                kind, read = "misread", f"{q.text} {q.confidence:.2f} / det {q.detection_score:.2f}"
            else:
                kind, read = "missed", "not found"
            counts[kind] += 1
            tiles.append(_tile(image, gt_quads[j], gt_quads, quads,
                               [f"{kind}: {gt.text}", f"read: {read}", name[:30]]))
        for i in np.flatnonzero(~tp):
            q = plates[int(i)]
            counts["false"] += 1
            tiles.append(_tile(image, quads[i], gt_quads, quads,
                               ["false detection", f"read: {q.text} {q.confidence:.2f} / det "
                                f"{q.detection_score:.2f}", name[:30]]))
    print(", ".join(f"{v} {k}" for k, v in counts.items()), f"({len(records)} photos)")
    if not tiles:
        print("nothing to draw")
        return 0
    blank = np.zeros_like(tiles[0])
    rows = [tiles[i:i + args.columns] for i in range(0, len(tiles), args.columns)]
    rows[-1] = rows[-1] + [blank] * (args.columns - len(rows[-1]))
    sheet = np.concatenate([np.concatenate(r, 1) for r in rows], 0)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_image(args.out, sheet)
    print(f"wrote {args.out} ({len(tiles)} tiles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
