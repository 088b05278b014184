"""Tiny RPN, R-CNN, DSNT-refinement and whole-image DSNT training runs on small synthetic
scenes, each started as a user would (`python train.py --config configs/<family>.py:tiny`):
finite losses, exports that the inference cascade (or the single-plate localiser) loads and
runs, and exact resume for the R-CNN (whose step cuts its crops with the shared sampler
inside jit)."""
import dataclasses
import json
import os
import shutil

import numpy as np
import pytest

from alpr_jax import weights
from alpr_jax.geometry import boxes as box_ops
from alpr_jax.pipeline.detector import PlateDetector, _bucketed
from alpr_jax.train.loop import train_and_evaluate
from configs import detector_rcnn

from conftest import train_cli, train_clis


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    families = {"rpn": "detector_rpn", "rcnn": "detector_rcnn", "dsnt": "dsnt_refine",
                "dsnt_image": "dsnt_image"}
    out = {name: str(tmp_path_factory.mktemp(name)) for name in families}
    train_clis(*((f"{family}.py:tiny", out[name]) for name, family in families.items()))
    return out


@pytest.mark.parametrize("name,keys", [("rpn", ["loss_cls", "loss_box", "loss_corners"]),
                                       ("rcnn", ["loss_cls", "loss_corners", "acc"]),
                                       ("dsnt", ["loss_euclid", "loss_js"]),
                                       ("dsnt_image", ["loss_euclid", "loss_js"])])
def test_losses_logged_and_finite(runs, name, keys):
    rows = [json.loads(l) for l in open(os.path.join(runs[name], "metrics.jsonl"))]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        assert all(np.isfinite(r[k]) for k in keys + ["loss"]), r


def test_rcnn_resume_matches_uninterrupted(runs, tmp_path):
    config = detector_rcnn.get_config("tiny")
    with config.unlocked():
        config.total_steps = 3
    train_and_evaluate(config, str(tmp_path), progress=False)
    shutil.rmtree(os.path.join(tmp_path, "checkpoints", "3"))
    train_and_evaluate(detector_rcnn.get_config("tiny"), str(tmp_path), progress=False)
    a = weights.flatten(weights.load_npz(os.path.join(runs["rcnn"], "rcnn.npz"))[0])
    b = weights.flatten(weights.load_npz(os.path.join(tmp_path, "rcnn.npz"))[0])
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("mode", ["cascade", "rpn_box", "rpn_corner"])
def test_exports_run_as_a_detector(runs, mode):
    from alpr_jax.pipeline.detector import DetectorOptions
    det = PlateDetector.load(os.path.join(runs["rpn"], "rpn.npz"),
                             os.path.join(runs["rcnn"], "rcnn.npz"), mode=mode,
                             options=DetectorOptions(input_hw=(96, 64), score_threshold=0.0))
    image = np.random.default_rng(0).integers(0, 255, (300, 200, 3), np.uint8)
    dets, timing = det.detect(image)
    assert 1 <= len(dets) <= det.options.max_rois and "rpn" in timing
    for d in dets:
        assert d.corners.shape == (4, 2) and np.isfinite(d.corners).all() and 0 <= d.score <= 1
    scores = [d.score for d in dets]
    assert scores == sorted(scores, reverse=True)


