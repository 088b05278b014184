"""Baseline recognisers of the paper's Table 7, on the same 48x120 rectified plates.

HolisticRecognizer ([12]): one CNN over the whole plate, one classifier per position; returns
  the same outputs as STNRecognizer (province_logits [B, 32], char_logits [B, 7, 43]).
CRNN ([15]): CNN -> left-to-right feature sequence -> BiLSTM -> per-step logits for CTC;
  returns {"ctc_logits": [B, T, 1 + V]} with blank at index 0 and V = CTC_VOCAB.
"""
from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp

from alpr_jax import plates
from alpr_jax.models.layers import ConvBN, scaled as _ch

# CTC vocabulary: blank, then provinces, then every character class except NONE.
CTC_VOCAB = plates.PROVINCE_CLASSES + tuple(c for c in plates.CHAR_CLASSES if c != plates.NONE)
CTC_BLANK = 0


class HolisticRecognizer(nn.Module):
    width: float = 1.0
    dropout: float = 0.2

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = x - 0.5
        for feat in (32, 64, 128, 256):
            x = ConvBN(_ch(feat, self.width))(x, train)
            x = ConvBN(_ch(feat, self.width))(x, train)
            x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2))  # 24x60 -> 12x30 -> 6x15 -> 3x7
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(nn.Dense(_ch(512, self.width))(x))
        x = nn.Dropout(self.dropout, deterministic=not train)(x)
        province = nn.Dense(len(plates.PROVINCE_CLASSES))(x)
        chars = nn.Dense((plates.NUM_POSITIONS - 1) * len(plates.CHAR_CLASSES))(x)
        return {"province_logits": province,
                "char_logits": chars.reshape(x.shape[0], plates.NUM_POSITIONS - 1, -1)}


class CRNN(nn.Module):
    width: float = 1.0
    hidden: int = 128

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = x - 0.5
        for feat, pool in ((32, (2, 2)), (64, (2, 2)), (128, (2, 1)), (256, (2, 1))):
            x = ConvBN(_ch(feat, self.width))(x, train)
            x = nn.max_pool(x, pool, pool)                  # 48x120 -> 3x30
        x = jnp.mean(x, axis=1)                             # [B, T=30, C]: one step per 4 px
        hidden = _ch(self.hidden, self.width)
        for _ in range(2):
            x = nn.Bidirectional(nn.RNN(nn.OptimizedLSTMCell(hidden)),
                                 nn.RNN(nn.OptimizedLSTMCell(hidden)))(x)
        return {"ctc_logits": nn.Dense(1 + len(CTC_VOCAB))(x)}
