"""Acceptance checks of the shipped detector on the shared real scenes: every plate found
with a tight quadrilateral, and parts of the photos that hold no plate give nothing."""
import dataclasses
import os

import numpy as np
import pytest
from conftest import SHARED

from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.data.images import read_image
from alpr_jax.evaluate.detection import evaluate_detector, polygon_iou
from alpr_jax.evaluate.plate_size import at_plate_width, size_sweep
from alpr_jax.pipeline import runtime
from alpr_jax.pipeline.detector import PlateDetector


@pytest.fixture(scope="module")
def detector():
    # the backend ALPR.load's "auto" gives the detector's networks (onnxruntime where the
    # optional extra is installed): what users run, and 2-3x faster on these many RPN passes;
    # tests/test_onnx_backend.py holds both backends to the same plates
    return PlateDetector.load(backend="onnx" if runtime.onnx_available() else "jax")


def test_real_plates_found(detector, ccpd_dir):
    for record in read_annotations(ccpd_dir)[:4]:
        dets, _ = detector.detect(read_image(record.path))
        gt = record.plates[0].corners
        assert dets and max(polygon_iou(d.corners, gt) for d in dets) >= 0.7, record.path


@pytest.mark.parametrize("index", range(5))
def test_no_detection_where_there_is_no_plate(detector, ccpd_dir, index):
    # half "b" of the shared scenes: the shipped R-CNN's mined negatives came from synthetic
    # scenes on half "a" photos, so these car fronts, badges and shop signs are unseen (the
    # R-CNN before mining took effect scored a boot-lid badge here 0.97, a bonnet detail 0.58)
    records = split_records(read_annotations(ccpd_dir), "b")
    assert len(records) == 5
    record = records[index]
    image = read_image(record.path)
    top = int(record.plates[0].box()[1]) - 40      # everything above the plate
    crop = np.ascontiguousarray(image[:max(top, 64)])
    dets, _ = detector.detect(crop)
    assert not dets, (record.path, [d.score for d in dets])


def test_one_detection_per_scene_and_clean_plate_free_views(detector, ccpd_dir, monkeypatch):
    # every shared scene holds one plate: a second detection is a false positive (before mining
    # took effect: a phone number painted on a bumper 0.91, a grille badge 0.89); and the
    # plate-free bands and columns of the scenes (geometry.boxes.plate_free_views) give
    # nothing. On the unseen half "b" (5 scenes, 20 views; all 13 and their 50 views, the
    # README's figure, are eval.py's: ~2.5 min here, each view a photo of its own size, with
    # every pyramid pass run on it). One evaluation checks both answers: ALPR's (the default
    # ReadGate: the recogniser confirms detections) and the detector's own, recorded from the
    # same calls (the gate asks for detections down to its floor; those at the score threshold
    # or above are the detector's answer: the test below). The detector alone boxes a painted
    # number strip on a dark green van (0.83; it reads with confidence ~0.002) and, in the
    # views as ALPR stretches dim photos (auto_levels), a pale kerb strip in the dark (0.80),
    # and since candidates are re-cropped from a first score of 0.03, a small yellow patch
    # beside a headlight (0.89): 47 of 50 clean (48 of the views as taken, the README's
    # figure), and of half b's 20, 19 (the kerb strip); the gate drops all three
    from alpr_jax.pipeline.alpr import ALPR
    from alpr_jax.pipeline.reader import PlateReader
    threshold, plain_detect, alone = detector.options.score_threshold, detector.detect, []

    def recorded(image, floor=None):
        dets, timing = plain_detect(image, floor=floor)
        kept = [d.score for d in dets if d.score >= threshold]
        alone.append((len(kept), max(kept, default=0.0)))
        return dets, timing
    monkeypatch.setattr(detector, "detect", recorded)
    result = evaluate_detector(ALPR(detector, PlateReader.load()), ccpd_dir, split="b")
    images = result["images"]
    assert [image["detections"] for image in images] == [1] * 5
    assert result["ap_70"] == 1.0 and result["plate_free_clean"] == 1.0, [
        (image["file"], image["plate_free_scores"]) for image in images]
    # each image's calls: the scene, then its plate-free views (after one warm-up call on the
    # first scene, kept out of evaluate_detector's timing)
    starts = np.cumsum([0] + [1 + len(image["plate_free_scores"]) for image in images])
    assert len(alone) == starts[-1] + 1
    calls = alone[1:]
    assert [calls[i][0] for i in starts[:-1]] == [1] * 5
    views = [calls[i][1] for a, b in zip(starts[:-1], starts[1:]) for i in range(a + 1, b)]
    assert len(views) == 20 and np.mean([s == 0.0 for s in views]) >= 0.94, views


