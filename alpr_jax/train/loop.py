"""The training loop shared by every task (recogniser, RPN, R-CNN, DSNT).

Data parallel over all local devices: a ("data",) Mesh, state replicated, batches sharded on
their leading axis, one jitted step with the state donated. Checkpoints via orbax every
config.checkpoint_every steps; a rerun with the same workdir resumes from the latest and, since
batch s and the step's dropout key depend only on (seed, s), ends with the same parameters as
an uninterrupted run.
"""
from __future__ import annotations

import functools
import json
import os
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
from tqdm import tqdm

from alpr_jax import weights
from alpr_jax.models import init_rng
from alpr_jax.train import checkpoint
from alpr_jax.train.state import TrainState, make_optimizer
from alpr_jax.train.task import check_batch, get_task


class JsonLogger:
    """Appends one JSON object per line to workdir/metrics.jsonl (process 0 only)."""

    def __init__(self, workdir: str):
        self.path = os.path.join(workdir, "metrics.jsonl")
        self.enabled = jax.process_index() == 0

    def log(self, step: int, values: dict) -> None:
        if not self.enabled:
            return
        row = {"step": int(step), **{k: (_finite_or_none(float(v))
                                         if np.ndim(v) == 0 and not isinstance(v, str) else v)
                                         for k, v in values.items()}}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def _finite_or_none(x: float):
    """NaN/inf become null: strict JSON readers reject NaN (e.g. no detections -> no error)."""
    return x if np.isfinite(x) else None


def _train_step(state: TrainState, batch: dict, *, task, dropout_key, compute_dtype):
    rng = jax.random.fold_in(dropout_key, state.step)

    def loss_fn(params):
        if compute_dtype != jnp.float32:
            # mixed precision: float32 master params, the forward pass in compute_dtype (the
            # task casts its inputs too; losses and softmax are computed in float32)
            params = jax.tree_util.tree_map(
                lambda p: p.astype(compute_dtype) if jnp.issubdtype(p.dtype, jnp.floating) else p,
                params)
        return task.loss(params, state.batch_stats, batch, rng)

    (_, (metrics, new_stats)), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
    metrics = dict(metrics, grad_norm=jnp.sqrt(sum(jnp.sum(g.astype(jnp.float32) ** 2)
                                                   for g in jax.tree_util.tree_leaves(grads))))
    return state.apply_gradients(grads=grads, batch_stats=new_stats), metrics


def resolve_batch_size(config) -> int:
    """The global batch: data.per_device_batch_size x devices when that is set (> 0), else
    data.batch_size, which must divide by the device count (and by the host count)."""
    n = jax.device_count()
    per_device = int(config.data.get("per_device_batch_size", 0) or 0)
    batch = per_device * n if per_device > 0 else int(config.data.batch_size)
    if batch % n:
        raise ValueError(f"data.batch_size {batch} does not divide by the {n} devices; "
                         f"choose a multiple of {n} or set data.per_device_batch_size")
    return batch


def host_example_range(batch_size: int) -> tuple[int, int]:
    """Rows of the global batch this host reads (contiguous, in process order, matching the
    device order of the ("data",) mesh)."""
    per_host = batch_size // jax.process_count()
    lo = jax.process_index() * per_host
    return lo, lo + per_host


def compute_dtype(config):
    name = config.get("compute_dtype", "float32")
    if name not in ("float32", "bfloat16"):
        raise ValueError(f"compute_dtype must be 'float32' or 'bfloat16', got {name!r}")
    return jnp.dtype(name)


def check_config(config) -> None:
    resolve_batch_size(config)
    compute_dtype(config)
    for key in ("total_steps", "log_every", "checkpoint_every"):
        if int(config[key]) <= 0:
            raise ValueError(f"{key} must be positive, got {config[key]}")
    if config.get("requires_init") and not config.get("init_from"):
        raise ValueError("this config fine-tunes an earlier stage: give its weights with "
                         "--config.init_from=FILE.npz")


def resolved(config):
    """A copy of config with data.batch_size the global batch (resolve_batch_size): what the
    task and the loop read from here on."""
    check_config(config)
    config = config.copy_and_resolve_references()
    with config.unlocked():
        config.data.batch_size = resolve_batch_size(config)
    return config


class Setup(NamedTuple):
    config: object               # resolved(config)
    task: object
    state: TrainState
    step_fn: object              # (state, batch) -> (state, metrics); state donated
    data_sharding: NamedSharding


def setup(config) -> Setup:
    """The resolved config, the task, the initial replicated state and the jitted
    data-parallel step."""
    config = resolved(config)
    task = get_task(config)
    # device order = process order, so host p's rows land on host p's devices
    mesh = Mesh(np.array(sorted(jax.devices(), key=lambda d: (d.process_index, d.id))),
                ("data",))
    replicated = NamedSharding(mesh, P())
    data_sharding = NamedSharding(mesh, P("data"))
    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(config.seed))
    variables = jax.jit(task.init_variables)(init_rng.init_key(init_key))
    if config.get("init_from"):
        variables = warm_start(variables, config.init_from)
    state = TrainState.create(params=variables["params"], tx=make_optimizer(config.optimizer),
                              batch_stats=variables.get("batch_stats", {}))
    state = jax.device_put(state, replicated)
    step_fn = jax.jit(functools.partial(_train_step, task=task, dropout_key=dropout_key,
                                        compute_dtype=compute_dtype(config)),
                      in_shardings=(replicated, data_sharding),
                      out_shardings=(replicated, replicated), donate_argnums=0)
    return Setup(config, task, state, step_fn, data_sharding)