def test_dsnt_corner_source(runs):
    from alpr_jax.pipeline.detector import DetectorOptions
    # final_nms 1.0 and min_width_px 0: no suppression, so both keep every RoI whatever their
    # corners; zoom off, as "auto" decides on the corners found, which differ between the two
    options = DetectorOptions(input_hw=(96, 64), score_threshold=0.0, final_nms=1.0, zoom="off",
                              refine_steps=0, min_width_px=0.0)
    paths = (os.path.join(runs["rpn"], "rpn.npz"), os.path.join(runs["rcnn"], "rcnn.npz"))
    rcnn = PlateDetector.load(*paths, options=options, corner_source="rcnn")
    dsnt = PlateDetector.load(*paths, options=options, corner_source="dsnt",
                              dsnt_path=os.path.join(runs["dsnt"], "dsnt.npz"))
    image = np.random.default_rng(0).integers(0, 255, (300, 200, 3), np.uint8)
    a, _ = rcnn.detect(image)
    b, timing = dsnt.detect(image)
    assert "dsnt" in timing and dsnt.size_mb() > rcnn.size_mb()
    # the R-CNN still scores the same RoIs; only the corners come from the DSNT heatmaps,
    # which put them inside the RoI's context crop
    assert sorted(d.score for d in a) == pytest.approx(sorted(d.score for d in b))
    for d in b:
        assert np.isfinite(d.corners).all()
    # DSNT runs only on RoIs that pass the score threshold: none here, so no detections
    strict = PlateDetector.load(*paths, options=dataclasses.replace(options, score_threshold=1.01),
                                corner_source="dsnt", dsnt_path=os.path.join(runs["dsnt"], "dsnt.npz"))
    assert strict.detect(image)[0] == []
    with pytest.raises(ValueError, match="corner_source must be one of"):
        PlateDetector.load(*paths, corner_source="heatmap")
    # without a path, "dsnt" (the default) loads the shipped localiser; other modes need none
    assert PlateDetector.load(*paths).dsnt_variables is not None
    assert PlateDetector.load(*paths, mode="rpn_box").dsnt_variables is None
    # no corner-patch refiner unless one is given
    assert PlateDetector.load(*paths).patch_variables is None


