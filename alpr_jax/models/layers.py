"""Building blocks shared by the recogniser, the baselines and the detector."""
from __future__ import annotations

import flax.linen as nn


def scaled(n: int, width: float) -> int:
    """Channel count n scaled by the config's width multiplier (at least 4)."""
    return max(4, int(round(n * width)))


class ConvBN(nn.Module):
    """Conv (no bias) -> BatchNorm -> ReLU."""
    features: int
    kernel: tuple[int, int] = (3, 3)
    strides: tuple[int, int] = (1, 1)

    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Conv(self.features, self.kernel, self.strides, use_bias=False)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        return nn.relu(x)
