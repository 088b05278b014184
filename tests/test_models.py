import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax import decoding, plates
from alpr_jax.models import baselines, build_recognizer, recognizer
from alpr_jax.models.init_rng import init_key
from alpr_jax.train import losses

X = jnp.full((2, 48, 120, 3), 0.4)
RNGS = {"params": init_key(jax.random.PRNGKey(0)), "dropout": init_key(jax.random.PRNGKey(1))}


def _init_apply(model):
    v = model.init(RNGS, X, False)
    out, _ = model.apply(v, X, True, rngs={"dropout": jax.random.PRNGKey(2)}, mutable=["batch_stats"])
    return v, out


@pytest.mark.parametrize("stn", ["parallel", "shared", "fixed"])
def test_stn_recognizer_shapes_and_initial_windows(stn):
    v, out = _init_apply(build_recognizer("stn", width=0.125, stn=stn))
    assert out["province_logits"].shape == (2, len(plates.PROVINCE_CLASSES))
    assert out["char_logits"].shape == (2, 7, len(plates.CHAR_CLASSES))
    assert out["thetas"].shape == (2, 8, 2, 3)
    # training starts from the evenly spaced windows
    np.testing.assert_allclose(np.asarray(out["thetas"][1]), recognizer.initial_thetas(), atol=1e-6)
    if stn == "parallel":   # one localisation net per position, each with its own weights
        assert sorted(k for k in v["params"] if k.startswith("stn")) == [f"stn_{i}" for i in range(8)]


def test_stn_corrections_are_bounded():
    raw = jnp.full((1, 8, 2, 3), 1e6)
    offsets = np.asarray(recognizer._bounded(raw))
    np.testing.assert_allclose(offsets[0, 3], recognizer.MAX_THETA_DELTA, rtol=1e-6)
    small = jnp.full((1, 8, 2, 3), 1e-3)
    np.testing.assert_allclose(np.asarray(recognizer._bounded(small)), 1e-3, rtol=1e-3)


def test_shared_versus_independent_heads():
    shared, _ = _init_apply(build_recognizer("stn", width=0.125, stn="fixed", shared_heads=True))
    indep, _ = _init_apply(build_recognizer("stn", width=0.125, stn="fixed", shared_heads=False))
    assert "char_head" in shared["params"] and "char_head_1" not in shared["params"]
    assert sorted(k for k in indep["params"] if k.startswith("char_head")) == \
        [f"char_head_{i}" for i in range(1, 8)]
    k_shared = shared["params"]["char_head"]["Dense_1"]["kernel"]
    assert indep["params"]["char_head_3"]["Dense_1"]["kernel"].shape == k_shared.shape
    n = lambda v: sum(x.size for x in jax.tree_util.tree_leaves(v["params"]))
    assert n(indep) > n(shared) + 5 * sum(x.size for x in jax.tree_util.tree_leaves(
        shared["params"]["char_head"]))


def test_initial_windows_are_evenly_spaced():
    t = recognizer.initial_thetas(8, 0.2)
    np.testing.assert_allclose(np.diff(t[:, 0, 2]), 0.25)
    np.testing.assert_allclose(t[:, 0, 0], 0.2)


def test_input_shape_is_checked():
    model = build_recognizer("stn", width=0.125)
    with pytest.raises(ValueError, match="48, 120, 3"):
        model.init(RNGS, jnp.zeros((1, 32, 100, 3)), False)
    with pytest.raises(ValueError, match="unknown recogniser arch"):
        build_recognizer("resnet")


def test_baselines_shapes():
    _, out = _init_apply(build_recognizer("holistic", width=0.125))
    assert out["char_logits"].shape == (2, 7, len(plates.CHAR_CLASSES))
    _, out = _init_apply(build_recognizer("crnn", width=0.125))
    assert out["ctc_logits"].shape == (2, 30, 1 + len(baselines.CTC_VOCAB))


def _one_hot_logits(text):
    idx = plates.encode_text(text)
    prov = np.full((1, 31), -10.0, np.float32)
    prov[0, idx[0]] = 10
    chars = np.full((1, 7, len(plates.CHAR_CLASSES)), -10.0, np.float32)
    chars[0, np.arange(7), idx[1:]] = 10
    return prov, chars


