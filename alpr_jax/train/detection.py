"""The detector's two training tasks for the shared loop: "rpn" (on the letterboxed scene) and
"rcnn" (on 1:2.5 crops of proposals cut from the original scene, trained with the RPN fixed:
simulated proposals, plus the fixed RPN's own when they are mined, see data.proposals).

config.model: RPN / RCNN fields (width, corner_head / dropout).
config.data: batch_size, input_hw, scene_hw (synthetic scene size), workers, train_dirs
(labelled photos to train on instead of generating scenes: `alpr synth --kind scenes` output,
or CCPD itself), mined_proposals (R-CNN: draw part of the proposals from the fixed RPN's,
mined into each train_dir by alpr_jax.train.mine_proposals; mined_fraction of them),
background_dirs (real photos whose labelled plates stay in the scene), background_split,
rcnn_proposals (per image), loss weights.
config.eval_dirs / eval_split / eval_rpn_weights: datasets evaluated every eval_every steps.
"""
from __future__ import annotations

import dataclasses
import os
import sys

import jax
import jax.numpy as jnp

from alpr_jax.data import pipelines
from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.geometry import crops as crop_ops
from alpr_jax.models.detector import RCNN, RPN
from alpr_jax.train import losses, mine_proposals

RPN_KEYS = ("image", "anchor_labels", "anchor_deltas", "anchor_corners")
RCNN_KEYS = ("full_image", "proposals", "proposal_labels", "proposal_corners")


class _DetectionTask:
    name = ""
    keys: tuple[str, ...] = ()

    def __init__(self, config):
        self.config = config
        d = config.data
        scene = dataclasses.replace(pipelines.DetectionInputConfig().scene,
                                    height=int(d.scene_hw[0]), width=int(d.scene_hw[1]))
        self.input_cfg = pipelines.DetectionInputConfig(
            batch_size=d.batch_size, input_hw=tuple(d.input_hw), scene=scene,
            rcnn_proposals=d.rcnn_proposals if self.name in ("rcnn", "dsnt") else 0,
            rcnn_positive_fraction=d.get("rcnn_positive_fraction",
                                         pipelines.DetectionInputConfig.rcnn_positive_fraction),
            mined_fraction=d.get("mined_fraction", pipelines.DetectionInputConfig.mined_fraction))
        self._backgrounds = None
        self.dtype = jnp.dtype(config.get("compute_dtype", "float32"))

    def backgrounds(self):
        if self._backgrounds is None:
            d = self.config.data
            records = [r for p in d.background_dirs for r in read_annotations(p)]
            self._backgrounds = tuple(r for r in split_records(records, d.background_split)
                                      if not r.is_crop)
        return self._backgrounds

    def train_records(self):
        """Labelled photos from data.train_dirs (written synthetic scenes, CCPD); empty
        means scenes are generated on the fly."""
        d = self.config.data
        records = []
        for path in d.get("train_dirs", []):
            found = tuple(r for r in read_annotations(path) if not r.is_crop and r.plates is not None)
            if d.get("mined_proposals") and self.name in ("rcnn", "dsnt"):
                found = mine_proposals.attach(found, path)
            records.extend(found)
        records = tuple(records)
        if d.get("train_dirs") and not records:
            raise ValueError(f"data.train_dirs {list(d.train_dirs)} hold no labelled scenes")
        return records

    def batches(self, start_step: int, num_steps: int, example_range=None):
        """Numpy batches of self.keys for steps start_step .. start_step + num_steps - 1
        (only rows example_range of each, when given: this host's share)."""
        records = self.train_records()
        stream = pipelines.batches("detection", self.config.seed, self.input_cfg, start_step,
                                   num_steps, workers=self.config.data.workers,
                                   real_backgrounds=() if records else self.backgrounds(),
                                   records=records, example_range=example_range)
        for batch in stream:
            yield {k: batch[k] for k in self.keys}

    def _apply(self, params, batch_stats, x, rng):
        variables = {"params": params}
        if batch_stats:
            variables["batch_stats"] = batch_stats
        out, updates = self.model.apply(variables, x, train=True, rngs={"dropout": rng},
                                        mutable=["batch_stats"])
        return out, updates.get("batch_stats", batch_stats)

    def export_meta(self) -> dict:
        return {"task": self.name, "model": dict(self.config.model),
                "input_hw": list(self.config.data.input_hw)}


