"""The onnxruntime backend (pipeline.runtime): a network exported with jax2onnx gives JAX's
outputs, its export is cached on disk by weights digest, baked-in settings and shape, new
weights drop the sessions, and the whole shipped pipeline reads the same plates with the same
corners on both backends on real photos of every shared kind."""
import glob
import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax.data.images import read_image
from alpr_jax.evaluate.recognition import synthetic_kind_plates
from alpr_jax.geometry.rectify import rectify
from alpr_jax.models.init_rng import init_key
from alpr_jax.pipeline import runtime
from alpr_jax.pipeline.options import ModelOptions
from alpr_jax.train import export

pytest.importorskip("onnxruntime")
pytest.importorskip("jax2onnx")

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")
# corners agree to this many px (float32 in different kernel orders; the affine fit and
# the re-crops amplify 1e-5 differences in the networks' outputs a little)
CORNER_TOL_PX = 1.5
# end to end, a plate's confidence follows its corners: 0.016 px moves the uint8 crop's
# resampled pixels by up to 5 levels, measured to move an unsure province's probability
# by 0.008 (easypr_dev 湘A0PQ76). The recogniser itself is held to 1e-4 on one crop.
CONFIDENCE_TOL = 0.02


class _Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Conv(8, (3, 3), strides=(2, 2))(x))
        x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2))
        return nn.Dense(5)(x.reshape(x.shape[0], -1))


def test_an_export_is_keyed_by_what_its_graph_bakes_in():
    # the RPN traces its top-k count into the graph: a cached export made with another
    # count must not be loaded for this one
    from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector

    def rpn_path(pre_nms):
        detector = PlateDetector.load(options=DetectorOptions(pre_nms=pre_nms), backend="onnx")
        return detector._rpn_fn.onnx_path((1, 320, 480, 3))
    assert rpn_path(300) == rpn_path(300) != rpn_path(1000)
    # and a detector whose options were swapped for another count refuses to run
    detector = PlateDetector.load(backend="jax")
    detector.options = DetectorOptions(pre_nms=1000)
    with pytest.raises(ValueError, match="pre_nms 1000 differs"):
        detector.detect(np.zeros((64, 96, 3), np.uint8))


