"""The interface between the training loop and a model family, and the registry of tasks.

A task is built from the run's config once; the loop asks it for variables, batches and the
loss, calls `evaluate` every config.eval_every steps (the task builds its evaluators on the
first call and reuses them: compiled functions stay cached) and exports WORKDIR/<name>.npz
with `export_meta()` at the end.
"""
from __future__ import annotations

from typing import Iterator, Protocol

import numpy as np

from alpr_jax.data import augment


class Task(Protocol):
    name: str            # "recognition", "rpn", "rcnn", "dsnt", "dsnt_image", "faster_rcnn",
                         # "corner_patch": the export name
    # key -> (dtype, shape) of every array in a batch; shapes name the batch axis B
    batch_spec: dict[str, tuple[str, str]]

    def init_variables(self, rng) -> dict:
        """{"params": ..., "batch_stats": ...} of a freshly initialised model."""

    def loss(self, params, batch_stats, batch: dict, rng) -> tuple:
        """(scalar float32 loss, (metrics {name: scalar}, updated batch_stats)); batch holds
        the arrays of batch_spec as device arrays; rng is the step's dropout key."""

    def batches(self, start_step: int, num_steps: int,
                example_range: tuple[int, int] | None = None) -> Iterator[dict]:
        """Numpy batches (batch_spec) for steps start_step .. start_step + num_steps - 1,
        batch s depending only on (config.seed, s); only rows example_range of each global
        batch when given (this host's share)."""

    def evaluate(self, variables: dict) -> dict:
        """{metric name: value} of the model with these variables on config.eval_dirs."""

    def export_meta(self) -> dict:
        """What inference needs besides the variables: task, model config, input size."""


def get_task(config) -> Task:
    if config.task == "recognition":
        from alpr_jax.train.recognition import RecognitionTask
        return RecognitionTask(config)
    from alpr_jax.train import detection
    tasks = {"rpn": detection.RPNTask, "rcnn": detection.RCNNTask, "dsnt": detection.DSNTTask,
             "dsnt_image": detection.DSNTImageTask, "faster_rcnn": detection.FasterRCNNTask,
             "corner_patch": detection.CornerPatchTask}
    if config.task not in tasks:
        raise ValueError(f"unknown task {config.task!r}; expected 'recognition' or one of "
                         f"{sorted(tasks)}")
    detection.check_detection_config(config)
    return tasks[config.task](config)


def check_batch(task: Task, batch: dict) -> None:
    """The first batch against the task's batch_spec: keys, dtypes and ranks (the boundary
    between the input pipeline and the jitted step, where a mismatch is still readable)."""
    missing = sorted(set(task.batch_spec) - set(batch))
    if missing:
        raise ValueError(f"{task.name} batch lacks {missing}; has {sorted(batch)}")
    for key, (dtype, shape) in task.batch_spec.items():
        value = np.asarray(batch[key])
        rank = len(shape.split(","))
        if value.dtype != np.dtype(dtype) or value.ndim != rank:
            raise ValueError(f"{task.name} batch[{key!r}] is {value.dtype} {value.shape}, "
                             f"expected {dtype} [{shape}]")


def check_grayscale_share(config) -> float:
    """config.data.grayscale (absent: 0), checked to be a share in [0, 1]."""
    share = float(config.data.get("grayscale", 0.0))
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"data.grayscale must be in [0, 1], got {share}")
    return share


def grayscale_rows(batch: dict, key: str, share: float, seed: int, step: int,
                   offset: int) -> dict:
    """batch with `share` of the GLOBAL batch's batch[key] images (uint8 [B, H, W, 3]) turned
    to their luma (augment.grayscale: what a monochrome or infrared camera records). The
    rows are drawn from (seed, step), the same on every host; `batch` holds the rows from
    `offset`. Used by every task's data.grayscale."""
    if share <= 0:
        return batch
    draws = np.random.default_rng([seed, 13, step]).random(
        offset + len(batch[key]))                   # one per global row up to this host's
    rows = np.flatnonzero(draws[offset:] < share)
    images = batch[key].copy()
    images[rows] = augment.grayscale(images[rows])
    return {**batch, key: images}