def global_batch(batch: dict, data_sharding) -> dict:
    """This host's rows of a batch -> global arrays sharded on the leading axis."""
    return {k: jax.make_array_from_process_local_data(data_sharding, v) for k, v in batch.items()}


def train_and_evaluate(config, workdir: str, progress: bool = True) -> TrainState:
    """Trains config.task to config.total_steps in workdir (resuming if checkpoints exist),
    evaluates every config.eval_every steps, and exports workdir/<task>.npz at the end."""
    config, task, state, step_fn, data_sharding = setup(config)
    os.makedirs(workdir, exist_ok=True)
    mgr = checkpoint.manager(workdir, config.checkpoint_every, config.keep_checkpoints)
    restored = checkpoint.restore_latest(mgr, state)
    if restored is not None:
        state = restored
    start = int(state.step)
    logger = JsonLogger(workdir)
    if start == 0 and jax.process_index() == 0:
        with open(os.path.join(workdir, "config.json"), "w", encoding="utf-8") as f:
            f.write(config.to_json(indent=2))

    remaining = int(config.total_steps) - start
    bar = tqdm(total=int(config.total_steps), initial=start, desc=f"train {task.name}",
               disable=not progress or jax.process_index() != 0)
    t_last, n_last = time.perf_counter(), 0
    step = start
    rows = host_example_range(config.data.batch_size)
    for batch in task.batches(start, max(remaining, 0), example_range=rows):
        if step == start:
            check_batch(task, batch)
        batch = global_batch(batch, data_sharding)
        state, metrics = step_fn(state, batch)
        step += 1
        n_last += config.data.batch_size
        bar.update(1)
        if step % config.log_every == 0 or step == config.total_steps:
            metrics = jax.device_get(metrics)
            now = time.perf_counter()
            metrics["examples_per_s"] = n_last / (now - t_last)
            t_last, n_last = now, 0
            logger.log(step, metrics)
            bar.set_postfix(loss=f"{float(metrics['loss']):.4f}")
        checkpoint.save(mgr, step, state, force=step == config.total_steps)
        if config.eval_every and (step % config.eval_every == 0 or step == config.total_steps):
            if jax.process_index() == 0:
                logger.log(step, task.evaluate(jax.device_get(state.variables())))
    bar.close()
    mgr.wait_until_finished()
    if jax.process_index() == 0:
        export(task, state, os.path.join(workdir, f"{task.name}.npz"), config)
    return state


def warm_start(variables: dict, path: str) -> dict:
    """variables with every array replaced by the one in the exported .npz at `path` (a
    second training stage starting from a first stage's weights; the optimiser starts fresh).
    The structure and shapes must match, except that a Dense layer (kernel [in, n], bias [n])
    may have grown classes: the file's n_old < n outputs are copied to the first n_old (class
    tables only ever append, see plates.CHAR_CLASSES) and the new ones keep their fresh init."""
    loaded, _ = weights.load_npz(path)
    fresh = jax.tree_util.tree_flatten_with_path(variables)[0]
    flat_loaded = weights.flatten(loaded)
    out = {}
    for keypath, value in fresh:
        key = "/".join(str(getattr(k, "key", k)) for k in keypath)
        if key not in flat_loaded:
            raise ValueError(f"{path}: no variable {key} (init_from does not match the model)")
        old = flat_loaded[key]
        if old.shape != value.shape:
            if not _grown_classes(old.shape, value.shape):
                raise ValueError(f"{path}: {key} has shape {old.shape}, the model expects "
                                 f"{value.shape}")
            grown = np.array(value)
            grown[..., :old.shape[-1]] = old
            old = grown
        out[key] = old.astype(value.dtype)
    if len(out) != len(flat_loaded):
        extra = sorted(set(flat_loaded) - set(out))[:3]
        raise ValueError(f"{path}: variables the model does not have, e.g. {extra}")
    return weights.unflatten(out)


def _grown_classes(old: tuple, new: tuple) -> bool:
    """A Dense kernel [in, n] or bias [n] whose output count grew (and nothing else)."""
    return (len(old) == len(new) and len(new) in (1, 2) and old[:-1] == new[:-1]
            and old[-1] < new[-1])


def export(task, state: TrainState, path: str, config) -> None:
    meta = task.export_meta()
    meta.update({"steps": int(state.step), "seed": int(config.seed),
                 "config": json.loads(config.to_json())})
    weights.save_npz(path, jax.device_get(state.variables()), meta)
