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


# [F, 7, C] per plate format (plates.format_priors); an embassy plate's one format repeated
_FORMATS = plates.format_priors()
_EMBASSY_FORMATS = np.repeat(plates.format_priors(plates.EMBASSY), len(_FORMATS), 0)
_EMBASSY_INDEX = plates.PROVINCE_CLASSES.index(plates.EMBASSY)


def decode_classifier(province_logits, char_logits, use_priors: bool = True
                      ) -> list[PlateReading]:
    """province_logits [B, 32], char_logits [B, 7, 43] -> B readings. With priors, each
    reading takes the plate format (plates.format_priors: 7 tokens, Z and 4 characters
    before 港 / 澳, or a new-energy serial; 使 and digits after 使) under which its best
    characters are likeliest, and classes that format rules out at a position get no
    probability (char 2 must be a letter, a green plate's last 4 are digits, ...). A character's confidence is its probability
    renormalised over what its format allows there."""
    logp_prov = log_softmax(province_logits)
    logp_char = log_softmax(char_logits)
    prov_idx = logp_prov.argmax(-1)
    p_prov = np.exp(logp_prov)
    if use_priors:
        masks = np.where((prov_idx == _EMBASSY_INDEX)[:, None, None, None], _EMBASSY_FORMATS,
                         _FORMATS[None])                                     # [B, F, 7, C]
        allowed = np.where(masks, logp_char[:, None], -np.inf)
        fmt = allowed.max(-1).sum(-1).argmax(-1)                             # [B]
        p_char = np.exp(allowed[np.arange(len(fmt)), fmt])                  # [B, 7, C]
        p_char /= np.maximum(p_char.sum(-1, keepdims=True), 1e-12)
    else:
        p_char = np.exp(logp_char)
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
