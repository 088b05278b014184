"""R-CNN training on the fixed RPN's own proposals: mining writes them beside the photos,
records carry them, and the proposal sampler draws labelled ones from them."""
import dataclasses
import json
import os
import shutil

import numpy as np
import pytest

from alpr_jax.data import input_pipeline, mined_proposals, proposals
from alpr_jax.data.annotations import read_annotations
from alpr_jax.data.images import read_image
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.pipeline.detector import DetectorOptions

from conftest import load_script


def test_sampler_takes_labelled_mined_boxes():
    gt = np.array([[100, 100, 200, 140]], np.float32)
    far = np.array([[400, 50, 500, 90], [10, 300, 90, 330]], np.float32)     # IoU 0: negatives
    near = np.array([[104, 101, 203, 142]], np.float32)                        # IoU > 0.5
    mined = np.concatenate([far, near])
    rng = np.random.default_rng(0)
    props, labels, matched = proposals.sample_proposals(rng, gt, (600, 600), 64, 0.5, mined, 1.0)
    # with mined_fraction 1 every slot is a mined box of the right label
    assert (labels == 1).sum() == 32 and (matched[labels == 1] == 0).all()
    for p, label in zip(props, labels):
        pool = near if label == 1 else far
        assert np.isclose(pool, p).all(1).any()
    # without mined boxes the draw is the simulated one, unchanged by the new arguments
    a = proposals.sample_proposals(np.random.default_rng(1), gt, (600, 600), 16)
    b = proposals.sample_proposals(np.random.default_rng(1), gt, (600, 600), 16, 0.5, None, 1.0)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # the labels keep their IoU meaning whatever the source
    iou = box_ops.iou(props, gt)[:, 0]
    assert (iou[labels == 1] >= 0.5).all() and (iou[labels == 0] < 0.3).all()


def test_mine_attach_and_train_examples(tmp_path, ccpd_dir, monkeypatch):
    data = tmp_path / "scenes"
    data.mkdir()
    for record in read_annotations(ccpd_dir)[:2]:
        shutil.copy(record.path, data)
    # a truncated photo with a valid CCPD name: reported, skipped, the rest mined
    name = os.path.basename(record.path)
    (data / ("9" + name)).write_bytes(open(record.path, "rb").read()[:300])
    records = tuple(r for r in read_annotations(str(data)))
    with pytest.raises(FileNotFoundError, match="mine_proposals.py"):
        mined_proposals.attach(records, str(data))
    done, failures = load_script("mine_proposals").mine(str(data), progress=False)
    assert done == 2 and len(failures) == 1 and failures[0][0].endswith("9" + name)
    rows = [json.loads(l) for l in open(data / mined_proposals.FILE_NAME, encoding="utf-8")]
    assert len(rows) == 2 and all(
        0 < len(r["boxes"]) <= DetectorOptions.max_rois * (1 + r["views"]) for r in rows)
    # the plate-free views (the band above each CCPD plate at least) added their own RoIs,
    # and those lie clear of the plate: negatives for the R-CNN
    whole = load_script("mine_proposals").miner()
    for row, record in zip(rows, sorted(records[:2], key=lambda r: r.path)):
        n_whole = len(whole.proposals(read_image(record.path))[0])     # the whole photo's
        assert row["views"] >= 1 and len(row["boxes"]) > n_whole
        extra = np.asarray(row["boxes"][n_whole:], np.float32)
        gt = record.plates[0].box()[None]
        assert (box_ops.iou(extra, gt)[:, 0] < 0.3).all()
    attached = mined_proposals.attach(records, str(data))
    mined = attached[0].meta["rpn_proposals"]
    # the folder named relatively while the records carry absolute paths (a labels.jsonl
    # reads so): the same proposals, not silently none
    monkeypatch.chdir(tmp_path)
    again = mined_proposals.attach(records, "scenes")
    assert [("rpn_proposals" in r.meta) for r in again] == [("rpn_proposals" in r.meta)
                                                            for r in attached]
    # a mined file naming none of the photos is an error, not a run without mined proposals
    elsewhere = tuple(dataclasses.replace(r, path=str(tmp_path / "other" / "x.jpg"))
                      for r in records)
    with pytest.raises(ValueError, match="names none"):
        mined_proposals.attach(elsewhere, "scenes")
    assert mined.ndim == 2 and mined.shape[1] == 4
    base = input_pipeline.DetectionInputConfig()
    cfg = dataclasses.replace(base, batch_size=1, rcnn_proposals=8, mined_fraction=1.0,
                              scene=dataclasses.replace(base.scene, height=1160, width=720))
    example = input_pipeline.detection_record_example(0, 0, cfg, attached)
    assert example["proposals"].shape == (8, 4)
    # mined_fraction 1: every proposal is one of the mined boxes of its photo (this photo's
    # RPN output holds the plate and some background, so both labels have mined boxes)
    photo = attached[input_pipeline._epoch_order(0, 0, len(attached))[0]]
    mined = photo.meta["rpn_proposals"]
    for p in example["proposals"]:
        assert np.isclose(mined, p).all(1).any()


def test_recrop_positives_are_the_detectors_recrops_of_the_plate():
    """recrop_fraction 1: every positive is a plate's bounds grown by 3-20% a side, its edges
    a little off, as the detector re-crops round corners it found (both grow by
    boxes.grown); 0: the RPN-like jitter, which also shifts by a quarter plate height and
    scales by ~20%."""
    gt = np.array([[100, 200, 400, 300]], np.float32)
    rng = np.random.default_rng(0)
    tight, labels, _ = proposals.sample_proposals(rng, gt, (1160, 720), 400, 1.0,
                                                  recrop_fraction=1.0)
    loose, _, _ = proposals.sample_proposals(rng, gt, (1160, 720), 400, 1.0)
    assert (labels == 1).all()

    def margins(p):                       # per side, in plate widths / heights
        return np.concatenate([(gt[0, :2] - p[:, :2]) / (300, 100), (p[:, 2:] - gt[0, 2:])
                               / (300, 100)], 1)
    m = margins(tight)
    assert 0.0 < np.median(m) < 0.2 and np.percentile(m, 99) < 0.4
    assert np.std(margins(loose)) > 2 * np.std(m)
