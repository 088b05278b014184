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
                "cer": 0.0, **province_metrics([], [])}
    dist = np.array([edit_distance(p, t) for p, t in zip(predictions, targets)])
    return {
        "n": n,
        "acc": float(np.mean(dist == 0)),
        "acc_1e": float(np.mean(dist <= 1)),
        "acc_2e": float(np.mean(dist <= 2)),
        "acc_1": float(np.mean([p[:1] == t[:1] for p, t in zip(predictions, targets)])),
        "acc_2_7": float(np.mean([p[1:] == t[1:] for p, t in zip(predictions, targets)])),
        "cer": float(dist.sum() / sum(len(t) for t in targets)),
        **province_metrics(predictions, targets),
    }


# The shared training data is ~96% 皖 plates: a recogniser can look right on them while it
# reads other provinces' plates as 皖. These keep the rest in sight.
MAJORITY_PROVINCE = "皖"


def province_metrics(predictions: list[str], targets: list[str]) -> dict:
    """per_province {first character: {"n", "acc", "acc_1"}}; n_other / acc_other / acc_1_other:
    the same over every plate whose first character is not MAJORITY_PROVINCE (nan if none);
    read_as_majority: how many of those had their first character read as it."""
    groups: dict = {}
    for p, t in zip(predictions, targets):
        groups.setdefault(t[:1], []).append((p == t, p[:1] == t[:1]))
    per = {c: {"n": len(v), "acc": float(np.mean([a for a, _ in v])),
               "acc_1": float(np.mean([b for _, b in v]))} for c, v in sorted(groups.items())}
    other = [(p, t) for p, t in zip(predictions, targets) if t[:1] != MAJORITY_PROVINCE]
    nan = float("nan")
    return {"per_province": per, "n_other": len(other),
            "acc_other": float(np.mean([p == t for p, t in other])) if other else nan,
            "acc_1_other": float(np.mean([p[:1] == t[:1] for p, t in other])) if other else nan,
            "read_as_majority": sum(p[:1] == MAJORITY_PROVINCE for p, _ in other)}
