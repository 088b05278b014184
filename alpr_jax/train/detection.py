"""The detector families' tasks for the shared loop: "rpn" (on the letterboxed scene), "rcnn"
(on 1:2.5 crops of proposals cut from the original scene, trained with the RPN fixed:
simulated proposals, plus the fixed RPN's own when they are mined, see data.proposals),
"dsnt" (the DSNT localiser on context crops of positive proposals), "dsnt_image" (the
DSNT localiser on the whole letterboxed scene, one plate each) and "corner_patch" (the
corner-patch refiner on patches round perturbed corners of the plates).

config.model: the model's fields (RPN: width, corner_head; RCNN: width, dropout;
DSNTLocalizer: depth, width). config.data: configs.common.detection_data's fields;
train_dirs entries may name a half ("DIR:a"), train_weights give each entry's share of the
examples (empty: every photo alike), mined_files the fixed RPN's proposals mined on each
(scripts/mine_proposals.py; "" for none).
config.eval_dirs / eval_split: datasets evaluated every eval_every steps; eval_rpn /
eval_rcnn: the cascade's other stages in those evaluations ("": the shipped ones).
"""
from __future__ import annotations

import dataclasses
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax.data import input_pipeline, mined_proposals
from alpr_jax.data.annotations import read_annotations, read_split, split_records
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.geometry import corner_patches
from alpr_jax.geometry import crops as crop_ops
from alpr_jax.models.detector import RCNN, RPN
from alpr_jax.train import losses
from alpr_jax.train.task import check_grayscale_share, grayscale_rows

RPN_SPEC = {"image": ("uint8", "B,h,w,3"), "anchor_labels": ("int32", "B,A"),
            "anchor_deltas": ("float32", "B,A,4"), "anchor_corners": ("float32", "B,A,4,2")}
PROPOSAL_TASKS = ("rcnn", "dsnt", "faster_rcnn", "corner_patch")     # trained on data.proposals' RoIs
PROPOSAL_SPEC = {"full_image": ("uint8", "B,H,W,3"), "proposals": ("float32", "B,K,4"),
                 "proposal_labels": ("int32", "B,K"), "proposal_corners": ("float32", "B,K,4,2")}


