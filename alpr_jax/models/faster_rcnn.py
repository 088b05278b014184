"""Faster R-CNN (Ren et al., 2015), the paper's Table 5 baselines: a ZF or VGG-16 backbone at
feature stride 16 (or 8: its last pooling dropped, the "higher feature resolution" rows), an
RPN on the shared features with the project's 15 anchors, and a box head on RoIAlign bins of
those features (6x6 for ZF, 7x7 for VGG-16, as their fc6 layers expect) -> fc6 4096 -> fc7
4096 -> plate / not and one box's deltas.

Differences from the paper's baselines, for training from scratch on small data: every conv is
ConvBN (BatchNorm instead of ZF's LRN and of ImageNet pre-training) and RoIAlign replaces RoI
max-pooling. At width 1.0 the parameter counts are those of the originals (ZF 58.9 M, VGG-16
136.7 M with these 15 anchors; the paper: 224 MB and 521 MB).

Input: float32 [B, H, W, 3] in [0, 1], H and W multiples of the stride (the letterboxed photo
the cascade's RPN sees). rpn(): features [B, H/s, W/s, C] and {"objectness": [B, N],
"deltas": [B, N, 4]}, N = H/s * W/s * 15 anchors ordered (y, x, anchor) as
geometry.anchors.grid_anchors(stride=s). head(features, rois [B, K, 4] input px):
{"roi_logits": [B, K, 2], "roi_deltas": [B, K, 4]} (box deltas of geometry.boxes.encode divided
by ROI_DELTA_STD).
"""
from __future__ import annotations

import flax.linen as nn
import numpy as np

from alpr_jax.geometry.anchors import ANCHOR_AREAS, ANCHOR_RATIOS
from alpr_jax.geometry.roi_align import roi_align_batch
from alpr_jax.models.layers import ConvBN, scaled as _ch

BACKBONES = ("zf", "vgg16")
STRIDES = (8, 16)
POOL = {"zf": 6, "vgg16": 7}            # RoI bins per side, as the originals' fc6 inputs
RPN_CHANNELS = {"zf": 256, "vgg16": 512}
# the box head's regression targets are box deltas divided by these (Faster R-CNN's), so the
# four have comparable spread
ROI_DELTA_STD = np.array([0.1, 0.1, 0.2, 0.2], np.float32)


class ZF(nn.Module):
    """conv1 7x7/2 96, max-pool 3x3/2, conv2 5x5/2 256, max-pool 3x3/2 (left out at stride 8),
    conv3-conv5 3x3 384, 384, 256."""
    width: float = 1.0
    stride: int = 16

    @nn.compact
    def __call__(self, x, train: bool):
        w = lambda n: _ch(n, self.width)
        x = ConvBN(w(96), (7, 7), (2, 2))(x, train)
        x = nn.max_pool(x, window_shape=(3, 3), strides=(2, 2), padding="SAME")
        x = ConvBN(w(256), (5, 5), (2, 2))(x, train)
        if self.stride == 16:
            x = nn.max_pool(x, window_shape=(3, 3), strides=(2, 2), padding="SAME")
        for feat in (384, 384, 256):
            x = ConvBN(w(feat))(x, train)
        return x


class VGG16(nn.Module):
    """The 13 3x3 convs of VGG-16 in five blocks, max-pool 2x2 after the first four (the
    fourth left out at stride 8); conv5_3 is the feature map."""
    width: float = 1.0
    stride: int = 16

    @nn.compact
    def __call__(self, x, train: bool):
        w = lambda n: _ch(n, self.width)
        blocks = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))
        for i, block in enumerate(blocks):
            for feat in block:
                x = ConvBN(w(feat))(x, train)
            if i < 3 or (i == 3 and self.stride == 16):
                x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2))
        return x


class FasterRCNN(nn.Module):
    backbone: str = "zf"
    stride: int = 16
    width: float = 1.0
    fc: int = 4096
    dropout: float = 0.5
    num_anchors: int = len(ANCHOR_AREAS) * len(ANCHOR_RATIOS)

    def setup(self):
        if self.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {BACKBONES}, got {self.backbone!r}")
        if self.stride not in STRIDES:
            raise ValueError(f"stride must be one of {STRIDES}, got {self.stride}")
        body = {"zf": ZF, "vgg16": VGG16}[self.backbone]
        self.body = body(self.width, self.stride)
        self.rpn_conv = nn.Conv(_ch(RPN_CHANNELS[self.backbone], self.width), (3, 3))
        self.objectness = nn.Conv(self.num_anchors, (1, 1))
        self.deltas = nn.Conv(self.num_anchors * 4, (1, 1),
                              kernel_init=nn.initializers.normal(0.001))
        self.fc6 = nn.Dense(_ch(self.fc, self.width))
        self.fc7 = nn.Dense(_ch(self.fc, self.width))
        self.drop = nn.Dropout(self.dropout)
        self.cls = nn.Dense(2)
        self.box = nn.Dense(4, kernel_init=nn.initializers.normal(0.001))

    def rpn(self, x, train: bool = False):
        """x [B, H, W, 3] -> (features [B, H/s, W/s, C], RPN outputs)."""
        if x.ndim != 4 or x.shape[1] % self.stride or x.shape[2] % self.stride:
            raise ValueError(f"Faster R-CNN input must be [B, H, W, 3] with H, W multiples of "
                             f"{self.stride}, got {x.shape}")
        features = self.body(x - 0.5, train)
        h = nn.relu(self.rpn_conv(features))
        b, hf, wf, _ = h.shape
        n = hf * wf * self.num_anchors
        return features, {"objectness": self.objectness(h).reshape(b, n),
                          "deltas": self.deltas(h).reshape(b, n, 4)}

    def head(self, features, rois, train: bool = False):
        """features [B, h, w, C], rois [B, K, 4] (input px) -> box head outputs."""
        pooled = roi_align_batch(features, rois, POOL[self.backbone], self.stride)
        b, k = rois.shape[:2]
        x = pooled.reshape(b * k, -1)
        x = self.drop(nn.relu(self.fc6(x)), deterministic=not train)
        x = self.drop(nn.relu(self.fc7(x)), deterministic=not train)
        return {"roi_logits": self.cls(x).reshape(b, k, 2),
                "roi_deltas": self.box(x).reshape(b, k, 4)}

    def __call__(self, x, rois, train: bool = False):
        features, out = self.rpn(x, train)
        return {**out, **self.head(features, rois, train)}