def test_photos_without_colour_get_their_own_localiser(detector):
    # ccpd_600/test's close-ups (never trained on) turned to luma (a monochrome or infrared
    # camera): the localiser trained on such photos (weights/dsnt_mono.npz,
    # PlateDetector.colourless_twin) places their corners closer than the colour one does
    # (all 100: 12.4 -> 7.2 px on average); the colour photos' detector keeps its own
    from alpr_jax.data import augment
    assert detector.mono_dsnt_variables is not None
    twin, colour = detector.colourless_twin(0.3), detector.with_options(score_threshold=0.3)
    assert twin._dsnt_fn is not detector._dsnt_fn and colour._dsnt_fn is detector._dsnt_fn
    errors = {"mono": [], "colour": []}
    for record in read_annotations(os.path.join(SHARED, "ccpd_600", "test"))[:6]:
        image, gt = augment.grayscale(read_image(record.path)), record.plates[0].corners
        for name, det in (("mono", twin), ("colour", colour)):
            dets = det.detect(image)[0]
            best = max(dets, key=lambda d: polygon_iou(d.corners, gt), default=None)
            if best is not None and polygon_iou(best.corners, gt) >= 0.5:
                errors[name].append(np.linalg.norm(best.corners - gt, axis=1).mean())
    assert len(errors["mono"]) >= 5 and len(errors["colour"]) >= 5, errors
    assert np.mean(errors["mono"]) < 0.8 * np.mean(errors["colour"]), errors


def test_floor_adds_doubtful_detections_without_changing_the_rest(detector, ccpd_dir):
    # detect(floor=...) is what the ReadGate reads: the same passes run (the zoom decision is
    # the threshold's), the detections above the threshold are the same, more may come below
    for record in read_annotations(ccpd_dir)[:3]:
        image = read_image(record.path)
        plain, t_plain = detector.detect(image)
        low, t_low = detector.detect(image, floor=0.05)
        above = [d for d in low if d.score >= detector.options.score_threshold]
        assert [d.score for d in above] == [d.score for d in plain], record.path
        # more candidates re-cropped together: other batch sizes, float rounding (3e-4 px)
        assert all(np.allclose(a.corners, b.corners, atol=0.01) for a, b in zip(above, plain))
        assert (t_plain["rpn_zoom"] > 0) == (t_low["rpn_zoom"] > 0)
        assert min(d.score for d in low) >= 0.05


def test_plates_30_to_800_px_wide_found(detector, ccpd_dir):
    # the shared scenes redrawn so their plate is 30 .. 800 px wide (evaluate.plate_size).
    # With the paper's one pass, plates under ~100 px are missed or boxed loosely and those
    # over ~400 px cut short; the pyramid (zoom "auto") and the re-crops find them all
    records = read_annotations(ccpd_dir)
    found = {r["width"]: r for r in size_sweep(detector, records, [30, 70, 400])["rows"]}
    assert found[70]["recall_70"] == found[400]["recall_70"] == 1.0, found
    assert found[30]["recall_70"] >= 12 / 13, found       # 13 of 13 when written
    from alpr_jax.pipeline.alpr import ALPR
    from alpr_jax.pipeline.reader import PlateReader
    wide = size_sweep(detector, records, [800], out_hw=(1080, 1920),
                      alpr=ALPR(detector, PlateReader.load()))["rows"][0]
    assert wide["recall_70"] == 1.0 and wide["read"] == 1.0, wide
    assert sum(r["extra_detections"] for r in [*found.values(), wide]) == 0