class _DetectionTask:
    name = ""
    batch_spec: dict[str, tuple[str, str]] = {}

    def __init__(self, config):
        self.config = config
        d = config.data
        scene = dataclasses.replace(input_pipeline.DetectionInputConfig().scene,
                                    height=int(d.scene_hw[0]), width=int(d.scene_hw[1]))
        self.input_cfg = input_pipeline.DetectionInputConfig(
            batch_size=d.batch_size, input_hw=tuple(d.input_hw), scene=scene,
            rcnn_proposals=d.rcnn_proposals if self.name in PROPOSAL_TASKS else 0,
            rcnn_positive_fraction=d.rcnn_positive_fraction, mined_fraction=d.mined_fraction,
            recrop_fraction=d.get("recrop_fraction", 0.0),
            rpn_zoom=tuple(d.rpn_zoom) if self.name == "rpn" else (1.0, 1.0),
            rpn_band_px=tuple(d.rpn_band_px), p_photometric=d.get("p_photometric", 0.0),
            p_caption=d.get("p_caption", 0.0))
        self._grayscale = check_grayscale_share(config)
        self._backgrounds = None
        self._evaluators = None        # built on the first evaluate(), then reused
        self.dtype = jnp.dtype(config.get("compute_dtype", "float32"))

    def backgrounds(self):
        if self._backgrounds is None:
            d = self.config.data
            records = [r for p in d.background_dirs for r in read_annotations(p)]
            self._backgrounds = tuple(r for r in split_records(records, d.background_split)
                                      if not r.is_crop)
        return self._backgrounds

    def train_records(self):
        """Labelled photos from data.train_dirs (written synthetic scenes, CCPD) and each
        one's draw probability (None: every photo alike); empty means scenes are generated
        on the fly."""
        d = self.config.data
        records, per_dir = [], []
        if d.mined_files and len(d.mined_files) != len(d.train_dirs):
            raise ValueError(f"data.mined_files names {len(d.mined_files)} files for "
                             f"{len(d.train_dirs)} data.train_dirs entries: one each ('' for none)")
        for spec in d.train_dirs:
            found = tuple(r for r in read_split(spec) if not r.is_crop and r.plates is not None)
            if not found:
                raise ValueError(f"data.train_dirs entry {spec} holds no labelled scenes")
            mined = d.mined_files[len(per_dir)] if d.mined_files else ""
            if mined and self.name in PROPOSAL_TASKS:
                found = mined_proposals.attach(found, spec.partition(":")[0], mined)
            records.extend(found)
            per_dir.append(len(found))
        weights = tuple(d.get("train_weights", ()))
        if not weights:
            return tuple(records), None
        if len(weights) != len(per_dir) or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError(f"data.train_weights {list(weights)}: expected one non-negative "
                             f"weight per data.train_dirs entry ({len(per_dir)})")
        probs = np.concatenate([np.full(n, w / n) for w, n in zip(weights, per_dir)])
        return tuple(records), probs / probs.sum()

    def batches(self, start_step: int, num_steps: int, example_range=None):
        records, probs = self.train_records()
        stream = input_pipeline.batches("detection", self.config.seed, self.input_cfg,
                                        start_step, num_steps, workers=self.config.data.workers,
                                        real_backgrounds=() if records else self.backgrounds(),
                                        records=records, record_probs=probs,
                                        example_range=example_range)
        key = "full_image" if "full_image" in self.batch_spec else "image"
        lo = (example_range or (0, 0))[0]
        for step, batch in zip(range(start_step, start_step + num_steps), stream):
            yield grayscale_rows({k: batch[k] for k in self.batch_spec}, key, self._grayscale,
                                 self.config.seed, step, lo)

    def _apply(self, params, batch_stats, x, rng, *inputs):
        variables = {"params": params}
        if batch_stats:
            variables["batch_stats"] = batch_stats
        out, updates = self.model.apply(variables, x, *inputs, train=True,
                                        rngs={"dropout": rng}, mutable=["batch_stats"])
        return out, updates.get("batch_stats", batch_stats)

    def _cascade_metrics(self, variables, build, keys, plate_free: bool = True) -> dict:
        """evaluate_detector on every eval_dirs entry for each detector that build() makes
        ({label: PlateDetector}, built once per run); `variables` go to each through its
        set_variables. Returns {"eval/<dir>/<label>/<key>": value}."""
        from alpr_jax.evaluate.detection import evaluate_detector
        if self._evaluators is None:
            self._evaluators = build()
        out = {}
        for label, det in self._evaluators.items():
            det.set_variables(**{self.name: variables})
            for path in self.config.eval_dirs:
                r = evaluate_detector(det, path, self.config.eval_split, plate_free=plate_free)
                name = path.rstrip("/").split("/")[-1]
                out.update({f"eval/{name}/{label}/{k}": r[k] for k in keys})
        return out

    def _shipped_or(self, key: str, task: str):
        """(config, variables) of the cascade stage config[key] names ("": shipped), or
        None when that file is missing (e.g. still training)."""
        from alpr_jax import weights
        path = self.config.get(key) or weights.shipped(task)
        if not os.path.isfile(path):
            print(f"{self.name} eval skipped: {key} {path} not found", file=sys.stderr)
            return None
        variables, meta = weights.load_npz(path)
        return meta["model"], variables

    def export_meta(self) -> dict:
        return {"task": self.name, "model": dict(self.config.model),
                "input_hw": list(self.config.data.input_hw)}


