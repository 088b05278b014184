"""Recognition metrics on plate strings (the paper's Table 6-7 columns)."""
from __future__ import annotations

import numpy as np


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def recognition_metrics(predictions: list[str], targets: list[str]) -> dict:
    """acc: whole plate right. acc_1e / acc_2e: at most 1 / 2 character errors (edit distance).
    acc_1: the first (province) character right. acc_2_7: everything after the province right
    (for 8-char plates this includes the 8th). cer: total edit distance / total characters."""
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions for {len(targets)} targets")
    n = len(targets)
    if n == 0:
        return {"n": 0, "acc": 0.0, "acc_1e": 0.0, "acc_2e": 0.0, "acc_1": 0.0, "acc_2_7": 0.0,
                "cer": 0.0}
    dist = np.array([edit_distance(p, t) for p, t in zip(predictions, targets)])
    return {
        "n": n,
        "acc": float(np.mean(dist == 0)),
        "acc_1e": float(np.mean(dist <= 1)),
        "acc_2e": float(np.mean(dist <= 2)),
        "acc_1": float(np.mean([p[:1] == t[:1] for p, t in zip(predictions, targets)])),
        "acc_2_7": float(np.mean([p[1:] == t[1:] for p, t in zip(predictions, targets)])),
        "cer": float(dist.sum() / sum(len(t) for t in targets)),
    }
