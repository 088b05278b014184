import dataclasses

import numpy as np
import pytest

from alpr_jax import plates
from alpr_jax.data import annotations, input_pipeline, real_plates
from alpr_jax.geometry import boxes

SMALL_SCENE = dataclasses.replace(input_pipeline.DetectionInputConfig().scene, height=480, width=320)


def test_recognition_batches_shapes_labels_and_resume():
    cfg = input_pipeline.RecognitionInputConfig(batch_size=4)
    first = list(input_pipeline.batches("recognition", 0, cfg, num_steps=3))
    assert first[0]["image"].shape == (4, 48, 120, 3) and first[0]["image"].dtype == np.uint8
    assert first[0]["labels"].shape == (4, 8) and first[0]["labels"].dtype == np.int32
    priors = plates.char_priors()
    for b in first:
        for row in b["labels"]:
            assert priors[np.arange(7), row[1:]].all()
            plates.validate_text(plates.decode_indices(row))
    resumed = next(input_pipeline.batches("recognition", 0, cfg, start_step=2))
    np.testing.assert_array_equal(resumed["image"], first[2]["image"])
    other_seed = next(input_pipeline.batches("recognition", 1, cfg))
    assert not np.array_equal(other_seed["image"], first[0]["image"])


def test_worker_processes_give_identical_batches():
    cfg = input_pipeline.RecognitionInputConfig(batch_size=3)
    serial = list(input_pipeline.batches("recognition", 4, cfg, num_steps=2))
    parallel = list(input_pipeline.batches("recognition", 4, cfg, num_steps=2, workers=2))
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a["image"], b["image"])
        np.testing.assert_array_equal(a["labels"], b["labels"])


