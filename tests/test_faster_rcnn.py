"""Table 5's Faster R-CNN baselines: RoIAlign (values and gradients), the ZF / VGG-16 models
at both strides, full-width parameter counts against the paper's sizes, a tiny model whose
loss falls on a fixed batch, and the `train.py` run of the tiny config exported and run as a
detector."""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from alpr_jax.geometry import anchors, roi_align
from alpr_jax.models.faster_rcnn import FasterRCNN
from alpr_jax.models.init_rng import init_key
from alpr_jax.train.task import get_task
from configs import common

from conftest import ROOT, fd_grad, train_cli


def test_roi_align_reads_a_linear_map_exactly():
    # bilinear reads reproduce a linear map, and a bin's mean is its centre's value
    h, w, stride = 12, 16, 8
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    features = jnp.asarray(np.stack([2.0 * xs + 3.0 * ys + 1.0, -xs], -1), jnp.float32)
    boxes = jnp.array([[20.0, 12.0, 84.0, 44.0], [5.5, 30.25, 101.0, 70.5]])
    out = np.asarray(roi_align.roi_align(features, boxes, out=4, stride=stride))
    assert out.shape == (2, 4, 4, 2)
    for r, (x1, y1, x2, y2) in enumerate(np.asarray(boxes)):
        cx = x1 + (np.arange(4) + 0.5) / 4 * (x2 - x1)         # bin centres, input px
        cy = y1 + (np.arange(4) + 0.5) / 4 * (y2 - y1)
        fx, fy = cx / stride - 0.5, cy / stride - 0.5           # feature-index coordinates
        expect = 2.0 * fx[None, :] + 3.0 * fy[:, None] + 1.0
        np.testing.assert_allclose(out[r, :, :, 0], expect, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(out[r, :, :, 1], -np.broadcast_to(fx, (4, 4)), atol=1e-4)


def test_roi_align_gradients_match_finite_differences():
    features = jax.random.uniform(jax.random.PRNGKey(0), (6, 7, 2))
    # generic box: no sample point within the finite-difference step of a cell centre
    boxes = jnp.array([[9.137, 6.281, 41.731, 35.093]])
    weights = jax.random.normal(jax.random.PRNGKey(1), (1, 3, 3, 2))

    def loss(f, b):
        return jnp.sum(roi_align.roi_align(f, b, out=3, stride=8) * weights)

    g_f, g_b = jax.grad(loss, argnums=(0, 1))(features, boxes)
    # linear in the features: the difference quotient is exact up to rounding
    fd_f = fd_grad(lambda f: float(loss(jnp.asarray(f, jnp.float32), boxes)), features, 1e-2)
    np.testing.assert_allclose(np.asarray(g_f), fd_f, atol=2e-3)
    fd_b = fd_grad(lambda b: float(loss(features, jnp.asarray(b, jnp.float32))), boxes, 1e-2)
    np.testing.assert_allclose(np.asarray(g_b), fd_b, rtol=2e-2, atol=2e-3)
    assert np.abs(np.asarray(g_b)).sum() > 0


@pytest.mark.parametrize("backbone", ["zf", "vgg16"])
@pytest.mark.parametrize("stride", [16, 8])
def test_model_shapes_follow_the_stride(backbone, stride):
    model = FasterRCNN(backbone, stride, width=0.125, fc=32)
    x = jnp.zeros((2, 96, 64, 3))
    rois = jnp.tile(jnp.array([[8.0, 8.0, 56.0, 30.0]]), (2, 3, 1))
    v = model.init({"params": init_key(jax.random.PRNGKey(0))}, x, rois)
    out = model.apply(v, x, rois)
    n = len(anchors.grid_anchors((96 // stride, 64 // stride), stride))
    assert out["objectness"].shape == (2, n) and out["deltas"].shape == (2, n, 4)
    assert out["roi_logits"].shape == (2, 3, 2) and out["roi_deltas"].shape == (2, 3, 4)
    with pytest.raises(ValueError, match=f"multiples of {stride}"):
        model.apply(v, jnp.zeros((1, 100, 64, 3)), rois[:1])


@pytest.mark.parametrize("backbone,paper_mb", [("zf", 224), ("vgg16", 521)])
def test_full_width_sizes_match_the_paper(backbone, paper_mb):
    model = FasterRCNN(backbone, 16)
    shapes = jax.eval_shape(lambda: model.init({"params": jax.random.PRNGKey(0)},
                                               jnp.zeros((1, 480, 320, 3)),
                                               jnp.zeros((1, 1, 4))))
    mb = sum(np.prod(s.shape) for s in jax.tree_util.tree_leaves(shapes["params"])) * 4 / 2**20
    assert abs(mb - paper_mb) / paper_mb < 0.02, mb


def test_tiny_model_loss_falls_on_a_fixed_batch():
    config = common.load(os.path.join(ROOT, "configs/faster_rcnn.py:cpu,tiny"))
    task = get_task(config)
    batch = {k: jnp.asarray(v) for k, v in next(iter(task.batches(0, 1))).items()}
    variables = task.init_variables(init_key(jax.random.PRNGKey(0)))
    params, stats = variables["params"], variables.get("batch_stats", {})
    opt = optax.adam(3e-3)
    opt_state = opt.init(params)

    @jax.jit
    def step(params, stats, opt_state):
        (loss, (_, stats)), grads = jax.value_and_grad(task.loss, has_aux=True)(
            params, stats, batch, jax.random.PRNGKey(1))
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), stats, opt_state, loss

    losses = []
    for _ in range(25):
        params, stats, opt_state, loss = step(params, stats, opt_state)
        losses.append(float(loss))
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3]), losses


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("frcnn"))
    train_cli("faster_rcnn.py:cpu,backbone=vgg16,stride=8,tiny", workdir)
    return workdir


def test_train_cli_exports_a_detector(tiny_run):
    from alpr_jax.data.images import read_image
    from alpr_jax.pipeline.faster_rcnn import FasterRCNNDetector
    workdir = tiny_run
    rows = [json.loads(l) for l in open(os.path.join(workdir, "metrics.jsonl"))]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    assert all(np.isfinite(r[k]) for r in rows for k in ("loss", "loss_cls", "loss_roi_cls"))
    detector = FasterRCNNDetector.load(os.path.join(workdir, "faster_rcnn.npz"))
    assert detector.model.backbone == "vgg16" and detector.model.stride == 8
    image = read_image(os.path.join(ROOT, "examples", sorted(os.listdir(
        os.path.join(ROOT, "examples")))[0]))
    dets, timing = detector.detect(image)
    for d in dets:
        assert d.corners.shape == (4, 2) and 0.0 <= d.score <= 1.0
    assert timing["detect_total"] > 0
    with pytest.raises(ValueError, match="not a Faster R-CNN export"):
        FasterRCNNDetector.load(os.path.join(ROOT, "alpr_jax", "weights", "rpn.npz"))


@pytest.mark.parametrize("stride", [16, 8])
def test_anchor_grid_follows_the_model_stride(stride):
    config = common.load(os.path.join(ROOT, f"configs/faster_rcnn.py:cpu,stride={stride},tiny"))
    task = get_task(config)
    batch = next(iter(task.batches(0, 1)))
    h, w = config.data.input_hw
    grid = anchors.grid_anchors((h // stride, w // stride), stride)
    assert batch["anchor_labels"].shape[1] == len(grid)
    with config.unlocked():
        config.data.input_hw = (104, 64)              # a multiple of 8, not of 16
    if stride == 16:
        with pytest.raises(ValueError, match="feature stride 16"):
            get_task(config)