def test_numpy_log_softmax_is_float32_and_stable():
    # the one normalisation of the decoders and the reader's view merge: half-precision logits
    # far from 0 still give finite float32 log-probabilities that sum to 1
    logits = np.array([[60000.0, 59990.0, -60000.0], [0.0, 1.0, 2.0]], np.float16)
    got = decoding.log_softmax(logits)
    assert got.dtype == np.float32 and np.isfinite(got).all()
    np.testing.assert_allclose(np.exp(got).sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(got, jax.nn.log_softmax(logits.astype(np.float32), -1),
                               atol=1e-5)


def test_decode_classifier_and_priors():
    prov, chars = _one_hot_logits("皖AD12345")
    (r,) = decoding.decode_classifier(prov, chars)
    assert r.text == "皖AD12345" and len(r.char_confidences) == 8 and r.confidence > 0.99
    prov, chars = _one_hot_logits("皖AY339S")
    (r,) = decoding.decode_classifier(prov, chars)
    assert r.text == "皖AY339S" and len(r.char_confidences) == 7
    # a digit is most likely at position 2, but position 2 must be a letter
    chars[0, 0] = -10
    chars[0, 0, plates.CHAR_CLASSES.index("8")] = 5
    chars[0, 0, plates.CHAR_CLASSES.index("B")] = 4
    assert decoding.decode_classifier(prov, chars)[0].text == "皖BY339S"
    assert decoding.decode_classifier(prov, chars, use_priors=False)[0].text == "皖8Y339S"


def test_decode_takes_the_likeliest_plate_format():
    def set_scores(chars, pos, scores):        # text position (0 = province) -> class scores
        chars[0, pos - 1] = -10
        for ch, v in scores.items():
            chars[0, pos - 1, plates.CHAR_CLASSES.index(ch)] = v

    # a green plate (8 tokens): its last 4 are digits, though "B" is likeliest at position 6
    prov, chars = _one_hot_logits("皖AD12345")
    set_scores(chars, 5, {"B": 5, "8": 4})
    (r,) = decoding.decode_classifier(prov, chars)
    assert r.text == "皖AD12845"
    assert abs(r.char_confidences[5] - 1.0) < 1e-3      # renormalised over the digits
    assert decoding.decode_classifier(prov, chars, use_priors=False)[0].text == "皖AD12B45"
    # a large vehicle's: 5 digits and the energy letter
    prov, chars = _one_hot_logits("皖A12345F")
    set_scores(chars, 3, {"D": 5, "0": 4})
    assert decoding.decode_classifier(prov, chars)[0].text == "皖A10345F"
    # 港 / 澳 follow Z: after another letter, the consulate's 领 is the likelier format
    prov, chars = _one_hot_logits("皖M9099领")
    set_scores(chars, 6, {"港": 5, "领": 4})
    assert decoding.decode_classifier(prov, chars)[0].text == "皖M9099领"
    prov, chars = _one_hot_logits("粤Z1234港")
    assert decoding.decode_classifier(prov, chars)[0].text == "粤Z1234港"
    # a 7-token plate whose 8th position is doubtful stays 7 tokens when an 8th character
    # would break the new-energy formats (a letter after 皖AY339 is neither)
    prov, chars = _one_hot_logits("皖AY339S")
    set_scores(chars, 7, {plates.NONE: 4, "K": 5})
    assert decoding.decode_classifier(prov, chars)[0].text == "皖AY339S"
    assert decoding.decode_classifier(prov, chars, use_priors=False)[0].text == "皖AY339SK"


def test_decode_ctc_merges_repeats_and_drops_blanks():
    text = "沪A1123"
    ids = [1 + baselines.CTC_VOCAB.index(c) for c in text]
    steps = [ids[0], ids[0], 0, ids[1], ids[2], 0, ids[3], ids[4], 0, 0, ids[5]]
    logits = np.full((1, len(steps), 1 + len(baselines.CTC_VOCAB)), -5.0, np.float32)
    logits[0, np.arange(len(steps)), steps] = 5
    assert decoding.decode_ctc(logits)[0].text == text


def test_losses():
    prov, chars = _one_hot_logits("皖AY339S")
    labels = jnp.asarray(plates.encode_text("皖AY339S"))[None]
    loss, _ = losses.recognition_loss({"province_logits": jnp.asarray(prov) * 3,
                                       "char_logits": jnp.asarray(chars) * 3}, labels)
    assert float(loss) < 1e-6
    targets, pad = losses.ctc_targets(labels)
    assert pad.tolist() == [[0, 0, 0, 0, 0, 0, 0, 1]]
    decoded = [baselines.CTC_VOCAB[i - 1] for i, p in zip(targets[0].tolist(), pad[0]) if not p]
    assert "".join(decoded) == "皖AY339S"


def test_init_key_draws_what_the_raw_key_draws():
    # init_rng.init_key only changes how threefry's bits are compiled (flat, then reshaped):
    # every draw, split and fold_in, and so every initial weight, is bit for bit the raw key's
    import flax.linen as nn
    raw = jax.random.PRNGKey(5)
    flat = init_key(raw)
    for shape in [(5, 7), (2, 3, 4)]:
        for draw in (lambda k: jax.random.bits(k, shape),
                     lambda k: jax.random.truncated_normal(k, -2, 2, shape),
                     lambda k: jax.random.normal(jax.random.fold_in(jax.random.split(k)[1], 3),
                                                 shape)):
            np.testing.assert_array_equal(draw(raw), draw(flat))
    conv, x = nn.Conv(5, (3, 3)), jnp.zeros((1, 8, 8, 3))
    for a, b in zip(jax.tree_util.tree_leaves(conv.init(raw, x)),
                    jax.tree_util.tree_leaves(conv.init(flat, x))):
        np.testing.assert_array_equal(a, b)
    assert init_key(flat).dtype == flat.dtype          # a typed key is re-wrapped, not nested
