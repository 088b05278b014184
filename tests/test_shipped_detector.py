"""Acceptance checks of the shipped detector on the shared real scenes: every plate found
with a tight quadrilateral, and parts of the photos that hold no plate give nothing."""
import numpy as np
import pytest

from alpr_jax.data.annotations import read_annotations, split_records
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


# known failures of the shipped CPU detector, strict so that a fix shows up: a round car badge
# on a boot lid scores 0.97, and part of a bonnet 0.58 (2 of the 5 unseen scenes)
_FALSE_POSITIVE = pytest.mark.xfail(strict=True, reason="shipped detector: a car badge / bonnet "
                                    "detail scores above 0.5 (see the detector model card)")


@pytest.mark.parametrize("index", [0, 1, pytest.param(2, marks=_FALSE_POSITIVE), 3,
                                   pytest.param(4, marks=_FALSE_POSITIVE)])
def test_no_detection_where_there_is_no_plate(detector, ccpd_dir, index):
    # half "b" of the shared scenes: the shipped R-CNN's mined negatives came from synthetic
    # scenes on half "a" photos, so these car fronts, badges and shop signs are unseen
    records = split_records(read_annotations(ccpd_dir), "b")
    assert len(records) == 5
    record = records[index]
    image = read_image(record.path)
    top = int(record.plates[0].box()[1]) - 40      # everything above the plate
    crop = np.ascontiguousarray(image[:max(top, 64)])
    dets, _ = detector.detect(crop)
    assert not dets, (record.path, [d.score for d in dets])
