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



def rpn_loss(outputs: dict, batch: dict, corner_weight: float = 1.0) -> tuple[jnp.ndarray, dict]:
    """The RPN's loss on its sampled anchors (anchor_labels: 1 positive, 0 negative, -1 not
    sampled): binary cross entropy on objectness, averaged over sampled anchors, plus
    smooth-L1 on the box deltas (and, with a corner head, the normalised corners) of positives,
    averaged over positives. float32 throughout."""
    labels = batch["anchor_labels"]
    logits = outputs["objectness"].astype(jnp.float32)
    sampled = labels >= 0
    positive = labels == 1
    bce = optax.sigmoid_binary_cross_entropy(logits, positive.astype(jnp.float32))
    cls = masked_mean(bce, sampled)
    box = masked_mean(smooth_l1(outputs["deltas"] - batch["anchor_deltas"]).sum(-1), positive)
    loss = cls + box
    metrics = {"loss_cls": cls, "loss_box": box}
    if "corners" in outputs:
        err = outputs["corners"] - batch["anchor_corners"]
        corner = masked_mean(smooth_l1(err).sum((-1, -2)), positive)
        loss = loss + corner_weight * corner
        metrics["loss_corners"] = corner
    pred = logits > 0
    metrics["anchor_acc"] = masked_mean(pred == positive, sampled)
    return loss, dict(metrics, loss=loss)


def rcnn_loss(outputs: dict, labels, target_corners, corner_weight: float = 1.0
              ) -> tuple[jnp.ndarray, dict]:
    """Cross entropy plate / not on every proposal + corner_weight * smooth-L1 of the 4
    normalised corners on positives (the paper's lambda = 1). labels int32 [N],
    target_corners [N, 4, 2]."""
    cls = cross_entropy(outputs["logits"], labels)
    positive = labels == 1
    err = smooth_l1(outputs["corners"] - target_corners).sum((-1, -2))
    corner = masked_mean(err, positive)
    loss = cls + corner_weight * corner
    acc = jnp.mean(jnp.argmax(outputs["logits"], -1) == labels)
    return loss, {"loss": loss, "loss_cls": cls, "loss_corners": corner, "acc": acc}
