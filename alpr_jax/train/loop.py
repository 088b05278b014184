"""The training loop shared by every task (recogniser now; detector, DSNT later).

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

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
from tqdm import tqdm

from alpr_jax import weights
from alpr_jax.train import checkpoint
from alpr_jax.train.state import TrainState, make_optimizer


def get_task(config):
    if config.task == "recognition":
        from alpr_jax.train.recognition import RecognitionTask
        return RecognitionTask(config)
    raise ValueError(f"unknown task {config.task!r}; expected 'recognition'")


class JsonLogger:
    """Appends one JSON object per line to workdir/metrics.jsonl (process 0 only)."""

    def __init__(self, workdir: str):
        self.path = os.path.join(workdir, "metrics.jsonl")
        self.enabled = jax.process_index() == 0

    def log(self, step: int, values: dict) -> None:
        if not self.enabled:
            return
        row = {"step": int(step), **{k: (float(v) if np.ndim(v) == 0 and not isinstance(v, str)
                                         else v) for k, v in values.items()}}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def _train_step(state: TrainState, batch: dict, *, task, dropout_key):
    rng = jax.random.fold_in(dropout_key, state.step)

    def loss_fn(params):
        return task.loss(params, state.batch_stats, batch, rng)

    (_, (metrics, new_stats)), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
    metrics = dict(metrics, grad_norm=jnp.sqrt(sum(jnp.sum(g.astype(jnp.float32) ** 2)
                                                   for g in jax.tree_util.tree_leaves(grads))))
    return state.apply_gradients(grads=grads, batch_stats=new_stats), metrics


def check_config(config) -> None:
    n = jax.device_count()
    if config.data.batch_size % n:
        raise ValueError(f"data.batch_size {config.data.batch_size} does not divide by the "
                         f"{n} devices; choose a multiple of {n}")
    for key in ("total_steps", "log_every", "checkpoint_every"):
        if int(config[key]) <= 0:
            raise ValueError(f"{key} must be positive, got {config[key]}")


def train_and_evaluate(config, workdir: str, progress: bool = True) -> TrainState:
    """Trains config.task to config.total_steps in workdir (resuming if checkpoints exist),
    evaluates every config.eval_every steps, and exports workdir/<task>.npz at the end."""
    check_config(config)
    os.makedirs(workdir, exist_ok=True)
    task = get_task(config)
    mesh = Mesh(np.array(jax.devices()), ("data",))
    replicated = NamedSharding(mesh, P())
    data_sharding = NamedSharding(mesh, P("data"))

    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(config.seed))
    variables = jax.jit(task.init_variables)(init_key)
    state = TrainState.create(apply_fn=task.model.apply, params=variables["params"],
                              tx=make_optimizer(config.optimizer),
                              batch_stats=variables.get("batch_stats", {}))
    state = jax.device_put(state, replicated)
    mgr = checkpoint.manager(workdir, config.checkpoint_every, config.keep_checkpoints)
    restored = checkpoint.restore_latest(mgr, state)
    if restored is not None:
        state = restored
    start = int(state.step)
    logger = JsonLogger(workdir)
    if start == 0:
        with open(os.path.join(workdir, "config.json"), "w", encoding="utf-8") as f:
            f.write(config.to_json(indent=2))

    step_fn = jax.jit(functools.partial(_train_step, task=task, dropout_key=dropout_key),
                      in_shardings=(replicated, data_sharding),
                      out_shardings=(replicated, replicated), donate_argnums=0)
    remaining = int(config.total_steps) - start
    bar = tqdm(total=int(config.total_steps), initial=start, desc=f"train {task.name}",
               disable=not progress or jax.process_index() != 0)
    t_last, n_last = time.perf_counter(), 0
    step = start
    for batch in task.batches(start, max(remaining, 0)):
        batch = jax.device_put(batch, data_sharding)
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
            logger.log(step, task.evaluate(jax.device_get(state.variables())))
    bar.close()
    mgr.wait_until_finished()
    export(task, state, os.path.join(workdir, f"{task.name}.npz"), config)
    return state


def export(task, state: TrainState, path: str, config) -> None:
    meta = task.export_meta()
    meta.update({"steps": int(state.step), "seed": int(config.seed),
                 "config": json.loads(config.to_json())})
    weights.save_npz(path, jax.device_get(state.variables()), meta)