def test_pyramid_passes_keep_their_band_and_auto_zoom(runs):
    from alpr_jax.pipeline.detector import DetectorOptions
    paths = (os.path.join(runs["rpn"], "rpn.npz"), os.path.join(runs["rcnn"], "rcnn.npz"))
    base = DetectorOptions(input_hw=(96, 64), score_threshold=0.0, num_rois=4, max_rois=8,
                           scales=(1.0, 2.0), zoom="off", refine_steps=0)
    image = np.random.default_rng(1).integers(0, 255, (300, 200, 3), np.uint8)
    one_pass = PlateDetector.load(*paths, options=base).proposals(image)
    assert len(one_pass[0]) <= 4
    # the highest pass keeps only boxes under the band's top, the lowest everything over its
    # bottom: a band no box is under leaves the base pass's RoIs as they were
    shut = dataclasses.replace(base, zoom="always", band_px=(1e-3, 2e-3))
    for a, b in zip(one_pass, PlateDetector.load(*paths, options=shut).proposals(image)):
        np.testing.assert_allclose(a, b)
    # a band every box is in: the 2x pass adds its own, NMS across passes, max_rois at most
    wide = dataclasses.replace(shut, band_px=(1e-3, 1e6))
    det = PlateDetector.load(*paths, options=wide)
    scores, boxes, _ = det.proposals(image)
    assert len(one_pass[0]) < len(scores) <= 8
    assert list(scores) == sorted(scores, reverse=True)
    dets, timing = det.detect(image)
    assert dets and all(np.isfinite(d.corners).all() for d in dets) and timing["rpn_zoom"] > 0
    # "auto" zooms when the lower passes find nothing, a plate under small_plate_px, or a
    # RoI that narrow the R-CNN half believes (near_miss <= score < score_threshold)
    auto = dataclasses.replace(wide, zoom="auto")
    narrow = dataclasses.replace(auto, small_plate_px=1e6)          # every plate narrow: zooms
    assert PlateDetector.load(*paths, options=narrow).detect(image)[1]["rpn_zoom"] > 0
    nothing = dataclasses.replace(auto, score_threshold=1.01)       # nothing passes: zooms
    assert PlateDetector.load(*paths, options=nothing).detect(image)[1]["rpn_zoom"] > 0
    # ... and goes on up the pyramid while nothing is found (a 20 px plate needs the 4x pass)
    up = PlateDetector.load(*paths, options=dataclasses.replace(nothing, scales=(1.0, 2.0, 4.0)))
    ran, rpn_pass = [], up._rpn_pass
    up._rpn_pass = lambda im, s, *a: ran.append(s) or rpn_pass(im, s, *a)
    assert not up.detect(image)[0] and ran == [1.0, 2.0, 4.0]
    # max_zoom 8 adds an 8x pass only where it reads the photo at max_upscale or less: not
    # this 300x200 photo (8x would be 2.6x its resolution), but a 1200x800 one (0.64x)
    deep = PlateDetector.load(*paths, options=nothing.with_max_zoom(8.0))
    ran, rpn_pass = [], deep._rpn_pass
    deep._rpn_pass = lambda im, s, *a: ran.append(s) or rpn_pass(im, s, *a)
    deep.detect(image)
    assert ran == [0.5, 1.0, 2.0, 4.0]
    ran.clear()
    big = np.random.default_rng(2).integers(0, 255, (800, 1200, 3), np.uint8)
    deep.detect(big)
    assert ran == [0.5, 1.0, 2.0, 4.0, 8.0]
    # without it, where the policy still asks after the 4x pass, a pass up to 8x (as far
    # as max_upscale allows, but at least 1.25x finer) runs on at most zoom_windows windows
    # of the base input's shape round the 4x pass's narrow RoIs the R-CNN half believes
    # (here every RoI is narrow and doubtful): at 8x on the 1200x800 photo, 6.25x on the
    # 300x200 one, none on a 200x130 one (its cap, 4.2x, is under 1.25 x 4x). And the 4x
    # pass itself first runs on such windows round the 2x pass's RoIs (windows_first_from),
    # the whole 4x pass after them only because nothing was found (here nothing passes)
    doubtful = dataclasses.replace(nothing, scales=(0.5, 1.0, 2.0, 4.0), near_miss=0.0,
                                   small_plate_px=1e6)
    top_only = dataclasses.replace(doubtful, windows_first_from=0.0)
    small = np.random.default_rng(3).integers(0, 255, (200, 130, 3), np.uint8)
    for options, photo, calls in ((top_only, big, 4 + 4), (top_only, image, 4 + 4),
                                  (top_only, small, 4),
                                  (doubtful, big, 3 + 4 + 1 + 4), (doubtful, image, 12),
                                  (doubtful, small, 3 + 4 + 1),
                                  (dataclasses.replace(doubtful, zoom_windows=0), big, 4)):
        win = PlateDetector.load(*paths, options=options)
        shapes, rpn_fn = [], win._rpn_fn
        win._rpn_fn = lambda x: shapes.append(x.shape) or rpn_fn(x)
        win.detect(photo)
        assert len(shapes) == calls, (photo.shape, options.zoom_windows, shapes)
        # the windows take the 1x pass's input shape
        if options is top_only and calls == 8:
            assert shapes[4:] == [shapes[1]] * 4, shapes
        if options is doubtful:
            assert shapes[3:7] == [shapes[1]] * 4, shapes
            assert shapes[7][1:3] == tuple(2 * v for v in shapes[2][1:3]), shapes
            assert shapes[8:] == [shapes[1]] * (calls - 8), shapes
    with pytest.raises(ValueError, match="windows_first_from must be above 1"):
        DetectorOptions(windows_first_from=0.5)
    with pytest.raises(ValueError, match="zoom_windows and window_candidates"):
        DetectorOptions(zoom_windows=-1)
    wide_enough = dataclasses.replace(auto, small_plate_px=0.0)     # found, none narrow
    assert PlateDetector.load(*paths, options=wide_enough).detect(image)[1]["rpn_zoom"] == 0
    # each reason counts only while zoom_triggers holds it (scripts/zoom_ablation.py)
    for options, reason in ((narrow, "small"), (nothing, "none")):
        others = tuple(r for r in DetectorOptions.zoom_triggers if r != reason)
        without = dataclasses.replace(options, zoom_triggers=others, near_miss=1.0)
        assert PlateDetector.load(*paths, options=without).detect(image)[1]["rpn_zoom"] == 0
    with pytest.raises(ValueError, match="zoom_triggers must be among"):
        DetectorOptions(zoom_triggers=("none", "always"))
    assert DetectorOptions.single_scale().passes(True) == (1.0,)
    assert DetectorOptions().passes(False) == (0.5, 1.0) and DetectorOptions().passes(True)[-1] == 4.0
    assert DetectorOptions().with_max_zoom(4.0).scales == DetectorOptions().scales
    assert DetectorOptions().with_max_zoom(1.0).passes(True) == (0.5, 1.0)
    with pytest.raises(ValueError, match="max_zoom must be one of"):
        DetectorOptions().with_max_zoom(3.0)
    with pytest.raises(ValueError, match="zoom must be one of"):
        DetectorOptions(zoom="sometimes")
    with pytest.raises(ValueError, match="include 1.0"):
        DetectorOptions(scales=(0.5, 2.0))
    with pytest.raises(ValueError, match="multiples of 8"):
        DetectorOptions(input_hw=(100, 64))


