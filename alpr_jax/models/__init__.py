"""Flax models. `build_recognizer(arch, **fields)` makes a recogniser from its config."""
from __future__ import annotations

RECOGNIZERS = ("stn", "holistic", "crnn")


def build_recognizer(arch: str = "stn", **fields):
    """arch "stn" (the paper's), "holistic" ([12]) or "crnn" ([15]); fields go to the module."""
    from alpr_jax.models import baselines, recognizer
    classes = {"stn": recognizer.STNRecognizer, "holistic": baselines.HolisticRecognizer,
               "crnn": baselines.CRNN}
    if arch not in classes:
        raise ValueError(f"unknown recogniser arch {arch!r}; expected one of {RECOGNIZERS}")
    return classes[arch](**fields)
