"""The paper's Table 5 and Fig. 4 on the same photos: the cascade's three rows ("RPN only
(BBox)": the RPN's boxes as quadrilaterals, "RPN only (Corner)": its corner head, "RPN +
R-CNN (ours)": the cascade's R-CNN corners) and Faster R-CNN rows (ZF / VGG-16, stride 16 / 8,
trained with configs/faster_rcnn.py), printed as markdown tables, one per dataset.

    python scripts/ablate_detection.py [--rpn FILE.npz] [--rcnn FILE.npz] \
        [--faster-rcnn runs/frcnn_zf16/faster_rcnn.npz ...] \
        [--data ../shared/data/ccpd_600/test ../shared/data/ccpd_samples:b ../shared/data/easypr_dev] \
        [--plot docs/table5_size_fps.png] [--json FILE]

Every row is a one-scale detector as in the paper (the cascade: DetectorOptions.single_scale,
one RPN pass at 480x320, no re-crops, R-CNN corners; Faster R-CNN: one pass at the same input),
score threshold 0.7. Photos with corner labels are scored by quadrilateral IoU (AP@0.5..0.9,
corner error); box-only labels (EasyPR) by box IoU (AP@0.3, AP@0.5, found, false per photo).
Sizes: the trained weights' MB, and the MB of the same architecture at full width (from its
parameter count) next to the paper's (ZF 224, VGG-16 521, the cascade 9.15). Speed: ms per
photo of the trained rows on the first dataset, and of each architecture at full width
(untrained weights: the cost does not depend on them) on --speed-photos photos of it: what
the Fig. 4 plot shows against the full-width size. Defaults: the shipped cascade.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.evaluate import registry  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402

CASCADE_ROWS = (("RPN only (BBox)", "rpn_box"), ("RPN only (Corner)", "rpn_corner"),
                ("RPN + R-CNN (ours)", "cascade"))
PAPER_MB = {"zf": 224.0, "vgg16": 521.0, "cascade": 9.15}
QUAD_COLUMNS = ("ap_50", "ap_60", "ap_70", "ap_80", "ap_90", "ap_mean", "corner_error_px")
BOX_COLUMNS = ("ap_30", "ap_50", "found", "false_per_image")
DEFAULT_DATA = ("../shared/data/ccpd_600/test", "../shared/data/ccpd_samples:b",
                "../shared/data/easypr_dev")


def faster_rcnn_label(model: dict) -> str:
    name = {"zf": "ZF", "vgg16": "VGG-16"}[model["backbone"]]
    return f"Faster R-CNN ({name}, stride {model['stride']})"


def full_width_detector(kind: str, model: dict | None = None):
    """kind "cascade" / "rpn": the shipped architecture at width 1.0 (its :paper config);
    "faster_rcnn": `model` at width 1.0 with fc 4096; random weights."""
    import jax
    import jax.numpy as jnp
    from alpr_jax.models.init_rng import init_key
    from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
    if kind == "faster_rcnn":
        from alpr_jax.models.faster_rcnn import FasterRCNN
        from alpr_jax.pipeline.faster_rcnn import FasterRCNNDetector
        full = dict(model, width=1.0, fc=4096)
        v = FasterRCNN(**full).init({"params": init_key(jax.random.PRNGKey(0))},
                                    jnp.zeros((1, 480, 320, 3)), jnp.zeros((1, 1, 4)))
        return FasterRCNNDetector(full, v)
    from alpr_jax.models.detector import RCNN, RPN
    rpn_cfg, rcnn_cfg = {"width": 1.0, "corner_head": True}, {"width": 1.0}
    rpn_v = RPN(**rpn_cfg).init(init_key(jax.random.PRNGKey(0)), jnp.zeros((1, 480, 320, 3)))
    rcnn_v = None
    if kind == "cascade":
        rcnn_v = RCNN(**rcnn_cfg).init(init_key(jax.random.PRNGKey(1)), jnp.zeros((1, 48, 120, 3)))
    return PlateDetector(rpn_cfg, rpn_v, rcnn_cfg, rcnn_v,
                         mode="cascade" if kind == "cascade" else "rpn_box",
                         options=DetectorOptions.single_scale())


def timed_ms(detector, images) -> float:
    """Median ms of detector.detect over images, after one untimed call on each shape."""
    for im in images:
        detector.detect(im)
    times = []
    for im in images:
        t = time.perf_counter()
        detector.detect(im)
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def speed_photos(spec: str, count: int):
    from alpr_jax.data.annotations import read_split
    from alpr_jax.data.images import ImageReadError, read_image
    out = []
    for r in read_split(spec):
        try:
            out.append(read_image(r.path))
        except ImageReadError:
            continue
        if len(out) == count:
            break
    return out


def cell(value, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}" if column.endswith("_px") or column == "ms" else f"{value:.3f}"


def plot(rows: list[dict], path: str) -> None:
    """Fig. 4: full-width size (MB, log axis) against photos per second on this CPU."""
    import cv2
    w, h, left, bottom, top, right = 900, 560, 90, 70, 40, 40
    img = np.full((h, w, 3), 255, np.uint8)
    xs = [math.log10(r["full_mb"]) for r in rows]
    ys = [1e3 / r["full_ms"] for r in rows]
    x_lo, x_hi = math.floor(min(xs)), math.ceil(max(xs))
    y_hi = max(ys) * 1.15
    px = lambda x: int(left + (x - x_lo) / max(x_hi - x_lo, 1e-9) * (w - left - right))
    py = lambda y: int(h - bottom - y / y_hi * (h - bottom - top))
    cv2.line(img, (left, h - bottom), (w - right, h - bottom), (0, 0, 0), 1)
    cv2.line(img, (left, h - bottom), (left, top), (0, 0, 0), 1)
    for e in range(x_lo, x_hi + 1):
        cv2.putText(img, f"{10 ** e:g}", (px(e) - 12, h - bottom + 22), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (0, 0, 0), 1, cv2.LINE_AA)
    step = next(m * 10 ** e for e in range(-2, 5) for m in (1, 2, 5) if y_hi / (m * 10 ** e) <= 8)
    for k in range(0, int(y_hi / step) + 1):
        cv2.putText(img, f"{k * step:g}", (left - 45, py(k * step) + 5),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "model size at full width, MB (log)", (w // 2 - 150, h - 20),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "photos / s, 2-core CPU, one pass at 480x320", (left, 25),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    drawn, boxes = set(), []
    for r, x, y in zip(rows, xs, ys):
        label = "RPN only (BBox, Corner)" if r["kind"] == "rpn" else r["label"]
        if label in drawn:        # the RPN's two rows are one network
            continue
        drawn.add(label)
        colour = (0, 0, 200) if r["kind"] != "faster_rcnn" else (200, 80, 0)
        cv2.circle(img, (px(x), py(y)), 6, colour, -1, cv2.LINE_AA)
        (tw, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
        tx = px(x) + 9 if px(x) + 9 + tw < w - 5 else px(x) - 9 - tw     # keep it inside
        ty = py(y) - 8
        while any(tx < b[2] and b[0] < tx + tw and ty - 14 < b[3] and b[1] < ty for b in boxes):
            ty -= 16                                                      # clear of the others
        boxes.append((tx, ty - 14, tx + tw, ty))
        cv2.putText(img, label, (tx, ty), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    colour, 1, cv2.LINE_AA)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    cv2.imwrite(path, img)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rpn", default=None)
    p.add_argument("--rcnn", default=None)
    p.add_argument("--faster-rcnn", nargs="*", default=[],
                   help="faster_rcnn.npz exports (configs/faster_rcnn.py), one row each")
    p.add_argument("--data", nargs="+", default=list(DEFAULT_DATA))
    p.add_argument("--speed-photos", type=int, default=10,
                   help="photos of the first dataset timed at full width")
    p.add_argument("--plot", default=None, help="write the Fig. 4-style PNG here")
    p.add_argument("--json", default=None, help="also write all figures to this file")
    args = p.parse_args(argv)
    from alpr_jax.evaluate.detection import evaluate_detector
    from alpr_jax.pipeline.faster_rcnn import FasterRCNNDetector

    rows = []            # label, kind, evaluate(path, split) -> dict, size, full size, paper
    options = ModelOptions(rpn=args.rpn, rcnn=args.rcnn, corner_source="rcnn",
                           single_scale=True)
    for label, mode in CASCADE_ROWS:
        kind = "cascade" if mode == "cascade" else "rpn"
        rows.append({"label": label, "kind": kind, "mode": mode,
                     "paper_mb": PAPER_MB["cascade"] if kind == "cascade" else None})
    for path in args.faster_rcnn:
        detector = FasterRCNNDetector.load(path)
        model = dict(backbone=detector.model.backbone, stride=detector.model.stride,
                     width=detector.model.width, fc=detector.model.fc)
        rows.append({"label": faster_rcnn_label(model), "kind": "faster_rcnn", "path": path,
                     "model": model, "detector": detector, "paper_mb": PAPER_MB[model["backbone"]]})

    results = {}
    for spec in args.data:
        path, _, split = spec.partition(":")
        for row in rows:
            if row["kind"] == "faster_rcnn":
                r = evaluate_detector(row["detector"], path, split or "all", plate_free=False)
            else:
                r = registry.get("detection")(path, options, split=split or "all",
                                              mode=row["mode"])
            results[(spec, row["label"])] = r
            row.setdefault("mb", r["model_mb"])
            print(f"{spec} {row['label']}: " + ", ".join(
                f"{k} {cell(r.get(k), k)}" for k in dict.fromkeys(QUAD_COLUMNS + BOX_COLUMNS)
                if k in r),
                file=sys.stderr, flush=True)

    photos = speed_photos(args.data[0], args.speed_photos)
    for row in rows:
        full = full_width_detector(row["kind"], row.get("model"))
        row["full_mb"] = full.size_mb()          # as the trained rows' model_mb
        row["full_ms"] = timed_ms(full, photos)
        row["ms"] = results[(args.data[0], row["label"])]["ms_per_image"]
        del full

    print(f"\n**Sizes and speed** (ms per photo, one pass at 480x320 on {args.data[0]}: the "
          f"trained rows, and each architecture at full width on {len(photos)} of its photos)\n")
    print("| Method | MB (trained) | MB (full width) | MB (paper) | ms/photo (trained) | "
          "ms/photo (full width) | fps (full width) |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        paper = f"{row['paper_mb']:g}" if row["paper_mb"] else "-"
        print(f"| {row['label']} | {row['mb']:.2f} | {row['full_mb']:.2f} | {paper} | "
              f"{row['ms']:.1f} | {row['full_ms']:.1f} | {1e3 / row['full_ms']:.1f} |")
    for spec in args.data:
        boxes = "ap_70" not in results[(spec, rows[0]["label"])]
        columns = BOX_COLUMNS if boxes else QUAD_COLUMNS
        what = ("box IoU: AP@0.3, AP@0.5, found at IoU 0.3, false detections per photo"
                if boxes else "AP of quadrilaterals at each IoU; corner error of detections "
                              "matched at IoU 0.5")
        print(f"\n**Table 5 on {spec}** ({what})\n")
        names = {"ap_mean": "mAP", "corner_error_px": "corner err px",
                 "false_per_image": "false / photo", "found": "found"}
        header = [names[c] if c in names else f"AP@{int(c[3:]) / 100:.1f}" for c in columns]
        print("| Method | " + " | ".join(header) + " |")
        print("|---|" + "---|" * len(columns))
        for row in rows:
            r = results[(spec, row["label"])]
            print(f"| {row['label']} | " + " | ".join(cell(r.get(c), c) for c in columns) + " |")
    if args.plot:
        plot(rows, args.plot)
        print(f"\nwrote {args.plot}", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"rows": [{k: v for k, v in row.items() if k != "detector"}
                                for row in rows],
                       "results": {f"{s}|{l}": {k: v for k, v in r.items()
                                                if k in QUAD_COLUMNS + BOX_COLUMNS
                                                + ("ms_per_image", "n_images", "n_plates",
                                                   "model_mb", "found", "false_per_image")}
                                   for (s, l), r in results.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
