"""Corner-patch refiner: one plate corner from its patch (geometry.corner_patches: a window
in the plate's frame, every corner seen as a top-left one) -> one heatmap at 1/4 of the
patch -> DSNT coordinates. Shared by the four corners, so it trains on four corners per
plate.

Input float32 [N, 64, 64, 3] in [0, 1]. Output {"heatmap_logits": [N, 1, 16, 16]};
geometry.dsnt.dsnt(normalize_heatmap(.)) gives [N, 1, 2] in [-1, 1] over the patch.
Receptive field ~120 px (dilated residual blocks at 1/4), so every heatmap cell sees the
whole patch: where the two edges meet, not only what is under it.
"""
from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp

from alpr_jax.models.dsnt_localizer import ResidualBlock
from alpr_jax.models.layers import ConvBN, scaled


class CornerRefiner(nn.Module):
    width: float = 1.0
    dilations: tuple[int, ...] = (1, 2, 4)

    @nn.compact
    def __call__(self, x, train: bool = False):
        if x.ndim != 4 or x.shape[1] % 4 or x.shape[2] % 4:
            raise ValueError(f"corner patches must be [N, H, W, 3] with H, W multiples of 4, "
                             f"got {x.shape}")
        x = x - 0.5
        x = ConvBN(scaled(16, self.width), strides=(2, 2))(x, train)          # 1/2
        x = ConvBN(scaled(32, self.width), strides=(2, 2))(x, train)          # 1/4
        for d in self.dilations:
            x = ResidualBlock(scaled(48, self.width), dilation=d)(x, train)
        logits = nn.Conv(1, (1, 1), name="heatmap")(x)                        # [N, h, w, 1]
        return {"heatmap_logits": jnp.transpose(logits, (0, 3, 1, 2))}
