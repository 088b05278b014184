import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax.geometry import anchors
from alpr_jax.models.detector import RCNN, RPN
from alpr_jax.models.init_rng import init_key


def test_rpn_stride_8_and_anchor_order():
    x = jnp.zeros((2, 96, 64, 3))
    model = RPN(width=0.25)
    v = model.init(init_key(jax.random.PRNGKey(0)), x)
    out = model.apply(v, x)
    a = anchors.grid_anchors((96 // 8, 64 // 8))
    assert out["objectness"].shape == (2, len(a))
    assert out["deltas"].shape == (2, len(a), 4)
    with pytest.raises(ValueError, match="multiples of 8"):
        model.init(init_key(jax.random.PRNGKey(0)), jnp.zeros((1, 100, 64, 3)))


def test_rcnn_outputs():
    x = jnp.zeros((5, 48, 120, 3))
    model = RCNN(width=0.25)
    v = model.init({"params": init_key(jax.random.PRNGKey(0)),
                    "dropout": init_key(jax.random.PRNGKey(1))}, x)
    out = model.apply(v, x)
    assert out["logits"].shape == (5, 2) and out["corners"].shape == (5, 4, 2)
    # starts near a plate-shaped rectangle inside the crop, clockwise from top-left
    c = np.asarray(out["corners"][0])
    assert c[0, 0] < c[1, 0] and c[0, 1] < c[3, 1]


def test_rpn_top_k_heads_equal_the_dense_heads_at_those_anchors():
    """Inference runs the box and corner heads on the top_k anchors' cells only: the same
    numbers as the dense heads there, and the same anchors and scores."""
    x = jax.random.uniform(jax.random.PRNGKey(3), (2, 64, 96, 3))
    model = RPN(width=0.25, corner_head=True)
    v = model.init(init_key(jax.random.PRNGKey(0)), x)
    # non-zero heads, so that a wrong cell or anchor shows
    v = jax.tree_util.tree_map(lambda p: p + 0.01 * jnp.arange(p.size).reshape(p.shape) / p.size, v)
    dense = model.apply(v, x)
    top = model.apply(v, x, top_k=20)
    idx = np.asarray(top["top_index"])
    assert idx.shape == (2, 20)
    for b in range(2):
        scores = jax.nn.sigmoid(dense["objectness"][b])
        np.testing.assert_allclose(top["top_scores"][b], np.sort(scores)[::-1][:20], rtol=1e-6)
        np.testing.assert_allclose(top["deltas"][b], dense["deltas"][b][idx[b]], atol=1e-5)
        np.testing.assert_allclose(top["corners"][b], dense["corners"][b][idx[b]], atol=1e-5)
    # more than there are anchors: all of them
    assert model.apply(v, x, top_k=10 ** 6)["top_index"].shape == (2, dense["objectness"].shape[1])
