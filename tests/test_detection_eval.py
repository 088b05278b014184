"""Detection metrics: polygon IoU, AP, corner error, the plate-free check; records-driven
detector batches."""
import shutil

import numpy as np
import pytest

from alpr_jax.data import input_pipeline
from alpr_jax.data.annotations import read_annotations
from alpr_jax.data.images import read_image
from alpr_jax.evaluate.detection import (average_precision, detection_metrics,
                                         evaluate_detector, polygon_iou)
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.pipeline.detector import Detection


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
    cfg = input_pipeline.DetectionInputConfig(batch_size=2, rcnn_proposals=4)
    batch = next(input_pipeline.batches("detection", 0, cfg, records=records))
    assert batch["full_image"].shape == (2, 1160, 720, 3)
    assert batch["proposals"].shape == (2, 4, 4)
    assert (batch["plate_mask"].sum(1) == 1).all()
    again = next(input_pipeline.batches("detection", 0, cfg, records=records))
    np.testing.assert_array_equal(batch["image"], again["image"])
    labels = batch["proposal_labels"]
    assert (labels == 1).sum() == 4 and (labels == 0).sum() == 4


class _BandFiringDetector:
    """Finds every labelled plate in a whole photo and fires (0.8) on any full-width band,
    never on a column: so the plate-free check must count exactly the bands as unclean."""

    def __init__(self, records):
        self.by_pixels = {read_image(r.path).tobytes(): r for r in records}

    def detect(self, image):
        record = self.by_pixels.get(image.tobytes())
        if record is not None:
            return [Detection(p.corners, p.box(), 0.99)
                    for p in record.plates], {}
        if image.shape[1] == 720:
            return [Detection(_quad(10, 10, 110, 40), np.array([10, 10, 110, 40], np.float32),
                              0.8)], {}
        return [], {}

    def size_mb(self):
        return 0.0


def test_plate_free_views_reported(tmp_path, ccpd_dir):
    for record in read_annotations(ccpd_dir)[:2]:
        shutil.copy(record.path, tmp_path)
    records = read_annotations(str(tmp_path))
    result = evaluate_detector(_BandFiringDetector(records), str(tmp_path))
    assert result["ap_70"] == pytest.approx(1.0)
    views = [box_ops.plate_free_views((1160, 720), r.plates[0].box()[None]) for r in records]
    bands = sum(1 for v in views for x1, _, x2, _ in v if x2 - x1 == 720)
    assert result["plate_free_views"] == sum(map(len, views)) > bands >= 2
    assert result["plate_free_clean"] == pytest.approx(1 - bands / sum(map(len, views)))
    scores = [s for image in result["images"] for s in image["plate_free_scores"]]
    assert sorted(set(scores)) == [0.0, 0.8]
    off = evaluate_detector(_BandFiringDetector(records), str(tmp_path), plate_free=False)
    assert "plate_free_views" not in off and off["ap_70"] == result["ap_70"]


def test_plate_redrawn_at_width_keeps_its_corners():
    from alpr_jax.evaluate.plate_size import at_plate_width
    image = np.full((300, 400, 3), 30, np.uint8)
    image[100:140, 150:250] = 220                       # a bright 100 x 40 "plate"
    corners = _quad(150, 100, 250, 140)
    for width in (30, 100, 350):
        view, moved = at_plate_width(image, corners, width, out_hw=(500, 600))
        assert view.shape == (500, 600, 3)
        assert moved[:, 0].max() - moved[:, 0].min() == pytest.approx(width, rel=1e-4)
        np.testing.assert_allclose((moved.min(0) + moved.max(0)) / 2, [300, 250], atol=1e-3)
        # the plate's pixels land inside the moved corners, the pad grey outside the photo
        x1, y1 = np.ceil(moved.min(0)).astype(int) + 1
        x2, y2 = np.floor(moved.max(0)).astype(int) - 1
        assert view[y1:y2, x1:x2].mean() > 210
    small, _ = at_plate_width(image, corners, 30, out_hw=(500, 600))
    assert (small[0, 0] == 128).all()
    with pytest.raises(ValueError, match="cannot be scaled"):
        at_plate_width(image, _quad(5, 5, 5, 9), 100)


def test_box_only_labels_match_by_box_iou():
    gt = _quad(100, 100, 200, 140)
    tilted = np.array([[100, 110], [200, 100], [200, 130], [100, 140]], np.float32)
    loose = _quad(90, 95, 230, 150)                    # box IoU 4000 / 7700 = 0.52
    per_image = [(tilted[None], np.array([0.9]), gt[None]),
                 (np.stack([loose, _quad(400, 400, 500, 440)]), np.array([0.9, 0.7]), gt[None]),
                 (np.zeros((0, 4, 2)), np.zeros(0), gt[None])]
    m = detection_metrics(per_image, boxes=True)
    assert m["found"] == pytest.approx(2 / 3) and m["false_detections"] == 1
    assert m["false_per_image"] == pytest.approx(1 / 3) and m["precision"] == pytest.approx(2 / 3)
    assert m["match"] == "box IoU >= 0.3" and "corner_error_px" not in m
    # by quadrilateral the tilted plate's IoU is 0.75, the loose box's 0.52: both found at 0.5
    q = detection_metrics(per_image)
    assert q["found"] == pytest.approx(2 / 3) and q["match"] == "quadrilateral IoU >= 0.5"
