"""What every config family shares: the `get_config(arg)` argument parser, the fields of a
training run, the optimiser block, the detector-family data block and the test-size shrink.

A family file (configs/recognizer.py, ...) builds its config from these pieces; a variant is
picked after the file name and says what it changes (`--config configs/recognizer.py:cpu`),
and any field can then be overridden (`--config.total_steps=100`; tuple fields take
`--config.data.train_dirs=DIR` once per entry).
"""
from __future__ import annotations

import importlib.util
import os

import ml_collections


def _bool(text: str) -> bool:
    if text.lower() not in ("true", "false", ""):
        raise ValueError(f"expected true or false, got {text!r}")
    return text.lower() == "true"


def parse_arg(arg: str | None, **spec) -> ml_collections.ConfigDict:
    """The string after `config.py:` as typed values, e.g. "cpu,tiny" or "gpu,steps=40000".

    spec: name -> default (its type converts the text). A bare word is True for a boolean
    name in spec, else the value of the first name in spec (the variant). Unknown names
    raise."""
    out = ml_collections.ConfigDict(type_safe=False)
    given = {}
    names = list(spec)
    for item in (arg or "").split(","):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            if isinstance(spec.get(key), bool):
                key, value = key, "true"
            else:
                key, value = names[0], item
        if key not in spec:
            raise ValueError(f"config argument {key!r} unknown; expected one of {names}")
        if key in given:
            raise ValueError(f"config argument {key!r} given twice in {arg!r}")
        given[key] = value
    for key, default in spec.items():
        if key in given:
            convert = _bool if isinstance(default, bool) else type(default)
            out[key] = convert(given[key])
        else:
            out[key] = default
    return out


def check_variant(variant: str, variants: dict, family: str) -> None:
    if variant not in variants:
        raise ValueError(f"configs/{family}.py: unknown variant {variant!r}; expected one of "
                         + ", ".join(f"{k} ({v})" for k, v in variants.items()))


def run(task: str, seed: int = 0) -> ml_collections.ConfigDict:
    """The fields of every training run (the loop reads these), at GPU-run defaults."""
    c = ml_collections.ConfigDict()
    c.task = task
    c.seed = seed
    c.compute_dtype = "float32"     # "bfloat16": mixed precision (float32 params and losses)
    c.init_from = ""                # an exported .npz to start from (a later stage)
    c.requires_init = False         # True: the variant fine-tunes, init_from must be given
    c.total_steps = 100000
    c.log_every = 100
    c.checkpoint_every = 5000
    c.keep_checkpoints = 3
    c.eval_every = 10000
    c.eval_dirs = ()
    c.eval_split = "all"
    return c


def optimizer(name: str = "adam", lr: float = 1e-3, boundaries=(), decay: float = 0.1,
              momentum: float = 0.9, weight_decay: float = 0.0, grad_clip: float = 5.0
              ) -> ml_collections.ConfigDict:
    """A step schedule: lr, times `decay` at each of `boundaries` (steps)."""
    return ml_collections.ConfigDict(dict(
        name=name, lr=lr, boundaries=tuple(boundaries), decay=decay, momentum=momentum,
        weight_decay=weight_decay, grad_clip=grad_clip))


def schedule(c: ml_collections.ConfigDict, total: int, *boundaries: int) -> None:
    c.total_steps = total
    c.optimizer.boundaries = tuple(boundaries)


