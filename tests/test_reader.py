"""PlateReader's test-time augmentation: the mean log-probabilities of the shifted views."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax.models import build_recognizer
from alpr_jax.models.recognizer import SEGMENT_FILL
from alpr_jax.pipeline.reader import TTA_SHIFTS_PX, PlateReader

CONFIG = dict(arch="stn", width=0.125, stn="parallel", shared_heads=True, dropout=0.2)


def _shifted(x: np.ndarray, dx: int) -> np.ndarray:
    """The plate moved so that output column j reads input column j + dx (fill outside)."""
    out = np.full_like(x, SEGMENT_FILL)
    if dx >= 0:
        out[:, :, :x.shape[2] - dx] = x[:, :, dx:]
    else:
        out[:, :, -dx:] = x[:, :, :x.shape[2] + dx]
    return out


def test_tta_averages_log_probabilities_of_the_shifted_views():
    model = build_recognizer(**CONFIG)
    variables = model.init({"params": jax.random.PRNGKey(0), "dropout": jax.random.PRNGKey(1)},
                           jnp.zeros((1, 48, 120, 3)), train=False)
    plain, tta = PlateReader(CONFIG, variables), PlateReader(CONFIG, variables, tta=True)
    plates = np.random.default_rng(0).integers(0, 256, (3, 48, 120, 3), dtype=np.uint8)
    x = plates.astype(np.float32) / 255.0
    views = [model.apply(variables, jnp.asarray(_shifted(x, int(dx))), train=False)
             for dx in TTA_SHIFTS_PX]
    got = tta.outputs(plates)
    for key in ("province_logits", "char_logits"):
        expected = np.mean([jax.nn.log_softmax(v[key].astype(jnp.float32), -1) for v in views], 0)
        np.testing.assert_allclose(got[key], expected, atol=2e-4)
    # the windows reported are those of the unshifted plate, and view 0 alone is the plain read
    np.testing.assert_allclose(got["thetas"], plain.outputs(plates)["thetas"], atol=1e-5)
    assert TTA_SHIFTS_PX[0] == 0.0 and len(tta.read(plates)) == 3


def test_reread_gives_the_doubtful_plates_the_shifted_views():
    # a plate whose plain reading is under reread_below reads as with tta, the rest as plain
    from alpr_jax import decoding
    model = build_recognizer(**CONFIG)
    variables = model.init({"params": jax.random.PRNGKey(0), "dropout": jax.random.PRNGKey(1)},
                           jnp.zeros((1, 48, 120, 3)), train=False)
    plates = np.random.default_rng(1).integers(0, 256, (6, 48, 120, 3), dtype=np.uint8)
    never = PlateReader(CONFIG, variables, reread_below=0.0)
    plain = never.read(plates)
    views = decoding.decode(never.outputs(plates, tta=True), True)
    assert [r.text for r in PlateReader(CONFIG, variables, tta=True).read(plates)] == [
        r.text for r in views]
    cut = float(np.median([r.confidence for r in plain]))
    mixed = PlateReader(CONFIG, variables, reread_below=cut).read(plates)
    expected = [v if p.confidence < cut else p for p, v in zip(plain, views)]
    assert [r.text for r in mixed] == [r.text for r in expected]
    np.testing.assert_allclose([r.confidence for r in mixed],
                               [r.confidence for r in expected], rtol=1e-5)
    assert any(p.confidence < cut for p in plain) and any(p.confidence >= cut for p in plain)
    with pytest.raises(ValueError, match="reread_below"):
        PlateReader(CONFIG, variables, reread_below=2.0)
