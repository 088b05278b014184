"""Orbax checkpoints of the whole train state (params, BN statistics, optimiser, step)."""
from __future__ import annotations

import os

import orbax.checkpoint as ocp


def manager(workdir: str, save_every: int, keep: int = 3) -> ocp.CheckpointManager:
    options = ocp.CheckpointManagerOptions(max_to_keep=keep, save_interval_steps=save_every,
                                           create=True)
    return ocp.CheckpointManager(os.path.abspath(os.path.join(workdir, "checkpoints")),
                                 options=options)


def save(mgr: ocp.CheckpointManager, step: int, state, force: bool = False) -> bool:
    return mgr.save(step, args=ocp.args.StandardSave(state), force=force)


def restore_latest(mgr: ocp.CheckpointManager, abstract_state):
    """The latest checkpoint restored into the structure (and shardings) of abstract_state,
    or None when there is none."""
    step = mgr.latest_step()
    if step is None:
        return None
    return mgr.restore(step, args=ocp.args.StandardRestore(abstract_state))


def restore_params(checkpoint_dir: str, step: int | None = None) -> dict:
    """Reads a checkpoint's pytree without knowing its structure (for export)."""
    mgr = ocp.CheckpointManager(os.path.abspath(checkpoint_dir))
    step = mgr.latest_step() if step is None else step
    if step is None:
        raise FileNotFoundError(f"{checkpoint_dir}: no checkpoint found")
    return mgr.restore(step, args=ocp.args.StandardRestore())
