"""Input pipelines: batches for the recogniser and the detector, from the synthetic engine or
from annotated real data. Deterministic: example i of a stream with seed s is generated from
np.random.default_rng([s, i]) alone, so any batch can be regenerated (resume) and examples can
be made in parallel worker processes without changing the result.

`alpr pipeline-speed --task recognition|detection` prints throughput.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import functools
import multiprocessing
import time
from typing import Iterator

import numpy as np

from alpr_jax import plates
from alpr_jax.data import augment, captions, generate
from alpr_jax.data.annotations import ImageRecord, PlateLabel, corners_to_bbox
from alpr_jax.data.images import read_image
from alpr_jax.data.preprocess import DETECTOR_PAD_VALUE, letterbox, plate_input, scale_and_shift
from alpr_jax.data.proposals import sample_proposals
from alpr_jax.geometry import anchors as anchor_ops
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.geometry import crops as crop_ops


@dataclasses.dataclass(frozen=True)
class RecognitionInputConfig:
    batch_size: int = 32
    corner_jitter: float = 0.04     # std of corner noise, in plate heights (detector error)
    p_box_crop: float = 0.25        # share cut by a jittered bounding box, not rectified
    plate: generate.PlateConfig = generate.PlateConfig()


@dataclasses.dataclass(frozen=True)
class DetectionInputConfig:
    batch_size: int = 4
    input_hw: tuple[int, int] = (480, 320)   # detector input (letterboxed scene)
    max_plates: int = 8                      # ground truth is padded to this many plates
    anchor_samples: int = 64
    positive_fraction: float = 0.25
    positive_iou: float = 0.5
    negative_iou: float = 0.3
    rcnn_proposals: int = 0                  # > 0: also the full image and R-CNN proposals
    rcnn_positive_fraction: float = 0.5
    mined_fraction: float = 0.5              # share of R-CNN proposals taken from mined RPN ones
    recrop_fraction: float = 0.0             # share of simulated positives cut as re-crops cut
    scene: generate.SceneConfig = generate.SceneConfig()
    # RPN scale augmentation: the letterboxed view zoomed by a log-uniform factor in this
    # range (a window of it, round a plate or anywhere), so one RPN serves every pass of the
    # detector's pyramid; plates whose width (input px) falls outside rpn_band_px, or less
    # than min_visible of which is in the window, are ignored: no anchor learns them as
    # positive or negative (the pyramid's other passes answer for them)
    rpn_zoom: tuple[float, float] = (1.0, 1.0)
    rpn_band_px: tuple[float, float] = (0.0, float("inf"))
    min_visible: float = 0.7
    # labelled photos read from disk degraded online with this share (augment.PHOTO_AUGMENT:
    # night, blur, noise, compression), so a few hundred bright real photos stand for more
    p_photometric: float = 0.0
    # labelled photos with camera captions burnt in with this share (data.captions: dates,
    # counters, places, away from the plates), text that is not a plate
    p_caption: float = 0.0
    # the anchors' grid: the cascade's RPN has stride 8; the Faster R-CNN baselines 16 or 8
    feature_stride: int = anchor_ops.FEATURE_STRIDE

    def __post_init__(self):
        for name in ("p_photometric", "p_caption"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} {getattr(self, name)}: expected 0..1")
        if self.input_hw[0] % self.feature_stride or self.input_hw[1] % self.feature_stride:
            raise ValueError(f"detector input_hw {self.input_hw} must be multiples of the "
                             f"feature stride {self.feature_stride}")


def example_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, index])


# --- Recognition ------------------------------------------------------------------------------

def recognition_example(seed: int, index: int, cfg: RecognitionInputConfig
                        ) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic recogniser example: uint8 [48, 120, 3] plate and int32 [8] labels."""
    rng = example_rng(seed, index)
    sample = generate.generate_plate(rng, cfg.plate)
    plate = sample.plates[0]
    corners = plate.corners
    plate_h = float(np.linalg.norm(corners[3] - corners[0]))
    corners = corners + rng.normal(0, cfg.corner_jitter * plate_h, (4, 2)).astype(np.float32)
    if rng.random() < cfg.p_box_crop and not plate.two_row:
        label = PlateLabel(None, None, corners_to_bbox(corners))
    else:
        label = PlateLabel(None, corners, None)
    return (plate_input(sample.image, label, two_row=plate.two_row),
            plates.encode_text(plate.text))


