"""FasterRCNNDetector: Table 5's Faster R-CNN baselines as detectors with PlateDetector's
interface (detect, size_mb, set_variables), so evaluate.detection scores them alike.

One pass, as the paper's rows: the photo letterboxed into input_hw (portrait; landscape
photos use it transposed) -> backbone + RPN (one jitted call) -> the pre_nms best anchors ->
NMS -> the best num_rois (padded to a fixed count, so the head compiles once) -> RoIAlign +
box head on the same features (a second call) -> boxes -> NMS. Its plates are axis-aligned
boxes: their corners are the box's, which is what the paper's comparison at high IoU is
about. Runs on JAX (XLA) only.
"""
from __future__ import annotations

import dataclasses
import functools
import time

import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import weights
from alpr_jax.data.preprocess import letterbox, oriented_input_hw
from alpr_jax.geometry import anchors as anchor_ops
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.models.faster_rcnn import ROI_DELTA_STD, FasterRCNN
from alpr_jax.pipeline.detector import Detection, final_detections, top_anchor_boxes


@dataclasses.dataclass(frozen=True)
class FasterRCNNOptions:
    pre_nms: int = 300            # best anchors before the RPN's NMS (the cascade's count)
    rpn_nms: float = 0.7
    num_rois: int = 64            # RoIs the box head scores (Faster R-CNN tests with 300;
                                  # one plate class needs fewer)
    final_nms: float = 0.3
    score_threshold: float = 0.7  # as the cascade's (DetectorOptions)
    min_width_px: float = 18.0


class FasterRCNNDetector:
    def __init__(self, model_config: dict, variables: dict, input_hw=(480, 320),
                 options: FasterRCNNOptions = FasterRCNNOptions()):
        self.model = FasterRCNN(**model_config)
        self.input_hw = tuple(int(v) for v in input_hw)
        s = self.model.stride
        if self.input_hw[0] % s or self.input_hw[1] % s:
            raise ValueError(f"input_hw {self.input_hw} must be multiples of the stride {s}")
        self.options = options
        self.variables = variables

    @classmethod
    def load(cls, path: str, options: FasterRCNNOptions = FasterRCNNOptions()):
        """From a training run's faster_rcnn.npz."""
        variables, meta = weights.load_npz(path)
        if meta.get("task") != "faster_rcnn":
            raise ValueError(f"{path}: not a Faster R-CNN export (task {meta.get('task')!r})")
        return cls(meta["model"], variables, tuple(meta["input_hw"]), options)

    def set_variables(self, faster_rcnn: dict) -> None:
        self.variables = faster_rcnn

    def size_mb(self) -> float:
        return sum(x.size * x.dtype.itemsize
                   for x in jax.tree_util.tree_leaves(self.variables)) / 2 ** 20

    @functools.partial(jax.jit, static_argnums=0)
    def _rpn(self, variables, x):
        """x [1, h, w, 3] -> features, and the pre_nms best anchors' scores [K] and boxes
        [K, 4] (input px)."""
        features, out = self.model.apply(variables, x, train=False, method=FasterRCNN.rpn)
        s = self.model.stride
        grid = jnp.asarray(anchor_ops.grid_anchors((x.shape[1] // s, x.shape[2] // s), s))
        scores, _, boxes = top_anchor_boxes(out["objectness"][0], out["deltas"][0], grid,
                                            self.options.pre_nms)
        return features, scores, boxes

    @functools.partial(jax.jit, static_argnums=0)
    def _head(self, variables, features, rois):
        """rois [R, 4] input px -> plate probabilities [R] and refined boxes [R, 4]."""
        out = self.model.apply(variables, features, rois[None], train=False,
                               method=FasterRCNN.head)
        probs = jax.nn.softmax(out["roi_logits"][0].astype(jnp.float32), -1)[:, 1]
        boxes = box_ops.decode(out["roi_deltas"][0] * jnp.asarray(ROI_DELTA_STD), rois)
        return probs, boxes

    def detect(self, image: np.ndarray) -> tuple[list[Detection], dict]:
        """image uint8 [H, W, 3] RGB -> (detections best first, timing ms)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be uint8 [H, W, 3], got {image.dtype} {image.shape}")
        o = self.options
        t0 = time.perf_counter()
        net_image, scale = letterbox(image, oriented_input_hw(image.shape[:2], self.input_hw))
        x = net_image[None].astype(np.float32) / 255.0
        features, scores, boxes = self._rpn(self.variables, x)
        scores, boxes = np.asarray(scores), np.asarray(boxes)
        keep = box_ops.nms(boxes, scores, o.rpn_nms, o.num_rois)
        rois = np.repeat(boxes[keep[:1]], o.num_rois, 0)
        rois[:len(keep)] = boxes[keep]
        t1 = time.perf_counter()
        probs, refined = (np.asarray(a)[:len(keep)] for a in
                          self._head(self.variables, features, jnp.asarray(rois)))
        t2 = time.perf_counter()
        corners = np.stack([box_ops.box_corners(b) for b in refined / scale])
        dets = final_detections(probs, corners, o.score_threshold, o.min_width_px, o.final_nms)
        timing = {"rpn": (t1 - t0) * 1e3, "head": (t2 - t1) * 1e3,
                  "detect_total": (time.perf_counter() - t0) * 1e3}
        return dets, timing