def test_detection_batches_targets():
    cfg = input_pipeline.DetectionInputConfig(batch_size=2, input_hw=(240, 160), scene=SMALL_SCENE)
    batch = next(input_pipeline.batches("detection", 0, cfg))
    a = (240 // 8) * (160 // 8) * 15
    assert batch["image"].shape == (2, 240, 160, 3)
    assert batch["anchor_labels"].shape == (2, a) and batch["anchor_deltas"].shape == (2, a, 4)
    assert batch["corners"].shape == (2, 8, 4, 2) and batch["plate_mask"].shape == (2, 8)
    np.testing.assert_allclose(batch["scale"], 0.5)
    grid = input_pipeline._anchors(cfg.input_hw, cfg.feature_stride)
    for i in range(2):
        labels = batch["anchor_labels"][i]
        assert (labels >= 0).sum() <= 64 and (labels == 1).sum() <= 16
        gt = batch["boxes"][i][batch["plate_mask"][i]] * batch["scale"][i]
        assert (labels == 1).any() == (len(gt) > 0)
        if len(gt):
            dec = boxes.decode(batch["anchor_deltas"][i][labels == 1], grid[labels == 1])
            assert (boxes.iou(dec, gt).max(1) > 0.999).all()


def test_detection_config_checks_stride():
    with pytest.raises(ValueError, match="multiples of the feature stride 8"):
        input_pipeline.DetectionInputConfig(input_hw=(100, 160))
    with pytest.raises(ValueError, match="feature stride 16"):
        input_pipeline.DetectionInputConfig(input_hw=(488, 320), feature_stride=16)


def test_real_plates_rectified_from_ccpd(ccpd_dir):
    data = real_plates.load_plate_dataset(annotations.read_annotations(ccpd_dir))
    assert data.images.shape == (13, 48, 120, 3) and not data.errors
    for image, text in zip(data.images, data.texts):
        r, g, b = image[28:44, 10:110].reshape(-1, 3).astype(float).mean(0)   # lower band
        if len(text) == 8:
            assert g > b + 10 and g > r, text        # green new-energy plate fills the output
        else:
            assert b > r + 30, text                  # blue plate fills the output


def test_real_crops_and_bad_files(tmp_path, crops_dir):
    records = annotations.read_annotations(crops_dir)[:5]
    (tmp_path / "皖A12345.jpg").write_bytes(b"")          # a 0-byte file
    records.append(annotations.parse_crop_name(str(tmp_path / "皖A12345.jpg")))
    data = real_plates.load_plate_dataset(records)
    assert data.images.shape == (5, 48, 120, 3)
    assert len(data.errors) == 1 and "皖A12345.jpg" in data.errors[0] and "0 bytes" in data.errors[0]


def test_real_plates_seen_through_street_cameras(crops_dir):
    """data.real_camera: 0 draws exactly as before it existed (the shift and brightness
    alone); 1 degrades every plate too (blur, low resolution, noise, JPEG, ...), the same
    draws for the same seed and step, labels untouched."""
    real = real_plates.RealPlates.load([crops_dir], split="all")
    batch = {"image": np.zeros((6, 48, 120, 3), np.uint8),
             "labels": np.zeros((6, plates.NUM_POSITIONS), np.int32)}
    plain = real.mix_into(batch, 6, seed=3, step=7)
    assert np.array_equal(real.mix_into(batch, 6, seed=3, step=7, camera=0.0)["image"],
                          plain["image"])
    rng = np.random.default_rng([3, 11, 7])
    idx = rng.integers(len(real.data.texts), size=6)
    # camera 0 is the perturbation alone, draw for draw
    shifted = [real_plates.perturb(real.data.images[i], rng) for i in idx]
    assert np.array_equal(np.stack(shifted), plain["image"])
    seen = real.mix_into(batch, 6, seed=3, step=7, camera=1.0)
    again = real.mix_into(batch, 6, seed=3, step=7, camera=1.0)
    assert np.array_equal(seen["image"], again["image"])
    assert np.array_equal(seen["labels"], plain["labels"])
    assert seen["image"].dtype == np.uint8 and seen["image"].shape == plain["image"].shape
    assert not np.array_equal(seen["image"], plain["image"])
    with pytest.raises(ValueError, match="real_camera"):
        real.mix_into(batch, 6, seed=3, step=7, camera=1.5)


def test_camera_captions_burnt_in_away_from_plates():
    """data.captions: text appears only inside the returned line boxes, never over a plate's
    box, the same for the same seed; its windows are plate-shaped boxes on those lines."""
    from alpr_jax.data import captions
    image = np.full((600, 400, 3), 90, np.uint8)
    plate = np.array([[100, 250, 300, 320]], np.float32)
    changed_any = False
    for seed in range(8):
        out, lines = captions.burn_captions(np.random.default_rng(seed), image, plate)
        assert out.dtype == np.uint8 and out.shape == image.shape and out.flags.writeable
        assert np.array_equal(out[250:320, 100:300], image[250:320, 100:300])
        again, lines_again = captions.burn_captions(np.random.default_rng(seed), image, plate)
        assert np.array_equal(out, again) and np.array_equal(lines, lines_again)
        assert lines.shape[1:] == (4,) and len(lines) <= 2
        outside = np.ones(image.shape[:2], bool)        # the outline may spill 2 px
        for x1, y1, x2, y2 in lines.astype(int):
            outside[max(y1 - 3, 0):y2 + 4, max(x1 - 3, 0):x2 + 4] = False
        assert np.array_equal(out[outside], image[outside])
        changed_any |= not np.array_equal(out, image)
        windows = captions.caption_windows(np.random.default_rng(seed), lines)
        assert windows.shape == (4 * len(lines), 4)
        for k, line in enumerate(lines):
            w = windows[4 * k:4 * k + 4]
            width, height = w[:, 2] - w[:, 0], w[:, 3] - w[:, 1]
            assert (width >= height).all() and (width <= line[2] - line[0] + 1e-3).all()
            assert (w[:, 0] >= line[0] - 1e-3).all() and (w[:, 2] <= line[2] + 1e-3).all()
            assert (boxes.iou(w, line[None])[:, 0] > 0).all()
    assert changed_any
    whole = np.array([[0, 0, 400, 600]], np.float32)      # nowhere to write: left as it was
    out, lines = captions.burn_captions(np.random.default_rng(0), image, whole)
    assert np.array_equal(out, image) and lines.shape == (0, 4)
    assert captions.caption_windows(np.random.default_rng(0), lines).shape == (0, 4)
    assert any(ch.isdigit() for ch in captions.caption_text(np.random.default_rng(1)))


def test_detection_photos_with_captions(ccpd_dir):
    """p_caption on labelled photos read from disk: the same targets' shapes, the plates
    still positive, a different image from the one without captions."""
    records = tuple(r for r in annotations.read_annotations(ccpd_dir) if r.plates)[:2]
    cfg = input_pipeline.DetectionInputConfig(batch_size=1)
    plain = input_pipeline.detection_record_example(0, 0, cfg, records)
    captioned = input_pipeline.detection_record_example(
        0, 0, dataclasses.replace(cfg, p_caption=1.0), records)
    assert captioned["image"].shape == plain["image"].shape
    assert not np.array_equal(captioned["image"], plain["image"])
    assert (captioned["anchor_labels"] == 1).any()
    # the R-CNN's inputs: the captions are among the negative proposals, the plates still
    # positive, and a run without R-CNN inputs draws the same image (its RPN targets unchanged)
    rcnn = dataclasses.replace(cfg, p_caption=1.0, rcnn_proposals=32, mined_fraction=1.0)
    with_rcnn = input_pipeline.detection_record_example(0, 0, rcnn, records)
    assert np.array_equal(with_rcnn["image"], captioned["image"])
    labels = with_rcnn["proposal_labels"]
    assert (labels == 1).any() and (labels == 0).sum() >= 16
    negatives = with_rcnn["proposals"][labels == 0]
    plates = with_rcnn["boxes"][with_rcnn["plate_mask"]]
    assert (boxes.iou(negatives, plates).max(axis=1) < 0.3).all()
    original = input_pipeline.detection_record_example(
        0, 0, dataclasses.replace(rcnn, p_caption=0.0), records)["full_image"]
    written = (with_rcnn["full_image"] != original).any(axis=-1)
    on_text = [written[int(y1):int(y2) + 1, int(x1):int(x2) + 1].any()
               for x1, y1, x2, y2 in np.clip(negatives, 0, None)]
    assert np.mean(on_text) > 0.5     # mined_fraction 1: the windows fill the negative slots
    with pytest.raises(ValueError, match="p_caption"):
        dataclasses.replace(cfg, p_caption=-0.1)


def test_frozen_set_matches_stream_and_records_its_cut_mix_and_two_rows(tmp_path):
    from alpr_jax.data import frozen, generate
    plate = dataclasses.replace(generate.PlateConfig(), type_probs=(0.0, 0.0, 1.0, 0.0))
    cfg = input_pipeline.RecognitionInputConfig(p_box_crop=1.0, plate=plate)
    path = str(tmp_path / "box.npz")
    frozen.freeze_recognition(path, 6, seed=4, cfg=cfg, chunk=4)
    images, labels = frozen.load_frozen(path, cfg)
    for i in (0, 5):   # example i is the stream's example i
        image, label = input_pipeline.recognition_example(4, i, cfg)
        np.testing.assert_array_equal(images[i], image)
        np.testing.assert_array_equal(labels[i], label)
    assert all(len(plates.decode_indices(l)) == 8 for l in labels)   # all green
    # a run that rectifies (25% box cuts), or wants another mix, must not silently train on it
    with pytest.raises(ValueError, match="p_box_crop=1"):
        frozen.load_frozen(path, dataclasses.replace(cfg, p_box_crop=0.25))
    with pytest.raises(ValueError, match="plate-type mix"):
        frozen.load_frozen(path, input_pipeline.RecognitionInputConfig(p_box_crop=1.0))
    with pytest.raises(ValueError, match="p_two_row=0.3"):     # the engine's share, recorded
        frozen.load_frozen(path, dataclasses.replace(
            cfg, plate=dataclasses.replace(plate, p_two_row=0.6)))


def test_rpn_zoom_views_and_ignored_plates():
    from alpr_jax.data.preprocess import letterbox
    image = np.random.default_rng(0).integers(0, 255, (400, 300, 3), np.uint8)
    small = np.array([[100, 100], [140, 100], [140, 112], [100, 112]], np.float32)    # 40 px
    large = np.array([[20, 250], [280, 250], [280, 330], [20, 330]], np.float32)    # 260 px
    cfg = input_pipeline.DetectionInputConfig(input_hw=(160, 120), rpn_zoom=(0.5, 2.0),
                                              rpn_band_px=(10.0, 45.0), anchor_samples=256)
    grid = input_pipeline._anchors(cfg.input_hw, cfg.feature_stride)
    scales = []
    for seed in range(20):
        out = input_pipeline.detection_targets(np.random.default_rng(seed), image,
                                               [small, large], cfg)
        assert out["image"].shape == (160, 120, 3)
        np.testing.assert_allclose(out["corners"][:2], [small, large])   # original px
        s, t = out["scale"], out["shift"]
        scales.append(s)
        view = [boxes.corner_bounds(c * s + t)[None] for c in (small, large)]
        iou_small, iou_large = (boxes.iou(grid, v)[:, 0] for v in view)
        labels = out["anchor_labels"]
        # the large plate is over 50 input px wide at any zoom here: outside the band, so no
        # anchor learns it, as a plate or as background
        assert not ((labels == 1) & (iou_large >= iou_small)).any()
        assert not ((labels == 0) & (iou_large >= 0.3)).any()
        # the view is the photo at that scale and shift
        from alpr_jax.data.preprocess import scale_and_shift
        expect = scale_and_shift(image, float(s), t.astype(np.float64), (160, 120), 128)
        assert np.abs(out["image"].astype(int) - expect).max() <= 1    # float32 rounding
    assert max(scales) / min(scales) > 2            # zoomed in and out
    # with no zoom the view is the letterbox of the photo, as before
    plain = input_pipeline.DetectionInputConfig(input_hw=(160, 120))
    a = input_pipeline.detection_targets(np.random.default_rng(3), image, [small], plain)
    np.testing.assert_array_equal(a["image"], letterbox(image, (160, 120))[0])
    assert (a["shift"] == 0).all()


def test_anchor_targets_ignore_plates():
    from alpr_jax.geometry import anchors as anchor_ops
    grid = anchor_ops.grid_anchors((20, 15))
    gt = np.array([[20, 20, 60, 35], [10, 100, 110, 140]], np.float32)
    rng = np.random.default_rng(0)
    labels, _, matched = anchor_ops.anchor_targets(rng, grid, gt, 512, 0.5,
                                                   ignored=np.array([False, True]))
    iou = boxes.iou(grid, gt)
    assert (labels == 1).any() and (matched[labels == 1] == 0).all()
    assert not ((labels == 0) & (iou[:, 1] >= 0.3)).any()
    assert not ((labels == 1) & (iou[:, 1] >= 0.5) & (iou[:, 0] < 0.5)).any()
