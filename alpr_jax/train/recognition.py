"""The recognition task for the shared training loop: model, batches, loss, evaluation."""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from alpr_jax import plates
from alpr_jax.data import generate, input_pipeline
from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.data.frozen import frozen_batches, load_frozen
from alpr_jax.data.real_plates import RealPlates, load_plate_dataset
from alpr_jax.geometry.rectify import PLATE_HW
from alpr_jax.models import build_recognizer
from alpr_jax.train import losses
from alpr_jax.train.task import check_grayscale_share, grayscale_rows


class RecognitionTask:
    """config.model: build_recognizer fields. config.data: source ("synthetic" | "frozen"),
    frozen_path, type_probs (synthetic plate-type mix; empty: the engine's), p_two_row (share
    of yellow plates in two rows; absent: the engine's), batch_size,
    workers, rectify, real_dirs, real_split, real_per_batch, real_weights (each real_dirs
    entry's share of the real draws; empty: uniform over plates), province_balance
    (RealPlates.load), real_camera (share of real plates also degraded as a street camera
    would: real_plates.perturb), grayscale (share of each batch's plates, synthetic and real,
    seen by a monochrome camera: train.task.grayscale_rows).
    config.eval_dirs: datasets evaluated every eval_every steps (eval_split picks a half)."""

    name = "recognition"
    batch_spec = {"image": ("uint8", f"B,{PLATE_HW[0]},{PLATE_HW[1]},3"),
                  "labels": ("int32", f"B,{plates.NUM_POSITIONS}")}

    def __init__(self, config):
        self.config = config
        self.model = build_recognizer(**config.model)
        d = config.data
        plate = generate.PlateConfig()
        if d.get("type_probs"):
            try:
                probs = generate.check_type_probs(d.type_probs)
            except ValueError as e:
                raise ValueError(f"data.type_probs: {e}") from None
            plate = dataclasses.replace(plate, type_probs=probs)
        if d.get("p_two_row") is not None:
            if not 0.0 <= d.p_two_row <= 1.0:
                raise ValueError(f"data.p_two_row must be in [0, 1], got {d.p_two_row}")
            plate = dataclasses.replace(plate, p_two_row=float(d.p_two_row))
        self._grayscale = check_grayscale_share(config)
        self.input_cfg = input_pipeline.RecognitionInputConfig(
            batch_size=d.batch_size, p_box_crop=0.25 if d.rectify else 1.0, plate=plate)
        self.dtype = jnp.dtype(config.get("compute_dtype", "float32"))
        self._real = None
        self._reader = None            # the evaluators' reader, built on first use
        self._eval_data = None

    # --- variables and loss -------------------------------------------------------------
    def init_variables(self, rng):
        x = jnp.zeros((1, *PLATE_HW, 3), jnp.float32)
        return self.model.init({"params": rng, "dropout": rng}, x, train=False)

    def loss(self, params, batch_stats, batch, rng):
        variables = {"params": params}
        if batch_stats:
            variables["batch_stats"] = batch_stats
        x = (batch["image"].astype(jnp.float32) / 255.0).astype(self.dtype)
        outputs, updates = self.model.apply(variables, x, train=True, rngs={"dropout": rng},
                                            mutable=["batch_stats"])
        loss, metrics = losses.recognition_loss(outputs, batch["labels"])
        return loss, (metrics, updates.get("batch_stats", batch_stats))

    # --- data ---------------------------------------------------------------------------
    def batches(self, start_step: int, num_steps: int, example_range=None):
        lo = (example_range or (0, 0))[0]
        for step, batch in zip(range(start_step, start_step + num_steps),
                               self._colour_batches(start_step, num_steps, example_range)):
            yield grayscale_rows(batch, "image", self._grayscale, self.config.seed, step, lo)

    def _colour_batches(self, start_step: int, num_steps: int, example_range=None):
        d = self.config.data
        seed = self.config.seed
        lo, hi = example_range or (0, d.batch_size)
        if d.source == "synthetic":
            stream = input_pipeline.batches("recognition", seed, self.input_cfg, start_step,
                                            num_steps, workers=d.workers, example_range=(lo, hi))
        elif d.source == "frozen":
            stream = frozen_batches(load_frozen(d.frozen_path, self.input_cfg), seed,
                                    d.batch_size, start_step, num_steps, (lo, hi))
        else:
            raise ValueError(f"data.source must be 'synthetic' or 'frozen', got {d.source!r}")
        if not d.real_dirs or d.real_per_batch <= 0:
            yield from stream
            return
        real = self.real_plates()
        for step, batch in zip(range(start_step, start_step + num_steps), stream):
            yield real.mix_into(batch, d.real_per_batch, seed, step, lo,
                                d.get("real_camera", 0.0))

    def real_plates(self) -> RealPlates:
        """The real plates of data.real_dirs (data.real_split), loaded once."""
        if self._real is None:
            d = self.config.data
            try:
                self._real = RealPlates.load(d.real_dirs, d.real_split, d.rectify,
                                             d.get("real_weights") or None,
                                             d.get("province_balance", 0.0))
            except ValueError as e:
                raise ValueError(f"data.real_dirs / data.real_weights: {e}") from None
        return self._real

    # --- evaluation ---------------------------------------------------------------------
    def evaluate(self, variables) -> dict:
        from alpr_jax.evaluate.recognition import evaluate_plates
        from alpr_jax.pipeline.reader import PlateReader
        c = self.config
        if self._reader is None:
            self._reader = PlateReader(dict(c.model), variables)
            self._eval_data = {path: load_plate_dataset(
                split_records(read_annotations(path), c.eval_split), rectify=c.data.rectify)
                for path in c.eval_dirs}
        self._reader.set_variables(variables)
        out = {}
        for path, data in self._eval_data.items():
            result = evaluate_plates(self._reader, data)
            name = path.rstrip("/").split("/")[-1]
            out.update({f"eval/{name}/{k}": v for k, v in result.items()
                        if k in ("acc", "acc_1e", "acc_1", "acc_2_7", "cer", "n")})
        return out

    def export_meta(self) -> dict:
        return {"task": self.name, "model": dict(self.config.model),
                "rectify": bool(self.config.data.rectify)}
