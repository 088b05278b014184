"""Acceptance checks of the shipped detector on the shared real scenes: every plate found
with a tight quadrilateral, and parts of the same photos that hold no plate give nothing."""
import numpy as np
import pytest

from alpr_jax.data.annotations import read_annotations
from alpr_jax.data.images import read_image
from alpr_jax.evaluate.detection import polygon_iou
from alpr_jax.pipeline.detector import PlateDetector


@pytest.fixture(scope="module")
def detector():
    return PlateDetector.load()


def test_real_plates_found(detector, ccpd_dir):
    for record in read_annotations(ccpd_dir)[:4]:
        dets, _ = detector.detect(read_image(record.path))
        gt = record.plates[0].corners
        assert dets and max(polygon_iou(d.corners, gt) for d in dets) >= 0.7, record.path


@pytest.mark.xfail(strict=True, reason="known failure of the shipped CPU detector: car grilles, "
                   "logos and printed number strips score above 0.5 (no hard negatives from "
                   "real plate-free photos in its training yet); strict, so a fix shows up")
def test_no_detection_where_there_is_no_plate(detector, ccpd_dir):
    for record in read_annotations(ccpd_dir)[:6]:
        image = read_image(record.path)
        top = int(record.plates[0].box()[1]) - 40      # everything above the plate
        crop = np.ascontiguousarray(image[:max(top, 64)])
        dets, _ = detector.detect(crop)
        assert not dets, (record.path, [d.score for d in dets])
