"""PlateDetector: the cascade RPN -> NMS -> top RoIs -> 1:2.5 crops -> R-CNN -> corners -> NMS.

Scale convention: the RPN sees the photo letterboxed into a fixed input (480x320 for portrait
photos, 320x480 for landscape ones); detector-input px = scale * original px. R-CNN crops are
cut from the ORIGINAL photo (capped at MAX_SIDE px on the long side) with the shared sampler,
padded to a multiple of IMAGE_BUCKET px so that jit compiles once per bucket, not per photo.

Small plates: at stride 8 on the 480x320 input, and with the smallest anchor (area 600) ~100 px
of a 720x1160 photo wide, the RPN's boxes on plates under ~100 px are poor and under ~60 px
mostly miss. A zoom pass runs the RPN on the photo letterboxed at 2x the input size (~4x the
RPN's time) and keeps only boxes too narrow for the base pass (small_plate_px), so each pass
answers the plate sizes its anchors fit. DetectorOptions.zoom "auto" (default) runs it only
when the base pass finds nothing or a narrow plate, then scores both passes' RoIs together;
"always" / "off" (the CLI's --zoom).

Modes (Table 5): "cascade" (R-CNN corners, the paper's), "rpn_box" (RPN boxes as
quadrilaterals), "rpn_corner" (the RPN's own corner head).
Corner source in cascade mode: "rcnn" (the R-CNN's regressed corners) or "dsnt" (the DSNT
localiser on a context crop around each RoI, geometry.crops.context_boxes; the R-CNN still
scores the RoIs).
"""
from __future__ import annotations

import dataclasses
import time

import cv2
import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import weights
from alpr_jax.data.preprocess import letterbox, oriented_input_hw
from alpr_jax.geometry import anchors as anchor_ops
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.geometry import crops as crop_ops
from alpr_jax.models.detector import RCNN, RPN

MODES = ("cascade", "rpn_box", "rpn_corner")
CORNER_SOURCES = ("rcnn", "dsnt")
# The shipped DSNT localiser has 2.5x lower corner error than the R-CNN on the shared real
# scenes (README, scripts/compare_corners.py), so it is the default corner source.
DEFAULT_CORNER_SOURCE = "dsnt"
IMAGE_BUCKET = 256
MAX_SIDE = 2560
ZOOM_SCALES = (2.0,)
ZOOM_POLICIES = ("auto", "always", "off")


@dataclasses.dataclass(frozen=True)
class Detection:
    corners: np.ndarray        # float32 [4, 2] TL, TR, BR, BL in original px
    box: np.ndarray            # float32 [4] x1, y1, x2, y2 (bounds of the corners)
    score: float               # plate probability


@dataclasses.dataclass(frozen=True)
class DetectorOptions:
    input_hw: tuple[int, int] = (480, 320)    # portrait; landscape photos use it transposed
                                              # (data.preprocess.oriented_input_hw)
    pre_nms: int = 300                        # best anchors kept before the RPN's NMS
    rpn_nms: float = 0.7
    num_rois: int = 10                        # the paper's top-10 RoIs
    final_nms: float = 0.3
    score_threshold: float = 0.5
    # extra RPN passes at these multiples (> 1) of input_hw, for plates too small for the base
    # pass; "auto" runs them only when the base pass finds nothing or a plate under
    # small_plate_px wide (base-input px), "always" on every photo, "off" never
    zoom: str = "auto"
    zoom_scales: tuple[float, ...] = ZOOM_SCALES
    small_plate_px: float = 48.0              # ~116 px of a 720x1160 photo

    def __post_init__(self):
        if self.zoom not in ZOOM_POLICIES:
            raise ValueError(f"zoom must be one of {ZOOM_POLICIES}, got {self.zoom!r}")
        if any(not s > 1 for s in self.zoom_scales):
            raise ValueError(f"zoom_scales must each be > 1, got {self.zoom_scales}")
        if self.input_hw[0] % 8 or self.input_hw[1] % 8:
            raise ValueError(f"input_hw {tuple(self.input_hw)} must be multiples of 8 (RPN stride)")

    @property
    def max_rois(self) -> int:
        """RoIs the R-CNN sees at most: num_rois from each RPN pass that may run."""
        return self.num_rois * (1 + (len(self.zoom_scales) if self.zoom != "off" else 0))


