"""Draws docs/gallery.jpg: the 5 unseen shared CCPD scenes (half "b") read by the shipped
weights, each with its quadrilateral and text as `alpr predict --annotate` draws them.

    python scripts/make_gallery.py [--data ../shared/data/ccpd_samples] [--out docs/gallery.jpg]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from alpr_jax.data.annotations import read_annotations, split_records  # noqa: E402
from alpr_jax.data.images import read_image, write_image  # noqa: E402
from alpr_jax.pipeline.alpr import ALPR  # noqa: E402
from alpr_jax.pipeline.predict import annotate  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/ccpd_samples")
    p.add_argument("--out", default="docs/gallery.jpg")
    p.add_argument("--height", type=int, default=400, help="height of each tile in px")
    args = p.parse_args(argv)
    alpr = ALPR.load()
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for record in split_records(read_annotations(args.data), "b"):
            image = read_image(record.path)
            result = alpr.predict(image)
            path = os.path.join(tmp, "annotated.png")
            annotate(image, result.plates, path)
            drawn = read_image(path)
            width = round(drawn.shape[1] * args.height / drawn.shape[0])
            tiles.append(cv2.resize(drawn, (width, args.height), interpolation=cv2.INTER_AREA))
            print(os.path.basename(record.path)[:24], [p.text for p in result.plates],
                  "truth:", record.plates[0].text)
    gap = np.full((args.height, 4, 3), 255, np.uint8)
    sheet = np.concatenate([x for t in tiles for x in (t, gap)][:-1], 1)
    write_image(args.out, sheet)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()