def detection_data(**overrides) -> ml_collections.ConfigDict:
    """The data block of the detector families (RPN, R-CNN, DSNT in both modes)."""
    d = dict(
        batch_size=8,               # global; or per_device_batch_size x devices when that is > 0
        per_device_batch_size=0,
        input_hw=(480, 320),        # the letterboxed scene the RPN sees (h, w)
        scene_hw=(1160, 720),       # generated scenes: CCPD's size
        workers=8,                  # generator processes
        train_dirs=(),              # labelled photos to train on; empty: generate on the fly
        background_dirs=(),         # real photos under generated scenes, their plates labelled
        background_split="a",
        rcnn_proposals=0,           # R-CNN / DSNT: proposals per scene
        rcnn_positive_fraction=0.5,
        mined_files=(),             # R-CNN: the fixed RPN's proposals mined on each train_dirs
        mined_fraction=0.5,         # entry ("" for none; scripts/mine_proposals.py)
        recrop_fraction=0.0,        # DSNT / R-CNN: share of positives cut as the detector's
                                    # re-crops cut them (tight round the plate), not RPN-like
        train_weights=(),           # each train_dirs entry's share of the examples
        rpn_zoom=(1.0, 1.0),        # RPN: the letterboxed view zoomed by a factor in this range
        rpn_band_px=(0.0, 1e9),     # RPN: plates wider or narrower (input px) are ignored
        p_photometric=0.0,          # photos from disk degraded online (night, blur, JPEG)
        grayscale=0.0)              # share of each batch's photos turned to their luma (a
                                    # monochrome or infrared camera: train.task.grayscale_rows)
    unknown = set(overrides) - set(d)
    if unknown:
        raise ValueError(f"detection_data: unknown fields {sorted(unknown)}")
    d.update(overrides)
    return ml_collections.ConfigDict(d)


# The detector's real-world training data (issue "detection in the wild"): synthetic scenes
# of every plate size (`alpr synth --kind scenes --plate-width 16 650` over the real photos),
# the 500 real CCPD photos of ccpd_600/train and half "a" of the shared CCPD scenes, with the
# share of examples each gives. ccpd_600/test, half "b" and easypr_dev are never trained on.
WILD_DIRS = ("runs/scenes_allsizes", "../shared/data/ccpd_600/train",
             "../shared/data/ccpd_samples:a")
WILD_WEIGHTS = (0.5, 0.45, 0.05)
# the same with the scenes of two-row plates and rarer kinds (runs/scenes_kinds) a fifth
KINDS_WEIGHTS = tuple(0.8 * w for w in WILD_WEIGHTS) + (0.2,)
WILD_MINED = ("runs/scenes_allsizes/rpn_proposals.jsonl", "runs/mined/ccpd_600_train.jsonl",
              "runs/mined/ccpd_samples_a.jsonl")


def wild_data(c: ml_collections.ConfigDict, mined: bool = False) -> None:
    """c's data from WILD_DIRS in WILD_WEIGHTS (and their mined proposals)."""
    c.data.train_dirs, c.data.train_weights = WILD_DIRS, WILD_WEIGHTS
    c.data.mined_files = WILD_MINED if mined else ()
    c.data.p_photometric = 0.5
    c.eval_dirs = ("../shared/data/ccpd_samples", "../shared/data/ccpd_600/test")


def shrink_scenes(c: ml_collections.ConfigDict) -> None:
    """The detector families' part of the test-size run: 2 small generated scenes a step."""
    c.data.batch_size = 2
    c.data.input_hw, c.data.scene_hw = (96, 64), (240, 160)
    c.data.train_dirs, c.data.background_dirs, c.data.train_weights = (), (), ()
    c.data.rcnn_proposals = min(c.data.rcnn_proposals, 4)
    c.data.mined_files = ()              # mining needs written scenes (tests do it apart)


def shrink(c: ml_collections.ConfigDict, steps: int = 4) -> None:
    """The test-size run of any config (big_vision's `runlocal`): a few steps of a tiny
    batch, no worker processes, no periodic evaluation, checkpoints every 2 steps. Families
    shrink their model and inputs themselves."""
    c.total_steps = steps
    c.optimizer.boundaries = (steps // 2,)
    c.log_every = 1
    c.checkpoint_every = 2
    c.eval_every = 0
    c.eval_dirs = ()
    c.data.workers = 0


def load(spec: str) -> ml_collections.ConfigDict:
    """"configs/recognizer.py:cpu,tiny" -> that file's get_config("cpu,tiny"), as train.py's
    --config reads it (for scripts and tests that build runs in-process)."""
    path, _, arg = spec.partition(":")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such config file")
    module_spec = importlib.util.spec_from_file_location(
        "config_" + os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.get_config(arg) if arg else module.get_config()