def _recognition_batch(args):
    seed, step, cfg, (lo, hi) = args
    base = step * cfg.batch_size
    examples = [recognition_example(seed, base + i, cfg) for i in range(lo, hi)]
    return {"image": np.stack([e[0] for e in examples]), "labels": np.stack([e[1] for e in examples])}


def _detection_batch(args):
    seed, step, cfg, (lo, hi), backgrounds = args
    base = step * cfg.batch_size
    examples = [detection_example(seed, base + i, cfg, backgrounds) for i in range(lo, hi)]
    return {k: np.stack([e[k] for e in examples]) for k in examples[0]}


def _detection_records_batch(args):
    seed, step, cfg, (lo, hi), records, probs = args
    base = step * cfg.batch_size
    examples = [detection_record_example(seed, base + i, cfg, records, probs)
                for i in range(lo, hi)]
    return {k: np.stack([e[k] for e in examples]) for k in examples[0]}


def batches(task: str, seed: int, cfg, start_step: int = 0, num_steps: int | None = None,
            workers: int = 0, real_backgrounds: tuple[ImageRecord, ...] = (),
            records: tuple[ImageRecord, ...] = (), record_probs: np.ndarray | None = None,
            example_range: tuple[int, int] | None = None) -> Iterator[dict]:
    """Yields batches start_step, start_step + 1, ... (forever unless num_steps is given).

    task "recognition": {"image": uint8 [B, 48, 120, 3], "labels": int32 [B, 8]}.
    task "detection": see detection_example, each array with a leading batch axis; with
    `records` (labelled photos on disk: written synthetic scenes, CCPD) the scenes are those
    photos in a seeded order (or drawn with record_probs [N]) instead of freshly generated
    ones.
    workers > 0 builds batches in that many processes; the batches are identical either way.
    example_range (lo, hi) makes only examples lo..hi-1 of each batch (one host's share in
    multi-host training; the union over hosts is the single-host batch)."""
    lo, hi = example_range or (0, cfg.batch_size)
    if not 0 <= lo < hi <= cfg.batch_size:
        raise ValueError(f"example_range {example_range} outside the batch of {cfg.batch_size}")
    if task == "recognition":
        make, extra = _recognition_batch, ()
    elif task == "detection" and records:
        make, extra = _detection_records_batch, (tuple(records), record_probs)
    elif task == "detection":
        make, extra = _detection_batch, (tuple(real_backgrounds),)
    else:
        raise ValueError(f"unknown task {task!r}; expected 'recognition' or 'detection'")
    stop = None if num_steps is None else start_step + num_steps
    steps = _count(start_step, stop)
    if workers <= 0:
        for step in steps:
            yield make((seed, step, cfg, (lo, hi)) + extra)
        return
    # spawn: workers must not inherit a forked JAX runtime. At most `ahead` batches are in
    # flight or waiting: Pool.imap has no back-pressure, and a pipeline faster than training
    # would pile every future batch up in memory.
    ahead = 2 * workers + 2
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending = collections.deque()
        for step in steps:
            pending.append(pool.apply_async(make, ((seed, step, cfg, (lo, hi)) + extra,)))
            if len(pending) >= ahead:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _count(start, stop):
    step = start
    while stop is None or step < stop:
        yield step
        step += 1


