"""The corner-patch refiner: its frames (every corner seen as a top-left one, exact inverse),
the affine cut agreeing with the box cut, gradients of the cut through the corners, the
model's shapes, the task's loss falling on a fixed batch, and a `train.py` run of the tiny
config exported and run as the detector's last corner step."""
import dataclasses
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from alpr_jax.geometry import corner_patches as cp
from alpr_jax.geometry import crops
from alpr_jax.models.corner_refiner import CornerRefiner
from alpr_jax.models.init_rng import init_key
from alpr_jax.train.task import get_task
from configs import common

from conftest import fd_grad, train_cli


def _rectangle_image():
    image = np.zeros((200, 304, 3), np.float32)    # multiples of 8: no pyramid padding
    image[60:140, 50:250] = 1.0                      # a white "plate", corners on pixel edges
    corners = np.array([[50, 60], [250, 60], [250, 140], [50, 140]], np.float32)
    return image, corners


def test_patch_coordinates_invert_exactly():
    quad = np.array([[[100, 200], [400, 230], [390, 330], [95, 300]]], np.float32)
    coords = np.random.default_rng(0).uniform(-1, 1, (1, 4, 2)).astype(np.float32)
    points = cp.to_image(coords, quad)
    np.testing.assert_allclose(np.asarray(cp.to_patch(points, quad)), coords, atol=1e-5)
    # the patch centre is the corner itself; the plate lies towards +a, +b
    np.testing.assert_allclose(np.asarray(cp.to_image(np.zeros((1, 4, 2)), quad)), quad)
    centre = np.asarray(cp.to_patch(quad.mean(1, keepdims=True).repeat(4, 1), quad))
    assert (centre > 0).all()


