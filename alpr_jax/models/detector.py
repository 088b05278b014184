"""Detector models: the light RPN (paper Table 1 + BN-Inception 3a/3b, stride 8) and the R-CNN
that classifies each 48x120 proposal crop and regresses its plate's 4 corners (Table 2).

RPN input:  float32 [B, H, W, 3] in [0, 1], H and W multiples of 8 (the letterboxed photo).
RPN output: {"objectness": [B, H/8 * W/8 * A] logits, "deltas": [B, H/8 * W/8 * A, 4]} and,
            with corner_head, "corners": [B, H/8 * W/8 * A, 4, 2] (corners normalised by the
            anchor box, geometry.crops.encode_corners; the "RPN only (Corner)" row of Table 5);
            anchors ordered (y, x, anchor) as in geometry.anchors.grid_anchors. With
            top_k (inference), "deltas" / "corners" are those of the top_k anchors only:
            [B, k, 4] / [B, k, 4, 2], with "top_scores" and "top_index" [B, k].
R-CNN input: float32 [N, 48, 120, 3] crops; output {"logits": [N, 2], "corners": [N, 4, 2]}
            with corners normalised by the crop box (see geometry.crops).
"""
from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from alpr_jax.geometry.anchors import ANCHOR_AREAS, ANCHOR_RATIOS
from alpr_jax.geometry.crops import CROP_HW
from alpr_jax.models.layers import ConvBN, scaled as _ch


class Inception(nn.Module):
    """A BN-Inception block: 1x1 | 1x1-3x3 | 1x1-3x3-3x3 | avgpool-1x1, concatenated."""
    c1: int
    c3_reduce: int
    c3: int
    d3_reduce: int
    d3: int
    pool_proj: int

    @nn.compact
    def __call__(self, x, train: bool):
        a = ConvBN(self.c1, (1, 1))(x, train)
        b = ConvBN(self.c3, (3, 3))(ConvBN(self.c3_reduce, (1, 1))(x, train), train)
        c = ConvBN(self.d3_reduce, (1, 1))(x, train)
        c = ConvBN(self.d3, (3, 3))(ConvBN(self.d3, (3, 3))(c, train), train)
        d = nn.avg_pool(x, window_shape=(3, 3), strides=(1, 1), padding="SAME")
        d = ConvBN(self.pool_proj, (1, 1))(d, train)
        return jnp.concatenate([a, b, c, d], axis=-1)


def top_anchors(objectness, k: int):
    """Objectness logits [..., N] -> the k best anchors' scores [..., k] (float32 sigmoid,
    best first) and their indices [..., k] (all N when fewer)."""
    return jax.lax.top_k(jax.nn.sigmoid(objectness.astype(jnp.float32)),
                         min(k, objectness.shape[-1]))