# --- Detection --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _anchors(input_hw: tuple[int, int], stride: int) -> np.ndarray:
    return anchor_ops.grid_anchors((input_hw[0] // stride, input_hw[1] // stride), stride)


def detection_targets(rng: np.random.Generator, image: np.ndarray, corners: list[np.ndarray],
                      cfg: DetectionInputConfig, mined: np.ndarray | None = None) -> dict:
    """Detector training example from an image [H, W, 3] uint8 and its plates' corners.

    Returns image uint8 [h, w, 3] (letterboxed to cfg.input_hw, or a zoomed view of it with
    cfg.rpn_zoom), scale float32 [] and shift float32 [2] (input px = scale * original px +
    shift; shift 0 without zoom), anchor_labels int32 [A], anchor_deltas float32 [A, 4], and the plates in
    ORIGINAL pixels, padded to cfg.max_plates: corners float32 [P, 4, 2], boxes [P, 4],
    plate_mask bool [P]; anchor_corners float32 [A, 4, 2] (each anchor's matched plate's
    corners normalised by the anchor box; meaningful where anchor_labels == 1).
    With cfg.rcnn_proposals = K > 0 also the R-CNN's inputs: full_image uint8 [H, W, 3] (the
    original), proposals float32 [K, 4] (original px), proposal_labels int32 [K], and
    proposal_corners float32 [K, 4, 2] (normalised by the proposal's 1:2.5 crop box); `mined`
    [M, 4] (original px) are the fixed RPN's proposals for this image, if mined."""
    corners = list(corners)[:cfg.max_plates]
    boxes = np.array([corners_to_bbox(c) for c in corners], np.float32).reshape(-1, 4)
    plate_corners = np.asarray(corners, np.float32).reshape(-1, 4, 2)
    if tuple(cfg.rpn_zoom) == (1.0, 1.0):
        net_image, scale = letterbox(image, cfg.input_hw)
        shift = np.zeros(2, np.float32)
    else:
        net_image, scale, shift = _zoomed_view(rng, image, boxes, cfg)
    net_boxes = boxes * scale + np.tile(shift, 2)
    net_corners = plate_corners * scale + shift
    visible = _visible_fraction(net_boxes, cfg.input_hw)
    width = net_boxes[:, 2] - net_boxes[:, 0]
    ignored = ((visible < cfg.min_visible) | (width < cfg.rpn_band_px[0])
               | (width > cfg.rpn_band_px[1]))
    grid = _anchors(cfg.input_hw, cfg.feature_stride)
    labels, deltas, matched = anchor_ops.anchor_targets(
        rng, grid, net_boxes, cfg.anchor_samples, cfg.positive_fraction,
        cfg.positive_iou, cfg.negative_iou, ignored=ignored)
    anchor_corners = np.zeros((len(grid), 4, 2), np.float32)
    pos = np.flatnonzero(labels == 1)
    if len(pos):
        anchor_corners[pos] = crop_ops.encode_corners(net_corners[matched[pos]], grid[pos])
    p = cfg.max_plates
    padded_corners = np.zeros((p, 4, 2), np.float32)
    padded_boxes = np.zeros((p, 4), np.float32)
    mask = np.zeros((p,), bool)
    padded_corners[:len(corners)] = np.asarray(corners, np.float32).reshape(-1, 4, 2)
    padded_boxes[:len(boxes)] = boxes
    mask[:len(boxes)] = True
    out = {"image": net_image, "scale": np.float32(scale), "shift": shift,
           "anchor_labels": labels,
           "anchor_deltas": deltas, "anchor_corners": anchor_corners,
           "corners": padded_corners, "boxes": padded_boxes, "plate_mask": mask}
    if cfg.rcnn_proposals:
        props, plabels, pmatched = sample_proposals(rng, boxes, image.shape[:2],
                                                    cfg.rcnn_proposals, cfg.rcnn_positive_fraction,
                                                    mined, cfg.mined_fraction,
                                                    cfg.recrop_fraction)
        pcorners = np.zeros((len(props), 4, 2), np.float32)
        ok = pmatched >= 0
        if ok.any():
            pcorners[ok] = crop_ops.encode_corners(padded_corners[pmatched[ok]],
                                                   crop_ops.crop_boxes(props[ok]))
        out.update(full_image=image, proposals=props, proposal_labels=plabels,
                   proposal_corners=pcorners)
    return out


def _zoomed_view(rng, image, boxes, cfg: DetectionInputConfig):
    """The photo letterboxed into cfg.input_hw, zoomed by a log-uniform factor of cfg.rpn_zoom
    about a plate (or, one time in four or without plates, anywhere): (uint8 [h, w, 3], scale,
    shift [2]) with input px = scale * original px + shift."""
    h_in, w_in = cfg.input_hw
    h, w = image.shape[:2]
    zoom = float(np.exp(rng.uniform(*np.log(cfg.rpn_zoom))))
    scale = min(h_in / h, w_in / w) * zoom
    if len(boxes) and rng.random() < 0.75:
        b = boxes[rng.integers(len(boxes))]
        centre = (b[:2] + b[2:]) / 2 * scale + rng.uniform(-0.35, 0.35, 2) * (w_in, h_in)
    else:
        centre = rng.uniform(0, 1, 2) * (w * scale, h * scale)
    shift = np.array([w_in, h_in], np.float32) / 2 - centre
    # a view smaller than the input lies anywhere in it; a larger one covers it
    for axis, (size, room) in enumerate(((w * scale, w_in), (h * scale, h_in))):
        lo, hi = sorted((0.0, room - size))
        shift[axis] = np.clip(shift[axis], lo, hi)
    view = scale_and_shift(image, scale, shift, cfg.input_hw, pad_value=DETECTOR_PAD_VALUE)
    return view, np.float32(scale), shift.astype(np.float32)


def _visible_fraction(boxes: np.ndarray, hw) -> np.ndarray:
    """Share of each box [P, 4] inside the image [0, w] x [0, h]: [P]."""
    inside = np.clip(boxes, 0, np.array([hw[1], hw[0], hw[1], hw[0]], np.float32))
    return box_ops.area(inside) / np.maximum(box_ops.area(boxes), 1e-9)


def detection_example(seed: int, index: int, cfg: DetectionInputConfig,
                      real_backgrounds: tuple[ImageRecord, ...] = ()) -> dict:
    """One synthetic scene turned into detector targets (see detection_targets)."""
    rng = example_rng(seed, index)
    sample = generate.generate_scene(rng, cfg.scene, real_backgrounds)
    return detection_targets(rng, sample.image, [p.corners for p in sample.plates], cfg)


def detection_record_example(seed: int, index: int, cfg: DetectionInputConfig,
                             records: tuple[ImageRecord, ...],
                             probs: np.ndarray | None = None) -> dict:
    """Example `index` of a seeded pass over labelled photos (each epoch a new order), or,
    with probs [N], a seeded draw from them; photos of another size than cfg.scene are
    letterboxed to it so batches stack."""
    if probs is None:
        epoch, k = divmod(index, len(records))
        record = records[_epoch_order(seed, epoch, len(records))[k]]
    else:
        record = records[np.random.default_rng([seed, 5, index]).choice(len(records), p=probs)]
    image = read_image(record.path)
    rng = example_rng(seed, index)
    if cfg.p_photometric and rng.random() < cfg.p_photometric:
        image = augment.apply(rng, image, augment.PHOTO_AUGMENT)
    corners = [p.corners if p.corners is not None else box_ops.box_corners(p.bbox)
               for p in record.plates]
    mined = record.meta.get("rpn_proposals")
    if cfg.p_caption and rng.random() < cfg.p_caption:
        bounds = box_ops.corner_bounds(np.asarray(corners, np.float32).reshape(-1, 4, 2))
        image, lines = captions.burn_captions(rng, image, bounds)
        if cfg.rcnn_proposals and len(lines):
            # the R-CNN sees the captions as the RPN would propose them: mined negatives
            windows = captions.caption_windows(rng, lines)
            mined = windows if mined is None else np.concatenate(
                [np.asarray(mined, np.float32).reshape(-1, 4), windows])
    scene_hw = (cfg.scene.height, cfg.scene.width)
    if image.shape[:2] != scene_hw:
        image, s = letterbox(image, scene_hw)
        corners = [c * s for c in corners]
        mined = None if mined is None else np.asarray(mined, np.float32) * s
    return detection_targets(rng, image, corners, cfg, mined)


@functools.lru_cache(maxsize=4)
def _epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, 5, epoch]).permutation(n)


# --- Throughput ---------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description="Print input-pipeline throughput.")
    parser.add_argument("--task", choices=["recognition", "detection"], default="recognition")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.task == "recognition":
        cfg = RecognitionInputConfig()
    else:
        cfg = DetectionInputConfig()
    if args.batch_size:
        cfg = dataclasses.replace(cfg, batch_size=args.batch_size)
    start = time.perf_counter()
    n = 0
    for batch in batches(args.task, args.seed, cfg, num_steps=args.batches, workers=args.workers):
        n += len(batch["image"])
    elapsed = time.perf_counter() - start
    print(f"{args.task}: {n} examples in {elapsed:.2f} s = {n / elapsed:.1f} examples/s "
          f"({args.workers} workers, batch {cfg.batch_size})")


if __name__ == "__main__":
    main()
