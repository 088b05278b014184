"""Corner localiser with DSNT heads (the second seed paper): a ResNet whose last two stages use
stride 1 and dilation 2 / 4, so four heatmaps (TL, TR, BR, BL) come out at 1/8 of the input
(80x60 for a 640x480 photo), turned into coordinates by geometry.dsnt.

Input float32 [B, H, W, 3] in [0, 1] (H, W multiples of 8). Output {"heatmap_logits":
[B, 4, H/8, W/8]}; geometry.dsnt.dsnt(normalize_heatmap(.)) gives [B, 4, 2] corners in [-1, 1]
over the input.
"""
from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp

from alpr_jax.models.layers import batch_norm, scaled as _ch

# name: (block, blocks per stage, base width)
DEPTHS = {"resnet50": ("bottleneck", (3, 4, 6, 3), 64),
          "resnet18": ("basic", (2, 2, 2, 2), 64),
          "small": ("basic", (1, 1, 1, 1), 32)}


class _Block(nn.Module):
    features: int
    strides: int = 1
    dilation: int = 1
    bottleneck: bool = False

    @nn.compact
    def __call__(self, x, train: bool):
        bn = lambda: batch_norm(train)
        d = (self.dilation, self.dilation)
        s = (self.strides, self.strides)
        out_features = self.features * (4 if self.bottleneck else 1)
        if self.bottleneck:
            y = nn.relu(bn()(nn.Conv(self.features, (1, 1), use_bias=False)(x)))
            y = nn.relu(bn()(nn.Conv(self.features, (3, 3), s, kernel_dilation=d,
                                     use_bias=False)(y)))
            y = bn()(nn.Conv(out_features, (1, 1), use_bias=False)(y))
        else:
            y = nn.relu(bn()(nn.Conv(self.features, (3, 3), s, kernel_dilation=d,
                                     use_bias=False)(x)))
            y = bn()(nn.Conv(self.features, (3, 3), kernel_dilation=d, use_bias=False)(y))
        if x.shape[-1] != out_features or self.strides != 1:
            x = bn()(nn.Conv(out_features, (1, 1), s, use_bias=False)(x))
        return nn.relu(x + y)


# the public name (the corner-patch refiner uses it too); the class keeps its old name because
# flax names parameters after it ("_Block_0", ...) in the shipped files
ResidualBlock = _Block


class DSNTLocalizer(nn.Module):
    depth: str = "resnet50"
    width: float = 1.0
    num_corners: int = 4

    @nn.compact
    def __call__(self, x, train: bool = False):
        if x.ndim != 4 or x.shape[1] % 8 or x.shape[2] % 8:
            raise ValueError(f"DSNT input must be [B, H, W, 3] with H, W multiples of 8, got "
                             f"{x.shape}")
        if self.depth not in DEPTHS:
            raise ValueError(f"depth must be one of {sorted(DEPTHS)}, got {self.depth!r}")
        block, counts, base = DEPTHS[self.depth]
        x = x - 0.5
        x = nn.Conv(_ch(base, self.width), (7, 7), (2, 2), use_bias=False)(x)
        x = nn.relu(batch_norm(train)(x))
        x = nn.max_pool(x, window_shape=(3, 3), strides=(2, 2), padding="SAME")  # 1/4
        # stage strides 1, 2 (-> 1/8), then stride 1 with dilation 2 and 4 (stays 1/8)
        for stage, (n, stride, dilation) in enumerate(zip(counts, (1, 2, 1, 1), (1, 1, 2, 4))):
            for i in range(n):
                x = _Block(_ch(base * 2 ** stage, self.width), stride if i == 0 else 1,
                           dilation, block == "bottleneck")(x, train)
        logits = nn.Conv(self.num_corners, (1, 1), name="heatmaps")(x)      # [B, h, w, 4]
        return {"heatmap_logits": jnp.transpose(logits, (0, 3, 1, 2))}
