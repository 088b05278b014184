"""Real plates for the recogniser: cut once from annotated photos or crop folders, then mixed
into synthetic training batches (perturbed, so a few hundred real plates are not memorised
pixel for pixel) and read by the evaluators.

    real = RealPlates.load(["../shared/data/plate_crops"], split="a")
    batch = real.mix_into(batch, k=8, seed=0, step=12)
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from alpr_jax import plates
from alpr_jax.data import augment
from alpr_jax.data.annotations import ImageRecord, read_split
from alpr_jax.data.images import ImageReadError, read_image
from alpr_jax.data.preprocess import record_plate_inputs
from alpr_jax.geometry.rectify import PLATE_HW


@dataclasses.dataclass
class PlateDataset:
    """Real plates ready for the recogniser, with the files that could not be used."""
    images: np.ndarray            # uint8 [N, 48, 120, 3]
    labels: np.ndarray            # int32 [N, 8]
    texts: list[str]
    sources: list[str]            # file each plate came from
    errors: list[str]             # "path: problem" for every unreadable file


def load_plate_dataset(records: list[ImageRecord], out_hw=PLATE_HW, rectify: bool = True
                       ) -> PlateDataset:
    """Cuts every labelled plate out of real annotated images (rectified by its corners; whole
    image for crops). Unreadable files are reported in `errors` and skipped."""
    images, texts, sources, errors = [], [], [], []
    for record in records:
        try:
            image = read_image(record.path)
        except ImageReadError as e:
            errors.append(str(e))
            continue
        for plate, x in zip(record.plates, record_plate_inputs(image, record, out_hw, rectify)):
            if plate.text is None:
                continue
            images.append(x)
            texts.append(plate.text)
            sources.append(record.path)
    labels = (np.stack([plates.encode_text(t) for t in texts]) if texts
              else np.zeros((0, plates.NUM_POSITIONS), np.int32))
    stacked = np.stack(images) if images else np.zeros((0, *out_hw, 3), np.uint8)
    return PlateDataset(stacked, labels, texts, sources, errors)


def perturb(image: np.ndarray, rng: np.random.Generator, camera: float = 0.0) -> np.ndarray:
    """A small random affine (shift, scale, rotation) and brightness change of a uint8
    [48, 120, 3] plate: the real plate as a slightly different detection would cut it. With
    probability `camera` it is then degraded as a street camera would (augment.PLATE_AUGMENT:
    blur, low resolution, noise, JPEG, night, glare), so the real typeface is also seen
    blurred and small, not only the synthetic one (0: the draws of the recipes before)."""
    h, w = image.shape[:2]
    angle, scale = rng.uniform(-3, 3), rng.uniform(0.93, 1.07)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += rng.uniform(-0.04, 0.04, 2) * np.array([w, h])
    out = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    out = np.clip(out.astype(np.float32) * rng.uniform(0.75, 1.25), 0, 255).astype(np.uint8)
    if camera > 0 and rng.random() < camera:
        out = augment.apply(rng, out, augment.PLATE_AUGMENT)
    return out


@dataclasses.dataclass
class RealPlates:
    """Real training plates and the probability of drawing each (None: uniform)."""
    data: PlateDataset
    probs: np.ndarray | None = None

    @classmethod
    def load(cls, dirs, split: str = "a", rectify: bool = True, weights=None,
             province_balance: float = 0.0) -> "RealPlates":
        """The plates of `split` of every folder in `dirs` (any read_annotations layout; a
        "DIR:a" / "DIR:b" / "DIR:all" entry names its own half, annotations.read_split).
        weights: each folder's share of the draws, split evenly over its plates (default:
        every plate alike). province_balance b in [0, 1]: each plate's chance is then divided
        by (real plates of its province) ** b, so the shared sets' ~96% 皖 do not teach that
        the first character is 皖 (0: as drawn; 1: every province alike). A folder holding
        no plate of the split is an error."""
        if not 0.0 <= province_balance <= 1.0:
            raise ValueError(f"province_balance {province_balance}: expected 0..1")
        dirs = list(dirs)
        if weights is not None and len(weights) and (
                len(weights) != len(dirs) or min(weights) < 0 or sum(weights) <= 0):
            raise ValueError(f"real plate weights {list(weights)}: expected one non-negative "
                             f"weight per folder ({len(dirs)})")
        per_dir = [read_split(path, split) for path in dirs]
        data = load_plate_dataset([r for recs in per_dir for r in recs], rectify=rectify)
        folder = {r.path: i for i, recs in enumerate(per_dir) for r in recs}
        of_plate = np.array([folder[src] for src in data.sources], np.int64)
        counts = np.bincount(of_plate, minlength=len(dirs))
        for path, n in zip(dirs, counts):
            if n == 0:
                raise ValueError(f"real plate folder {path} (split {split}) holds no "
                                 f"labelled plates")
        probs = None
        if weights is not None and len(weights):
            probs = np.asarray(weights, np.float64)[of_plate] / counts[of_plate]
        if province_balance > 0:
            first = [plates.tokens(t)[0] for t in data.texts]
            per_province = {c: first.count(c) for c in set(first)}
            probs = (np.ones(len(first)) if probs is None else probs) / np.array(
                [per_province[c] for c in first], np.float64) ** province_balance
        return cls(data, None if probs is None else probs / probs.sum())

    def mix_into(self, batch: dict, k: int, seed: int, step: int, offset: int = 0,
                 camera: float = 0.0) -> dict:
        """batch {"image": uint8 [B, 48, 120, 3], "labels": int32 [B, 8]} with rows 0..k-1 of
        the GLOBAL batch replaced by perturbed real plates (`camera`: perturb's share also
        degraded as a street camera would); `batch` may be one host's rows starting at global
        row `offset`. The draws depend only on (seed, step)."""
        if not 0.0 <= camera <= 1.0:
            raise ValueError(f"real_camera {camera}: expected 0..1")
        rng = np.random.default_rng([seed, 11, step])
        n = len(self.data.texts)
        idx = rng.integers(n, size=k) if self.probs is None else rng.choice(n, size=k, p=self.probs)
        # all k: same on every host
        perturbed = [perturb(self.data.images[i], rng, camera) for i in idx]
        images, labels = batch["image"].copy(), batch["labels"].copy()
        for row in range(max(offset, 0), min(k, offset + len(images))):
            images[row - offset] = perturbed[row]
            labels[row - offset] = self.data.labels[idx[row]]
        return {"image": images, "labels": labels}
