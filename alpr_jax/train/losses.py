"""Losses, computed in float32 whatever the compute dtype."""
from __future__ import annotations

import jax.numpy as jnp
import optax

from alpr_jax import plates


def cross_entropy(logits, labels):
    """Mean softmax cross entropy; logits [..., C], integer labels [...]."""
    logits = logits.astype(jnp.float32)
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def recognition_loss(outputs: dict, labels) -> tuple[jnp.ndarray, dict]:
    """labels int32 [B, 8]. Classifier outputs: cross entropy averaged over the 8 positions.
    CTC outputs: CTC loss on the plate's characters (NONE positions are padding)."""
    if "ctc_logits" in outputs:
        logits = outputs["ctc_logits"].astype(jnp.float32)
        targets, target_pad = ctc_targets(labels)
        per_plate = optax.ctc_loss(logits, jnp.zeros(logits.shape[:2]), targets, target_pad)
        loss = jnp.mean(per_plate)
        return loss, {"loss": loss}
    province = cross_entropy(outputs["province_logits"], labels[:, 0])
    chars = cross_entropy(outputs["char_logits"], labels[:, 1:])
    n = plates.NUM_POSITIONS
    loss = (province + (n - 1) * chars) / n
    return loss, {"loss": loss, "loss_province": province, "loss_chars": chars}


def ctc_targets(labels):
    """[B, 8] class indices -> CTC label ids [B, 8] (1 + vocab index) and paddings [B, 8]."""
    n_prov = len(plates.PROVINCE_CLASSES)
    ids = jnp.concatenate([labels[:, :1] + 1, labels[:, 1:] + 1 + n_prov], axis=1)
    pad = jnp.concatenate([jnp.zeros_like(labels[:, :1]), labels[:, 1:] == plates.NONE_INDEX], 1)
    return jnp.where(pad, 0, ids), pad.astype(jnp.float32)


def smooth_l1(x, beta: float = 1.0):
    """Elementwise smooth-L1 (Huber with slope 1), float32."""
    x = jnp.abs(x.astype(jnp.float32))
    return jnp.where(x < beta, 0.5 * x * x / beta, x - 0.5 * beta)


def masked_mean(x, mask):
    mask = mask.astype(jnp.float32)
    return jnp.sum(x * mask) / jnp.maximum(jnp.sum(mask), 1.0)



