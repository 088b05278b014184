"""The recognition task for the shared training loop: model, batches, loss, evaluation."""
from __future__ import annotations

import dataclasses
import functools

import cv2
import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax.data import generate, pipelines
from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.data.frozen import load_frozen
from alpr_jax.evaluate import recognition as rec_eval
from alpr_jax.models import build_recognizer
from alpr_jax.train import losses


class RecognitionTask:
    """config.model: build_recognizer fields. config.data: source ("synthetic" | "frozen"),
    frozen_path, batch_size, workers, rectify, real_dirs, real_split, real_per_batch, and
    optionally type_probs (synthetic plate-type mix, default generate.PlateConfig's) and
    real_weights (share of the real draws from each of real_dirs; default: uniform over plates).
    config.eval_dirs: datasets evaluated every eval_every steps (eval_split picks a half)."""

    name = "recognition"

    def __init__(self, config):
        self.config = config
        self.model = build_recognizer(**config.model)
        d = config.data
        plate = generate.PlateConfig()
        if d.get("type_probs"):        # share of blue, yellow, green, white synthetic plates
            try:
                probs = generate.check_type_probs(d.type_probs)
            except ValueError as e:
                raise ValueError(f"data.type_probs: {e}") from None
            plate = dataclasses.replace(plate, type_probs=probs)
        self.input_cfg = pipelines.RecognitionInputConfig(
            batch_size=d.batch_size, p_box_crop=0.25 if d.rectify else 1.0, plate=plate)
        self._real = None
        self._real_p = None     # per-plate draw probabilities (None: uniform)
        self.dtype = jnp.dtype(config.get("compute_dtype", "float32"))

    # --- variables and loss -------------------------------------------------------------
    def init_variables(self, rng):
        x = jnp.zeros((1, 48, 120, 3), jnp.float32)
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
        """Numpy batches {"image": uint8 [B, 48, 120, 3], "labels": int32 [B, 8]} for steps
        start_step .. start_step + num_steps - 1; batch s depends only on (seed, s).
        example_range (lo, hi): only those rows of each batch (this host's share)."""
        d = self.config.data
        seed = self.config.seed
        lo, hi = example_range or (0, d.batch_size)
        if d.source == "synthetic":
            stream = pipelines.batches("recognition", seed, self.input_cfg, start_step,
                                       num_steps, workers=d.workers, example_range=(lo, hi))
        elif d.source == "frozen":
            stream = _frozen_batches(load_frozen(d.frozen_path, self.input_cfg), seed, d.batch_size,
                                     start_step, num_steps, (lo, hi))
        else:
            raise ValueError(f"data.source must be 'synthetic' or 'frozen', got {d.source!r}")
        if not d.real_dirs or d.real_per_batch <= 0:
            yield from stream
            return
        real = self._real_plates()
        for step, batch in zip(range(start_step, start_step + num_steps), stream):
            yield _mix_real(batch, real, d.real_per_batch, seed, step, lo, self._real_p)

    def _real_plates(self) -> pipelines.PlateDataset:
        if self._real is None:
            d = self.config.data
            weights = d.get("real_weights") or None
            if weights is not None and (len(weights) != len(d.real_dirs) or min(weights) < 0
                                        or sum(weights) <= 0):
                raise ValueError(f"data.real_weights {list(weights)}: expected one non-negative "
                                 f"weight per data.real_dirs entry ({len(d.real_dirs)})")
            per_dir = [split_records(read_annotations(path), d.real_split) for path in d.real_dirs]
            self._real = pipelines.load_plate_dataset([r for recs in per_dir for r in recs],
                                                      rectify=d.rectify)
            folder = {r.path: i for i, recs in enumerate(per_dir) for r in recs}
            of_plate = np.array([folder[src] for src in self._real.sources], np.int64)
            counts = np.bincount(of_plate, minlength=len(per_dir))
            for path, n in zip(d.real_dirs, counts):
                if n == 0:
                    raise ValueError(f"data.real_dirs entry {path} (split {d.real_split}) "
                                     f"holds no labelled plates")
            if weights is not None:   # each folder's share split evenly over its plates
                p = np.asarray(weights, np.float64)[of_plate] / counts[of_plate]
                self._real_p = p / p.sum()
        return self._real

    # --- evaluation ---------------------------------------------------------------------
    def evaluate(self, variables) -> dict:
        out = {}
        for path in self.config.eval_dirs:
            result = rec_eval.evaluate_dir(dict(self.config.model), variables, path,
                                           split=self.config.eval_split,
                                           rectify=self.config.data.rectify)
            name = path.rstrip("/").split("/")[-1]
            out.update({f"eval/{name}/{k}": v for k, v in result.items()
                        if k in ("acc", "acc_1e", "acc_1", "acc_2_7", "cer", "n")})
        return out

    def export_meta(self) -> dict:
        return {"task": self.name, "model": dict(self.config.model),
                "rectify": bool(self.config.data.rectify)}


def _frozen_batches(arrays, seed, batch_size, start_step, num_steps, example_range):
    images, labels = arrays
    n = len(images)
    if n < batch_size:
        raise ValueError(f"frozen set has {n} examples, fewer than one batch of {batch_size}")
    per_epoch = n // batch_size

    @functools.lru_cache(maxsize=2)
    def order(epoch):
        return np.random.default_rng([seed, 7, epoch]).permutation(n)

    for step in range(start_step, start_step + num_steps):
        epoch, k = divmod(step, per_epoch)
        idx = np.sort(order(epoch)[k * batch_size:(k + 1) * batch_size])
        idx = idx[example_range[0]:example_range[1]]
        yield {"image": images[idx], "labels": labels[idx]}


def _jitter(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Small random affine (shift, scale, rotation) and brightness change of a 48x120 plate,
    so a few hundred real plates are not memorised pixel for pixel."""
    h, w = image.shape[:2]
    angle, scale = rng.uniform(-3, 3), rng.uniform(0.93, 1.07)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += rng.uniform(-0.04, 0.04, 2) * np.array([w, h])
    out = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return np.clip(out.astype(np.float32) * rng.uniform(0.75, 1.25), 0, 255).astype(np.uint8)


def _mix_real(batch, real: pipelines.PlateDataset, k: int, seed: int, step: int,
              offset: int = 0, probs: np.ndarray | None = None) -> dict:
    """Replaces the first k examples of a synthetic batch with jittered real plates, drawn
    uniformly or with per-plate probabilities `probs`. `batch` may be one host's rows,
    starting at row `offset` of the global batch."""
    rng = np.random.default_rng([seed, 11, step])
    idx = (rng.integers(len(real.texts), size=k) if probs is None
           else rng.choice(len(real.texts), size=k, p=probs))
    jittered = [_jitter(real.images[i], rng) for i in idx]   # all k: same draws on every host
    images, labels = batch["image"].copy(), batch["labels"].copy()
    for row in range(max(offset, 0), min(k, offset + len(images))):
        images[row - offset] = jittered[row]
        labels[row - offset] = real.labels[idx[row]]
    return {"image": images, "labels": labels}