def test_30_px_plates_in_a_1920x1080_photo_found_through_windows(detector, ccpd_dir,
                                                                 monkeypatch):
    # there the 4x pass reads the photo at its own resolution, a 30 px plate at the RPN
    # band's bottom: the 8x pass on windows round the doubtful narrow RoIs finds all 13
    records = read_annotations(ccpd_dir)
    row = size_sweep(detector, records, [30], out_hw=(1080, 1920))["rows"][0]
    assert row["recall_70"] == 1.0 and row["extra_detections"] == 0, row
    # without the windows the green 皖AD12777 is missed
    record = next(r for r in records if r.plates[0].text == "皖AD12777")
    view, gt = at_plate_width(read_image(record.path), record.plates[0].corners, 30,
                              (1080, 1920))
    assert max(polygon_iou(d.corners, gt) for d in detector.detect(view)[0]) >= 0.7
    monkeypatch.setattr(detector, "options",
                        dataclasses.replace(detector.options, zoom_windows=0))
    assert not detector.detect(view)[0]


def test_4x_pass_runs_on_windows_first(detector, monkeypatch):
    # easypr_dev 津MJY929 (never trained on): after the 2x pass the policy asks for 4x; the
    # 4x pass on windows round the 2x pass's narrow RoIs finds all three plates, so the
    # whole 4x pass does not run. 津DLZ021 (76 px) is one the R-CNN believed (0.76) but the
    # merge's RoI caps had left out: a window goes there too
    from alpr_jax.geometry.boxes import iou
    record = next(r for r in read_annotations(os.path.join(SHARED, "easypr_dev"))
                  if os.path.basename(r.path) == "津MJY929.jpg")
    photo = read_image(record.path)
    labelled = np.stack([p.box() for p in record.plates])
    ran, rpn_pass = [], detector._rpn_pass
    monkeypatch.setattr(detector, "_rpn_pass",
                        lambda im, s, *a: ran.append(s) or rpn_pass(im, s, *a))
    for first, passes in ((detector.options.windows_first_from, [0.5, 1.0, 2.0]),
                          (0.0, [0.5, 1.0, 2.0, 4.0])):
        monkeypatch.setattr(detector, "options",
                            dataclasses.replace(detector.options, windows_first_from=first))
        ran.clear()
        dets, _ = detector.detect(photo)
        assert ran == passes, (first, ran)
        assert (iou(labelled, np.stack([d.box for d in dets])).max(1) >= 0.3).all(), first


def test_phone_photo_stored_on_its_side_is_found_upright(detector, ccpd_dir, tmp_path):
    # a phone held upright stores the photo turned a quarter and tags it EXIF orientation 6;
    # read_image turns it back, so the plate is found where a viewer sees it (before, the
    # detector was given the photo on its side)
    import io
    from PIL import Image
    record = read_annotations(ccpd_dir)[0]
    upright = read_image(record.path)
    exif = Image.Exif()
    exif[0x0112] = 6                                  # "turn 90 degrees clockwise to view"
    path = tmp_path / "phone.jpg"
    buf = io.BytesIO()
    Image.fromarray(np.rot90(upright, 1)).save(buf, "JPEG", quality=95, exif=exif.tobytes())
    path.write_bytes(buf.getvalue())
    image = read_image(path)
    assert image.shape == upright.shape
    dets, _ = detector.detect(image)
    assert dets and polygon_iou(dets[0].corners, record.plates[0].corners) >= 0.7


def test_crowded_photo_gets_more_rois(detector, ccpd_dir):
    # 12 shared scenes tiled into one 1920x1080 photo: with the paper's RoI caps (top 10 per
    # pass, 16 merged) one of the 12 plates is lost; once 8 plates are found the RoIs are
    # merged again under DetectorOptions.crowd_rois and all 12 are found
    from alpr_jax.evaluate.crowd import mosaic
    photo, corners, _ = mosaic(read_annotations(ccpd_dir), 2, 6)
    shipped = detector.options
    found = {}
    try:
        for crowd in (shipped.crowd_plates, 0):
            detector.options = dataclasses.replace(shipped, crowd_plates=crowd)
            dets, _ = detector.detect(photo)
            found[crowd] = sum(max(polygon_iou(d.corners, c) for d in dets) >= 0.7
                               for c in corners)
            assert len(dets) == found[crowd]                 # nothing else in the photo
    finally:
        detector.options = shipped
    assert found[shipped.crowd_plates] == 12 and found[0] < 12, found


def _rolled_found(detector, ccpd_dir, variants: dict, degrees: float, count: int,
                  iou: float) -> dict:
    """{name: DetectorOptions} -> {name: how many of the first `count` scenes turned
    `degrees` about their centre have a detection at quadrilateral IoU >= iou}."""
    from alpr_jax.evaluate.roll import rolled
    shipped, found = detector.options, {}
    try:
        for name, options in variants.items():
            detector.options, found[name] = options, 0
            for record in read_annotations(ccpd_dir)[:count]:
                photo, gt = rolled(read_image(record.path), record.plates[0].corners, degrees)
                dets, _ = detector.detect(photo)
                found[name] += max((polygon_iou(d.corners, gt) for d in dets), default=0) >= iou
    finally:
        detector.options = shipped
    return found