class RPNTask(_DetectionTask):
    name = "rpn"
    batch_spec = RPN_SPEC

    def __init__(self, config):
        super().__init__(config)
        self.model = RPN(**config.model)
        self.teacher = None
        teacher_path = config.get("distill", {}).get("teacher", "")
        if teacher_path:
            # a trained RPN whose outputs on every anchor the model also learns
            # (losses.rpn_distill_loss): its anchors must be the model's
            from alpr_jax import weights
            variables, meta = weights.load_npz(teacher_path)
            teacher = RPN(**meta["model"])
            if teacher.num_anchors != self.model.num_anchors:
                raise ValueError(f"distill.teacher {teacher_path} has {teacher.num_anchors} "
                                 f"anchors a cell, the model {self.model.num_anchors}")
            if bool(meta["model"].get("corner_head")) != bool(config.model.corner_head):
                raise ValueError(f"distill.teacher {teacher_path}: corner_head "
                                 f"{meta['model'].get('corner_head')} differs from the model's")
            self.teacher = (teacher, jax.tree_util.tree_map(jnp.asarray, variables))

    def init_variables(self, rng):
        h, w = self.config.data.input_hw
        return self.model.init({"params": rng}, jnp.zeros((1, h, w, 3), jnp.float32), train=False)

    def loss(self, params, batch_stats, batch, rng):
        x = (batch["image"].astype(jnp.float32) / 255.0).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, x, rng)
        loss, metrics = losses.rpn_loss(out, batch, self.config.loss.corner_weight)
        if self.teacher is not None:
            model, variables = self.teacher
            taught = jax.lax.stop_gradient(model.apply(variables, x, train=False))
            distill, distill_metrics = losses.rpn_distill_loss(out, taught)
            loss = loss + self.config.distill.weight * distill
            metrics = {**metrics, **distill_metrics, "loss": loss}
        return loss, (metrics, stats)

    def evaluate(self, variables) -> dict:
        """The RPN alone (mode rpn_box; rpn_corner too with a corner head) on eval_dirs, one
        scale (the model as trained: no zoom pass). The RPN alone answers every photo with
        its top boxes, so there is no plate-free check."""
        from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector

        def build():
            modes = ["rpn_box"] + (["rpn_corner"] if self.config.model.corner_head else [])
            return {mode: PlateDetector(dict(self.config.model), variables, mode=mode,
                                        options=DetectorOptions(zoom="off")) for mode in modes}

        return self._cascade_metrics(variables, build, ("ap_50", "ap_70", "ap_mean",
                                                        "corner_error_px"), plate_free=False)


class RCNNTask(_DetectionTask):
    name = "rcnn"
    batch_spec = PROPOSAL_SPEC

    def __init__(self, config):
        super().__init__(config)
        self.model = RCNN(**config.model)

    def init_variables(self, rng):
        x = jnp.zeros((1, *crop_ops.CROP_HW, 3), jnp.float32)
        return self.model.init({"params": rng}, x, train=False)

    def loss(self, params, batch_stats, batch, rng):
        images = batch["full_image"].astype(jnp.float32) / 255.0          # [B, H, W, 3]
        boxes = crop_ops.crop_boxes(batch["proposals"])                   # [B, K, 4]
        crops = jax.vmap(crop_ops.cut)(images, boxes)                     # [B, K, *CROP_HW, 3]
        crops = crops.reshape((-1,) + crops.shape[2:]).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, crops, rng)
        labels = batch["proposal_labels"].reshape(-1)
        targets = batch["proposal_corners"].reshape(-1, 4, 2)
        loss, metrics = losses.rcnn_loss(out, labels, targets, self.config.loss.corner_weight)
        return loss, (metrics, stats)

    def evaluate(self, variables) -> dict:
        """The full cascade (R-CNN corners) with the RPN in config.eval_rpn, one scale (no
        zoom pass: the models as trained, and quick)."""
        from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
        rpn = self._shipped_or("eval_rpn", "rpn")
        if rpn is None:
            return {}

        def build():
            return {"cascade": PlateDetector(*rpn, dict(self.config.model), variables,
                                             options=DetectorOptions(zoom="off"))}

        return self._cascade_metrics(variables, build, (
            "ap_50", "ap_70", "ap_mean", "corner_error_px", "plate_free_clean"))


def check_detection_config(config) -> None:
    h, w = config.data.input_hw
    if h % 8 or w % 8:
        raise ValueError(f"data.input_hw {tuple(config.data.input_hw)} must be multiples of 8")
    if config.task in PROPOSAL_TASKS and config.data.rcnn_proposals <= 0:
        raise ValueError(f"data.rcnn_proposals must be positive for the {config.task} task")