def test_refinement_recrops_around_the_corners(runs):
    from alpr_jax.geometry.rectify import snap_to_parallelograms
    from alpr_jax.pipeline.detector import DetectorOptions
    paths = (os.path.join(runs["rpn"], "rpn.npz"), os.path.join(runs["rcnn"], "rcnn.npz"))
    options = DetectorOptions(input_hw=(96, 64), score_threshold=0.0, zoom="off", final_nms=1.0)
    image = np.random.default_rng(2).integers(0, 255, (300, 200, 3), np.uint8)
    plain = PlateDetector.load(*paths, options=dataclasses.replace(options, refine_steps=0),
                               corner_source="rcnn")
    refined = PlateDetector.load(*paths, options=dataclasses.replace(options, refine_steps=1),
                                 corner_source="rcnn")
    first, _ = plain.detect(image)
    again, timing = refined.detect(image)
    # one re-crop: the R-CNN run once more on each detection's corner bounds, grown by
    # refine_margin per side; the score the max of the first and the re-crop's ("max")
    corners = np.stack([d.corners for d in first])
    rois = refined._around(corners)
    bounds = box_ops.corner_bounds(corners)
    grow = (bounds[:, 2:] - bounds[:, :2]) * refined.options.refine_margin
    np.testing.assert_allclose(rois, np.concatenate([bounds[:, :2] - grow, bounds[:, 2:] + grow], 1))
    full = _bucketed(image)
    scores, corners = plain._rcnn(full, rois, {"rcnn": 0.0})
    scores = np.maximum(scores, [d.score for d in first])
    expect = sorted(zip(scores.tolist(), corners.tolist()), reverse=True)
    # (the corners read; those returned are their snap to parallelograms where near one)
    got = sorted(((d.score, d.read_corners.tolist()) for d in again), reverse=True)
    for d in again:
        np.testing.assert_array_equal(d.corners, snap_to_parallelograms(
            d.read_corners, refined.options.parallelogram_below))
    assert len(got) == len(expect)
    for (s1, c1), (s2, c2) in zip(expect, got):
        assert s1 == pytest.approx(s2, abs=1e-5)
        np.testing.assert_allclose(c1, c2, atol=1e-3)


def test_whole_image_localizer_runs_and_evaluates(runs, ccpd_dir):
    from alpr_jax.evaluate.single_plate import evaluate_localizer
    from alpr_jax.pipeline.single_plate import SinglePlateLocalizer
    path = os.path.join(runs["dsnt_image"], "dsnt_image.npz")
    loc = SinglePlateLocalizer.load(path)
    assert loc.input_hw == (96, 64)
    for hw in ((300, 200), (200, 300)):              # portrait and landscape
        image = np.random.default_rng(0).integers(0, 255, hw + (3,), np.uint8)
        corners = loc.locate(image)
        assert corners.shape == (4, 2) and np.isfinite(corners).all()
        # the expectation of a heatmap lies inside the letterboxed input, so within the
        # photo's extent scaled to the whole input
        assert (corners >= 0).all() and (corners <= 1.5 * max(hw)).all()
    result = evaluate_localizer(loc, ccpd_dir, "b")
    assert result["n_images"] == 5 and result["corner_error_px"] > 0
    with pytest.raises(ValueError, match="dsnt_image"):      # refinement weights are not it
        SinglePlateLocalizer.load(os.path.join(runs["dsnt"], "dsnt.npz"))


