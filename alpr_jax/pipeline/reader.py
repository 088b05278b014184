"""PlateReader: a recogniser with its variables, reading batches of rectified plates.

Batches are padded to a few fixed sizes, so jit compiles once per bucket, not per call.
Test-time augmentation: a plate is also read shifted 2 px left and right and scaled 5% in and
out about its centre (TTA_VIEWS; the shared bilinear sampler) and the per-class
log-probabilities of the five views are averaged, which absorbs some rectification error (a
corner source's error moves and scales the rectified plate); the plain read serves as view 0,
so the views cost four more reads of the plate. By default only the doubtful plates get them:
those whose plain reading's confidence is under reread_below (REREAD_BELOW); `tta=True` gives
them to every plate.
Dim plates: a plate whose luminance spans fewer than levels_below levels (0.5-99.5
percentile; a plate in shade, at night, under a dirty or tinted cover) is stretched to the
full range first (data.preprocess.auto_levels, the photos' rule without its black-point
part): the recogniser trained on full-range plates misreads such a plate's province.
Two-row plates: their rows cut and laid side by side (geometry.rectify.stitch_two_row) are
read by a second network of the same architecture trained for that input
(weights/recognizer_two_row.npz, `read(..., two_row=True)`) where the reader has one: the
one-row network reads a stitched province squeezed ~4x across, which it saw in 6% of its
training plates; training it on more of them cost it real one-row plates (model card), so
the two kinds get their own weights.
Plates without colour (a monochrome or infrared camera's: no pixel of the plate holds more
than data.preprocess.MONO_CHROMA levels between its channels) are read by a third network
trained on plates turned to their luma (weights/recognizer_mono.npz) where the reader has
one: the one-row network reads colour, and on such plates it takes S for 9, Z for 2, and the
red-suffix kinds for plain ones (unseen crops 0.957 in colour, 0.769 grey). Colour plates
are read exactly as before.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import decoding, weights
from alpr_jax.data.preprocess import (AUTO_LEVELS_BELOW, auto_levels, check_auto_levels_below,
                                     colourless, to_float)
from alpr_jax.geometry import sampler
from alpr_jax.geometry.rectify import PLATE_HW
from alpr_jax.models import build_recognizer
from alpr_jax.models.recognizer import SEGMENT_FILL
from alpr_jax.pipeline import runtime

BUCKETS = (1, 2, 4, 8, 16, 64)   # padded batch sizes: a photo with 2 plates pays for 2, not 8
# (horizontal shift in px, scale about the centre) of each view of the 48x120 plate that tta
# reads, view 0 the plate itself. The two scaled views (2026-12-08) keep readings from
# turning on a pixel of the corners: with them three corner localisers trained apart read
# easypr_dev alike (88 of 94 each, against 86-88 with the shifts alone) and its camera
# variants 5 plates more of 564; synthetic plate kinds 6 fewer of 2400 (README "Recognition")
TTA_VIEWS = ((0.0, 1.0), (-2.0, 1.0), (2.0, 1.0), (0.0, 0.95), (0.0, 1.05))
# plain readings under this confidence are read again with the other views: on easypr_dev
# 0.5, 0.8, 0.9 and 0.99 all give the same texts as tta for every plate (photo -> text 0.883
# -> 0.915), re-reading 27% (0.5) to 62% (0.99) of its plates; on plate_crops half b 0.5 gave
# 0.949 and 0.8 gives tta's 0.957, with the synthetic kinds equal or better (chosen on both)
REREAD_BELOW = 0.8
# plates spanning fewer brightness levels are stretched before they are read: the photos'
# threshold (data.preprocess), not tuned for plates; on easypr_dev 64 and 100 were measured
# (0.936 / 0.947 photo -> text, 0.926 without), plate_crops half b and ccpd_600/test read
# the same with either (README "Recognition")
PLATE_LEVELS_BELOW = AUTO_LEVELS_BELOW


TWO_ROW_WEIGHTS = "recognizer_two_row"     # weights.shipped name of the two-row network
MONO_WEIGHTS = "recognizer_mono"           # ... and of the network for plates without colour
_PROBE = jax.ShapeDtypeStruct((1, *PLATE_HW, 3), jnp.float32)


def _load(path: str) -> tuple[dict, dict]:
    variables, meta = weights.load_npz(path)
    if "model" not in meta:
        raise ValueError(f"{path}: weights carry no model config")
    return variables, meta


def _runner(model, variables, backend: str) -> tuple[runtime.NetRunner, list[str]]:
    """The recogniser `model` with its variables as a NetRunner returning its outputs as a
    tuple, and their names in that order (sorted; a baseline has no "thetas")."""
    keys = sorted(jax.eval_shape(lambda x: model.apply(variables, x, train=False), _PROBE))

    def apply(v, x):
        out = model.apply(v, x, train=False)
        return tuple(out[k] for k in keys)
    return runtime.NetRunner("recognizer", apply, variables, backend), keys


def check_reread_below(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError(f"reread_below must be in [0, 1], got {value}")
    return value


def _view_thetas() -> jnp.ndarray:
    """[V - 1, 2, 3] samplers of the views in TTA_VIEWS after view 0 (the plate itself, whose
    outputs the plain read already has)."""
    return jnp.asarray([[[s, 0.0, 2.0 * dx / PLATE_HW[1]], [0.0, s, 0.0]]
                        for dx, s in TTA_VIEWS[1:]], jnp.float32)


@jax.jit
def _other_views(x):
    """x float32 [B, 48, 120, 3] -> the other views [(V - 1) * B, 48, 120, 3], view-major.
    The views are geometry, like every crop: cut by the project's sampler in JAX on both
    backends, then read by the one recogniser network."""
    b, v = x.shape[0], len(TTA_VIEWS) - 1
    thetas = jnp.broadcast_to(_view_thetas(), (b, v, 2, 3))
    views = sampler.sample_batch(x, thetas, PLATE_HW, SEGMENT_FILL)        # [B, V-1, 48, 120, 3]
    return jnp.swapaxes(views, 0, 1).reshape((v * b,) + x.shape[1:])


def _merge_views(views: dict) -> dict:
    """The recogniser's outputs on every view of the plates, [V, B, ...] (view 0 the plates
    themselves) -> per plate: *_logits become the views' mean log-probabilities (float32), the
    other entries (thetas) view 0's."""
    return {k: decoding.log_softmax(v).mean(0) if k.endswith("_logits") else v[0]
            for k, v in views.items()}