class FasterRCNNTask(_DetectionTask):
    """Faster R-CNN (Table 5's baselines, models.faster_rcnn): its RPN on the letterboxed
    scene's anchors (at the model's stride: the input pipeline's grid follows model.stride) and its box head on RoIAlign bins of the same
    features, trained together (one loss, the sum). The head's RoIs are the proposals of
    data.proposals (simulated round the plates, plus the mined ones where given), as the
    cascade's R-CNN is trained; each positive's target is its plate's box."""
    name = "faster_rcnn"
    batch_spec = {"image": ("uint8", "B,h,w,3"), "scale": ("float32", "B"),
                  "anchor_labels": ("int32", "B,A"), "anchor_deltas": ("float32", "B,A,4"),
                  "proposals": ("float32", "B,K,4"), "proposal_labels": ("int32", "B,K"),
                  "proposal_corners": ("float32", "B,K,4,2")}

    def __init__(self, config):
        super().__init__(config)
        from alpr_jax.models.faster_rcnn import FasterRCNN
        self.model = FasterRCNN(**config.model)
        # the anchors' grid is the feature map's
        self.input_cfg = dataclasses.replace(self.input_cfg, feature_stride=self.model.stride)
        if tuple(self.input_cfg.rpn_zoom) != (1.0, 1.0):
            raise ValueError("faster_rcnn trains on the letterboxed scene: data.rpn_zoom "
                             "must be (1, 1)")

    def init_variables(self, rng):
        h, w = self.config.data.input_hw
        return self.model.init({"params": rng}, jnp.zeros((1, h, w, 3), jnp.float32),
                               jnp.zeros((1, 1, 4), jnp.float32), train=False)

    def loss(self, params, batch_stats, batch, rng):
        from alpr_jax.models.faster_rcnn import ROI_DELTA_STD
        x = (batch["image"].astype(jnp.float32) / 255.0).astype(self.dtype)
        scale = batch["scale"][:, None, None]                            # original -> input px
        rois = batch["proposals"] * scale                                # [B, K, 4]
        plates = crop_ops.decode_corners(batch["proposal_corners"],
                                         crop_ops.crop_boxes(batch["proposals"]))
        targets = box_ops.encode(box_ops.corner_bounds(plates * scale[..., None]), rois)
        out, stats = self._apply(params, batch_stats, x, rng, rois)
        rpn, rpn_metrics = losses.rpn_loss(out, batch)
        labels = batch["proposal_labels"].reshape(-1)
        head, head_metrics = losses.box_head_loss(
            out["roi_logits"].reshape(-1, 2), labels, out["roi_deltas"].reshape(-1, 4),
            (targets / ROI_DELTA_STD).reshape(-1, 4))
        loss = rpn + head
        return loss, ({**rpn_metrics, **head_metrics, "loss": loss}, stats)

    def evaluate(self, variables) -> dict:
        """The whole Faster R-CNN (pipeline.faster_rcnn) on eval_dirs."""
        from alpr_jax.pipeline.faster_rcnn import FasterRCNNDetector

        def build():
            return {"faster_rcnn": FasterRCNNDetector(dict(self.config.model), variables,
                                                      tuple(self.config.data.input_hw))}

        return self._cascade_metrics(variables, build, ("ap_50", "ap_70", "ap_mean", "found"),
                                     plate_free=False)


class DSNTTask(_DetectionTask):
    """The DSNT corner localiser in refinement mode: a context crop (geometry.crops
    .context_boxes of the 1:2.5 crop box) of each positive proposal, 64x160, four heatmaps,
    Euclidean + js_weight x Jensen-Shannon loss (loss.js_weight 0: the "no JS" ablation)."""
    name = "dsnt"
    batch_spec = PROPOSAL_SPEC

    def __init__(self, config):
        super().__init__(config)
        from alpr_jax.models.dsnt_localizer import DSNTLocalizer
        self.model = DSNTLocalizer(**config.model)

    def init_variables(self, rng):
        x = jnp.zeros((1, *crop_ops.DSNT_HW, 3), jnp.float32)
        return self.model.init({"params": rng}, x, train=False)

    def loss(self, params, batch_stats, batch, rng):
        images = batch["full_image"].astype(jnp.float32) / 255.0
        crops, boxes = jax.vmap(crop_ops.context_crops)(images, batch["proposals"])
        crops = crops.reshape((-1,) + crops.shape[2:]).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, crops, rng)
        # targets: corners coded by the 1:2.5 crop box -> [-1, 1] over the context box
        corners = crop_ops.decode_corners(batch["proposal_corners"],
                                          crop_ops.crop_boxes(batch["proposals"]))
        target = crop_ops.to_unit_square(corners, boxes).reshape(-1, 4, 2)
        positive = batch["proposal_labels"].reshape(-1) == 1
        per_corner, metrics = losses.dsnt_loss(out["heatmap_logits"], target,
                                               self.config.loss.js_weight, reduce=False)
        loss = losses.masked_mean(per_corner.mean(-1), positive)
        metrics = {k: losses.masked_mean(v.mean(-1), positive) for k, v in metrics.items()}
        return loss, (dict(metrics, loss=loss), stats)

    def evaluate(self, variables) -> dict:
        """The cascade of config.eval_rpn / eval_rcnn with these DSNT corners, one scale."""
        from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
        rpn, rcnn = self._shipped_or("eval_rpn", "rpn"), self._shipped_or("eval_rcnn", "rcnn")
        if rpn is None or rcnn is None:
            return {}

        def build():
            return {"dsnt": PlateDetector(*rpn, *rcnn, options=DetectorOptions(zoom="off"),
                                          dsnt_config=dict(self.config.model),
                                          dsnt_variables=variables)}

        return self._cascade_metrics(variables, build, (
            "ap_80", "ap_90", "corner_error_px", "corner_error_p90_px"), plate_free=False)


