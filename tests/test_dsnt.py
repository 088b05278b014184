"""DSNT: exact coordinates of one-hot heatmaps, the shared coordinate convention, finite and
correct gradients, and the Jensen-Shannon regulariser."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax.geometry import dsnt
from alpr_jax.models.init_rng import init_key
from alpr_jax.train import losses


@pytest.mark.parametrize("i,j", [(0, 0), (3, 7), (5, 0), (5, 9)])
def test_one_hot_heatmap_gives_pixel_centre(i, j):
    h, w = 6, 10
    heat = jnp.zeros((h, w)).at[i, j].set(1.0)
    x, y = np.asarray(dsnt.dsnt(heat))
    assert x == pytest.approx((2 * j + 1) / w - 1, abs=1e-7)
    assert y == pytest.approx((2 * i + 1) / h - 1, abs=1e-7)
    # the same point in continuous pixels of an image 8x the heatmap is pixel j's centre
    assert (x + 1) * (8 * w) / 2 == pytest.approx(8 * (j + 0.5), abs=1e-5)


def test_uniform_heatmap_is_centre_and_softmax_is_float32():
    logits = jnp.zeros((2, 4, 5, 7), jnp.bfloat16)
    heat = dsnt.normalize_heatmap(logits)
    assert heat.dtype == jnp.float32
    np.testing.assert_allclose(heat.sum((-2, -1)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(dsnt.dsnt(heat), 0.0, atol=1e-6)


def test_gradients_finite_and_match_finite_differences():
    rng = np.random.default_rng(0)
    logits = jnp.asarray(rng.normal(size=(2, 5, 6)), jnp.float32)
    target = jnp.asarray(rng.uniform(-0.8, 0.8, size=(2, 2)), jnp.float32)
    f = lambda l: losses.dsnt_loss(l, target, js_weight=1.0)[0]
    grad = np.asarray(jax.grad(f)(logits))
    assert np.isfinite(grad).all() and np.abs(grad).max() > 0
    eps = 1e-2
    for idx in [(0, 0, 0), (0, 2, 3), (1, 4, 5), (1, 1, 2)]:
        d = np.zeros(logits.shape, np.float32)
        d[idx] = eps
        fd = (f(logits + d) - f(logits - d)) / (2 * eps)
        assert grad[idx] == pytest.approx(float(fd), rel=2e-2, abs=2e-4)


def test_gradients_finite_for_peaked_heatmaps():
    logits = jnp.zeros((4, 4)).at[1, 2].set(80.0)       # softmax underflows elsewhere
    target = jnp.array([0.25, -0.25])
    grad = jax.grad(lambda l: losses.dsnt_loss(l, target)[0])(logits)
    assert np.isfinite(np.asarray(grad)).all()


def test_js_regulariser():
    target = jnp.array([[0.1, -0.3]])
    g = losses.gaussian_heatmap(target, (16, 20))
    assert float(losses.js_divergence(g, g)[0]) == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(dsnt.dsnt(g), target, atol=0.02)
    far = losses.gaussian_heatmap(jnp.array([[-0.8, 0.8]]), (16, 20))
    assert float(losses.js_divergence(g, far)[0]) == pytest.approx(np.log(2), rel=1e-3)
    # the regulariser is what changes when js_weight is on
    logits = jnp.zeros((1, 16, 20))
    with_js = losses.dsnt_loss(logits, target, js_weight=1.0)[1]
    without = losses.dsnt_loss(logits, target, js_weight=0.0)[1]
    assert "loss_js" in with_js and "loss_js" not in without
    assert with_js["loss_euclid"] == without["loss_euclid"]


def test_localizer_heatmaps_at_one_eighth():
    from alpr_jax.models.dsnt_localizer import DSNTLocalizer
    x = jnp.zeros((2, 64, 48, 3))
    model = DSNTLocalizer(depth="small", width=0.25)
    variables = jax.jit(lambda k: model.init(k, x))(init_key(jax.random.PRNGKey(0)))
    out = jax.jit(lambda v, x: model.apply(v, x))(variables, x)["heatmap_logits"]
    assert out.shape == (2, 4, 8, 6)
    corners = dsnt.dsnt(dsnt.normalize_heatmap(out))
    assert corners.shape == (2, 4, 2) and np.isfinite(np.asarray(corners)).all()
    # the paper's ResNet-50 (shapes only; compiling it is slow on a CPU): 640x480 -> 80x60
    big = DSNTLocalizer(depth="resnet50")
    x = jax.ShapeDtypeStruct((1, 640, 480, 3), jnp.float32)
    shapes = jax.eval_shape(lambda x: big.apply(big.init(jax.random.PRNGKey(0), x), x), x)
    assert shapes["heatmap_logits"].shape == (1, 4, 80, 60)


def test_single_plate_coordinates_round_trip():
    # whole-image mode: original px -> [-1, 1] over the letterboxed input -> original px
    from alpr_jax.geometry.crops import from_unit_square, to_unit_square
    from alpr_jax.data.preprocess import oriented_input_hw
    from alpr_jax.geometry.crops import input_box
    assert oriented_input_hw((1160, 720), (640, 480)) == (640, 480)
    assert oriented_input_hw((720, 1160), (640, 480)) == (480, 640)
    corners = np.array([[100.0, 200.0], [300.0, 210.0], [305.0, 260.0], [98.0, 250.0]], np.float32)
    scale = 640 / 1160
    box = input_box((640, 480), scale)
    unit = np.asarray(to_unit_square(jnp.asarray(corners), box))
    # x = 0 px maps to -1; the input's right edge (480 px) to +1
    np.testing.assert_allclose(unit[0], [100 * scale / 240 - 1, 200 * scale / 320 - 1], rtol=1e-6)
    np.testing.assert_allclose(from_unit_square(unit, box), corners, rtol=1e-5)