def _extra_network(path: str | None, shipped_name: str) -> tuple[dict, dict] | None:
    """(model config, variables) of a network reading some plates instead of the recogniser,
    from path (None: the shipped file of that name; "none": no such network -> None)."""
    if path == "none":
        return None
    variables, meta = _load(path or weights.shipped(shipped_name))
    return meta["model"], variables


def _reading_runner(network: tuple[dict, dict] | None, backend: str, what: str
                    ) -> tuple[runtime.NetRunner | None, list[str]]:
    """_runner of a (model config, variables) pair that reads some plates instead of the
    recogniser, checked to give what decoding needs; (None, []) for None."""
    if network is None:
        return None, []
    runner, keys = _runner(build_recognizer(**network[0]), network[1], backend)
    missing = {"province_logits", "char_logits"} - set(keys)
    if missing:
        raise ValueError(f"the {what} recogniser has no {sorted(missing)} output")
    return runner, keys


def _checked(plates_uint8) -> np.ndarray:
    x = np.asarray(plates_uint8)
    if x.ndim != 4 or x.shape[1:] != (*PLATE_HW, 3):
        raise ValueError(f"plates must be [N, {PLATE_HW[0]}, {PLATE_HW[1]}, 3], got {x.shape}")
    return x


class PlateReader:
    def __init__(self, model_config: dict, variables: dict, use_priors: bool = True,
                 tta: bool = False, rectify: bool = True,
                 backend: str = "jax", reread_below: float = REREAD_BELOW,
                 levels_below: float = PLATE_LEVELS_BELOW,
                 two_row: tuple[dict, dict] | None = None,
                 mono: tuple[dict, dict] | None = None):
        """two_row: (model config, variables) of the network that reads stitched two-row
        plates (None: this one reads them too); mono: the same of the network that reads
        one-row plates without colour (None: this one reads them too)."""
        check_reread_below(reread_below)
        self.levels_below = check_auto_levels_below(levels_below, "levels_below")
        self.model_config = dict(model_config)
        self.rectify = rectify      # trained on rectified plates (False: box cuts, Table 6)
        self.model = build_recognizer(**self.model_config)
        self.use_priors = use_priors
        self.tta, self.reread_below = tta, reread_below
        # one network for the plain read and the other views (a batch V times larger)
        self._apply, self._keys = _runner(self.model, variables, backend)
        self._two_row, self._two_row_keys = _reading_runner(two_row, backend, "two-row")
        self._mono, self._mono_keys = _reading_runner(mono, backend, "colourless plates'")

    @property
    def has_two_row(self) -> bool:
        return self._two_row is not None

    @property
    def has_mono(self) -> bool:
        return self._mono is not None

    def _runners(self) -> list[runtime.NetRunner]:
        return [r for r in (self._apply, self._two_row, self._mono) if r is not None]

    def onnx_inputs(self) -> list:
        """[(runner, input shape)] of the recogniser(s) for an ONNX export (symbolic batch)."""
        return [(r, ("B", *PLATE_HW, 3)) for r in self._runners()]

    @property
    def variables(self):
        return self._apply.variables

    def size_mb(self) -> float:
        """Every network's variables as float32 in memory."""
        return sum(x.size * x.dtype.itemsize for r in self._runners()
                   for x in jax.tree_util.tree_leaves(r.variables)) / 2 ** 20

    def set_variables(self, variables: dict) -> None:
        """New weights of the same model (a training run's evaluations): the compiled
        functions are kept."""
        self._apply.set_variables(variables)

    @classmethod
    def load(cls, path: str | None = None, use_priors: bool = True,
             tta: bool = False, backend: str = "jax",
             reread_below: float = REREAD_BELOW,
             levels_below: float = PLATE_LEVELS_BELOW,
             two_row: str | None = None, mono: str | None = None) -> "PlateReader":
        """From a .npz written by weights.save_npz (default: the shipped recogniser);
        two_row: the .npz of the network reading stitched two-row plates (None: the shipped
        one; "none": the recogniser reads them too, as before 2026-12-06); mono: the same for
        the network reading plates without colour ("none": as before 2026-12-07); backend:
        where the networks run (pipeline.runtime); reread_below, levels_below: see the
        module docstring (0: never)."""
        path = path or weights.shipped("recognizer")
        variables, meta = _load(path)
        return cls(meta["model"], variables, use_priors, tta, bool(meta.get("rectify", True)),
                   backend, reread_below, levels_below,
                   _extra_network(two_row, TWO_ROW_WEIGHTS), _extra_network(mono, MONO_WEIGHTS))

    def outputs(self, plates_uint8: np.ndarray, tta: bool | None = None,
                two_row: bool = False) -> dict:
        """uint8 [N, 48, 120, 3] -> model outputs as numpy, N any size; tta: with the
        other views (None: as the reader was built); two_row: the plates are stitched
        two-row plates (read by the two-row network where there is one)."""
        tta = self.tta if tta is None else tta
        x = _checked(plates_uint8)
        net = self._net(two_row)
        if not tta:
            return self._run(x, "plain", net)
        return _merge_views(self._run(x, "all", net))

    def _net(self, two_row: bool, mono: bool = False) -> tuple[runtime.NetRunner, list[str]]:
        """The network that reads these plates and its outputs' names."""
        if two_row and self._two_row is not None:
            return self._two_row, self._two_row_keys
        if mono and not two_row and self._mono is not None:
            return self._mono, self._mono_keys
        return self._apply, self._keys

    def levelled(self, plates_uint8: np.ndarray) -> np.ndarray:
        """uint8 [N, 48, 120, 3] -> the same, each plate spanning fewer than levels_below
        brightness levels stretched to the full range (a copy where any is)."""
        if not self.levels_below:
            return plates_uint8
        plates = list(plates_uint8)
        out = [auto_levels(p, below=self.levels_below, black_above=255) for p in plates]
        if all(o is p for o, p in zip(out, plates)):
            return plates_uint8
        return np.stack(out)

    def _run(self, x: np.ndarray, views: str, net: tuple[runtime.NetRunner, list[str]]
             ) -> dict:
        """The network on plates uint8 [N, 48, 120, 3], in padded chunks of one call each ->
        its outputs on the plates ("plain": [N, ...]), on their other views ("others":
        [V - 1, N, ...]) or on both ("all": [V, N, ...], view 0 the plates)."""
        chunks = []
        for start in range(0, len(x), BUCKETS[-1]):
            part = x[start:start + BUCKETS[-1]]
            size = next(b for b in BUCKETS if b >= len(part))
            padded = np.zeros((size,) + part.shape[1:], np.float32)
            padded[:len(part)] = to_float(part)
            if views != "plain":
                others = np.asarray(_other_views(padded))
                padded = others if views == "others" else np.concatenate([padded, others])
            runner, keys = net
            out = {k: np.asarray(v) for k, v in zip(keys, runner(padded))}
            if views == "plain":
                chunks.append({k: v[:len(part)] for k, v in out.items()})
            else:
                chunks.append({k: v.reshape((-1, size) + v.shape[1:])[:, :len(part)]
                               for k, v in out.items()})
        if not chunks:
            return {}
        return {k: np.concatenate([c[k] for c in chunks], axis=0 if views == "plain" else 1)
                for k in chunks[0]}

    def read(self, plates_uint8: np.ndarray, two_row: bool = False
             ) -> list[decoding.PlateReading]:
        """uint8 [N, 48, 120, 3] rectified plates (two_row: two-row plates, rows stitched)
        -> N readings (dim plates stretched first, plates without colour read by their own
        network, doubtful ones read again: module docstring)."""
        if len(plates_uint8) == 0:
            return []
        x = _checked(plates_uint8)
        # judged as the camera gave them: a stretch would multiply a grey plate's rounding
        mono = (colourless(x) if self.has_mono and not two_row
                else np.zeros(len(x), bool))
        x = self.levelled(x)
        readings = [None] * len(x)
        for grey in (False, True):
            rows = np.flatnonzero(mono == grey)
            if len(rows):
                for i, r in zip(rows, self._read(x[rows], self._net(two_row, grey))):
                    readings[i] = r
        return readings

    def _read(self, x: np.ndarray, net: tuple[runtime.NetRunner, list[str]]
              ) -> list[decoding.PlateReading]:
        """uint8 [N >= 1, 48, 120, 3] levelled plates, read by `net` (tta or re-reads)."""
        if self.tta:                             # every plate's views in one call
            return decoding.decode(_merge_views(self._run(x, "all", net)), self.use_priors)
        plain = self._run(x, "plain", net)
        readings = decoding.decode(plain, self.use_priors)
        doubtful = [i for i, r in enumerate(readings) if r.confidence < self.reread_below]
        if doubtful:
            # the plain read is view 0: only the other views are read
            others = self._run(x[doubtful], "others", net)
            views = {k: np.concatenate([v[doubtful][None], others[k]]) for k, v in plain.items()}
            for i, r in zip(doubtful, decoding.decode(_merge_views(views), self.use_priors)):
                readings[i] = r
        return readings