def test_rolled_photo_plates_are_recropped_level(detector, ccpd_dir):
    # the scenes turned 25 degrees (a camera held askew): the re-crops of a plate turned more
    # than level_above_deg are cut in its own frame, turned level, and its corners fit
    # (IoU >= 0.9 on 7 of these 9 when written); cut in the photo's frame (60: never) the
    # R-CNN and DSNT see a plate turned past what they trained on (2 of 9)
    shipped = detector.options
    tight = _rolled_found(detector, ccpd_dir, {
        level: dataclasses.replace(shipped, level_above_deg=level)
        for level in (shipped.level_above_deg, 60.0)}, degrees=25, count=9, iou=0.9)
    assert tight[shipped.level_above_deg] >= 6 and tight[60.0] <= tight[shipped.level_above_deg] - 3, tight


def test_first_read_of_a_turned_proposal_is_cut_level(detector, ccpd_dir):
    # turned 35 degrees, the axis-aligned first read of a plate's RoI scores too low for its
    # re-crops to start from; cut level by the angle of its RPN corners, the plate is found
    # (of these 3: 2 and 0 when written; of all 13: 8 and 3). Candidates re-cropped from a
    # first score of 0.3, as then: from the shipped 0.03 the re-crops rescue some of these
    # plates without it (all 13: 9 and 6; the test below)
    shipped = detector.options
    found = _rolled_found(detector, ccpd_dir, {
        first: dataclasses.replace(shipped, level_first_read=first, refine_threshold=0.3)
        for first in (True, False)}, degrees=35, count=3, iou=0.7)
    assert shipped.level_first_read and found[True] >= 2 and found[False] <= found[True] - 2, found


def test_candidates_scored_low_at_first_are_recropped(detector, ccpd_dir):
    # turned 45 degrees, a plate's first read (cut level by its RPN corners, which show only
    # part of the turn) can score well under 0.3 and its re-crops 0.8 or more: re-cropped
    # from refine_threshold's 0.03 such plates are found (of all 13 scenes: 4 at 0.03 and 2
    # from 0.3 when written)
    shipped = detector.options
    found = _rolled_found(detector, ccpd_dir, {
        threshold: dataclasses.replace(shipped, refine_threshold=threshold)
        for threshold in (shipped.refine_threshold, 0.3)}, degrees=45, count=13, iou=0.7)
    low = shipped.refine_threshold
    assert low < 0.3 and found[low] >= 4 and found[0.3] <= found[low] - 2, found


def test_tilted_plate_crop_and_box_are_straightened(detector, ccpd_dir):
    # ALPR.read_plate / `alpr predict --crops` on an axis-aligned cut of a tilted plate, and
    # ALPR.read_boxes on the photo with that box (what a box detector hands on): the re-crops
    # find the plate's own corners and the straightened plate's reading wins; the box's own
    # corners miss the plate
    from alpr_jax.evaluate.roll import rolled
    from alpr_jax.geometry.boxes import corner_bounds
    from alpr_jax.pipeline.alpr import ALPR
    from alpr_jax.pipeline.reader import PlateReader
    alpr = ALPR(detector, PlateReader.load())
    for record in read_annotations(ccpd_dir)[:4]:
        image, corners = rolled(read_image(record.path), record.plates[0].corners, 15.0)
        x1, y1, x2, y2 = np.round(corner_bounds(corners)).astype(int)
        own = np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float32)
        (plate,) = alpr.read_plate(np.ascontiguousarray(image[y1:y2, x1:x2])).plates
        assert plate.text == record.plates[0].text, record.path
        assert polygon_iou(plate.corners + [x1, y1], corners) >= 0.85, record.path
        assert polygon_iou(own, corners) < 0.7
        box = np.array([x1, y1, x2, y2], np.float32)
        (boxed,) = alpr.read_boxes(image, box[None]).plates
        assert boxed.text == record.plates[0].text, record.path
        assert polygon_iou(boxed.corners, corners) >= 0.85, record.path
    assert alpr.read_boxes(image, np.zeros((0, 4))).plates == ()
    with pytest.raises(ValueError, match="boxes must be"):
        alpr.read_boxes(image, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="box 1 is empty"):
        alpr.read_boxes(image, [[0, 0, 90, 30], [50, 50, 40, 60]])


