"""The end-to-end pipeline and `alpr predict` on bad and odd inputs: every input gives either a
result or an error record naming the file, the batch goes on, and the exit code says whether
anything failed. The I/O tests use small randomly initialised detectors (what is tested is the
handling, not the accuracy); the shipped recogniser reads the plates."""
import io
import json
import os

import cv2
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax import weights
from alpr_jax.data.images import write_image
from alpr_jax.models.detector import RCNN, RPN
from alpr_jax.models.init_rng import init_key
from alpr_jax.pipeline import predict
from alpr_jax.pipeline.alpr import ALPR, ReadGate, plate_type, raise_top
from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
from alpr_jax.pipeline.reader import PlateReader


@pytest.fixture(scope="module")
def alpr(tmp_path_factory):
    """Random small RPN / R-CNN (threshold 0, no minimum width: every RoI becomes a 'plate')
    + shipped reader."""
    key = init_key(jax.random.PRNGKey(0))
    rpn_cfg, rcnn_cfg = {"width": 0.125, "corner_head": False}, {"width": 0.125}
    rpn_vars = jax.jit(lambda k: RPN(**rpn_cfg).init(k, jnp.zeros((1, 96, 64, 3))))(key)
    rcnn_vars = jax.jit(lambda k: RCNN(**rcnn_cfg).init(k, jnp.zeros((1, 48, 120, 3))))(key)
    det = PlateDetector(rpn_cfg, rpn_vars, rcnn_cfg, rcnn_vars,
                        options=DetectorOptions(input_hw=(96, 64), score_threshold=0.0,
                                                num_rois=3, max_rois=3, min_width_px=0.0))
    # no ReadGate: what is tested is the handling of inputs, the random detections stay
    return ALPR(det, PlateReader.load(), ReadGate(min_confidence=0))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, ccpd_dir):
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (120, 90, 3), np.uint8)
    files = {}
    files["missing"] = str(d / "does_not_exist.jpg")
    (d / "empty.jpg").write_bytes(b"")
    files["empty"] = str(d / "empty.jpg")
    ok, jpg = cv2.imencode(".jpg", photo)
    (d / "truncated.jpg").write_bytes(jpg.tobytes()[: len(jpg) // 2])
    files["truncated"] = str(d / "truncated.jpg")
    (d / "notes.jpg").write_text("this is not an image")
    files["not_image"] = str(d / "notes.jpg")
    cv2.imwrite(str(d / "gray.png"), photo[..., 0])
    files["gray"] = str(d / "gray.png")
    cv2.imwrite(str(d / "rgba.png"), np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)]))
    files["rgba"] = str(d / "rgba.png")
    cv2.imwrite(str(d / "deep.png"), photo.astype(np.uint16) * 257)
    files["png16"] = str(d / "deep.png")
    write_image(str(d / "tiny.png"), photo[:10, :10])
    files["tiny"] = str(d / "tiny.png")
    huge = np.zeros((10000, 10000, 3), np.uint8)
    huge[::97] = 255
    cv2.imwrite(str(d / "huge.png"), huge)
    files["huge"] = str(d / "huge.png")
    return files


GOOD = ("gray", "rgba", "png16", "tiny", "huge")
BAD = {"missing": "no such file", "empty": "0 bytes", "truncated": "truncated JPEG",
       "not_image": "not a decodable image"}


def test_every_input_gives_a_result_or_a_named_error(alpr, inputs):
    order = ["missing", "gray", "empty", "rgba", "truncated", "png16", "not_image", "tiny",
             "huge"]
    out = io.StringIO()
    failed = predict.run(alpr, [inputs[k] for k in order], as_json=True, progress=False, out=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["file"] for r in rows] == [inputs[k] for k in order]   # nothing skipped
    assert failed == len(BAD)
    for key, row in zip(order, rows):
        if key in BAD:
            assert BAD[key] in row["error"] and row["plates"] == []
        else:
            assert "error" not in row
            assert row["image_size"][0] > 0 and 1 <= len(row["plates"]) <= 3
            for plate in row["plates"]:
                assert len(plate["corners"]) == 4 and 7 <= len(plate["text"]) <= 8
                # a plain plate cut from the greyscale photo has no colour to tell
                assert plate["plate_type"] in ("blue", "yellow", "green", "white", "unknown")
                assert set(row["timing_ms"]) >= {"rpn", "rcnn", "rectify", "recognize", "total"}
    assert rows[order.index("huge")]["image_size"] == [10000, 10000]