def test_runner_matches_jax_caches_and_reloads(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPR_JAX_CACHE", str(tmp_path))
    net = _Net()
    variables = net.init(init_key(jax.random.PRNGKey(0)), jnp.zeros((1, 16, 24, 3)))
    fn = lambda v, x: (jax.nn.softmax(net.apply(v, x), -1),)
    x = np.random.default_rng(0).random((3, 16, 24, 3), np.float32)
    ref = runtime.NetRunner("net", fn, variables, "jax")(x)[0]
    onnx = runtime.NetRunner("net", fn, variables, "onnx")
    np.testing.assert_allclose(onnx(x)[0], ref, atol=1e-5)
    np.testing.assert_allclose(onnx(x[:1])[0], ref[:1], atol=1e-5)   # symbolic batch: 1 export
    files = glob.glob(str(tmp_path / "net-*-Bx16x24x3.onnx"))
    assert len(files) == 1 and onnx.compiled_shapes() == 1
    # a new runner with the same weights loads the cached file; other weights export anew
    assert np.allclose(runtime.NetRunner("net", fn, variables, "onnx")(x)[0], ref, atol=1e-5)
    other = jax.tree_util.tree_map(lambda a: a * 0.5, variables)
    onnx.set_variables(other)
    np.testing.assert_allclose(onnx(x)[0], runtime.NetRunner("net", fn, other, "jax")(x)[0],
                               atol=1e-5)
    assert len(glob.glob(str(tmp_path / "net-*.onnx"))) == 2


def test_a_uint8_runner_converts_inside_its_graph(tmp_path, monkeypatch):
    # the RPN takes the letterboxed photo as uint8 and scales it inside the network
    monkeypatch.setenv("ALPR_JAX_CACHE", str(tmp_path))
    net = _Net()
    variables = net.init(init_key(jax.random.PRNGKey(0)), jnp.zeros((1, 16, 24, 3)))
    fn = lambda v, x: (net.apply(v, x.astype(jnp.float32) / 255.0),)
    x = np.random.default_rng(1).integers(0, 256, (1, 16, 24, 3), dtype=np.uint8)
    runners = [runtime.NetRunner("net8", fn, variables, b, dynamic_batch=False,
                                 input_dtype=np.uint8) for b in ("jax", "onnx")]
    ref = net.apply(variables, x.astype(np.float32) / 255.0)
    for runner in runners:
        np.testing.assert_allclose(runner(x)[0], ref, atol=1e-5)
        with pytest.raises(ValueError, match="net8 takes uint8 inputs, got float32"):
            runner(x.astype(np.float32))
    with pytest.raises(ValueError, match="float32 inputs only"):
        runtime.NetRunner("net8", fn, variables, "onnx", input_dtype=np.uint8)


def test_backend_names_checked(monkeypatch):
    with pytest.raises(ValueError, match="backend must be one of"):
        runtime.check_backend("tensorrt")
    with pytest.raises(ValueError, match="backend must be one of"):
        ModelOptions(backend="gpu")
    # auto: onnxruntime for the detector's networks, XLA for the recogniser
    monkeypatch.delenv("ALPR_JAX_BACKEND", raising=False)
    assert [runtime.check_backend("auto", n) for n in ("rpn", "rcnn", "dsnt", "recognizer")] \
        == ["onnx", "onnx", "onnx", "jax"]
    monkeypatch.setenv("ALPR_JAX_BACKEND", "onnx")
    assert runtime.check_backend("auto", "recognizer") == "onnx"
    monkeypatch.setenv("ALPR_JAX_BACKEND", "jax")
    assert runtime.check_backend("auto") == "jax"
    monkeypatch.setenv("ALPR_JAX_BACKEND", "cuda")
    with pytest.raises(ValueError, match="ALPR_JAX_BACKEND"):
        runtime.check_backend("auto")


# street photos of three sizes and shapes: 425x300, 1584x1170 (its unsure province set
# CONFIDENCE_TOL), 295x492 portrait; the examples are CCPD close-ups (720x1160)
STREET = ("京CX8888.jpg", "湘A0PQ76.jpg", "粤BZ756T.jpg")


def _photos():
    picks = sorted(glob.glob(os.path.join(HERE, "..", "examples", "*.jpg")))
    picks += [os.path.join(SHARED, "easypr_dev", name) for name in STREET]
    picks += sorted(glob.glob(os.path.join(SHARED, "ccpd_600", "test", "*.jpg")))[:1]
    missing = [p for p in picks[2:] if not os.path.isfile(p)]
    if len(picks) != 6 or missing:
        pytest.fail(f"shared real data missing: {missing or 'ccpd_600/test'} (clone beside "
                    f"../shared)")
    return picks


def test_shipped_pipeline_same_plates_on_both_backends(tmp_path, monkeypatch, capsys):
    # `alpr export --onnx DIR` writes every network and RPN pass shape; with the cache
    # pointed at DIR the onnx backend exports nothing more
    assert export.main(["--onnx", str(tmp_path)]) == 0
    written = sorted(os.listdir(tmp_path))
    assert capsys.readouterr().out.count("wrote ") == len(written)
    # the recogniser, the two-row one and the one for plates without colour, each once: the
    # doubtful plates' other views are a larger batch of the same export
    assert {f.split("-")[0] for f in written} == {"rpn", "rcnn", "dsnt", "recognizer"}
    assert sum(f.startswith("recognizer-") for f in written) == 3
    monkeypatch.setenv("ALPR_JAX_CACHE", str(tmp_path))
    reference = ModelOptions(backend="jax").alpr()
    onnx = ModelOptions(backend="onnx").alpr()
    read = 0
    for path in _photos():
        image = read_image(path)
        a, b = reference.predict(image).plates, onnx.predict(image).plates
        assert [p.text for p in a] == [p.text for p in b], path
        for p, q in zip(a, b):
            assert np.abs(p.corners - q.corners).max() <= CORNER_TOL_PX, path
            assert abs(p.confidence - q.confidence) < CONFIDENCE_TOL, path
            assert p.plate_type == q.plate_type, path
        if b:   # the same crops read by both backends' recognisers
            crops = np.stack([rectify(image, q.corners) for q in b])
            ra, rb = reference.reader.read(crops), onnx.reader.read(crops)
            assert [r.text for r in ra] == [r.text for r in rb], path
            np.testing.assert_allclose([r.confidence for r in rb], [r.confidence for r in ra],
                                       atol=1e-4, err_msg=path)
        read += len(a)
    assert read >= 6           # the photos hold plates: the comparison is not of empty lists
    stitched, _ = synthetic_kind_plates("two_row", 6, seed=5)     # the two-row network
    ra, rb = reference.reader.read(stitched, two_row=True), onnx.reader.read(stitched, two_row=True)
    assert [r.text for r in ra] == [r.text for r in rb]
    np.testing.assert_allclose([r.confidence for r in rb], [r.confidence for r in ra], atol=1e-4)
    assert sorted(os.listdir(tmp_path)) == written