class RPNTask(_DetectionTask):
    name = "rpn"
    keys = RPN_KEYS

    def __init__(self, config):
        super().__init__(config)
        self.model = RPN(**config.model)

    def init_variables(self, rng):
        h, w = self.config.data.input_hw
        return self.model.init({"params": rng}, jnp.zeros((1, h, w, 3), jnp.float32), train=False)

    def loss(self, params, batch_stats, batch, rng):
        x = (batch["image"].astype(jnp.float32) / 255.0).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, x, rng)
        loss, metrics = losses.rpn_loss(out, batch, self.config.loss.corner_weight)
        return loss, (metrics, stats)

    def evaluate(self, variables) -> dict:
        """The RPN alone (mode rpn_box; rpn_corner too with a corner head) on eval_dirs, one
        scale (the model as trained: no zoom pass)."""
        from alpr_jax.evaluate.detection import evaluate_detector
        from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
        out = {}
        modes = ["rpn_box"] + (["rpn_corner"] if self.config.model.get("corner_head") else [])
        for mode in modes:
            det = PlateDetector(dict(self.config.model), jax.device_get(variables), mode=mode,
                                options=DetectorOptions(zoom="off"))
            for path in self.config.eval_dirs:
                # the RPN alone answers every photo with its top boxes: no plate-free check
                r = evaluate_detector(det, path, self.config.eval_split, plate_free=False)
                name = path.rstrip("/").split("/")[-1]
                out.update({f"eval/{name}/{mode}/{k}": r[k] for k in ("ap_50", "ap_70", "ap_mean",
                                                                       "corner_error_px")})
        return out


class RCNNTask(_DetectionTask):
    name = "rcnn"
    keys = RCNN_KEYS

    def __init__(self, config):
        super().__init__(config)
        self.model = RCNN(**config.model)

    def init_variables(self, rng):
        x = jnp.zeros((1,) + crop_ops.CROP_HW + (3,), jnp.float32)
        return self.model.init({"params": rng}, x, train=False)

    def loss(self, params, batch_stats, batch, rng):
        images = batch["full_image"].astype(jnp.float32) / 255.0          # [B, H, W, 3]
        boxes = crop_ops.crop_boxes(batch["proposals"])                   # [B, K, 4]
        crops = jax.vmap(crop_ops.cut)(images, boxes)                     # [B, K, 48, 120, 3]
        crops = crops.reshape((-1,) + crops.shape[2:]).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, crops, rng)
        labels = batch["proposal_labels"].reshape(-1)
        targets = batch["proposal_corners"].reshape(-1, 4, 2)
        loss, metrics = losses.rcnn_loss(out, labels, targets, self.config.loss.corner_weight)
        return loss, (metrics, stats)

    def evaluate(self, variables) -> dict:
        """The full cascade with the RPN in config.eval_rpn_weights (skipped when unset), one
        scale (no zoom pass: the models as trained, and quick)."""
        from alpr_jax import weights
        from alpr_jax.evaluate.detection import evaluate_detector
        from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
        path = self.config.get("eval_rpn_weights")
        if not path:
            return {}
        if not os.path.isfile(path):               # e.g. the RPN is still training
            print(f"rcnn eval skipped: {path} not found", file=sys.stderr)
            return {}
        rpn_vars, rpn_meta = weights.load_npz(path)
        det = PlateDetector(rpn_meta["model"], rpn_vars, dict(self.config.model),
                            jax.device_get(variables), mode="cascade",
                            options=DetectorOptions(zoom="off"))
        out = {}
        for path in self.config.eval_dirs:
            r = evaluate_detector(det, path, self.config.eval_split)
            name = path.rstrip("/").split("/")[-1]
            out.update({f"eval/{name}/cascade/{k}": r[k] for k in (
                "ap_50", "ap_70", "ap_mean", "corner_error_px", "plate_free_clean")})
        return out


def check_detection_config(config) -> None:
    h, w = config.data.input_hw
    if h % 8 or w % 8:
        raise ValueError(f"data.input_hw {tuple(config.data.input_hw)} must be multiples of 8")
    if config.task in ("rcnn", "dsnt") and config.data.rcnn_proposals <= 0:
        raise ValueError(f"data.rcnn_proposals must be positive for the {config.task} task")