def test_decoding_ahead_keeps_input_order_and_reports_rate(alpr, inputs, capsys):
    # threads decode files ahead of inference; lines still come in input order, bad files
    # are still reported in their place, and the run ends with its photos/s
    order = ["gray", "missing", "rgba", "truncated", "png16", "tiny", "gray", "not_image"]
    paths = [inputs[k] for k in order]
    outputs = []
    # (decode threads, photos predicted at once): parallel 3 is the throughput mode
    for workers, parallel in ((0, 1), (3, 1), (0, 3)):
        out = io.StringIO()
        failed = predict.run(alpr, paths, as_json=True, progress=True, out=out, workers=workers,
                             parallel=parallel)
        rows = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [r["file"] for r in rows] == paths and failed == 3
        outputs.append([(r.get("error"), [p["text"] for p in r["plates"]]) for r in rows])
        err = capsys.readouterr().err
        assert "5 photos in" in err and "photos/s (compilation included; 3 failed)" in err
    assert outputs[0] == outputs[1] == outputs[2]


def test_cli_exit_code_and_lines(alpr, inputs, monkeypatch, capsys):
    monkeypatch.setattr(ALPR, "load", classmethod(lambda cls, *a, **k: alpr))
    assert predict.main([inputs["gray"], "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith(inputs["gray"] + ": ")
    assert predict.main([inputs["gray"], inputs["missing"], "--no-progress"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"{inputs['missing']}: ERROR no such file"


def test_cli_keeps_compiled_programs_on_disk(tmp_path):
    # `alpr predict` calls runtime.enable_compilation_cache: a fresh process caches jit's
    # programs under $ALPR_JAX_CACHE/xla; a process whose cache is set (this one: conftest)
    # keeps its own
    import subprocess
    import sys
    from alpr_jax.pipeline import runtime
    code = ("import jax; from alpr_jax.pipeline import runtime; "
            "print(runtime.enable_compilation_cache()); jax.jit(lambda x: x * 3 + 1)(2.0)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_COMPILATION_CACHE")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(env, ALPR_JAX_CACHE=str(tmp_path)), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(tmp_path / "xla") and os.listdir(tmp_path / "xla")
    before = jax.config.jax_compilation_cache_dir
    assert before and runtime.enable_compilation_cache() is None
    assert jax.config.jax_compilation_cache_dir == before


def test_folders_globs_and_annotation(alpr, inputs, tmp_path):
    folder = os.path.dirname(inputs["gray"])
    expanded = predict.expand_inputs([folder, os.path.join(folder, "*.png"), "nothing*.jpg"])
    assert inputs["gray"] in expanded and inputs["empty"] in expanded
    assert expanded[-1] == "nothing*.jpg"                      # reported, not dropped
    failed = predict.run(alpr, [inputs["gray"]], annotate_dir=str(tmp_path), progress=False,
                         out=io.StringIO())
    assert failed == 0 and os.path.isfile(tmp_path / "gray.jpg")


def test_video_every_nth_frame(alpr, tmp_path):
    path = str(tmp_path / "clip.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(7):
        writer.write(np.full((48, 64, 3), 30 * i, np.uint8))
    writer.release()
    out = io.StringIO()
    assert predict.run(alpr, [path], every=3, as_json=True, progress=False, out=out) == 0
    files = [json.loads(l)["file"] for l in out.getvalue().splitlines()]
    assert files == [f"{path}#frame=0", f"{path}#frame=3", f"{path}#frame=6"]


@pytest.mark.parametrize("workers, parallel", [(0, 1), (2, 1), (1, 2)])
def test_video_frames_stream(alpr, inputs, monkeypatch, workers, parallel):
    # a video's frames flow through one at a time (a bounded few ahead), never all decoded
    # first: a long video would not fit in memory, and its first plates print at once; a
    # photo after it and an unreadable input keep their places
    decoded = []

    def frames(path, every):
        for i in range(0, 40, every):
            decoded.append(i)
            yield i, np.full((48, 64, 3), 100, np.uint8)
    monkeypatch.setattr(predict, "video_frames", frames)

    class Out(io.StringIO):
        first = None

        def write(self, text):
            if self.first is None and text.strip():
                self.first = len(decoded)
            return super().write(text)
    out = Out()
    photo, missing = inputs["gray"], inputs["missing"]
    failed = predict.run(alpr, ["long.mp4", photo, missing], every=2, as_json=True,
                         progress=False, out=out, workers=workers, parallel=parallel)
    files = [json.loads(l)["file"] for l in out.getvalue().splitlines()]
    assert files == [f"long.mp4#frame={i}" for i in range(0, 40, 2)] + [photo, missing]
    assert failed == 1 and len(decoded) == 20
    assert out.first <= 1 + 2 * max(workers, parallel)


def test_no_plate_found_hints_crops_for_a_cut_plate():
    # a 94x24 plate crop given as a scene finds nothing: the line says how to read it; a
    # scene-sized photo, or a run already reading crops, gets the plain line
    from alpr_jax.pipeline.alpr import Result
    out = io.StringIO()
    for size, hint in (((94, 24), True), ((1160, 720), True), ((94, 24), False), ((90, 90), True)):
        predict._print(Result("x.jpg", size, (), {}), False, out, hint_crops=hint)
    lines = out.getvalue().splitlines()
    assert "--crops" in lines[0] and lines[1:] == ["x.jpg: no plate found"] * 3


def test_plate_type_from_text_and_colour():
    blue = np.zeros((48, 120, 3), np.uint8)
    blue[:] = (20, 60, 200)
    yellow = np.full((48, 120, 3), (230, 190, 20), np.uint8)
    white = np.full((48, 120, 3), 235, np.uint8)
    assert plate_type(blue, "皖A12345") == "blue"
    assert plate_type(yellow, "皖A12345") == "yellow"
    assert plate_type(yellow, "皖A1234挂") == "yellow"
    # a kind's colour is its text's, whatever the light made of the plate
    assert plate_type(white, "皖A1234警") == "white"
    assert plate_type(white, "皖AD12345") == "green"
    assert plate_type(blue, "粤Z1234港") == "black"
    assert plate_type(yellow, "使123456") == "black"
    # a plain plate is blue or yellow: washed out to a trace of blue, or dark and lit
    # reddish at night (hue ~7, saturation ~60, as easypr_dev's night plates), it is blue
    assert plate_type(np.full((48, 120, 3), (222, 226, 238), np.uint8), "皖A12345") == "blue"
    # ... but one without any colour (a monochrome camera's) is not said to be either
    assert plate_type(white, "皖A12345") == "unknown"
    assert plate_type(np.full((48, 120, 3), (55, 45, 42), np.uint8), "皖A12345") == "blue"
    # yellow needs a saturated yellow: the same hue faded is blue's
    assert plate_type(np.full((48, 120, 3), (120, 112, 95), np.uint8), "皖A12345") == "blue"


def test_array_input_checked(alpr):
    with pytest.raises(ValueError, match="uint8 RGB"):
        alpr.predict(np.zeros((10, 10), np.float32))


class _KnownPlates:
    """A detector double that 'finds' given quadrilaterals with given scores (0.99 each by
    default): isolates the reading stage."""

    def __init__(self, quads, scores=None):
        from alpr_jax.pipeline.detector import Detection
        self.options = DetectorOptions()
        scores = [0.99] * len(quads) if scores is None else scores
        self.detections = [Detection(np.asarray(q, np.float32), np.concatenate(
            [np.min(q, 0), np.max(q, 0)]).astype(np.float32), s) for q, s in zip(quads, scores)]

    def detect(self, image, floor=None):
        last = self.options.score_threshold if floor is None else floor
        return [d for d in self.detections if d.score >= last], {}

    def colourless_twin(self, score_threshold):
        import copy
        import dataclasses
        twin = copy.copy(self)
        twin.options = dataclasses.replace(self.options, score_threshold=score_threshold)
        return twin


def test_detector_with_other_options_shares_its_networks(alpr, tmp_path):
    # what ALPR runs a photo without colour with: the same networks, another threshold
    twin = alpr.detector.with_options(score_threshold=0.3)
    assert twin.options.score_threshold == 0.3 and alpr.detector.options.score_threshold == 0
    assert twin._rpn_fn is alpr.detector._rpn_fn and twin._rcnn_fn is alpr.detector._rcnn_fn
    with pytest.raises(ValueError, match="zoom must be one of"):      # checked as ever
        alpr.detector.with_options(zoom="sometimes")
    # ... and, where the detector has one, the DSNT localiser trained on photos turned to
    # luma; the colour photos' detector keeps its own
    from alpr_jax.models.dsnt_localizer import DSNTLocalizer
    from alpr_jax.pipeline.detector import PlateDetector
    config = {"depth": "small", "width": 0.25}
    init = jax.jit(lambda k: DSNTLocalizer(**config).init(k, jnp.zeros((1, 64, 160, 3))))
    colour, grey = (init(init_key(jax.random.PRNGKey(i))) for i in (1, 2))
    d = alpr.detector
    args = ({"width": 0.125, "corner_head": False}, d.rpn_variables, {"width": 0.125},
            d.rcnn_variables, "cascade", d.options, config, colour)
    both = PlateDetector(*args, mono_dsnt_variables=grey)
    twin = both.colourless_twin(0.3)
    assert twin.options.score_threshold == 0.3 and both.options.score_threshold == 0
    leaf = lambda tree: np.asarray(jax.tree_util.tree_leaves(tree["params"])[0])
    assert np.array_equal(leaf(twin.dsnt_variables), leaf(grey))
    assert np.array_equal(leaf(both.dsnt_variables), leaf(colour))
    assert twin._rpn_fn is both._rpn_fn and twin._rcnn_fn is both._rcnn_fn
    image = np.random.default_rng(5).integers(0, 255, (120, 90, 3), np.uint8)
    corners = [[det.corners for det in det_list] for det_list in
               (both.detect(image)[0], twin.with_options(score_threshold=0).detect(image)[0])]
    assert len(corners[0]) == len(corners[1]) > 0
    assert not np.allclose(corners[0], corners[1])        # another localiser placed them
    alone = PlateDetector(*args)
    assert alone.colourless_twin(0.3)._dsnt_fn is alone._dsnt_fn
    with pytest.raises(ValueError, match="needs the DSNT corner source"):
        PlateDetector(*args[:6], mono_dsnt_variables=grey)
    assert both.size_mb() > PlateDetector(*args).size_mb()
    assert sum(fn is twin._dsnt_fn for fn, _ in both.onnx_inputs()) == 1
    # from files: a localiser for grey photos of another architecture than the colour one,
    # or one without the DSNT corner source, is refused at the boundary
    from alpr_jax.pipeline.options import ModelOptions
    path = str(tmp_path / "dsnt_tiny.npz")
    weights.save_npz(path, grey, {"task": "dsnt", "model": config})
    with pytest.raises(ValueError, match="differs from the DSNT localiser"):
        PlateDetector.load(mono_dsnt_path=path)
    with pytest.raises(ValueError, match="corner source"):
        ModelOptions(corner_source="rcnn", mono_dsnt=path)
    assert ModelOptions(corner_source="rcnn", mono_dsnt="none").detector() is not None


def test_two_row_plate_read_as_one_text():
    # a squat quadrilateral is also read with its rows stitched side by side; the better
    # reading wins and plate_type says two-row; a one-row plate beside it is unaffected
    from alpr_jax.data import render
    rng = np.random.default_rng(4)
    canvas = np.full((260, 420, 3), 110, np.float32)
    two = np.array([[40, 40], [200, 40], [200, 120], [40, 120]], np.float32)      # 2:1
    one = np.array([[230, 150], [390, 150], [390, 201], [230, 201]], np.float32)  # 3.1:1
    for text, quad, rows2 in (("鲁B7Q321", two, True), ("皖AD1234", one, False)):
        text = text if rows2 else "皖A5K217"
        rgb, alpha = render.draw_plate(rng, text, "yellow" if rows2 else "blue", ppm=0.6,
                                       clean=True, two_row=rows2)
        render.warp_onto(canvas, rgb, alpha, quad)
    result = ALPR(_KnownPlates([two, one]), PlateReader.load()).predict(canvas.astype(np.uint8))
    assert [p.text for p in result.plates] == ["鲁B7Q321", "皖A5K217"]
    assert [p.plate_type for p in result.plates] == ["yellow_two_row", "blue"]
    # corners that stop inside the top row (a fifth of the plate's height cut off, w/h 2.5)
    # are also read with their top edge raised (alpr.raise_top), which recovers the top row
    cut = two + np.float32([[0, 16], [0, 16], [0, 0], [0, 0]])
    np.testing.assert_allclose(raise_top(cut, 0.25)[:2, 1], 40, atol=1e-4)
    result = ALPR(_KnownPlates([cut]), PlateReader.load()).predict(canvas.astype(np.uint8))
    assert [(p.text, p.plate_type) for p in result.plates] == [("鲁B7Q321", "yellow_two_row")]


def test_read_gate_keeps_readable_doubtful_plates_and_drops_unreadable_ones():
    # a plate the detector doubts (0.6, under its 0.7 threshold) is kept because it reads
    # confidently; a confident detection of a blank patch (0.9) is dropped because it does
    # not; under 0.5 nothing is read. ReadGate off: the detector's answer as it is
    from alpr_jax.data import render
    from alpr_jax.pipeline.alpr import ReadGate
    rng = np.random.default_rng(5)
    canvas = np.full((200, 420, 3), 110, np.float32)
    plate = np.array([[40, 40], [200, 40], [200, 91], [40, 91]], np.float32)
    blank = plate + np.float32([200, 90])
    rgb, alpha = render.draw_plate(rng, "皖A5K217", "blue", ppm=0.6, clean=True)
    render.warp_onto(canvas, rgb, alpha, plate)
    image = canvas.astype(np.uint8)
    reader = PlateReader.load()
    for score, kept in ((0.6, ["皖A5K217"]), (0.45, [])):
        gated = ALPR(_KnownPlates([plate, blank], [score, 0.9]), reader)
        assert [p.text for p in gated.predict(image).plates] == kept, score
        assert len(gated.detect(image)[0]) == len(kept)
    off = ALPR(_KnownPlates([plate, blank], [0.6, 0.9]), reader, ReadGate(min_confidence=0))
    assert [p.detection_score for p in off.predict(image).plates] == [0.9]
    with pytest.raises(ValueError, match="min_confidence"):
        ReadGate(min_confidence=1.5)
    # the same photo from a monochrome camera: the detector scores grey plates lower, so
    # its threshold there is 0.3, and such plates are read (by the reader's network for
    # plates without colour) and kept when read confidently
    from alpr_jax.data import augment
    grey = augment.grayscale(image)
    for score, kept in ((0.45, ["皖A5K217"]), (0.25, [])):
        gated = ALPR(_KnownPlates([plate, blank], [score, 0.9]), reader)
        plates = gated.predict(grey).plates
        assert [p.text for p in plates] == kept, score
        assert all(p.plate_type == "unknown" for p in plates)
    assert [p.text for p in ALPR(_KnownPlates([plate], [0.45]), reader,
                                 ReadGate(grey_min_score=0.5)).predict(grey).plates] == []
    with pytest.raises(ValueError, match="grey_min_score"):
        ReadGate(grey_min_score=-0.1)


def test_read_gate_rules_and_defaults():
    # the options' defaults are the gate's; a confident reading that is no plate number
    # (a grille read as 川WWWWWW) is dropped like an unconfident one
    from alpr_jax.decoding import PlateReading
    from alpr_jax.pipeline.options import ModelOptions
    gate = ReadGate()
    assert ModelOptions().read_gate() == gate
    # the pyramid's top pass from the flags (--max-zoom), checked at the boundary
    assert ModelOptions(max_zoom=8.0).detector_options().passes(True)[-1] == 8.0
    assert ModelOptions().detector_options().passes(True)[-1] == 4.0
    with pytest.raises(ValueError, match="max_zoom must be one of"):
        ModelOptions(max_zoom=5.0)
    with pytest.raises(ValueError, match="single_scale"):
        ModelOptions(max_zoom=8.0, single_scale=True)
    # and its windows above it (--zoom-windows)
    assert ModelOptions().detector_options().zoom_windows == 4
    assert ModelOptions(zoom_windows=0).detector_options().zoom_windows == 0
    with pytest.raises(ValueError, match="zoom_windows must be >= 0"):
        ModelOptions(zoom_windows=-2)
    # ... and the passes from 4x up run on windows first (--windows-first-from)
    assert ModelOptions().detector_options().windows_first_from == 4.0
    assert ModelOptions(windows_first_from=0).detector_options().windows_first_from == 0
    for bad in (0.5, -1.0):
        with pytest.raises(ValueError, match="windows_first_from must be above 1"):
            ModelOptions(windows_first_from=bad)
    # which candidates are re-cropped (--refine-threshold), checked at the boundary
    assert ModelOptions().detector_options().refine_threshold == 0.03
    assert ModelOptions(refine_threshold=0.3).detector_options().refine_threshold == 0.3
    with pytest.raises(ValueError, match="refine_threshold must be in"):
        ModelOptions(refine_threshold=1.5)
    # dim plates are stretched by default, the flag reaches the reader, checked at the boundary
    assert ModelOptions().reader().levels_below == 100
    assert ModelOptions(plate_levels_below=0).reader().levels_below == 0
    with pytest.raises(ValueError, match="plate_levels_below"):
        ModelOptions(plate_levels_below=-1)
    reading = lambda text, conf: PlateReading(text, conf, (conf,) * len(text))
    assert gate.keeps(reading("粤AAD348", 0.2))
    assert not gate.keeps(reading("粤AAD348", 0.05))
    assert not gate.keeps(reading("川WWWWWW", 0.2))
    assert not gate.keeps(reading("鲁D00000", 0.64))            # a caption's frame counter
    assert gate.keeps(reading("鲁D00800", 0.64))
    assert ReadGate(min_confidence=0).keeps(reading("川WWWWWW", 0.0))
    with pytest.raises(ValueError, match="max_serial_letters"):
        ReadGate(max_serial_letters=9)


def test_plate_crops_are_read_whole(tmp_path, crops_dir):
    # ALPR.read_plate / `alpr predict --crops`: each input is one plate cut round it, read
    # without the detector (which is here a random one that would find nothing useful): a
    # real crop reads as eval.py's recognition task reads it, a squat crop as two rows
    from alpr_jax.data import render
    from alpr_jax.data.annotations import read_annotations
    record = next(r for r in read_annotations(crops_dir) if r.plates[0].text == "京PL3N67")
    alpr = ALPR(None, PlateReader.load())
    result = alpr.read_plate(record.path)
    (plate,) = result.plates
    h, w = result.image_size[1], result.image_size[0]
    assert plate.text == "京PL3N67" and plate.plate_type == "blue" and plate.detection_score == 1
    np.testing.assert_allclose(plate.corners, [[0, 0], [w, 0], [w, h], [0, h]])
    rgb, _ = render.draw_plate(np.random.default_rng(4), "鲁B7Q321", "yellow", ppm=0.4,
                               clean=True, two_row=True)
    squat = tmp_path / "two_row.png"
    write_image(str(squat), rgb.astype(np.uint8))
    assert [(p.text, p.plate_type) for p in alpr.read_plate(str(squat)).plates] == [
        ("鲁B7Q321", "yellow_two_row")]
    out = io.StringIO()
    assert predict.run(alpr, [record.path, str(squat), str(tmp_path / "gone.jpg")],
                       progress=False, out=out, crops=True) == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{record.path}: 京PL3N67 ({plate.confidence:.2f})"
    assert lines[1].startswith(f"{squat}: 鲁B7Q321 (")
    assert lines[2] == f"{tmp_path / 'gone.jpg'}: ERROR no such file"


def test_hw_arg_parses_sizes_and_names_what_is_wrong():
    # the one "HxW" flag type of the scripts and benchmarks (plate_size_sweep --canvas,
    # rpn_speed --hw)
    import argparse
    import functools

    from alpr_jax.pipeline.options import hw_arg
    assert hw_arg("1080x1920") == (1080, 1920) and hw_arg("10X6") == (10, 6)
    for bad, message in (("1080", "expected HxW"), ("axb", "expected HxW"),
                         ("0x8", "positive")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            hw_arg(bad)
    by8 = functools.partial(hw_arg, multiple=8)
    assert by8("160x240") == (160, 240)
    with pytest.raises(argparse.ArgumentTypeError, match="multiples of 8"):
        by8("100x60")