class CornerPatchTask(_DetectionTask):
    """The corner-patch refiner (models.corner_refiner): each positive proposal's plate, its
    true corners moved by noise like a corner source's error (a per-plate shift and
    per-corner offsets, both loss.noise x the plate's height, loss.noise drawn log-uniformly
    per plate), the four patches round the moved corners (geometry.corner_patches, cut
    from the photo's 2x2-mean levels), Euclidean + js_weight x Jensen-Shannon loss to where
    the true corner lies in each patch. Corners moved out of their patch, and plates under
    loss.min_height_px high, are left out."""
    name = "corner_patch"
    batch_spec = PROPOSAL_SPEC

    def __init__(self, config):
        super().__init__(config)
        from alpr_jax.models.corner_refiner import CornerRefiner
        self.model = CornerRefiner(**config.model)
        lo, hi = config.loss.noise
        if not 0 < lo <= hi:
            raise ValueError(f"loss.noise must be (low, high) with 0 < low <= high, got "
                             f"{tuple(config.loss.noise)}")

    def init_variables(self, rng):
        x = jnp.zeros((1, *corner_patches.PATCH_HW, 3), jnp.float32)
        return self.model.init({"params": rng}, x, train=False)

    def loss(self, params, batch_stats, batch, rng):
        images = batch["full_image"].astype(jnp.float32) / 255.0                # [B, H, W, 3]
        true = crop_ops.decode_corners(batch["proposal_corners"],
                                       crop_ops.crop_boxes(batch["proposals"]))  # [B, K, 4, 2]
        moved = self._perturbed(jax.random.fold_in(rng, 1), true)
        levels = jax.vmap(crop_ops.mean_pyramid)(images)
        crops = jax.vmap(corner_patches.cut)(levels, moved)                   # [B, K*4, ...]
        crops = crops.reshape((-1,) + crops.shape[2:]).astype(self.dtype)    # [B*K*4, ...]
        out, stats = self._apply(params, batch_stats, crops, rng)
        target = corner_patches.to_patch(true, moved).reshape(-1, 1, 2)
        # plates under loss.min_height_px are left out: their patches span a few photo px,
        # where a 1 px error is a third of the patch and would outweigh the large plates
        plates = ((batch["proposal_labels"] == 1)
                  & (corner_patches.heights(true) >= self.config.loss.min_height_px))
        valid = (plates[..., None].repeat(4, -1).reshape(-1)
                 & jnp.all(jnp.abs(target) < 0.95, (-2, -1)))
        per_corner, metrics = losses.dsnt_loss(out["heatmap_logits"], target,
                                               self.config.loss.js_weight, reduce=False)
        loss = losses.masked_mean(per_corner.mean(-1), valid)
        metrics = {k: losses.masked_mean(v.mean(-1), valid) for k, v in metrics.items()}
        return loss, (dict(metrics, loss=loss, valid=valid.mean()), stats)

    def _perturbed(self, rng, corners):
        """corners [B, K, 4, 2] moved as a corner source errs (see the class docstring)."""
        lo, hi = self.config.loss.noise
        k_scale, k_shift, k_corner = jax.random.split(rng, 3)
        shape = corners.shape[:2]
        scale = jnp.exp(jax.random.uniform(k_scale, shape, minval=jnp.log(lo),
                                           maxval=jnp.log(hi)))
        sigma = (scale * corner_patches.heights(corners))[..., None, None]
        shift = jax.random.normal(k_shift, shape + (1, 2)) * sigma
        return corners + shift + jax.random.normal(k_corner, corners.shape) * sigma

    def evaluate(self, variables) -> dict:
        """The shipped cascade (or eval_rpn / eval_rcnn / eval_dsnt) with these corner
        patches after its re-crops' DSNT corners."""
        from alpr_jax.pipeline.detector import PlateDetector
        rpn, rcnn = self._shipped_or("eval_rpn", "rpn"), self._shipped_or("eval_rcnn", "rcnn")
        dsnt = self._shipped_or("eval_dsnt", "dsnt")
        if rpn is None or rcnn is None or dsnt is None:
            return {}

        def build():
            return {"patches": PlateDetector(*rpn, *rcnn, dsnt_config=dsnt[0],
                                             dsnt_variables=dsnt[1],
                                             patch_config=dict(self.config.model),
                                             patch_variables=variables)}

        return self._cascade_metrics(variables, build, (
            "ap_80", "ap_90", "corner_error_px", "corner_error_p90_px"), plate_free=False)


