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
from alpr_jax.data import generate
from alpr_jax.data.annotations import ImageRecord, PlateLabel, corners_to_bbox
from alpr_jax.data.images import read_image
from alpr_jax.data.preprocess import letterbox, plate_input
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
    scene: generate.SceneConfig = generate.SceneConfig()

    def __post_init__(self):
        if self.input_hw[0] % anchor_ops.FEATURE_STRIDE or self.input_hw[1] % anchor_ops.FEATURE_STRIDE:
            raise ValueError(f"detector input_hw {self.input_hw} must be multiples of "
                             f"{anchor_ops.FEATURE_STRIDE}")


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
    if rng.random() < cfg.p_box_crop:
        label = PlateLabel(None, None, corners_to_bbox(corners))
    else:
        label = PlateLabel(None, corners, None)
    return plate_input(sample.image, label), plates.encode_text(plate.text)


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
    seed, step, cfg, (lo, hi), records = args
    base = step * cfg.batch_size
    examples = [detection_record_example(seed, base + i, cfg, records) for i in range(lo, hi)]
    return {k: np.stack([e[k] for e in examples]) for k in examples[0]}


def batches(task: str, seed: int, cfg, start_step: int = 0, num_steps: int | None = None,
            workers: int = 0, real_backgrounds: tuple[ImageRecord, ...] = (),
            records: tuple[ImageRecord, ...] = (),
            example_range: tuple[int, int] | None = None) -> Iterator[dict]:
    """Yields batches start_step, start_step + 1, ... (forever unless num_steps is given).

    task "recognition": {"image": uint8 [B, 48, 120, 3], "labels": int32 [B, 8]}.
    task "detection": see detection_example, each array with a leading batch axis; with
    `records` (labelled photos on disk: written synthetic scenes, CCPD) the scenes are those
    photos in a seeded order instead of freshly generated ones.
    workers > 0 builds batches in that many processes; the batches are identical either way.
    example_range (lo, hi) makes only examples lo..hi-1 of each batch (one host's share in
    multi-host training; the union over hosts is the single-host batch)."""
    lo, hi = example_range or (0, cfg.batch_size)
    if not 0 <= lo < hi <= cfg.batch_size:
        raise ValueError(f"example_range {example_range} outside the batch of {cfg.batch_size}")
    if task == "recognition":
        make, extra = _recognition_batch, ()
    elif task == "detection" and records:
        make, extra = _detection_records_batch, (tuple(records),)
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
def _anchors(input_hw: tuple[int, int]) -> np.ndarray:
    stride = anchor_ops.FEATURE_STRIDE
    return anchor_ops.grid_anchors((input_hw[0] // stride, input_hw[1] // stride))


def detection_targets(rng: np.random.Generator, image: np.ndarray, corners: list[np.ndarray],
                      cfg: DetectionInputConfig, mined: np.ndarray | None = None) -> dict:
    """Detector training example from an image [H, W, 3] uint8 and its plates' corners.

    Returns image uint8 [h, w, 3] (letterboxed to cfg.input_hw), scale float32 [] (detector
    px per original px), anchor_labels int32 [A], anchor_deltas float32 [A, 4], and the plates in
    ORIGINAL pixels, padded to cfg.max_plates: corners float32 [P, 4, 2], boxes [P, 4],
    plate_mask bool [P]; anchor_corners float32 [A, 4, 2] (each anchor's matched plate's
    corners normalised by the anchor box; meaningful where anchor_labels == 1).
    With cfg.rcnn_proposals = K > 0 also the R-CNN's inputs: full_image uint8 [H, W, 3] (the
    original), proposals float32 [K, 4] (original px), proposal_labels int32 [K], and
    proposal_corners float32 [K, 4, 2] (normalised by the proposal's 1:2.5 crop box); `mined`
    [M, 4] (original px) are the fixed RPN's proposals for this image, if mined."""
    net_image, scale = letterbox(image, cfg.input_hw)
    corners = list(corners)[:cfg.max_plates]
    boxes = np.array([corners_to_bbox(c) for c in corners], np.float32).reshape(-1, 4)
    grid = _anchors(cfg.input_hw)
    labels, deltas, matched = anchor_ops.anchor_targets(
        rng, grid, boxes * scale, cfg.anchor_samples, cfg.positive_fraction,
        cfg.positive_iou, cfg.negative_iou)
    anchor_corners = np.zeros((len(grid), 4, 2), np.float32)
    pos = np.flatnonzero(labels == 1)
    if len(pos):
        plate_corners = np.asarray(corners, np.float32).reshape(-1, 4, 2) * scale
        anchor_corners[pos] = crop_ops.encode_corners(plate_corners[matched[pos]], grid[pos])
    p = cfg.max_plates
    padded_corners = np.zeros((p, 4, 2), np.float32)
    padded_boxes = np.zeros((p, 4), np.float32)
    mask = np.zeros((p,), bool)
    padded_corners[:len(corners)] = np.asarray(corners, np.float32).reshape(-1, 4, 2)
    padded_boxes[:len(boxes)] = boxes
    mask[:len(boxes)] = True
    out = {"image": net_image, "scale": np.float32(scale), "anchor_labels": labels,
           "anchor_deltas": deltas, "anchor_corners": anchor_corners,
           "corners": padded_corners, "boxes": padded_boxes, "plate_mask": mask}
    if cfg.rcnn_proposals:
        props, plabels, pmatched = sample_proposals(rng, boxes, image.shape[:2],
                                                    cfg.rcnn_proposals, cfg.rcnn_positive_fraction,
                                                    mined, cfg.mined_fraction)
        pcorners = np.zeros((len(props), 4, 2), np.float32)
        ok = pmatched >= 0
        if ok.any():
            pcorners[ok] = crop_ops.encode_corners(padded_corners[pmatched[ok]],
                                                   crop_ops.crop_boxes(props[ok]))
        out.update(full_image=image, proposals=props, proposal_labels=plabels,
                   proposal_corners=pcorners)
    return out


def detection_example(seed: int, index: int, cfg: DetectionInputConfig,
                      real_backgrounds: tuple[ImageRecord, ...] = ()) -> dict:
    """One synthetic scene turned into detector targets (see detection_targets)."""
    rng = example_rng(seed, index)
    sample = generate.generate_scene(rng, cfg.scene, real_backgrounds)
    return detection_targets(rng, sample.image, [p.corners for p in sample.plates], cfg)


def detection_record_example(seed: int, index: int, cfg: DetectionInputConfig,
                             records: tuple[ImageRecord, ...]) -> dict:
    """Example `index` of a seeded pass over labelled photos (each epoch a new order); photos
    of another size than cfg.scene are letterboxed to it so batches stack."""
    epoch, k = divmod(index, len(records))
    record = records[_epoch_order(seed, epoch, len(records))[k]]
    image = read_image(record.path)
    corners = [p.corners if p.corners is not None else box_ops.box_corners(p.bbox)
               for p in record.plates]
    mined = record.meta.get("rpn_proposals")
    scene_hw = (cfg.scene.height, cfg.scene.width)
    if image.shape[:2] != scene_hw:
        image, s = letterbox(image, scene_hw)
        corners = [c * s for c in corners]
        mined = None if mined is None else np.asarray(mined, np.float32) * s
    return detection_targets(example_rng(seed, index), image, corners, cfg, mined)


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
