"""Prints CPU time per photo after warm-up: the detector alone in each mode split by stage
(RPN incl. letterbox and NMS, all pyramid passes; "zoom" is the passes above 1x, which the
default "auto" runs only when the lower passes find nothing or a narrow plate; R-CNN incl. its
crops and the re-crops round each plate; DSNT corners on the kept RoIs' context crops, the
default corner source), and the whole photo -> text pipeline split by stage, plus model sizes
and how many shapes were compiled. Photos: the bundled 720x1160 CCPD photo, the same
scene shrunk into a 1920x1080 frame (its plate 150 px wide, as a street camera sees it) and
enlarged into a 4000x3000 one (a 12 MP phone photo, its plate 600 px wide).

    python benchmarks/pipeline_speed.py [--image PHOTO] [--repeats 20] [--backend jax|onnx]
"""
import argparse
import glob
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_annotations  # noqa: E402
from alpr_jax.data.images import read_image  # noqa: E402
from alpr_jax.evaluate.plate_size import at_plate_width  # noqa: E402
from alpr_jax.pipeline.detector import DetectorOptions  # noqa: E402
from alpr_jax.pipeline import runtime  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STAGES = ("rpn", "rcnn", "dsnt", "rectify", "recognize", "total")
DETECTORS = (("rpn_box, one scale (Table 5)", "rpn_box", dict(single_scale=True, corner_source="rcnn")),
             ("cascade, one scale, R-CNN corners (the paper's)", "cascade",
              dict(single_scale=True, corner_source="rcnn")),
             ("cascade, pyramid + re-crops, DSNT corners (default)", "cascade", {}),
             ("same, zoom always", "cascade", dict(zoom="always")))


def _median(rows, keys):
    return {k: float(np.median([r.get(k, 0.0) for r in rows])) for k in keys}


def photos(path: str | None) -> list[tuple[str, np.ndarray]]:
    default = sorted(glob.glob(os.path.join(HERE, "..", "examples", "*.jpg")))[0]
    image = read_image(path or default)
    out = [(f"{os.path.basename(path or default)[:18]} ({image.shape[1]}x{image.shape[0]})", image)]
    if path is None:
        corners = read_annotations(os.path.join(HERE, "..", "examples"))[0].plates[0].corners
        wide, _ = at_plate_width(image, corners, 150, (1080, 1920))
        out.append(("the same scene in a 1920x1080 frame, plate 150 px", wide))
        phone, _ = at_plate_width(image, corners, 600, (3000, 4000))
        out.append(("the same scene in a 4000x3000 frame, plate 600 px", phone))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image", default=None, help="default: the bundled blue-plate photo")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--backend", default="auto", choices=runtime.BACKENDS,
                   help="where the networks run (default: onnx where installed)")
    args = p.parse_args()
    print(f"backend: {args.backend}")
    for name, image in photos(args.image):
        print(f"\n**{name}**, median of {args.repeats} after warm-up\n")
        print("| detector | RPN ms (of which zoom) | R-CNN ms | DSNT ms | total ms | MB (float32) |\n"
              "|---|---|---|---|---|---|")
        for label, mode, kw in DETECTORS:
            det = ModelOptions(**kw, backend=args.backend).detector(mode)
            det.detect(image)
            m = _median([det.detect(image)[1] for _ in range(args.repeats)],
                        ("rpn", "rpn_zoom", "rcnn", "dsnt", "detect_total"))
            print(f"| {label} | {m['rpn']:.1f} ({m['rpn_zoom']:.1f}) | {m['rcnn']:.1f} | "
                  f"{m['dsnt']:.1f} | {m['detect_total']:.1f} | {det.size_mb():.2f} |")
        alpr = ModelOptions(backend=args.backend).alpr()
        result = alpr.predict(image)
        m = _median([alpr.predict(image).timing_ms for _ in range(args.repeats)], STAGES)
        print("\n| pipeline | " + " | ".join(f"{s} ms" for s in STAGES) + " |")
        print("|---|" + "---|" * len(STAGES))
        print("| photo -> text | " + " | ".join(f"{m[s]:.1f}" for s in STAGES) + " |")
        print(f"\nread: {[p.text for p in result.plates]}; compiled: RPN "
              f"{alpr.detector._rpn_fn.compiled_shapes()}, R-CNN {alpr.detector._rcnn_fn.compiled_shapes()}, "
              f"recogniser {alpr.reader._apply.compiled_shapes()} shape(s); passes "
              f"{DetectorOptions().scales}; runtimes: " + ", ".join(
                  f"{r.name} {r.backend}" for r in (alpr.detector._rpn_fn, alpr.detector._rcnn_fn,
                                                    alpr.detector._dsnt_fn, alpr.reader._apply)))


if __name__ == "__main__":
    main()