class DSNTImageTask(_DetectionTask):
    """The DSNT localiser in whole-image single-plate mode (the second seed paper): the scene
    letterboxed into data.input_hw (640x480), four heatmaps at 1/8, Euclidean + js_weight x
    Jensen-Shannon loss. Trains on scenes with exactly one plate: generated ones have one,
    written ones (data.train_dirs) with another count are left out."""
    name = "dsnt_image"
    batch_spec = {"image": ("uint8", "B,h,w,3"), "scale": ("float32", "B"),
                  "corners": ("float32", "B,P,4,2"), "plate_mask": ("bool", "B,P")}

    def __init__(self, config):
        super().__init__(config)
        from alpr_jax.models.dsnt_localizer import DSNTLocalizer
        self.model = DSNTLocalizer(**config.model)
        scene = dataclasses.replace(self.input_cfg.scene, max_plates=1, p_no_plate=0.0)
        self.input_cfg = dataclasses.replace(self.input_cfg, scene=scene)
        self._localizer = None

    def train_records(self):
        records, probs = super().train_records()
        one = np.array([len(r.plates) == 1 for r in records], bool)
        if self.config.data.train_dirs and not one.any():
            raise ValueError(f"data.train_dirs {list(self.config.data.train_dirs)} hold no "
                             f"scene with exactly one plate")
        records = tuple(r for r, keep in zip(records, one) if keep)
        return records, None if probs is None else probs[one] / probs[one].sum()

    init_variables = RPNTask.init_variables      # the same input: the letterboxed scene

    def loss(self, params, batch_stats, batch, rng):
        x = (batch["image"].astype(jnp.float32) / 255.0).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, x, rng)
        boxes = crop_ops.input_box(tuple(self.config.data.input_hw), batch["scale"])  # [B, 4]
        target = crop_ops.to_unit_square(batch["corners"][:, 0], boxes)              # [B, 4, 2]
        one_plate = batch["plate_mask"].sum(-1) == 1
        per_corner, metrics = losses.dsnt_loss(out["heatmap_logits"], target,
                                               self.config.loss.js_weight, reduce=False)
        loss = losses.masked_mean(per_corner.mean(-1), one_plate)
        metrics = {k: losses.masked_mean(v.mean(-1), one_plate) for k, v in metrics.items()}
        return loss, (dict(metrics, loss=loss), stats)

    def evaluate(self, variables) -> dict:
        """Corner error of the one plate in each photo of eval_dirs."""
        from alpr_jax.evaluate.single_plate import evaluate_localizer
        from alpr_jax.pipeline.single_plate import SinglePlateLocalizer
        if self._localizer is None:
            self._localizer = SinglePlateLocalizer(dict(self.config.model), variables,
                                                   tuple(self.config.data.input_hw))
        self._localizer.set_variables(variables)
        out = {}
        for path in self.config.eval_dirs:
            r = evaluate_localizer(self._localizer, path, self.config.eval_split)
            name = path.rstrip("/").split("/")[-1]
            out.update({f"eval/{name}/{k}": r[k] for k in ("corner_error_px",
                                                           "corner_error_p90_px", "ap_80")})
        return out
