"""Recogniser outputs -> plate texts with per-character probabilities (numpy, float32 softmax).

One implementation for training-time evaluation, eval.py and the inference pipeline.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from alpr_jax import plates


@dataclasses.dataclass(frozen=True)
class PlateReading:
    text: str
    confidence: float                    # product of the per-character probabilities
    char_confidences: tuple[float, ...]  # one per character of `text`


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities over the last axis, float32 (max subtracted first)."""
    z = np.asarray(logits, np.float32)
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _softmax(logits: np.ndarray) -> np.ndarray:
    return np.exp(log_softmax(logits))


_PRIORS = plates.char_priors()
_EMBASSY_PRIORS = plates.char_priors(plates.EMBASSY)
_EMBASSY_INDEX = plates.PROVINCE_CLASSES.index(plates.EMBASSY)


def decode_classifier(province_logits, char_logits, use_priors: bool = True) -> list[PlateReading]:
    """province_logits [B, 32], char_logits [B, 7, 43] -> B readings. Priors zero the
    probability of classes impossible at a position given the first character (char 2 of a
    province's plate must be a letter, an embassy plate is 使 and digits, ...)."""
    p_prov = _softmax(province_logits)
    p_char = _softmax(char_logits)
    prov_idx = p_prov.argmax(-1)
    if use_priors:
        priors = np.where((prov_idx == _EMBASSY_INDEX)[:, None, None], _EMBASSY_PRIORS, _PRIORS)
        p_char = p_char * priors
        p_char /= np.maximum(p_char.sum(-1, keepdims=True), 1e-12)
    char_idx = p_char.argmax(-1)
    readings = []
    for b in range(len(prov_idx)):
        idx = np.concatenate([[prov_idx[b]], char_idx[b]])
        probs = [float(p_prov[b, prov_idx[b]])]
        probs += [float(p_char[b, i, c]) for i, c in enumerate(char_idx[b])
                  if c != plates.NONE_INDEX]
        readings.append(PlateReading(plates.decode_indices(idx), float(np.prod(probs)), tuple(probs)))
    return readings


def decode_ctc(ctc_logits) -> list[PlateReading]:
    """Greedy CTC decoding of [B, T, 1 + V] logits (blank = 0): best class per step, repeats
    merged, blanks dropped. A character's confidence is its best step's probability."""
    from alpr_jax.models.baselines import CTC_BLANK, CTC_VOCAB
    probs = _softmax(ctc_logits)
    best = probs.argmax(-1)
    readings = []
    for b in range(best.shape[0]):
        chars, confs, prev = [], [], CTC_BLANK
        for t, c in enumerate(best[b]):
            if c != CTC_BLANK and c != prev:
                chars.append(CTC_VOCAB[c - 1])
                confs.append(float(probs[b, t, c]))
            elif c != CTC_BLANK and c == prev:
                confs[-1] = max(confs[-1], float(probs[b, t, c]))
            prev = c
        readings.append(PlateReading("".join(chars), float(np.prod(confs)) if confs else 0.0,
                                     tuple(confs)))
    return readings


def decode(outputs: dict, use_priors: bool = True) -> list[PlateReading]:
    """Any recogniser's output dict -> readings."""
    if "ctc_logits" in outputs:
        return decode_ctc(outputs["ctc_logits"])
    return decode_classifier(outputs["province_logits"], outputs["char_logits"], use_priors)