def test_close_up_pays_the_half_scale_pass_alone(detector, ccpd_dir):
    # under zoom "auto" the 0.5x pass runs first and the 1x pass only when the policy asks
    # (DetectorOptions.auto_from): a CCPD close-up (plate 256 px wide, 53 px at 0.5x) is
    # found by the 0.5x pass alone; redrawn with its plate 150 px wide it needs the 1x pass
    record = next(r for r in read_annotations(ccpd_dir) if r.plates[0].text == "皖A158Y2")
    image, corners = read_image(record.path), record.plates[0].corners
    ran, rpn_pass = [], detector._rpn_pass
    detector._rpn_pass = lambda im, s, *a: ran.append(s) or rpn_pass(im, s, *a)
    try:
        for view, gt, passes in ((image, corners, [0.5]),
                                 (*at_plate_width(image, corners, 150), [0.5, 1.0])):
            ran.clear()
            dets, _ = detector.detect(view)
            assert ran == passes and max(polygon_iou(d.corners, gt) for d in dets) >= 0.8, ran
    finally:
        detector._rpn_pass = rpn_pass


def test_large_photo_passes_read_its_shrunk_copy(detector, ccpd_dir):
    # a photo over MAX_SIDE px across: the passes that read no more detail than its shrunk
    # copy holds are letterboxed from that copy (cheaper), their boxes mapped back to the
    # photo's px: the same anchors as from the photo itself, within a few px, on the plate
    import cv2
    from alpr_jax.pipeline.detector import MAX_SIDE, _shrunk
    record = next(r for r in read_annotations(ccpd_dir) if r.plates[0].text == "皖A158Y2")
    image = read_image(record.path)
    big = cv2.resize(image, (image.shape[1] * 5 // 2, image.shape[0] * 5 // 2))   # 1800x2900
    shrunk = _shrunk(big)
    assert max(big.shape[:2]) > MAX_SIDE and max(shrunk[0].shape[:2]) == MAX_SIDE
    plate = record.plates[0].box() * 2.5
    for scale in (0.5, 1.0):
        a, b = detector._rpn_pass(big, scale), detector._rpn_pass(big, scale, shrunk)
        best_a, best_b = a[1][np.argmax(a[0])], b[1][np.argmax(b[0])]
        np.testing.assert_allclose(best_b, best_a, atol=0.02 * (plate[2] - plate[0]))
        assert abs(best_b[0] - plate[0]) < 0.1 * (plate[2] - plate[0]), (best_b, plate)


def test_near_parallelogram_corners_are_snapped_and_read_as_localised(detector, ccpd_dir,
                                                                     monkeypatch):
    # CCPD labels every plate as a parallelogram; the localiser's own corners are off one by
    # ~5% of the plate's height, so snapping brings them nearer the labels (the unseen half
    # b 3.60 -> 2.93 px, ccpd_600/test 4.72 -> 4.42); a reader still rectifies by the
    # localiser's four corners
    from alpr_jax.geometry.rectify import parallelogram_gap
    errors = {"snapped": [], "localised": []}
    records = split_records(read_annotations(ccpd_dir), "b")
    for record in records:
        dets, _ = detector.detect(read_image(record.path))
        d, gt = dets[0], record.plates[0].corners
        assert d.localised is not None and np.array_equal(d.read_corners, d.localised)
        assert 0.005 < parallelogram_gap(d.localised) < detector.options.parallelogram_below
        assert parallelogram_gap(d.corners) < 1e-4
        for key, quad in (("snapped", d.corners), ("localised", d.localised)):
            errors[key].append(np.linalg.norm(quad - gt, axis=1).mean())
    assert np.mean(errors["snapped"]) < np.mean(errors["localised"]), errors
    monkeypatch.setattr(detector, "options",
                        dataclasses.replace(detector.options, parallelogram_below=0.0))
    d = detector.detect(read_image(records[-1].path))[0][0]
    assert d.localised is None and np.array_equal(d.read_corners, d.corners)
    np.testing.assert_allclose(d.corners, dets[0].localised, atol=1e-3)
