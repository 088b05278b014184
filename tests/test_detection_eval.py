"""Detection metrics: polygon IoU, AP, corner error; records-driven detector batches."""
import numpy as np
import pytest

from alpr_jax.data import pipelines
from alpr_jax.data.annotations import read_annotations
from alpr_jax.evaluate.detection import average_precision, detection_metrics, polygon_iou


def _quad(x1, y1, x2, y2):
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float32)


def test_polygon_iou():
    a = _quad(0, 0, 10, 10)
    assert polygon_iou(a, a) == pytest.approx(1.0)
    assert polygon_iou(a, _quad(20, 20, 30, 30)) == 0.0
    assert polygon_iou(a, _quad(5, 0, 15, 10)) == pytest.approx(50 / 150)
    # a rotated square inside its bounding box: polygon IoU is exactly half, box IoU would be 1
    diamond = np.array([[5, 0], [10, 5], [5, 10], [0, 5]], np.float32)
    assert polygon_iou(a, diamond) == pytest.approx(0.5)


def test_average_precision():
    assert average_precision(np.array([0.9, 0.8]), np.array([True, True]), 2) == pytest.approx(1.0)
    # a false positive ranked first: precision 1/2 at recall 1/2, 2/3 at recall 1; the
    # interpolated curve takes the best precision at any higher recall: 2/3 throughout
    ap = average_precision(np.array([0.95, 0.9, 0.8]), np.array([False, True, True]), 2)
    assert ap == pytest.approx(2 / 3)
    ap = average_precision(np.array([0.95, 0.9, 0.8]), np.array([True, False, True]), 2)
    assert ap == pytest.approx(0.5 * 1 + 0.5 * (2 / 3))
    assert average_precision(np.array([0.9]), np.array([True]), 2) == pytest.approx(0.5)


def test_detection_metrics_thresholds_and_corner_error():
    gt = _quad(100, 100, 200, 140)
    shifted = gt + np.array([3.0, 0.0], np.float32)       # IoU = 97 / 103 = 0.94
    far = gt + np.array([30.0, 0.0], np.float32)          # IoU = 70 / 130 = 0.54
    per_image = [(shifted[None], np.array([0.9]), gt[None]),
                 (far[None], np.array([0.8]), gt[None]),
                 (np.zeros((0, 4, 2)), np.zeros(0), gt[None])]
    m = detection_metrics(per_image)
    assert m["ap_50"] == pytest.approx(2 / 3)
    assert m["ap_60"] == pytest.approx(1 / 3) and m["ap_90"] == pytest.approx(1 / 3)
    assert m["recall_70"] == pytest.approx(1 / 3)
    assert m["corner_error_px"] == pytest.approx((3 + 30) / 2)


def test_record_batches_from_labelled_scenes(ccpd_dir):
    records = tuple(read_annotations(ccpd_dir))[:3]
    cfg = pipelines.DetectionInputConfig(batch_size=2, rcnn_proposals=4)
    batch = next(pipelines.batches("detection", 0, cfg, records=records))
    assert batch["full_image"].shape == (2, 1160, 720, 3)
    assert batch["proposals"].shape == (2, 4, 4)
    assert (batch["plate_mask"].sum(1) == 1).all()
    again = next(pipelines.batches("detection", 0, cfg, records=records))
    np.testing.assert_array_equal(batch["image"], again["image"])
    labels = batch["proposal_labels"]
    assert (labels == 1).sum() == 4 and (labels == 0).sum() == 4
