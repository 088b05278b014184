"""TFDS builders (array_record; no TensorFlow needed): a user's CCPD download, and the synthetic
engine's output. Images are stored as encoded JPEG/PNG bytes and decoded with OpenCV.

    builder = Ccpd(data_dir=DIR)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=CCPD))
    source = tfds.data_source("ccpd", data_dir=DIR)["train"]
    image, plates = decode_example(source[0])
"""
from __future__ import annotations

import dataclasses
import glob
import os

import numpy as np
import tensorflow_datasets as tfds

from alpr_jax.data import generate
from alpr_jax.data.annotations import (AnnotationError, PlateLabel, list_images,
                                       looks_like_ccpd_name, parse_ccpd_name, read_annotations)
from alpr_jax.data.images import decode_image, encode_image


def _features() -> tfds.features.FeaturesDict:
    return tfds.features.FeaturesDict({
        "image": tfds.features.Tensor(shape=(), dtype=np.object_),        # encoded bytes
        "filename": tfds.features.Text(),
        "texts": tfds.features.Sequence(tfds.features.Text()),
        "corners": tfds.features.Tensor(shape=(None, 4, 2), dtype=np.float32),
        "boxes": tfds.features.Tensor(shape=(None, 4), dtype=np.float32),
    })


def _example(image_bytes: bytes, filename: str, labels: list[PlateLabel]) -> dict:
    return {
        "image": image_bytes,
        "filename": filename,
        "texts": [p.text or "" for p in labels],
        "corners": np.array([p.corners for p in labels], np.float32).reshape(-1, 4, 2),
        "boxes": np.array([p.box() for p in labels], np.float32).reshape(-1, 4),
    }


def decode_example(example: dict) -> tuple[np.ndarray, list[PlateLabel]]:
    """A stored example -> (uint8 [H, W, 3] RGB image, plates)."""
    name = example["filename"]
    name = name.decode("utf-8") if isinstance(name, bytes) else name
    image = decode_image(example["image"], name)
    labels = []
    for text, corners, box in zip(example["texts"], example["corners"], example["boxes"]):
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        labels.append(PlateLabel(text or None, np.asarray(corners), np.asarray(box)))
    return image, labels


class _ArrayRecordBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Writes array_record by default: readable with tfds.data_source, no TensorFlow needed."""

    def __init__(self, *, file_format: str = "array_record", **kwargs):
        super().__init__(file_format=file_format, **kwargs)


class Ccpd(_ArrayRecordBuilder):
    """CCPD2019 / CCPD2020 (CCPD-Green) from a manual download, labels parsed from file names."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = """
    Download CCPD2019 and/or CCPD2020 (https://github.com/detectRecog/CCPD) and extract them
    under the manual directory, e.g. MANUAL/CCPD2019/{ccpd_base,...,splits} and
    MANUAL/CCPD2020/ccpd_green/{train,val,test}. Split files (splits/*.txt) become splits of the
    same name; train/val/test folders become splits; otherwise every image goes to "train".
    Images whose names carry no annotation (ccpd_np) are stored with no plates.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(builder=self, features=_features(),
                                     homepage="https://github.com/detectRecog/CCPD")

    def _split_generators(self, dl_manager):
        root = os.fspath(dl_manager.manual_dir)
        splits: dict[str, list[str]] = {}
        for split_file in sorted(glob.glob(os.path.join(root, "**", "splits", "*.txt"), recursive=True)):
            base = os.path.dirname(os.path.dirname(split_file))
            name = os.path.splitext(os.path.basename(split_file))[0]
            with open(split_file, encoding="utf-8") as f:
                paths = [os.path.join(base, line.strip()) for line in f if line.strip()]
            splits.setdefault(name, []).extend(paths)
        for split_dir in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
            name = os.path.basename(split_dir)
            if os.path.isdir(split_dir) and name in ("train", "val", "test"):
                splits.setdefault(name, []).extend(list_images(split_dir))
        if not splits:
            everything = [p for p in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True))
                          if os.path.isfile(p) and p.lower().endswith((".jpg", ".jpeg", ".png"))]
            if not everything:
                raise AnnotationError(f"{root}: no CCPD images found in the manual directory")
            splits["train"] = everything
        return {name: self._generate_examples(paths, root) for name, paths in splits.items()}

    def _generate_examples(self, paths, root):
        for path in paths:
            labels = list(parse_ccpd_name(path).plates) if looks_like_ccpd_name(path) else []
            with open(path, "rb") as f:
                data = f.read()
            rel = os.path.relpath(path, root)
            yield rel, _example(data, rel, labels)


@dataclasses.dataclass
class SyntheticConfig(tfds.core.BuilderConfig):
    kind: str = "plates"                 # "plates" or "scenes"
    num_train: int = 10000
    num_validation: int = 1000
    seed: int = 0
    backgrounds: str = ""                # scenes: annotated real photos to composite onto


class AlprSynthetic(_ArrayRecordBuilder):
    """The synthetic data engine's plates or scenes, frozen into a dataset."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    BUILDER_CONFIGS = [
        SyntheticConfig(name="plates", kind="plates", num_train=100000, num_validation=2000),
        SyntheticConfig(name="scenes", kind="scenes", num_train=20000, num_validation=500),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(builder=self, features=_features())

    def _split_generators(self, dl_manager):
        cfg = self.builder_config
        if cfg.kind not in ("plates", "scenes"):
            raise ValueError(f"SyntheticConfig.kind must be 'plates' or 'scenes', got {cfg.kind!r}")
        # Validation uses another seed stream, so it never repeats a training example.
        return {"train": self._generate_examples(cfg.seed, cfg.num_train),
                "validation": self._generate_examples(cfg.seed + 1_000_003, cfg.num_validation)}

    def _generate_examples(self, seed, count):
        cfg = self.builder_config
        real = tuple(read_annotations(cfg.backgrounds)) if cfg.backgrounds else ()
        for i in range(count):
            rng = np.random.default_rng([seed, i])
            if cfg.kind == "plates":
                sample = generate.generate_plate(rng)
            else:
                sample = generate.generate_scene(rng, real_backgrounds=real)
            labels = generate.sample_to_labels(sample)
            name = f"{cfg.kind}_{seed}_{i:08d}.png"
            yield name, _example(encode_image(sample.image, ".png"), name, labels)

