"""PlateDetector: the cascade RPN passes -> NMS -> top RoIs -> 1:2.5 crops -> R-CNN -> corners
-> NMS -> re-crops around each plate found.

Scale convention: each RPN pass sees the photo letterboxed into a multiple of a fixed input
(480x320 for portrait photos, 320x480 for landscape ones); pass-input px = scale * original
px. R-CNN and DSNT crops are cut from the ORIGINAL photo (capped at MAX_SIDE px on the long
side, large boxes read from a 2x2-mean level of it: geometry.crops.cut), padded to a multiple
of IMAGE_BUCKET px so that jit compiles once per bucket, not per photo.

Plate sizes: the RPN's 15 anchors (the paper's: 35 to 168 px wide) and its receptive field
(~110 px) fit plates about 34 to 136 px wide in its input, so one pass covers a 4x range of
plate widths. DetectorOptions.scales runs a pyramid of passes (default 0.5x, 1x, 2x and 4x of
the input size), each keeping only the boxes in that band (band_px; the lowest and highest
pass that run keep everything beyond it), merged by NMS: the 0.5x pass (a quarter of the 1x
pass's time) answers the plates that fill most of the photo, the 1x pass the CCPD-sized
ones, the 2x and 4x passes (4x and 16x the time) the small ones in large photos. The 0.5x
pass always runs; the others (from auto_from up) "auto" only while the passes so far find
nothing, a narrow plate, or a narrow RoI the R-CNN half believes; "always" or "off" (no
pass above 1x; the CLI's --zoom); never past max_upscale x the photo's resolution.
with_max_zoom(8) adds an 8x pass, which that cap leaves to photos 1920 px or more across
(plates 20-34 px wide there; the CLI's --max-zoom). Without it, such photos get that pass on
a few windows only (zoom_windows), and smaller ones a pass as fine as the cap allows: where
the policy still asks for more after the 4x pass, round the 4x pass's narrow RoIs the R-CNN
half believes.
DetectorOptions.single_scale() is the paper's one-pass cascade.

Many plates: the paper's top-10 RoIs per pass (16 after merging) cap how many plates one photo
can give; once the RoIs give crowd_plates plates, they are merged again under crowd_rois and
scored again (photos of fewer plates run as before).

Corners that are not cut short: the R-CNN's crop is that of a proposal, and a plate larger
than its proposal comes out with corners at or short of the crop's edge. So each detection,
and each candidate the R-CNN first scored at least refine_threshold (a plate cut badly by
its proposal can score 0.05-0.2 there and 0.8-0.95 re-cropped), is re-cropped round the
corners it got (their bounds grown by refine_margin per side, so the crop reaches past an
end that was cut off) and read again, refine_steps times: the R-CNN
rescores it and regresses new corners, and the DSNT localiser (the default corner source)
refines a context crop round them. A plate turned more than level_above_deg (a rolled photo)
is re-cropped in its own frame, cut level by the sampler (geometry.crops.crop_thetas with
frames), and its corners turned back; so is the first read of a RoI whose RPN corners are
turned that much (level_first_read), since an axis-aligned crop of a plate turned 30-45
degrees scores too low for the re-crops to start from. Optionally (patch_path; tried, not
shipped: README "Corner sources") a corner-patch refiner (models.corner_refiner) then moves
each corner within a patch round it, cut at up to full resolution in the plate's frame
(geometry.corner_patches), patch_steps times. Last, corners within parallelogram_below of a
parallelogram are returned as their nearest one (geometry.rectify.snap_to_parallelograms;
Detection.localised keeps the localiser's own, which readers rectify by).

Modes (Table 5): "cascade" (R-CNN corners, the paper's), "rpn_box" (RPN boxes as
quadrilaterals), "rpn_corner" (the RPN's own corner head).
Corner source in cascade mode: "rcnn" (the R-CNN's regressed corners) or "dsnt" (the DSNT
localiser on a context crop around each RoI, geometry.crops.context_boxes; the R-CNN still
scores the RoIs).
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import time

import cv2
import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import weights
from alpr_jax.data.preprocess import letterbox, oriented_input_hw, scale_and_shift
from alpr_jax.geometry import anchors as anchor_ops
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.geometry import corner_patches
from alpr_jax.geometry import crops as crop_ops
from alpr_jax.geometry import dsnt
from alpr_jax.geometry import rectify
from alpr_jax.models.detector import RCNN, RPN, top_anchors
from alpr_jax.pipeline import runtime
from alpr_jax.pipeline.detector_options import (CORNER_SOURCES, DEFAULT_CORNER_SOURCE, MODES,
                                                ROI_BUCKETS, WINDOW_MIN_STEP, ZOOM_TRIGGERS,
                                                Detection, DetectorOptions)

IMAGE_BUCKET = 256
PAD_BYTE = round(crop_ops.PAD_VALUE * 255)        # the crops' pad value as a uint8 pixel
MAX_SIDE = 2560
# the crops' RoI counts are padded to these sizes, coarsely: cutting is cheap, but compiles
# once per size AND photo bucket
CUT_BUCKETS = (4, 16, 64, 256)


class PlateDetector:
    def __init__(self, rpn_config: dict, rpn_variables: dict, rcnn_config: dict | None = None,
                 rcnn_variables: dict | None = None, mode: str = "cascade",
                 options: DetectorOptions = DetectorOptions(),
                 dsnt_config: dict | None = None, dsnt_variables: dict | None = None,
                 backend: str = "jax", patch_config: dict | None = None,
                 patch_variables: dict | None = None, mono_dsnt_variables: dict | None = None):
        if mode not in MODES:
            raise ValueError(f"detector mode must be one of {MODES}, got {mode!r}")
        if mode == "cascade" and rcnn_variables is None:
            raise ValueError("mode 'cascade' needs R-CNN weights")
        if (dsnt_variables is not None or patch_variables is not None) and mode != "cascade":
            raise ValueError("DSNT corners and corner patches refine the cascade's RoIs: use "
                             "mode 'cascade'")
        if mono_dsnt_variables is not None and dsnt_variables is None:
            raise ValueError("a DSNT localiser for photos without colour needs the DSNT "
                             "corner source")
        if mode == "rpn_corner" and not rpn_config.get("corner_head"):
            raise ValueError("mode 'rpn_corner' needs an RPN trained with corner_head=True")
        runtime.check_backend(backend)
        self.mode, self.options = mode, options
        self.rpn = RPN(**rpn_config)
        self.rcnn = RCNN(**(rcnn_config or {}))
        self.dsnt = None
        # the networks on the chosen backend; the crops around them always run in JAX. The
        # RPN's top-k count is traced into its function (jit and export): keyed by it
        self._rpn_pre_nms = options.pre_nms
        self._rpn_fn = runtime.NetRunner("rpn", self._rpn_topk, rpn_variables, backend,
                                         dynamic_batch=False, input_dtype=np.uint8,
                                         graph_key=f"pre_nms={options.pre_nms},uint8,top_k")
        self._rcnn_fn = self._dsnt_fn = self._mono_dsnt_fn = self._patch_fn = None
        if rcnn_variables is not None:
            self._rcnn_fn = runtime.NetRunner("rcnn", self._rcnn_apply, rcnn_variables, backend)
        if dsnt_variables is not None:
            from alpr_jax.models.dsnt_localizer import DSNTLocalizer
            self.dsnt = DSNTLocalizer(**(dsnt_config or {}))
            self._dsnt_fn = runtime.NetRunner("dsnt", self._dsnt_apply, dsnt_variables, backend)
        if mono_dsnt_variables is not None:
            # the same architecture (load checks the files' model configs agree), trained on
            # photos turned to luma (colourless_twin)
            self._mono_dsnt_fn = runtime.NetRunner("dsnt", self._dsnt_apply,
                                                   mono_dsnt_variables, backend)
        if patch_variables is not None:
            from alpr_jax.models.corner_refiner import CornerRefiner
            self.patch_refiner = CornerRefiner(**(patch_config or {}))
            self._patch_fn = runtime.NetRunner("corner_patch", self._patch_apply,
                                               patch_variables, backend)

    @property
    def rpn_variables(self):
        return self._rpn_fn.variables

    @property
    def rcnn_variables(self):
        return self._rcnn_fn.variables if self._rcnn_fn is not None else None

    @property
    def dsnt_variables(self):
        return self._dsnt_fn.variables if self._dsnt_fn is not None else None

    @property
    def mono_dsnt_variables(self):
        return self._mono_dsnt_fn.variables if self._mono_dsnt_fn is not None else None

    @property
    def patch_variables(self):
        return self._patch_fn.variables if self._patch_fn is not None else None

    def set_variables(self, rpn: dict | None = None, rcnn: dict | None = None,
                      dsnt: dict | None = None, corner_patch: dict | None = None) -> None:
        """New weights for the stages given (same models): a training run's evaluations
        reuse one detector, and its compiled functions, for every checkpoint."""
        if rpn is not None:
            self._rpn_fn.set_variables(rpn)
        if rcnn is not None:
            if self._rcnn_fn is None:
                raise ValueError("this detector has no R-CNN to give weights to")
            self._rcnn_fn.set_variables(rcnn)
        if dsnt is not None:
            if self._dsnt_fn is None:
                raise ValueError("this detector has no DSNT localiser to give weights to")
            self._dsnt_fn.set_variables(dsnt)
        if corner_patch is not None:
            if self._patch_fn is None:
                raise ValueError("this detector has no corner-patch refiner to give weights to")
            self._patch_fn.set_variables(corner_patch)

    @classmethod
    def load(cls, rpn_path: str | None = None, rcnn_path: str | None = None,
             mode: str = "cascade", options: DetectorOptions = DetectorOptions(),
             corner_source: str = DEFAULT_CORNER_SOURCE, dsnt_path: str | None = None,
             backend: str = "jax", patch_path: str | None = None,
             mono_dsnt_path: str | None = None):
        """From .npz files written by the training loop (default: the shipped ones).
        corner_source "dsnt" (cascade mode only) reads dsnt_path, a DSNT refinement export
        (default: the shipped one), and mono_dsnt_path, the localiser of photos without
        colour (colourless_twin; default: the shipped dsnt_mono where dsnt_path is the
        shipped one; "none": dsnt_path's in those photos too); patch_path (cascade mode
        only): a corner-patch refiner (configs/corner_patch.py; none is shipped) run after
        the re-crops, whatever the corner source; backend: where the networks run
        (pipeline.runtime)."""
        if corner_source not in CORNER_SOURCES:
            raise ValueError(f"corner_source must be one of {CORNER_SOURCES}, "
                             f"got {corner_source!r}")
        rpn_vars, rpn_meta = weights.load_npz(rpn_path or weights.shipped("rpn"))
        rcnn_vars, rcnn_meta = (None, {})
        if mode == "cascade":
            rcnn_vars, rcnn_meta = weights.load_npz(rcnn_path or weights.shipped("rcnn"))
        dsnt_vars, dsnt_meta, mono_vars = None, {}, None
        if corner_source == "dsnt" and mode == "cascade":
            dsnt_vars, dsnt_meta = weights.load_npz(dsnt_path or weights.shipped("dsnt"))
            # the shipped dsnt_mono is the shipped localiser's sibling: another dsnt_path
            # reads grey photos too unless a localiser for them is given with it
            if mono_dsnt_path != "none" and (mono_dsnt_path or not dsnt_path):
                mono_vars, mono_meta = weights.load_npz(mono_dsnt_path
                                                        or weights.shipped("dsnt_mono"))
                if mono_meta.get("model") != dsnt_meta.get("model"):
                    raise ValueError(f"{mono_dsnt_path or weights.shipped('dsnt_mono')}: "
                                     f"model {mono_meta.get('model')} differs from the DSNT "
                                     f"localiser's {dsnt_meta.get('model')}")
        patch_vars, patch_meta = (None, {})
        if patch_path:
            patch_vars, patch_meta = weights.load_npz(patch_path)
        return cls(rpn_meta["model"], rpn_vars, rcnn_meta.get("model"), rcnn_vars, mode, options,
                   dsnt_meta.get("model"), dsnt_vars, backend, patch_meta.get("model"),
                   patch_vars, mono_vars)

    def size_mb(self) -> float:
        trees = [self.rpn_variables] + ([self.rcnn_variables] if self.mode == "cascade" else [])
        trees += [t for t in (self.dsnt_variables, self.mono_dsnt_variables,
                              self.patch_variables) if t is not None]
        return sum(x.size * x.dtype.itemsize for t in trees
                   for x in jax.tree_util.tree_leaves(t)) / 2 ** 20

    def onnx_inputs(self) -> list:
        """[(runner, input shape)] of every network and shape this detector runs (the RPN's
        pass shapes of portrait and landscape photos; a symbolic "B" batch elsewhere)."""
        o = self.options
        shapes = {self._pass_hw(tuple(hw), s) for hw in (o.input_hw, o.input_hw[::-1])
                  for s in o.scales}
        out = [(self._rpn_fn, (1, *hw, 3)) for hw in sorted(shapes)]
        if self._rcnn_fn is not None:
            out.append((self._rcnn_fn, ("B", *crop_ops.CROP_HW, 3)))
        out += [(fn, ("B", *crop_ops.DSNT_HW, 3)) for fn in (self._dsnt_fn, self._mono_dsnt_fn)
                if fn is not None]
        if self._patch_fn is not None:
            out.append((self._patch_fn, ("B", *corner_patches.PATCH_HW, 3)))
        return out

    @staticmethod
    def _pass_hw(base_hw: tuple[int, int], scale: float) -> tuple[int, int]:
        """The RPN input of a pass at `scale` x base_hw: multiples of 8."""
        return tuple(max(8, int(round(v * scale / 8)) * 8) for v in base_hw)

    # --- jitted stages --------------------------------------------------------------------
    def _rpn_topk(self, variables, x):
        """x uint8 [1, h, w, 3] -> the pre_nms best anchors' scores [K], boxes [K, 4] and
        corners [K, 4, 2] (pass-input px). The pixels become float32 here, inside the
        compiled network: on the host that took 12 ms for a 4x pass's 1280x1920 input."""
        input_hw = x.shape[1:3]
        x = x.astype(jnp.float32) / 255.0
        out = self.rpn.apply(variables, x, train=False, top_k=self._rpn_pre_nms)
        grid = jnp.asarray(anchor_ops.grid_anchors((input_hw[0] // 8, input_hw[1] // 8)))
        scores, idx = out["top_scores"][0], out["top_index"][0]
        boxes = box_ops.decode(out["deltas"][0], grid[idx])
        if "corners" in out:
            corners = crop_ops.decode_corners(out["corners"][0], grid[idx])
        else:
            corners = jnp.zeros((len(idx), 4, 2), jnp.float32)
        return scores, boxes, corners

    def _rcnn_apply(self, variables, crops):
        """crops float32 [R, 48, 120, 3] -> plate probabilities [R] and corners [R, 4, 2]
        normalised by their crop boxes."""
        out = self.rcnn.apply(variables, crops, train=False)
        probs = jax.nn.softmax(out["logits"].astype(jnp.float32), -1)[:, 1]
        return probs, out["corners"]

    def _dsnt_apply(self, variables, crops):
        """crops float32 [R, 64, 160, 3] (context crops) -> corners [R, 4, 2] in [-1, 1] over
        the crops, as in the localiser's training (DSNTTask)."""
        out = self.dsnt.apply(variables, crops, train=False)
        return (dsnt.dsnt(dsnt.normalize_heatmap(out["heatmap_logits"])),)

    def _patch_apply(self, variables, patches):
        """patches float32 [N, 64, 64, 3] -> corners [N, 2] in [-1, 1] over each patch."""
        out = self.patch_refiner.apply(variables, patches, train=False)
        return (dsnt.dsnt(dsnt.normalize_heatmap(out["heatmap_logits"]))[:, 0],)

    # --- public ---------------------------------------------------------------------------
    def with_options(self, **changes) -> "PlateDetector":
        """The same networks (shared, not copied) with options changed (e.g. another
        score_threshold for some photos); this detector is untouched."""
        twin = copy.copy(self)
        twin.options = dataclasses.replace(self.options, **changes)
        return twin

    def colourless_twin(self, score_threshold: float) -> "PlateDetector":
        """The detector of photos without colour (a monochrome or infrared camera's): the
        same networks, but score_threshold, and the DSNT localiser trained on photos turned
        to luma where this detector has one (its colour localiser puts grey plates' corners
        ~3x further off)."""
        twin = self.with_options(score_threshold=score_threshold)
        if self._mono_dsnt_fn is not None:
            twin._dsnt_fn = self._mono_dsnt_fn
        return twin

    def detect(self, image: np.ndarray, floor: float | None = None
               ) -> tuple[list[Detection], dict]:
        """image uint8 [H, W, 3] RGB -> (detections best first, timing in ms per stage;
        "rpn_zoom" is the passes above 1x's share of "rpn", 0 when they did not run).
        floor: also return the detections scoring at least this much under score_threshold
        (which passes run is decided by score_threshold alone), for a reader to confirm
        (pipeline.alpr.ReadGate)."""
        _check_image(image)
        if floor is not None and not 0 <= floor <= 1:
            raise ValueError(f"floor must be in [0, 1], got {floor}")
        o = self.options
        keep_from = o.score_threshold if floor is None else min(floor, o.score_threshold)
        timing = {"rpn": 0.0, "rpn_zoom": 0.0, "rcnn": 0.0, "dsnt": 0.0, "patch": 0.0}
        t0 = time.perf_counter()
        shrunk = _shrunk(image)
        full = _bucketed(image, shrunk) if self.mode == "cascade" else None
        timing["rpn"] = (time.perf_counter() - t0) * 1e3
        ladder = [s for s in o.passes(o.zoom != "off")
                  if s <= 1.0 or s * self._base_scale(image) <= o.max_upscale]
        fixed = ([s for s in ladder if s < o.auto_from] or ladder[:1]) if o.zoom == "auto" \
            else ladder
        runs = {s: self._timed_pass(image, s, timing, shrunk) for s in fixed}
        caps = (o.num_rois, o.max_rois)
        scored = {}       # RoI box bytes -> its R-CNN score and corners: each RoI scored once
        rois, located, dets, caps = self._merged_and_located(full, runs, caps, timing, scored)
        for s in ladder[len(fixed):]:     # "auto": each pass up only while the last asks for it
            last = max(runs)
            if not self._wants_zoom(image, dets, rois[1], located[2], last, first=last == 1.0):
                break
            if (self.mode == "cascade" and o.zoom_windows and o.windows_first_from
                    and s >= max(o.windows_first_from, WINDOW_MIN_STEP * last)):
                windows = self._window_pass(image, s, runs[last], full, timing, scored, dets)
                if windows is not None:
                    tried = self._merged_and_located(full, {**runs, s: windows}, caps, timing,
                                                     scored)
                    t_rois, t_located, t_dets, _ = tried
                    if not self._wants_zoom(image, t_dets, t_rois[1], t_located[2], s,
                                            first=False, reasons=("none", "small")):
                        runs[s] = windows
                        rois, located, dets, caps = tried
                        continue
            runs[s] = self._timed_pass(image, s, timing, shrunk)
            rois, located, dets, caps = self._merged_and_located(full, runs, caps, timing,
                                                                 scored)
        # (a ladder the policy stopped never reached the top of `scales`)
        top = max(runs)
        up = min(2 * top, o.max_upscale / self._base_scale(image))   # the windows' scale
        if (self.mode == "cascade" and o.zoom_windows and o.zoom != "off"
                and top == max(o.scales) > 1.0 and up >= WINDOW_MIN_STEP * top
                and (o.zoom == "always" or self._wants_zoom(image, dets, rois[1], located[2],
                                                            top, first=False))):
            windows = self._window_pass(image, up, runs[top], full, timing, scored, dets)
            if windows is not None:
                runs[up] = windows
                rois, located, dets, caps = self._merged_and_located(full, runs, caps, timing,
                                                                     scored)
        if self.mode == "cascade" and o.refine_steps:
            # a plate its proposal cut short can score under the threshold until re-cropped
            candidates = self._final(*located[:2],
                                     threshold=min(o.refine_threshold, keep_from))
            dets = self._refine(full, candidates, timing, keep_from) if candidates else []
        elif floor is not None:
            dets = self._final(*located[:2], threshold=keep_from)
        timing["detect_total"] = (time.perf_counter() - t0) * 1e3
        return dets, timing

    def proposals(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The RPN stage alone: image uint8 [H, W, 3] -> the top RoIs after NMS as scores
        float32 [R], boxes [R, 4] and RPN corners [R, 4, 2] (zeros without a corner head), in
        original px: the passes up to 1x, and those above when zoom is "always". What the
        R-CNN sees first, at inference and when its training proposals are mined
        (scripts/mine_proposals.py)."""
        o = self.options
        scales = [s for s in o.passes(o.zoom == "always")
                  if s <= 1.0 or s * self._base_scale(image) <= o.max_upscale]
        shrunk = _shrunk(image)
        return self._merge({s: self._rpn_pass(image, s, shrunk) for s in scales})

    # --- stages ---------------------------------------------------------------------------
    def _base_scale(self, image: np.ndarray) -> float:
        """Pass-input px per original px of the base (1x) pass (letterbox's scale)."""
        (h, w), (in_h, in_w) = image.shape[:2], oriented_input_hw(image.shape[:2],
                                                                  self.options.input_hw)
        return min(in_h / h, in_w / w)

    def _timed_pass(self, image, scale: float, timing: dict, shrunk=None):
        """_rpn_pass, its ms added to timing["rpn"] (and "rpn_zoom" above 1x)."""
        t = time.perf_counter()
        out = self._rpn_pass(image, scale, shrunk)
        ms = (time.perf_counter() - t) * 1e3
        timing["rpn"] += ms
        if scale > 1.0:
            timing["rpn_zoom"] += ms
        return out

    def _rpn_pass(self, image, scale: float, shrunk=None):
        """One RPN pass on the photo letterboxed at scale x input_hw -> (scores [K], boxes
        [K, 4], corners [K, 4, 2] in original px, the boxes' widths in this pass's input px
        [K]): its pre_nms best anchors, not yet suppressed. shrunk: _shrunk(image), the
        photo at most MAX_SIDE px across; a pass that reads no more detail than it holds is
        letterboxed from it (a 4000x3000 photo's 0.5x pass resized in 16 ms instead of 42)."""
        if self.options.pre_nms != self._rpn_pre_nms:
            raise ValueError(f"pre_nms {self.options.pre_nms} differs from the {self._rpn_pre_nms} "
                             "this detector's RPN was built with: build a new PlateDetector")
        input_hw = self._pass_hw(oriented_input_hw(image.shape[:2], self.options.input_hw),
                                 scale)
        source = image
        if shrunk is not None and scale * self._base_scale(image) <= shrunk[1]:
            source = shrunk[0]
        net_image, s = letterbox(source, input_hw)
        # pass-input px per original px, per axis (the shrunk photo's sides were rounded)
        sx = s * source.shape[1] / image.shape[1]
        sy = s * source.shape[0] / image.shape[0]
        scores, boxes, corners = (np.asarray(a) for a in self._rpn_fn(net_image[None]))
        return (scores, boxes / np.array([sx, sy, sx, sy], np.float32),
                corners / np.array([sx, sy], np.float32), boxes[:, 2] - boxes[:, 0])

    def _window_pass(self, image, scale: float, top_run, full, timing: dict, scored: dict,
                     dets=()):
        """The RPN pass at `scale` on windows of input_hw's size round the top pass's narrow
        RoIs the R-CNN half-believed, or believed away from every detection in dets
        (zoom_windows): top_run, that pass's _rpn_pass output -> the windows' anchors as one
        _rpn_pass output in original px, or None when no RoI asks for a window. The RPN runs
        each window at the base pass's own input shape."""
        o = self.options
        scores, boxes, corners, width = top_run
        narrow = width < o.small_plate_px
        boxes, corners = boxes[narrow], corners[narrow]
        keep = box_ops.nms(boxes, scores[narrow], o.rpn_nms, o.window_candidates)
        if not len(keep):
            return None
        boxes, corners = boxes[keep], corners[keep]
        rcnn, _ = self._rcnn_once(full, boxes, timing, scored,
                                  corners if o.level_first_read else None)
        found = np.zeros(len(boxes), bool)      # a detection overlaps it (box IoU 0.3)
        if len(dets):
            found = box_ops.iou(boxes, np.stack([d.box for d in dets])).max(1) >= 0.3
        asks = np.flatnonzero((rcnn >= o.near_miss) & ((rcnn < o.score_threshold) | ~found))
        asks = asks[np.argsort(-rcnn[asks], kind="stable")][:o.zoom_windows]
        if not len(asks):
            return None
        t = time.perf_counter()
        in_h, in_w = oriented_input_hw(image.shape[:2], o.input_hw)
        s = scale * self._base_scale(image)      # window px per original px
        outs = []
        for box in boxes[asks]:
            shift = np.array([in_w / 2, in_h / 2], np.float32) - s * (box[:2] + box[2:]) / 2
            window = scale_and_shift(image, s, shift, (in_h, in_w), pad_value=PAD_BYTE)
            w_scores, w_boxes, w_corners = (np.asarray(a) for a in self._rpn_fn(window[None]))
            outs.append((w_scores, (w_boxes - np.tile(shift, 2)) / s, (w_corners - shift) / s,
                         w_boxes[:, 2] - w_boxes[:, 0]))
        ms = (time.perf_counter() - t) * 1e3
        timing["rpn"] += ms
        timing["rpn_zoom"] += ms
        return tuple(np.concatenate(part) for part in zip(*outs))

    def _merged_and_located(self, full, runs: dict, caps: tuple[int, int], timing: dict,
                            scored: dict):
        """The passes so far merged into RoIs under caps (num_rois, max_rois) and located ->
        (RoIs, _locate's output, detections, caps); when the detections are crowd_plates or
        more (and crowd_plates is not 0) and the caps are not yet crowd_rois, merged again
        under crowd_rois and located again."""
        o = self.options
        while True:
            rois = self._merge(runs, caps)
            located = self._locate(full, *rois, timing, scored)
            dets = self._final(*located[:2])
            if (not o.crowd_plates or len(dets) < o.crowd_plates
                    or tuple(caps) == tuple(o.crowd_rois)):
                return rois, located, dets, caps
            caps = tuple(o.crowd_rois)

    def _merge(self, runs: dict, caps: tuple[int, int] | None = None):
        """RPN passes {scale: _rpn_pass output} -> one set of RoIs (scores [R], boxes [R, 4],
        corners [R, 4, 2]), best first: each pass keeps the boxes in its band (the lowest
        pass also those wider, the highest that ran those narrower), its top num_rois after
        NMS, then NMS across passes and the best max_rois (num_rois with one pass). caps:
        (num_rois, max_rois), default the options'."""
        o = self.options
        num_rois, max_rois = caps or (o.num_rois, o.max_rois)
        lo, hi = o.band_px
        scales = sorted(runs)
        parts = []
        for i, s in enumerate(scales):
            scores, boxes, corners, width = runs[s]
            keep = np.ones(len(scores), bool)
            if len(scales) > 1:
                keep &= (width < hi) | (i == 0)
                keep &= (width >= lo) | (i == len(scales) - 1)
            scores, boxes, corners = scores[keep], boxes[keep], corners[keep]
            top = box_ops.nms(boxes, scores, o.rpn_nms, num_rois)
            parts.append((scores[top], boxes[top], corners[top]))
        if len(parts) == 1:
            return parts[0]
        scores, boxes, corners = (np.concatenate(p) for p in zip(*parts))
        keep = box_ops.nms(boxes, scores, o.rpn_nms, max_rois)
        return scores[keep], boxes[keep], corners[keep]

    def _wants_zoom(self, image, dets, roi_boxes, roi_scores, last_scale: float,
                    first: bool, reasons=None) -> bool:
        """The auto policy's question: might there be plates too small for the passes that
        ran? Yes when they found nothing, a plate under small_plate_px in the last pass's
        input, or a RoI that narrow the R-CNN half-believed (near_miss <= score <
        score_threshold), each as far as zoom_triggers (and reasons, if given) holds it;
        before the first pass above 1x, also when the photo is large."""
        o = self.options
        reasons = set(o.zoom_triggers) & set(reasons or ZOOM_TRIGGERS)
        base = self._base_scale(image)
        if first and base < o.large_photo_scale:
            return True
        if not dets:
            return "none" in reasons
        scale = base * last_scale
        narrowest = min(d.box[2] - d.box[0] for d in dets) * scale
        if "small" in reasons and narrowest < o.small_plate_px:
            return True
        narrow = (roi_boxes[:, 2] - roi_boxes[:, 0]) * scale < o.small_plate_px
        doubt = (roi_scores >= o.near_miss) & (roi_scores < o.score_threshold)
        return "doubt" in reasons and bool(np.any(narrow & doubt))

    def _locate(self, full, scores, boxes, corners, timing, scored: dict):
        """RoIs (original px) -> (scores [R'], corners [R', 4, 2], every RoI's score [R]) by
        mode: the R-CNN's scores and corners (DSNT's for the kept RoIs when loaded), the
        RPN's boxes as quadrilaterals, or the RPN's corner head. Adds its stages' ms to
        timing; scored: the R-CNN's answers by RoI so far in this photo (_rcnn_once)."""
        o = self.options
        roi_scores = scores
        if self.mode == "cascade" and len(boxes):
            scores, corners = self._rcnn_once(full, boxes, timing, scored,
                                              corners if o.level_first_read else None)
            roi_scores = scores
            if self.dsnt is not None and not o.refine_steps:
                # DSNT refines only the RoIs that pass the score threshold and survive the
                # final NMS on the R-CNN corners' bounds (near-duplicates of a plate all score
                # ~1 and would each cost a DSNT pass); with re-crops it runs on those instead
                live = np.flatnonzero(scores >= o.score_threshold)
                if len(live):
                    bounds = box_ops.corner_bounds(corners[live])
                    live = live[box_ops.nms(bounds, scores[live], o.final_nms)]
                    corners = self._dsnt(full, boxes[live], timing)
                scores = scores[live]
                corners = corners[:len(live)]
        elif self.mode == "rpn_box":
            corners = np.stack([box_ops.box_corners(b) for b in boxes]) if len(boxes) else corners
        return scores, corners, roi_scores

    def _rcnn_once(self, full, boxes: np.ndarray, timing: dict, scored: dict,
                   rpn_corners: np.ndarray | None = None):
        """_rcnn of RoIs boxes [R, 4], those already in scored (box bytes -> (score,
        corners), filled here) not run again: a pass up the pyramid merges most of the
        last merge's RoIs again, and the crowd rule all of them. rpn_corners [R, 4, 2]:
        a RoI whose RPN corners are turned (_frames) is cut level round them."""
        keys = [b.tobytes() for b in np.asarray(boxes, np.float32)]
        new = [i for i, k in enumerate(keys) if k not in scored]
        if new:
            crop = boxes[new]
            # (an RPN without a corner head gives zeros: level, so no frames)
            frames = None if rpn_corners is None else self._frames(rpn_corners[new])
            if frames is not None:
                turned = frames[1] != 0
                crop = np.where(turned[:, None], self._around(rpn_corners[new], frames=frames),
                                crop)
            probs, quads = self._rcnn(full, crop, timing, frames)
            scored.update((keys[i], (p, q)) for i, p, q in zip(new, probs, quads))
        return (np.array([scored[k][0] for k in keys], np.float32),
                np.stack([scored[k][1] for k in keys]).astype(np.float32))

    def _rcnn(self, full, boxes: np.ndarray, timing: dict, frames=None):
        """R-CNN scores [R] and corners [R, 4, 2] (original px) of RoIs boxes [R, 4] (in
        frames when given: _frames)."""
        t = time.perf_counter()
        levels, scale = full
        crop_box = crop_ops.crop_boxes(_padded(boxes * scale))
        probs, quads = (np.asarray(a)[:len(boxes)] for a in self._rcnn_fn(
            _cut(levels, crop_box, crop_ops.CROP_HW, self._rcnn_fn.rows(len(boxes), ROI_BUCKETS),
                 _scaled(frames, scale))))
        quads = _unframed(crop_ops.decode_corners(quads, crop_box[:len(boxes)]), frames, scale)
        timing["rcnn"] += (time.perf_counter() - t) * 1e3     # after the device finished
        return probs, quads / scale

    def _dsnt(self, full, boxes: np.ndarray, timing: dict, frames=None) -> np.ndarray:
        """DSNT corners [R, 4, 2] (original px) of RoIs boxes [R, 4] (in frames when
        given: _frames)."""
        t = time.perf_counter()
        levels, scale = full
        context = crop_ops.context_crop_boxes(_padded(boxes * scale))
        rows = self._dsnt_fn.rows(len(boxes), ROI_BUCKETS)
        coords = np.asarray(self._dsnt_fn(_cut(levels, context, crop_ops.DSNT_HW, rows,
                                               _scaled(frames, scale)))[0])
        quads = _unframed(crop_ops.from_unit_square(coords[:len(boxes)], context[:len(boxes)]),
                          frames, scale)
        timing["dsnt"] += (time.perf_counter() - t) * 1e3
        return quads / scale

    def _patches(self, full, corners: np.ndarray, timing: dict) -> np.ndarray:
        """Corners [R, 4, 2] (original px) moved by the corner-patch refiner: [R, 4, 2]."""
        t = time.perf_counter()
        levels, scale = full
        n = 4 * len(corners)
        patches = np.asarray(_cut_patches_jit(levels, _padded(corners * scale)))
        k = self._patch_fn.rows(n, ROI_BUCKETS)
        coords = np.asarray(self._patch_fn(patches[:k])[0])[:n].reshape(len(corners), 4, 2)
        out = np.asarray(corner_patches.to_image(coords, corners * scale)) / scale
        timing["patch"] += (time.perf_counter() - t) * 1e3
        return out

    def refine(self, image: np.ndarray, corners: np.ndarray) -> list[Detection]:
        """The re-crop steps alone, from corners found elsewhere (a plate crop's own corners,
        another detector's boxes as quadrilaterals): image uint8 [H, W, 3], corners [N, 4, 2]
        in original px -> a Detection per row, in order (no threshold, no NMS): the corners
        refine_steps re-crops round each plate found (cascade mode; at least one step) and
        the R-CNN's score of them (the rescore rule over the re-crops)."""
        if self.mode != "cascade":
            raise ValueError("refine re-crops with the R-CNN: use mode 'cascade'")
        _check_image(image)
        corners = np.asarray(corners, np.float32)
        if corners.ndim != 3 or corners.shape[1:] != (4, 2):
            raise ValueError(f"corners must be [N, 4, 2], got {corners.shape}")
        if not len(corners):
            return []
        timing = {"rcnn": 0.0, "dsnt": 0.0}
        scores, corners = self._recropped(_bucketed(image), corners, None, timing,
                                          steps=max(1, self.options.refine_steps))
        snapped = self._snapped(corners)
        return [Detection(c, b, float(s), None if snapped is corners else raw)
                for c, b, s, raw in zip(snapped, box_ops.corner_bounds(snapped), scores,
                                        corners)]

    def _refine(self, full, dets: list[Detection], timing: dict,
                threshold: float) -> list[Detection]:
        """Each detection re-cropped round its corners (_recropped); then the corner-patch
        refiner, patch_steps times. Those scoring threshold or more are returned."""
        o = self.options
        scores, corners = self._recropped(full, np.stack([d.corners for d in dets]),
                                          np.array([d.score for d in dets], np.float32), timing)
        if self._patch_fn is not None:
            # only what will be returned, and high enough for the patches
            live = np.flatnonzero((scores >= threshold) & (
                np.asarray(corner_patches.heights(corners)) >= o.patch_min_height_px))
            for _ in range(o.patch_steps if len(live) else 0):
                corners[live] = self._patches(full, corners[live], timing)
        snapped = self._snapped(corners)
        return self._final(scores, snapped, threshold,
                           None if snapped is corners else corners)

    def _snapped(self, corners: np.ndarray) -> np.ndarray:
        """Re-cropped plates' corners [R, 4, 2] with the near-parallelograms snapped
        (parallelogram_below); the same array when that is off."""
        below = self.options.parallelogram_below
        return rectify.snap_to_parallelograms(corners, below) if below > 0 else corners

    def _recropped(self, full, corners: np.ndarray, scores: np.ndarray | None, timing: dict,
                   steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Plates with corners [R, 4, 2] (original px) re-cropped round their corners (their
        bounds as the RoI), steps (default refine_steps) times: the R-CNN rescores each and
        regresses its corners from a crop that holds the whole plate, and the DSNT localiser
        refines them from a context crop centred on them -> (scores [R] by the rescore rule
        over the given scores, if any, and the re-crops', corners [R, 4, 2])."""
        o = self.options
        steps = o.refine_steps if steps is None else steps
        history = [] if scores is None else [scores]
        for step in range(steps):
            frames = self._frames(corners)
            scores, corners = self._rcnn(full, self._around(corners, frames=frames), timing,
                                         frames)
            history.append(scores)
            if self.dsnt is not None:
                margins = o.dsnt_margins if step == steps - 1 else (o.refine_margin,)
                frames = self._frames(corners)
                views = np.concatenate([self._around(corners, m, frames) for m in margins])
                tiled = None if frames is None else tuple(np.concatenate([f] * len(margins))
                                                          for f in frames)
                corners = self._dsnt(full, views, timing, tiled).reshape(
                    len(margins), len(corners), 4, 2).mean(0)
        rule = self.options.rescore
        scores = {"last": history[-1], "max": np.max(history, 0),
                  "mean": np.mean(history, 0)}[rule]
        return scores, corners

    def _frames(self, corners: np.ndarray):
        """The frames plates with corners [R, 4, 2] (original px) are re-cropped in: None
        when every plate is within level_above_deg of level (the photo's own frame), else
        (centres [R, 2], angles [R] radians): a turned plate's centre and the angle of its
        top and bottom edges, the photo's frame (0, 0) for the others. Past 60 degrees the
        corners are taken for a wrong answer, not a turned plate."""
        c = np.asarray(corners, np.float32)
        edge = (c[:, 1] - c[:, 0]) + (c[:, 2] - c[:, 3])
        angles = np.arctan2(edge[:, 1], edge[:, 0])
        turn = ((np.abs(angles) > np.deg2rad(self.options.level_above_deg))
                & (np.abs(angles) < np.deg2rad(60.0)))
        if not turn.any():
            return None
        return (np.where(turn[:, None], c.mean(1), 0.0).astype(np.float32),
                np.where(turn, angles, 0.0).astype(np.float32))

    def _around(self, corners: np.ndarray, margin: float | None = None,
                frames=None) -> np.ndarray:
        """RoIs [R, 4] round plates with corners [R, 4, 2]: their bounds (in frames when
        given) grown by margin (default refine_margin) per side, so a plate cut short by its
        last crop reaches into the next."""
        b = box_ops.corner_bounds(corners if frames is None else
                                  crop_ops.to_frame(np.asarray(corners, np.float32), *frames))
        return box_ops.grown(b, self.options.refine_margin if margin is None else margin)

    def _final(self, scores, corners, threshold: float | None = None,
               localised: np.ndarray | None = None) -> list[Detection]:
        """final_detections with these options (threshold default: score_threshold)."""
        o = self.options
        return final_detections(scores, corners,
                                o.score_threshold if threshold is None else threshold,
                                o.min_width_px, o.final_nms, localised)


def _check_image(image: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 [H, W, 3], got {image.dtype} {image.shape}")


def final_detections(scores: np.ndarray, corners: np.ndarray, threshold: float,
                     min_width_px: float, nms_iou: float,
                     localised: np.ndarray | None = None) -> list[Detection]:
    """Detections best first from scores [N] and corners [N, 4, 2] (original px): those
    scoring threshold or more and at least min_width_px wide, after NMS on their corners'
    bounds. localised: the localiser's corners [N, 4, 2] where `corners` were snapped
    (Detection.localised). The cascade's and the Faster R-CNN baselines' last step."""
    if not len(scores):
        return []
    corners = np.asarray(corners, np.float32)
    bounds = box_ops.corner_bounds(corners)
    ok = (scores >= threshold) & (bounds[:, 2] - bounds[:, 0] >= min_width_px)
    scores, corners, bounds = scores[ok], corners[ok], bounds[ok]
    localised = None if localised is None else np.asarray(localised, np.float32)[ok]
    if not len(scores):
        return []
    keep = box_ops.nms(bounds, scores, nms_iou)
    return [Detection(corners[i], bounds[i], float(scores[i]),
                      None if localised is None else localised[i]) for i in keep]


def top_anchor_boxes(objectness, deltas, anchors, k: int):
    """An RPN's k best anchors (inside jit): objectness logits [N], deltas [N, 4] and
    anchors [N, 4] -> (scores [k] float32 sigmoid, their indices [k], decoded boxes [k, 4])."""
    scores, idx = top_anchors(objectness, k)
    return scores, idx, box_ops.decode(deltas[idx], anchors[idx])


def _padded(boxes: np.ndarray) -> np.ndarray:
    """boxes [R, 4] (or corners [R, 4, 2]) padded to a CUT_BUCKETS size (repeating the
    first row), so the crop function compiles few shapes."""
    n = next((b for b in CUT_BUCKETS if b >= len(boxes)), len(boxes))
    out = np.repeat(np.asarray(boxes, np.float32)[:1], n, 0)
    out[:len(boxes)] = boxes
    return out


def _cut(levels, boxes: np.ndarray, out_hw, rows: int, frames=None):
    """The first `rows` of the boxes' crops float32 [rows, *out_hw, 3] (crop_ops.cut of the
    photo's pyramid levels, boxes [R, 4] padded to CUT_BUCKETS, in frames (centres, angles)
    padded alike when given; rows: NetRunner.rows of the boxes' count)."""
    if frames is None:      # the photo's own frame, as crop_thetas takes None: one program
        frames = (np.zeros((len(boxes), 2), np.float32), np.zeros(len(boxes), np.float32))
    return np.asarray(_cut_jit(levels, boxes, out_hw, frames))[:rows]   # numpy slicing: no dispatch


@functools.partial(jax.jit, static_argnums=2)
def _cut_jit(levels, boxes, out_hw, frames):
    return crop_ops.cut(levels, boxes, out_hw, frames)


def _scaled(frames, scale: float):
    """Frames (centres [R, 2] original px, angles [R]) -> in the crop levels' px, padded
    like the boxes (_padded); None stays None."""
    if frames is None:
        return None
    return _padded(frames[0] * scale), _padded(frames[1])


def _unframed(quads: np.ndarray, frames, scale: float) -> np.ndarray:
    """Corners [R, 4, 2] in the frames' coordinates (crop levels' px) -> the photo's
    (crop levels' px); unchanged without frames."""
    if frames is None:
        return quads
    return crop_ops.from_frame(np.asarray(quads, np.float32), frames[0] * scale, frames[1])


@jax.jit
def _cut_patches_jit(levels, corners):
    return corner_patches.cut(levels, corners)


@jax.jit
def _pyramid(image):
    """image uint8 [H, W, 3] -> mean_pyramid levels of it as float32 in [0, 1]: the conversion
    runs here, fused with the first level, rather than on the host (a large photo's float
    copy cost more than its pyramid, and 4x the bytes to move)."""
    return crop_ops.mean_pyramid(image.astype(jnp.float32) / 255.0)


def _shrunk(image: np.ndarray) -> tuple[np.ndarray, float]:
    """(the photo shrunk to at most MAX_SIDE px across, the scale applied; the photo itself
    and 1.0 when it is that small)."""
    h, w = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
    return image, scale


def _bucketed(image: np.ndarray, shrunk=None) -> tuple[list, float]:
    """The original photo, shrunk to at most MAX_SIDE px (shrunk: _shrunk(image) made
    already) and padded with the crop pad value (128) to a multiple of IMAGE_BUCKET (padding
    never changes a crop: outside the photo the sampler reads the same value). Returns (its
    mean_pyramid levels, float32 in [0, 1], as device arrays, built once for every R-CNN and
    DSNT call on the photo, scale applied)."""
    image, scale = shrunk if shrunk is not None else _shrunk(image)
    h, w = image.shape[:2]
    hb, wb = (-(-h // IMAGE_BUCKET) * IMAGE_BUCKET, -(-w // IMAGE_BUCKET) * IMAGE_BUCKET)
    out = np.full((hb, wb, 3), PAD_BYTE, np.uint8)
    out[:h, :w] = image
    return _pyramid(jax.device_put(out)), scale    # device_put: no program per bucket
