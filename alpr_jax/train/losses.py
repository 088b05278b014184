"""Losses, computed in float32 whatever the compute dtype."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from alpr_jax import plates
from alpr_jax.geometry import dsnt as dsnt_ops


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


def rpn_distill_loss(student: dict, teacher: dict, logit_clip: float = 12.0
                     ) -> tuple[jnp.ndarray, dict]:
    """A smaller RPN taught by a trained one on every anchor of the same input (both outputs
    as rpn_loss's, same anchors). Objectness: smooth-L1 between the logits, both clipped to
    +-logit_clip, over all anchors: the ranking among confident anchors decides which survive
    the detector's top-k, so logits are matched, not only probabilities. Boxes and corners:
    smooth-L1 to the teacher's, each anchor weighted by the teacher's plate probability.
    float32 throughout."""
    t_logits = jnp.clip(teacher["objectness"].astype(jnp.float32), -logit_clip, logit_clip)
    s_logits = jnp.clip(student["objectness"].astype(jnp.float32), -logit_clip, logit_clip)
    obj = jnp.mean(smooth_l1(s_logits - t_logits))
    weight = jax.nn.sigmoid(teacher["objectness"].astype(jnp.float32))
    box = masked_mean(smooth_l1(student["deltas"] - teacher["deltas"]).sum(-1), weight)
    loss = obj + box
    metrics = {"distill_obj": obj, "distill_box": box}
    if "corners" in student and "corners" in teacher:
        corner = masked_mean(smooth_l1(student["corners"] - teacher["corners"]).sum((-1, -2)),
                             weight)
        loss = loss + corner
        metrics["distill_corners"] = corner
    return loss, dict(metrics, distill=loss)


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


def box_head_loss(logits, labels, deltas, target_deltas) -> tuple[jnp.ndarray, dict]:
    """Faster R-CNN's box head: cross entropy plate / not on every RoI + smooth-L1 of the
    (normalised) box deltas on positives. logits [N, 2], labels int32 [N], deltas and
    target_deltas [N, 4]."""
    cls = cross_entropy(logits, labels)
    box = masked_mean(smooth_l1(deltas - target_deltas).sum(-1), labels == 1)
    acc = jnp.mean(jnp.argmax(logits, -1) == labels)
    return cls + box, {"loss_roi_cls": cls, "loss_roi_box": box, "roi_acc": acc}


# --- DSNT (Nibali et al., 2018): coordinates regressed through the heatmap's expectation ------

def gaussian_heatmap(coords: jnp.ndarray, hw: tuple[int, int], sigma_px: float = 1.0
                     ) -> jnp.ndarray:
    """Target heatmaps [..., H, W] (sum 1): a Gaussian of sigma_px heatmap pixels centred at
    coords [..., 2] (normalised (x, y))."""
    h, w = hw
    sx, sy = 2.0 * sigma_px / w, 2.0 * sigma_px / h            # sigma in normalised units
    gx = jnp.exp(-0.5 * ((dsnt_ops.centres(w) - coords[..., 0:1]) / sx) ** 2)       # [..., W]
    gy = jnp.exp(-0.5 * ((dsnt_ops.centres(h) - coords[..., 1:2]) / sy) ** 2)       # [..., H]
    g = gy[..., :, None] * gx[..., None, :]
    return g / jnp.maximum(g.sum((-2, -1), keepdims=True), 1e-12)


def js_divergence(p: jnp.ndarray, q: jnp.ndarray, eps: float = 1e-12) -> jnp.ndarray:
    """Jensen-Shannon divergence between distributions over the last two axes: [...]."""
    p, q = p.astype(jnp.float32), q.astype(jnp.float32)
    m = 0.5 * (p + q)

    def kl(a, b):
        return jnp.sum(jnp.where(a > 0, a * (jnp.log(a + eps) - jnp.log(b + eps)), 0.0), (-2, -1))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def dsnt_loss(logits: jnp.ndarray, target: jnp.ndarray, js_weight: float = 1.0,
              sigma_px: float = 1.0, reduce: bool = True) -> tuple[jnp.ndarray, dict]:
    """Euclidean distance between DSNT coordinates and targets [..., 2] (normalised), plus
    js_weight x the Jensen-Shannon divergence of each heatmap from a Gaussian at the target.
    logits [..., H, W]. Returns (loss, metrics), means over everything when reduce, else
    per heatmap [...]."""
    heatmap = dsnt_ops.normalize_heatmap(logits)
    coords = dsnt_ops.dsnt(heatmap)
    loss = jnp.sqrt(jnp.sum((coords - target.astype(jnp.float32)) ** 2, -1) + 1e-12)
    metrics = {"loss_euclid": loss}
    if js_weight:
        js = js_divergence(heatmap, gaussian_heatmap(target, logits.shape[-2:], sigma_px))
        loss = loss + js_weight * js
        metrics["loss_js"] = js
    if reduce:
        loss, metrics = jnp.mean(loss), {k: jnp.mean(v) for k, v in metrics.items()}
    return loss, dict(metrics, loss=loss)