class DSNTTask(_DetectionTask):
    """The DSNT corner localiser in refinement mode: a context crop (geometry.crops
    .context_boxes of the 1:2.5 crop box) of each positive proposal, 64x160, four heatmaps,
    Euclidean + js_weight x Jensen-Shannon loss (loss.js_weight 0: the "no JS" ablation)."""
    name = "dsnt"
    keys = RCNN_KEYS

    def __init__(self, config):
        super().__init__(config)
        from alpr_jax.models.dsnt_localizer import DSNTLocalizer
        self.model = DSNTLocalizer(**config.model)

    def init_variables(self, rng):
        x = jnp.zeros((1,) + crop_ops.DSNT_HW + (3,), jnp.float32)
        return self.model.init({"params": rng}, x, train=False)

    def loss(self, params, batch_stats, batch, rng):
        from alpr_jax.geometry import dsnt
        images = batch["full_image"].astype(jnp.float32) / 255.0
        crops, boxes = jax.vmap(crop_ops.context_crops)(images, batch["proposals"])
        crops = crops.reshape((-1,) + crops.shape[2:]).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, crops, rng)
        # targets: corners coded by the 1:2.5 crop box -> [-1, 1] over the context box
        corners = crop_ops.decode_corners(batch["proposal_corners"],
                                          crop_ops.crop_boxes(batch["proposals"]))
        target = crop_ops.to_unit_square(corners, boxes).reshape(-1, 4, 2)
        positive = batch["proposal_labels"].reshape(-1) == 1
        logits = out["heatmap_logits"]
        per_corner, metrics = dsnt.dsnt_loss(logits, target, self.config.loss.js_weight,
                                             reduce=False)
        loss = losses.masked_mean(per_corner.mean(-1), positive)
        metrics = {k: losses.masked_mean(v.mean(-1), positive) for k, v in metrics.items()}
        return loss, (dict(metrics, loss=loss), stats)

    def evaluate(self, variables) -> dict:
        return {}


class DSNTImageTask(_DetectionTask):
    """The DSNT localiser in whole-image single-plate mode (the second seed paper): the scene
    letterboxed into data.input_hw (640x480), four heatmaps at 1/8, Euclidean + js_weight x
    Jensen-Shannon loss. Trains on scenes with exactly one plate: generated ones have one,
    written ones (data.train_dirs) with another count are left out."""
    name = "dsnt_image"
    keys = ("image", "scale", "corners", "plate_mask")

    def __init__(self, config):
        super().__init__(config)
        from alpr_jax.models.dsnt_localizer import DSNTLocalizer
        self.model = DSNTLocalizer(**config.model)
        scene = dataclasses.replace(self.input_cfg.scene, max_plates=1, p_no_plate=0.0)
        self.input_cfg = dataclasses.replace(self.input_cfg, scene=scene)

    def train_records(self):
        records = tuple(r for r in super().train_records() if len(r.plates) == 1)
        if self.config.data.get("train_dirs") and not records:
            raise ValueError(f"data.train_dirs {list(self.config.data.train_dirs)} hold no "
                             f"scene with exactly one plate")
        return records

    init_variables = RPNTask.init_variables      # the same input: the letterboxed scene

    def loss(self, params, batch_stats, batch, rng):
        from alpr_jax.geometry import dsnt
        from alpr_jax.pipeline.single_plate import input_box
        x = (batch["image"].astype(jnp.float32) / 255.0).astype(self.dtype)
        out, stats = self._apply(params, batch_stats, x, rng)
        boxes = input_box(tuple(self.config.data.input_hw), batch["scale"])      # [B, 4]
        target = crop_ops.to_unit_square(batch["corners"][:, 0], boxes)         # [B, 4, 2]
        one_plate = batch["plate_mask"].sum(-1) == 1
        per_corner, metrics = dsnt.dsnt_loss(out["heatmap_logits"], target,
                                             self.config.loss.js_weight, reduce=False)
        loss = losses.masked_mean(per_corner.mean(-1), one_plate)
        metrics = {k: losses.masked_mean(v.mean(-1), one_plate) for k, v in metrics.items()}
        return loss, (dict(metrics, loss=loss), stats)

    def evaluate(self, variables) -> dict:
        """Corner error of the one plate in each photo of eval_dirs."""
        from alpr_jax.evaluate.single_plate import evaluate_localizer
        from alpr_jax.pipeline.single_plate import SinglePlateLocalizer
        loc = SinglePlateLocalizer(dict(self.config.model), jax.device_get(variables),
                                   tuple(self.config.data.input_hw))
        out = {}
        for path in self.config.eval_dirs:
            r = evaluate_localizer(loc, path, self.config.eval_split)
            name = path.rstrip("/").split("/")[-1]
            out.update({f"eval/{name}/{k}": r[k] for k in ("corner_error_px",
                                                           "corner_error_p90_px", "ap_80")})
        return out
