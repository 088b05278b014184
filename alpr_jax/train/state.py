"""Train state: params, BatchNorm statistics, optimiser state and step, as one pytree."""
from __future__ import annotations

from typing import Any

import optax
from flax import struct


class TrainState(struct.PyTreeNode):
    step: Any
    params: Any
    opt_state: Any
    batch_stats: Any
    tx: optax.GradientTransformation = struct.field(pytree_node=False)

    @classmethod
    def create(cls, params, tx: optax.GradientTransformation, batch_stats=None) -> "TrainState":
        return cls(step=0, params=params, opt_state=tx.init(params),
                   batch_stats=batch_stats or {}, tx=tx)

    def apply_gradients(self, grads, batch_stats) -> "TrainState":
        updates, opt_state = self.tx.update(grads, self.opt_state, self.params)
        return self.replace(step=self.step + 1, params=optax.apply_updates(self.params, updates),
                            opt_state=opt_state, batch_stats=batch_stats)

    def variables(self) -> dict:
        """The model's variables for apply(): params (+ batch_stats when the model has them)."""
        v = {"params": self.params}
        if self.batch_stats:
            v["batch_stats"] = self.batch_stats
        return v


def make_optimizer(cfg) -> optax.GradientTransformation:
    """cfg: name ("adam" | "sgd"), lr, boundaries (steps), decay (factor at each boundary),
    momentum (sgd), weight_decay, grad_clip (0 = none). Step schedule as in the paper."""
    schedule = optax.piecewise_constant_schedule(
        cfg.lr, {int(b): float(cfg.decay) for b in cfg.boundaries})
    if cfg.name == "adam":
        opt = optax.adamw(schedule, weight_decay=cfg.weight_decay) if cfg.weight_decay else optax.adam(schedule)
    elif cfg.name == "sgd":
        opt = optax.chain(optax.add_decayed_weights(cfg.weight_decay),
                          optax.sgd(schedule, momentum=cfg.momentum))
    else:
        raise ValueError(f"optimizer.name must be 'adam' or 'sgd', got {cfg.name!r}")
    if cfg.grad_clip:
        opt = optax.chain(optax.clip_by_global_norm(cfg.grad_clip), opt)
    return opt