def test_rpn_distill_loss_is_zero_on_the_teacher_and_pulls_towards_it():
    import jax
    import jax.numpy as jnp
    from alpr_jax.train import losses
    rng = np.random.default_rng(0)
    teacher = {"objectness": jnp.asarray(rng.normal(0, 6, (2, 50)), jnp.float32),
               "deltas": jnp.asarray(rng.normal(0, 1, (2, 50, 4)), jnp.float32),
               "corners": jnp.asarray(rng.normal(0, 1, (2, 50, 4, 2)), jnp.float32)}
    loss, metrics = losses.rpn_distill_loss(teacher, teacher)
    assert float(loss) == 0.0 and set(metrics) >= {"distill_obj", "distill_box",
                                                   "distill_corners"}
    student = jax.tree_util.tree_map(jnp.zeros_like, teacher)
    loss0 = losses.rpn_distill_loss(student, teacher)[0]
    grads = jax.grad(lambda s: losses.rpn_distill_loss(s, teacher)[0])(student)
    stepped = jax.tree_util.tree_map(lambda s, g: s - 0.5 * g, student, grads)
    assert 0 < float(losses.rpn_distill_loss(stepped, teacher)[0]) < float(loss0)
    # the logits move towards the teacher's; beyond the clip nothing is asked
    assert np.all(np.sign(-np.asarray(grads["objectness"]))[np.abs(teacher["objectness"]) > 0.1]
                  == np.sign(np.asarray(teacher["objectness"]))[np.abs(teacher["objectness"]) > 0.1])
    far = dict(teacher, objectness=teacher["objectness"] - 40.0)
    assert float(losses.rpn_distill_loss(dict(far, objectness=far["objectness"] - 5.0),
                                         far)[1]["distill_obj"]) == 0.0
    # boxes are learnt where the teacher sees a plate, not where it is sure there is none
    sure_not = dict(teacher, objectness=jnp.full((2, 50), -30.0))
    g = jax.grad(lambda s: losses.rpn_distill_loss(s, sure_not)[0])(student)
    assert float(jnp.abs(g["deltas"]).max()) < 1e-6


def test_rpn_distillation_run_from_a_teacher(runs, tmp_path):
    """`detector_rpn.py:distill,tiny` taught by the tiny RPN run's export (as a user would
    start it): the distillation terms are logged and finite, and the student loads into the
    cascade; a teacher without the model's corner head is refused."""
    teacher = os.path.join(runs["rpn"], "rpn.npz")
    train_cli("detector_rpn.py:distill,tiny", str(tmp_path),
              f"--config.distill.teacher={teacher}")
    rows = [json.loads(l) for l in open(os.path.join(tmp_path, "metrics.jsonl"))]
    for r in rows:
        assert all(np.isfinite(r[k]) for k in ("distill_obj", "distill_box", "distill_corners",
                                               "loss_cls", "loss")), r
    student = os.path.join(tmp_path, "rpn.npz")
    det = PlateDetector.load(student, os.path.join(runs["rcnn"], "rcnn.npz"),
                             corner_source="rcnn")
    assert det.detect(np.full((120, 80, 3), 127, np.uint8))[1]["rpn"] > 0
    from alpr_jax.train.detection import RPNTask
    from configs import detector_rpn
    config = detector_rpn.get_config("distill,tiny")
    with config.unlocked():
        config.distill.teacher = teacher
        config.model.corner_head = False
    with pytest.raises(ValueError, match="corner_head"):
        RPNTask(config)
