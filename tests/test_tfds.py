import os
import shutil

import numpy as np
import tensorflow_datasets as tfds

from alpr_jax.data import annotations, images, tfds_builders


def test_ccpd_builder_reads_manual_download(tmp_path, ccpd_dir):
    manual = tmp_path / "manual" / "CCPD2019"
    (manual / "ccpd_base").mkdir(parents=True)
    (manual / "ccpd_np").mkdir()
    (manual / "splits").mkdir()
    names = sorted(os.listdir(ccpd_dir))[:3]
    for n in names:
        shutil.copy(os.path.join(ccpd_dir, n), manual / "ccpd_base" / n)
    shutil.copy(os.path.join(ccpd_dir, names[0]), manual / "ccpd_np" / "0001.jpg")   # no plate
    (manual / "splits" / "train.txt").write_text(
        "".join(f"ccpd_base/{n}\n" for n in names[:2]) + "ccpd_np/0001.jpg\n", encoding="utf-8")
    (manual / "splits" / "test.txt").write_text(f"ccpd_base/{names[2]}\n", encoding="utf-8")

    data_dir = str(tmp_path / "tfds")
    builder = tfds_builders.Ccpd(data_dir=data_dir)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=str(tmp_path / "manual")))
    source = tfds.data_source("ccpd", data_dir=data_dir)
    assert len(source["train"]) == 3 and len(source["test"]) == 1
    by_name = {}
    for i in range(3):
        image, labels = tfds_builders.decode_example(source["train"][i])
        by_name[source["train"][i]["filename"].decode()] = (image, labels)
    image, labels = by_name[os.path.join("CCPD2019", "ccpd_base", names[0])]
    expected = annotations.parse_ccpd_name(os.path.join(ccpd_dir, names[0])).plates[0]
    assert len(labels) == 1 and labels[0].text == expected.text
    np.testing.assert_array_equal(labels[0].corners, expected.corners)
    np.testing.assert_array_equal(labels[0].bbox, expected.bbox)
    np.testing.assert_array_equal(image, images.read_image(os.path.join(ccpd_dir, names[0])))
    assert by_name[os.path.join("CCPD2019", "ccpd_np", "0001.jpg")][1] == []


def test_synthetic_builder(tmp_path):
    data_dir = str(tmp_path / "tfds")
    for kind, n_train in (("plates", 3), ("scenes", 2)):
        config = tfds_builders.SyntheticConfig(name=f"tiny_{kind}", kind=kind, num_train=n_train,
                                               num_validation=1, seed=3)
        builder = tfds_builders.AlprSynthetic(data_dir=data_dir, config=config)
        builder.download_and_prepare()
        source = builder.as_data_source()
        assert len(source["train"]) == n_train and len(source["validation"]) == 1
        image, labels = tfds_builders.decode_example(source["train"][0])
        assert image.dtype == np.uint8 and image.ndim == 3
        for p in labels:
            assert p.corners.shape == (4, 2) and len(p.text) in (7, 8)
        if kind == "plates":
            assert len(labels) == 1
