"""Building blocks shared by the recogniser, the baselines and the detector."""
from __future__ import annotations

import flax.linen as nn


def scaled(n: int, width: float) -> int:
    """Channel count n scaled by the config's width multiplier (at least 4)."""
    return max(4, int(round(n * width)))


def batch_norm(train: bool, axis_name: str | None = None) -> nn.BatchNorm:
    """BatchNorm as every model here uses it: momentum 0.9 and the two-pass batch variance
    mean((x - mean)^2). Flax's default "fast" variance mean(x^2) - mean^2 loses digits to
    cancellation when |mean| >> std, so its float32 result even depends on the order of the
    reduction (1e-4 relative between 1 and 4 devices, seen in tests/multidevice_test.py)."""
    return nn.BatchNorm(use_running_average=not train, momentum=0.9, use_fast_variance=False,
                        axis_name=axis_name if train else None)


class ConvBN(nn.Module):
    """Conv (no bias) -> BatchNorm -> ReLU. rank > 0: the conv factored through `rank`
    channels, a kernel x kernel conv to rank ("reduce") then a 1x1 to features ("expand"),
    rank / features of the cost (scripts/factor_rpn.py fits one to a trained conv)."""
    features: int
    kernel: tuple[int, int] = (3, 3)
    strides: tuple[int, int] = (1, 1)
    rank: int = 0

    @nn.compact
    def __call__(self, x, train: bool):
        if self.rank:
            x = nn.Conv(self.rank, self.kernel, self.strides, use_bias=False, name="reduce")(x)
            x = nn.Conv(self.features, (1, 1), use_bias=False, name="expand")(x)
        else:
            x = nn.Conv(self.features, self.kernel, self.strides, use_bias=False)(x)
        x = batch_norm(train)(x)
        return nn.relu(x)