class PlateDetector:
    def __init__(self, rpn_config: dict, rpn_variables: dict, rcnn_config: dict | None = None,
                 rcnn_variables: dict | None = None, mode: str = "cascade",
                 options: DetectorOptions = DetectorOptions(),
                 dsnt_config: dict | None = None, dsnt_variables: dict | None = None):
        if mode not in MODES:
            raise ValueError(f"detector mode must be one of {MODES}, got {mode!r}")
        if mode == "cascade" and rcnn_variables is None:
            raise ValueError("mode 'cascade' needs R-CNN weights")
        if dsnt_variables is not None and mode != "cascade":
            raise ValueError("DSNT corners refine the cascade's RoIs: use mode 'cascade'")
        if mode == "rpn_corner" and not rpn_config.get("corner_head"):
            raise ValueError("mode 'rpn_corner' needs an RPN trained with corner_head=True")
        self.mode, self.options = mode, options
        self.rpn = RPN(**rpn_config)
        self.rcnn = RCNN(**(rcnn_config or {}))
        self.dsnt = self.rpn_variables = self.rcnn_variables = self.dsnt_variables = None
        if dsnt_variables is not None:
            from alpr_jax.models.dsnt_localizer import DSNTLocalizer
            self.dsnt = DSNTLocalizer(**(dsnt_config or {}))
        self.set_variables(rpn_variables, rcnn_variables, dsnt_variables)
        self._rpn_fn = jax.jit(self._rpn_topk, static_argnums=2)
        self._rcnn_fn = jax.jit(self._rcnn_apply)
        self._dsnt_fn = jax.jit(self._dsnt_apply)

    def set_variables(self, rpn: dict | None = None, rcnn: dict | None = None,
                      dsnt: dict | None = None) -> None:
        """New weights for the stages given (same models): a training run's evaluations
        reuse one detector, and its compiled functions, for every checkpoint."""
        as_jax = lambda tree: jax.tree_util.tree_map(jnp.asarray, tree)
        if rpn is not None:
            self.rpn_variables = as_jax(rpn)
        if rcnn is not None:
            self.rcnn_variables = as_jax(rcnn)
        if dsnt is not None:
            if self.dsnt is None:
                raise ValueError("this detector has no DSNT localiser to give weights to")
            self.dsnt_variables = as_jax(dsnt)

    @classmethod
    def load(cls, rpn_path: str | None = None, rcnn_path: str | None = None,
             mode: str = "cascade", options: DetectorOptions = DetectorOptions(),
             corner_source: str = DEFAULT_CORNER_SOURCE, dsnt_path: str | None = None):
        """From .npz files written by the training loop (default: the shipped ones).
        corner_source "dsnt" (cascade mode only) reads dsnt_path, a DSNT refinement export
        (default: the shipped one)."""
        if corner_source not in CORNER_SOURCES:
            raise ValueError(f"corner_source must be one of {CORNER_SOURCES}, got {corner_source!r}")
        rpn_vars, rpn_meta = weights.load_npz(rpn_path or weights.shipped("rpn"))
        rcnn_vars, rcnn_meta = (None, {})
        if mode == "cascade":
            rcnn_vars, rcnn_meta = weights.load_npz(rcnn_path or weights.shipped("rcnn"))
        dsnt_vars, dsnt_meta = (None, {})
        if corner_source == "dsnt" and mode == "cascade":
            dsnt_vars, dsnt_meta = weights.load_npz(dsnt_path or weights.shipped("dsnt"))
        return cls(rpn_meta["model"], rpn_vars, rcnn_meta.get("model"), rcnn_vars, mode, options,
                   dsnt_meta.get("model"), dsnt_vars)

    def size_mb(self) -> float:
        trees = [self.rpn_variables] + ([self.rcnn_variables] if self.mode == "cascade" else [])
        trees += [self.dsnt_variables] if self.dsnt_variables is not None else []
        return sum(x.size * x.dtype.itemsize for t in trees
                   for x in jax.tree_util.tree_leaves(t)) / 2 ** 20

    # --- jitted stages --------------------------------------------------------------------
    def _rpn_topk(self, variables, x, input_hw):
        """x float32 [1, h, w, 3] -> the pre_nms best anchors' scores [K], boxes [K, 4] and
        corners [K, 4, 2] (detector-input px)."""
        out = self.rpn.apply(variables, x, train=False)
        grid = jnp.asarray(anchor_ops.grid_anchors((input_hw[0] // 8, input_hw[1] // 8)))
        scores = jax.nn.sigmoid(out["objectness"][0].astype(jnp.float32))
        scores, idx = jax.lax.top_k(scores, min(self.options.pre_nms, scores.shape[0]))
        anchors = grid[idx]
        boxes = box_ops.decode(out["deltas"][0][idx], anchors)
        if "corners" in out:
            corners = crop_ops.decode_corners(out["corners"][0][idx], anchors)
        else:
            corners = jnp.zeros((len(idx), 4, 2), jnp.float32)
        return scores, boxes, corners

    def _rcnn_apply(self, variables, image, proposals):
        """image float32 [Hb, Wb, 3] (original px, padded), proposals [R, 4] -> plate
        probabilities [R] and corners [R, 4, 2] in original px."""
        crop_box = crop_ops.crop_boxes(proposals)
        crops = crop_ops.cut(image, crop_box)
        out = self.rcnn.apply(variables, crops, train=False)
        probs = jax.nn.softmax(out["logits"].astype(jnp.float32), -1)[:, 1]
        return probs, crop_ops.decode_corners(out["corners"], crop_box)

    def _dsnt_apply(self, variables, image, proposals):
        """image float32 [Hb, Wb, 3], proposals [R, 4] -> corners [R, 4, 2] in original px:
        the DSNT localiser on each RoI's context crop, as in its training (DSNTTask)."""
        from alpr_jax.geometry import dsnt
        crops, boxes = crop_ops.context_crops(image, proposals)
        out = self.dsnt.apply(variables, crops, train=False)
        coords = dsnt.dsnt(dsnt.normalize_heatmap(out["heatmap_logits"]))
        return crop_ops.from_unit_square(coords, boxes)

    # --- public ---------------------------------------------------------------------------
    def detect(self, image: np.ndarray) -> tuple[list[Detection], dict]:
        """image uint8 [H, W, 3] RGB -> (detections best first, timing in ms per stage;
        "rpn_zoom" is the zoom passes' share of "rpn", 0 when they did not run)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be uint8 [H, W, 3], got {image.dtype} {image.shape}")
        o = self.options
        timing = {"rpn": 0.0, "rpn_zoom": 0.0, "rcnn": 0.0, "dsnt": 0.0}
        t0 = time.perf_counter()
        proposals = self._rpn_pass(image, 1.0)
        timing["rpn"] = (time.perf_counter() - t0) * 1e3
        zoom_now = o.zoom == "always" and o.zoom_scales
        dets = None
        if not zoom_now:
            dets = self._final(*self._locate(image, *proposals, timing))
            # "auto": zoom in where the base pass leaves doubt - nothing found, or a plate
            # narrow enough that its box on the coarse grid is unreliable
            zoom_now = o.zoom == "auto" and o.zoom_scales and (
                not dets or min(d.box[2] - d.box[0] for d in dets) * self._base_scale(image)
                < o.small_plate_px)
        if zoom_now:
            t1 = time.perf_counter()
            proposals = self._merge([proposals] + [self._rpn_pass(image, z)
                                                   for z in o.zoom_scales])
            timing["rpn_zoom"] = (time.perf_counter() - t1) * 1e3
            timing["rpn"] += timing["rpn_zoom"]
            dets = self._final(*self._locate(image, *proposals, timing))
        timing["detect_total"] = (time.perf_counter() - t0) * 1e3
        return dets, timing

    def proposals(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The RPN stage alone: image uint8 [H, W, 3] -> the top RoIs after NMS as scores
        float32 [R], boxes [R, 4] and RPN corners [R, 4, 2] (zeros without a corner head), in
        original px: num_rois from the base pass, plus the zoom passes' when zoom is
        "always". What the R-CNN sees first, at inference and when its training proposals are
        mined (scripts/mine_proposals.py)."""
        passes = [self._rpn_pass(image, 1.0)]
        if self.options.zoom == "always":
            passes += [self._rpn_pass(image, z) for z in self.options.zoom_scales]
        return self._merge(passes)

    # --- stages ---------------------------------------------------------------------------
    def _base_scale(self, image: np.ndarray) -> float:
        """Detector-input px per original px of the base (1x) pass (letterbox's scale)."""
        (h, w), (in_h, in_w) = image.shape[:2], oriented_input_hw(image.shape[:2],
                                                                  self.options.input_hw)
        return min(in_h / h, in_w / w)

    def _rpn_pass(self, image, zoom: float):
        """One RPN pass on the photo letterboxed at zoom x input_hw -> its top num_rois
        (scores [R], boxes [R, 4], corners [R, 4, 2]) in original px after NMS. A zoom pass
        keeps only boxes under small_plate_px wide at the base scale: it answers only the
        plates too small for the base pass."""
        o = self.options
        base_hw = oriented_input_hw(image.shape[:2], o.input_hw)
        input_hw = tuple(int(round(v * zoom / 8)) * 8 for v in base_hw)
        net_image, scale = letterbox(image, input_hw)
        x = jnp.asarray(net_image[None].astype(np.float32) / 255.0)
        scores, boxes, corners = (np.asarray(a) for a in self._rpn_fn(self.rpn_variables, x,
                                                                       input_hw))
        boxes, corners = boxes / scale, corners / scale
        if zoom != 1.0:
            small = (boxes[:, 2] - boxes[:, 0]) * self._base_scale(image) < o.small_plate_px
            scores, boxes, corners = scores[small], boxes[small], corners[small]
        keep = box_ops.nms(boxes, scores, o.rpn_nms, o.num_rois)
        return scores[keep], boxes[keep], corners[keep]

    def _merge(self, passes):
        """RPN passes' (scores, boxes, corners) -> one set, NMS across passes, best first."""
        if len(passes) == 1:
            return passes[0]
        scores, boxes, corners = (np.concatenate(parts) for parts in zip(*passes))
        keep = box_ops.nms(boxes, scores, self.options.rpn_nms, self.options.max_rois)
        return scores[keep], boxes[keep], corners[keep]

    def _locate(self, image, scores, boxes, corners, timing):
        """RoIs (original px) -> (scores [R'], corners [R', 4, 2]) by mode: the R-CNN's
        scores and corners (DSNT's for the kept RoIs when loaded), the RPN's boxes as
        quadrilaterals, or the RPN's corner head. Adds its stages' ms to timing."""
        o = self.options
        if self.mode == "cascade" and len(boxes):
            t1 = time.perf_counter()
            full, full_scale = _bucketed(image)
            # two shapes at most: the base pass's num_rois, or every pass's max_rois
            padded = np.zeros((o.num_rois if len(boxes) <= o.num_rois else o.max_rois, 4),
                              np.float32)
            padded[:len(boxes)] = boxes * full_scale
            padded[len(boxes):] = padded[0]
            probs, quads = self._rcnn_fn(self.rcnn_variables, jnp.asarray(full), jnp.asarray(padded))
            scores = np.asarray(probs)[:len(boxes)]
            corners = np.asarray(quads)[:len(boxes)] / full_scale
            timing["rcnn"] += (time.perf_counter() - t1) * 1e3
            if self.dsnt is not None:
                # DSNT refines only the RoIs that pass the score threshold and survive the
                # final NMS on the R-CNN corners' bounds (near-duplicates of a plate all score
                # ~1 and would each cost a DSNT pass), padded to a power of two so jit sees
                # few shapes
                t2 = time.perf_counter()
                live = np.flatnonzero(scores >= o.score_threshold)
                if len(live):
                    bounds = box_ops.corner_bounds(corners[live])
                    live = live[box_ops.nms(bounds, scores[live], o.final_nms)]
                    n = min(1 << int(np.ceil(np.log2(len(live)))), o.max_rois)
                    rois = np.repeat(padded[live[:1]], n, 0)
                    rois[:len(live)] = padded[live]
                    quads = self._dsnt_fn(self.dsnt_variables, jnp.asarray(full), jnp.asarray(rois))
                    corners = np.asarray(quads)[:len(live)] / full_scale
                scores = scores[live]
                corners = corners[:len(live)]
                timing["dsnt"] += (time.perf_counter() - t2) * 1e3
        elif self.mode == "rpn_box":
            corners = np.stack([box_ops.box_corners(b) for b in boxes]) if len(boxes) else corners
        return scores, corners

    def _final(self, scores, corners) -> list[Detection]:
        ok = scores >= self.options.score_threshold
        scores, corners = scores[ok], corners[ok].astype(np.float32)
        if not len(scores):
            return []
        bounds = box_ops.corner_bounds(corners)
        keep = box_ops.nms(bounds, scores, self.options.final_nms)
        return [Detection(corners[i], bounds[i], float(scores[i])) for i in keep]


def _bucketed(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The original photo as float32 in [0, 1], shrunk to at most MAX_SIDE px and padded with
    the crop pad value to a multiple of IMAGE_BUCKET (padding never changes a crop: outside
    the photo the sampler reads the same value). Returns (array, scale applied)."""
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
    hb, wb = (-(-h // IMAGE_BUCKET) * IMAGE_BUCKET, -(-w // IMAGE_BUCKET) * IMAGE_BUCKET)
    out = np.full((hb, wb, 3), crop_ops.PAD_VALUE, np.float32)
    out[:h, :w] = image.astype(np.float32) / 255.0
    return out, scale
