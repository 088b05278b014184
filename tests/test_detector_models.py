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


def _rpn_with_batch_stats(seed: int = 0):
    """An eighth-width RPN whose BatchNorms hold non-trivial running statistics."""
    x = jax.random.uniform(jax.random.PRNGKey(seed), (2, 32, 48, 3))
    model = RPN(width=0.125, corner_head=True)
    v = jax.jit(model.init)(init_key(jax.random.PRNGKey(seed)), x)    # eager: twice as slow
    paths, tree = jax.tree_util.tree_flatten_with_path(v["batch_stats"])
    keys = jax.random.split(jax.random.PRNGKey(seed + 1), len(paths))
    stats = [jax.random.uniform(k, s.shape, minval=0.5, maxval=1.5)
             if path[-1].key == "var" else 0.1 * jax.random.normal(k, s.shape)
             for k, (path, s) in zip(keys, paths)]
    return model, {"params": v["params"], "batch_stats": jax.tree_util.tree_unflatten(tree, stats)}, x


def test_factored_rpn_layers_are_the_projections_of_the_trained_ones():
    """low_rank.factor_rpn: the factored conv2_2 (after its BatchNorm) and head conv give the
    original responses projected on their top eigenvectors, mean + P P^T (z - mean)."""
    from alpr_jax.train import low_rank
    model, v, x = _rpn_with_batch_stats()
    stats = low_rank.ResponseStats()
    original = low_rank.rpn_responses(model, v, x)
    for name, z in original.items():
        stats.add(name, z)
    conv2_c, head_c = original["conv2"].shape[-1], original["head"].shape[-1]
    # each layer alone (the head's inputs change when conv2_2 is factored too)
    for name, ranks, where in (("conv2", (5, 0), ("ConvBN_2", "BatchNorm_0")),
                               ("head", (0, 7), ("head_expand",))):
        f_vars, f_config, kept = low_rank.factor_rpn(v, {"width": 0.125, "corner_head": True},
                                                     stats, *ranks)
        assert (f_config["conv2_rank"], f_config["head_rank"]) == ranks
        assert list(kept) == [name] and 0 < kept[name] < 1
        _, state = RPN(**f_config).apply(f_vars, x, capture_intermediates=True)
        got = state["intermediates"]
        for key in where:
            got = got[key]
        mean, basis, _ = stats.mean_and_basis(name, max(ranks))
        z = np.asarray(original[name], np.float64)
        want = mean + (z - mean) @ basis @ basis.T
        np.testing.assert_allclose(np.asarray(got["__call__"][0]), want,
                                   atol=2e-4 * np.abs(z).max())
        assert not np.allclose(want, z, atol=1e-3)                  # rank < C loses some
    full_vars, full_config, _ = low_rank.factor_rpn(
        v, {"width": 0.125, "corner_head": True}, stats, conv2_rank=conv2_c, head_rank=head_c)
    with pytest.raises(ValueError, match="factored already"):
        low_rank.factor_rpn(full_vars, full_config, stats, head_rank=4)
    with pytest.raises(ValueError, match="outside"):
        low_rank.factor_rpn(v, {"width": 0.125}, stats, head_rank=head_c + 1)