def test_every_corner_looks_top_left():
    # the four patches of an axis-aligned rectangle are mirror images: after the frames'
    # flips they are the same picture, dark outside the plate (top-left quadrant), bright
    # inside it (bottom-right quadrant)
    image, corners = _rectangle_image()
    patches = np.asarray(cp.cut(crops.mean_pyramid(jnp.asarray(image)), corners[None]))
    assert patches.shape == (4, *cp.PATCH_HW, 3)
    for k in range(1, 4):
        np.testing.assert_allclose(patches[k], patches[0], atol=1e-4)
    h, w = cp.PATCH_HW
    assert patches[0, :h // 2 - 2, :w // 2 - 2].max() < 1e-6
    assert patches[0, h // 2 + 2:, w // 2 + 2:].min() > 1 - 1e-6


def test_affine_cut_is_the_box_cut_for_boxes():
    image = jax.random.uniform(jax.random.PRNGKey(0), (256, 256, 3))
    boxes = jnp.array([[10.0, 20.0, 130.0, 68.0], [0.0, 0.0, 250.0, 100.0]])
    thetas = crops.crop_thetas(boxes, image.shape[:2])
    shrink = jnp.maximum((boxes[:, 2] - boxes[:, 0]) / 120, (boxes[:, 3] - boxes[:, 1]) / 48)
    np.testing.assert_allclose(np.asarray(crops.cut_affine(image, thetas, shrink, (48, 120))),
                               np.asarray(crops.cut(image, boxes, (48, 120))), atol=1e-6)


def test_patch_gradients_reach_the_corners():
    # the cut is differentiable in the corners (through the frames and the sampler)
    # a smooth image: bilinear reads of it are nearly smooth in the positions, so the
    # finite differences do not hinge on which samples cross a pixel boundary
    ys, xs = np.meshgrid(np.arange(64), np.arange(96), indexing="ij")
    image = jnp.asarray(np.stack([np.sin(xs / 7.0), np.cos(ys / 5.0), np.sin((xs + ys) / 9.0)],
                                 -1), jnp.float32)
    weights = jax.random.normal(jax.random.PRNGKey(2), (4, 16, 16, 3))
    quad = jnp.array([[20.31, 17.43], [70.77, 19.12], [71.58, 41.93], [19.66, 40.27]])

    def loss(q):
        thetas, _ = cp.patch_thetas(q, image.shape[:2], out_hw=(16, 16))
        out = jax.vmap(lambda t: jax.vmap(lambda tt: crops.sampler.sample(
            image, tt, (16, 16)))(t[None]))(thetas)[:, 0]
        return jnp.sum(out * weights)

    g = np.asarray(jax.grad(loss)(quad))
    fd = fd_grad(lambda q: float(loss(jnp.asarray(q, jnp.float32))), quad, 1e-2)
    np.testing.assert_allclose(g, fd, rtol=5e-2, atol=5e-2)
    assert np.abs(g).sum() > 0


def test_refiner_shapes_and_bad_input():
    model = CornerRefiner(width=0.25)
    x = jnp.zeros((3, *cp.PATCH_HW, 3))
    variables = model.init(init_key(jax.random.PRNGKey(0)), x)
    assert model.apply(variables, x)["heatmap_logits"].shape == (3, 1, 16, 16)
    with pytest.raises(ValueError, match="multiples of 4"):
        model.apply(variables, jnp.zeros((1, 30, 30, 3)))


def test_loss_falls_on_a_fixed_batch():
    config = common.load("configs/corner_patch.py:cpu,tiny")
    with config.unlocked():
        config.data.rcnn_proposals = 2
    task = get_task(config)
    batch = next(b for b in task.batches(0, 50) if (b["proposal_labels"] == 1).any())
    batch = jax.tree_util.tree_map(jnp.asarray, batch)
    variables = task.init_variables(init_key(jax.random.PRNGKey(0)))
    params, stats = variables["params"], variables.get("batch_stats", {})
    opt = optax.adam(3e-3)
    state = opt.init(params)
    rng = jax.random.PRNGKey(3)       # the same noise every step: a fixed problem

    @jax.jit
    def step(params, stats, state):
        (loss, (_, stats)), g = jax.value_and_grad(task.loss, has_aux=True)(
            params, stats, batch, rng)
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), stats, state, loss

    first = None
    for _ in range(30):
        params, stats, state, loss = step(params, stats, state)
        first = float(loss) if first is None else first
    assert float(loss) < 0.6 * first


def test_noise_range_checked():
    config = common.load("configs/corner_patch.py:cpu,tiny")
    with config.unlocked():
        config.loss.noise = (0.1, 0.01)
    with pytest.raises(ValueError, match="loss.noise"):
        get_task(config)


def test_tiny_run_exports_the_detectors_last_corner_step(tmp_path, ccpd_dir):
    from alpr_jax.data.annotations import read_annotations
    from alpr_jax.data.images import read_image
    from alpr_jax.pipeline.detector import PlateDetector
    workdir = str(tmp_path / "corner_patch")
    train_cli("corner_patch.py:cpu,tiny", workdir)
    path = os.path.join(workdir, "corner_patch.npz")
    image = read_image(read_annotations(ccpd_dir)[0].path)
    with_patches = PlateDetector.load(patch_path=path)
    without = PlateDetector.load()
    dets, timing = with_patches.detect(image)
    plain, _ = without.detect(image)
    assert timing["patch"] > 0 and len(dets) == len(plain) >= 1
    # the patches move the corners (an untrained refiner: anywhere within its patches) and
    # nothing else; patch_steps=0 gives the detector without them
    assert [d.score for d in dets] == pytest.approx([d.score for d in plain])
    assert not np.allclose(dets[0].corners, plain[0].corners)
    moved = np.abs(dets[0].corners - plain[0].corners).max()
    height = np.linalg.norm(plain[0].corners[3] - plain[0].corners[0])
    assert moved <= 2 * cp.EXTENT * height
    off = PlateDetector.load(patch_path=path, options=dataclasses.replace(
        with_patches.options, patch_steps=0))
    np.testing.assert_allclose(off.detect(image)[0][0].corners, plain[0].corners, atol=1e-4)
    assert with_patches.size_mb() > without.size_mb()