class RPN(nn.Module):
    """conv1 7x7/2 64, max-pool 3x3/2, conv2_1 1x1 64, conv2_2 3x3 192, max-pool 3x3/2,
    inception 3a (256 out) and 3b (320 out) at stride 8, then a 3x3 conv and 1x1 heads for
    objectness and box deltas of the 15 anchors per cell.

    conv2_rank / head_rank > 0: conv2_2 and the head's 3x3 conv factored through that many
    channels (a 3x3 conv to the rank, then a 1x1; ConvBN.rank), fitted to a trained RPN's
    responses by scripts/factor_rpn.py: with conv1 the convs that cost most (conv1, with
    3 input channels, gains nothing from it on onnxruntime)."""
    width: float = 1.0
    corner_head: bool = False
    num_anchors: int = len(ANCHOR_AREAS) * len(ANCHOR_RATIOS)
    conv2_rank: int = 0
    head_rank: int = 0

    @nn.compact
    def __call__(self, x, train: bool = False, top_k: int | None = None):
        """top_k (inference): only the top_k anchors by objectness (per photo) get their
        box deltas and corners, from their cells' features (the same 1x1 heads; run on
        every cell they took onnxruntime ~6% of a 640x960 pass, and the host no less to
        pick the anchors out). Adds
        "top_scores" [B, k] float32 sigmoid, "top_index" [B, k] into the anchors, and
        "deltas" [B, k, 4] (and "corners" [B, k, 4, 2]) of those anchors only."""
        if x.ndim != 4 or x.shape[1] % 8 or x.shape[2] % 8:
            raise ValueError(f"RPN input must be [B, H, W, 3] with H, W multiples of 8, got {x.shape}")
        w = lambda n: _ch(n, self.width)
        x = x - 0.5
        x = ConvBN(w(64), (7, 7), (2, 2))(x, train)
        x = nn.max_pool(x, window_shape=(3, 3), strides=(2, 2), padding="SAME")
        x = ConvBN(w(64), (1, 1))(x, train)
        x = ConvBN(w(192), (3, 3), rank=self.conv2_rank)(x, train)
        x = nn.max_pool(x, window_shape=(3, 3), strides=(2, 2), padding="SAME")
        x = Inception(w(64), w(64), w(64), w(64), w(96), w(32), name="inception_3a")(x, train)
        x = Inception(w(64), w(64), w(96), w(64), w(96), w(64), name="inception_3b")(x, train)
        if self.head_rank:
            x = nn.Conv(self.head_rank, (3, 3), use_bias=False, name="head_reduce")(x)
            x = nn.relu(nn.Conv(w(256), (1, 1), name="head_expand")(x))
        else:
            x = nn.relu(nn.Conv(w(256), (3, 3))(x))
        b, hf, wf, c = x.shape
        a = self.num_anchors
        n = hf * wf * a
        objectness = nn.Conv(a, (1, 1), name="objectness")(x).reshape(b, n)
        out = {"objectness": objectness}
        if top_k is not None:
            scores, index = top_anchors(objectness, top_k)
            # each kept anchor's cell as a [B, k, 1, C] "image" for the same 1x1 heads
            x = jnp.take_along_axis(x.reshape(b, hf * wf, c), (index // a)[..., None],
                                    axis=1)[:, :, None]
            pick = lambda y, m: jnp.take_along_axis(      # [B, k, 1, A*m] -> [B, k, m]
                y.reshape(b, -1, a, m), (index % a)[:, :, None, None], axis=2)[:, :, 0]
            out.update(top_scores=scores, top_index=index)
        else:
            pick = lambda y, m: y.reshape(b, n, m)
        deltas = nn.Conv(a * 4, (1, 1), name="deltas",
                         kernel_init=nn.initializers.normal(0.001))(x)
        out["deltas"] = pick(deltas, 4)
        if self.corner_head:
            corners = nn.Conv(a * 8, (1, 1), name="corners",
                              kernel_init=nn.initializers.normal(0.001))(x)
            # start from the anchor's own corners: TL, TR, BR, BL of the unit box
            unit = jnp.array([0., 0., 1., 0., 1., 1., 0., 1.], jnp.float32)
            out["corners"] = (pick(corners, 8) + unit).reshape(*out["deltas"].shape[:2], 4, 2)
        return out


class RCNN(nn.Module):
    """Three conv blocks on the 48x120 crop, then two fully connected branches: plate / not
    (2 logits) and the 4 corners' normalised positions (8 numbers)."""
    width: float = 1.0
    dropout: float = 0.2

    @nn.compact
    def __call__(self, x, train: bool = False):
        if x.ndim != 4 or x.shape[1:] != (*CROP_HW, 3):
            raise ValueError(f"R-CNN input must be [N, {CROP_HW[0]}, {CROP_HW[1]}, 3], "
                             f"got {x.shape}")
        w = lambda n: _ch(n, self.width)
        x = x - 0.5
        for feat in (32, 64, 128):
            x = ConvBN(w(feat))(x, train)
            x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2))  # 24x60 -> 12x30 -> 6x15
        x = x.reshape(x.shape[0], -1)
        cls = nn.relu(nn.Dense(w(256), name="cls_fc")(x))
        cls = nn.Dropout(self.dropout, deterministic=not train)(cls)
        reg = nn.relu(nn.Dense(w(256), name="corner_fc")(x))
        logits = nn.Dense(2, name="cls")(cls)
        corners = nn.Dense(8, name="corners", kernel_init=nn.initializers.normal(0.001))(reg)
        # start from the crop's own plate-sized rectangle rather than a point
        start = jnp.array([0.1, 0.2, 0.9, 0.2, 0.9, 0.8, 0.1, 0.8], jnp.float32)
        return {"logits": logits, "corners": (corners + start).reshape(-1, 4, 2)}
