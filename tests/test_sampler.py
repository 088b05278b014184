import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax.geometry import sampler

from conftest import fd_grad

jax.config.update("jax_enable_x64", False)
IDENTITY = jnp.array([[1.0, 0, 0], [0, 1.0, 0]])


def test_identity_reproduces_input_exactly():
    img = jax.random.uniform(jax.random.PRNGKey(0), (48, 120, 3))
    out = sampler.sample(img, IDENTITY, (48, 120))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img))


def test_window_cuts_the_expected_columns():
    img = jnp.tile(jnp.arange(120, dtype=jnp.float32)[None, :, None], (48, 1, 1))
    # a window of relative width 0.2 (24 px) centred at x = 0 -> columns 48..71
    out = sampler.sample(img, jnp.array([[0.2, 0, 0.0], [0, 1, 0]]), (48, 24))
    np.testing.assert_allclose(np.asarray(out[0, :, 0]), np.arange(48, 72), atol=1e-4)


def test_outside_reads_fill():
    img = jnp.ones((8, 8, 1))
    out = sampler.sample(img, jnp.array([[1.0, 0, 3.0], [0, 1, 0]]), (8, 8), fill=-2.0)
    np.testing.assert_allclose(np.asarray(out), -2.0)


def test_gradients_match_finite_differences():
    key = jax.random.PRNGKey(1)
    img = jax.random.uniform(key, (10, 12, 2))
    # generic values: every sample stays >0.02 px from a pixel centre (where bilinear reads
    # have a kink), farther than the finite-difference step moves it
    theta = jnp.array([[0.6313, 0.1127, 0.0731], [-0.0917, 0.6871, -0.0411]])
    weights = jax.random.normal(jax.random.PRNGKey(2), (5, 7, 2))

    def loss(th, im):
        return jnp.sum(sampler.sample(im, th, (5, 7)) * weights)

    g_theta, g_img = jax.grad(loss, argnums=(0, 1))(theta, img)
    fd_theta = fd_grad(lambda t: float(loss(jnp.asarray(t, jnp.float32), img)), theta, 1e-3)
    np.testing.assert_allclose(np.asarray(g_theta), fd_theta, rtol=2e-2, atol=2e-2)
    # loss is linear in the image: the finite difference is exact up to rounding
    fd_img = fd_grad(lambda i: float(loss(theta, jnp.asarray(i, jnp.float32))), img, 1e-2)
    np.testing.assert_allclose(np.asarray(g_img), fd_img, atol=2e-3)


def test_gradient_at_exact_integer_sample_points():
    # On a linear ramp the bilinear read is linear, so the derivative with respect to the
    # sample position is the ramp's slope even exactly on pixel centres. A sampler that uses
    # ceil for the upper neighbour returns 0 there.
    H, W = 6, 8
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    img = jnp.asarray((3.0 * xx + 5.0 * yy)[..., None])
    dx = jax.grad(lambda x: sampler.bilinear(img, x, jnp.float32(2.0))[0])(jnp.float32(3.0))
    dy = jax.grad(lambda y: sampler.bilinear(img, jnp.float32(3.0), y)[0])(jnp.float32(2.0))
    assert float(sampler.bilinear(img, jnp.float32(3.0), jnp.float32(2.0))[0]) == 19.0
    assert float(dx) == 3.0 and float(dy) == 5.0
    # Through sample(): this theta puts every output pixel exactly on interior pixel centres
    # 1..W-2 and 1..H-2, so the whole read is linear in theta and matches finite differences.
    theta = jnp.array([[(W - 2) / W, 0, 0], [0, (H - 2) / H, 0]], jnp.float32)

    def mean_out(th):
        return jnp.mean(sampler.sample(img, th, (H - 2, W - 2)))

    np.testing.assert_array_equal(np.asarray(sampler.sample(img, theta, (H - 2, W - 2))),
                                  np.asarray(img[1:-1, 1:-1]))
    g = np.asarray(jax.grad(mean_out)(theta))
    fd = fd_grad(lambda t: float(mean_out(jnp.asarray(t, jnp.float32))), theta, 1e-3)
    np.testing.assert_allclose(g, fd, rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(g[:, 2], [3.0 * W / 2, 5.0 * H / 2], rtol=1e-5)


def test_batch_and_characters_vmapped():
    imgs = jax.random.uniform(jax.random.PRNGKey(3), (2, 48, 120, 3))
    thetas = jnp.tile(IDENTITY, (2, 4, 1, 1))
    out = sampler.sample_batch(imgs, thetas, (48, 120))
    assert out.shape == (2, 4, 48, 120, 3)
    np.testing.assert_array_equal(np.asarray(out[1, 3]), np.asarray(imgs[1]))
