"""PlateReader's test-time augmentation: the mean log-probabilities of the shifted and scaled
views."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alpr_jax.models import build_recognizer
from alpr_jax.models.init_rng import init_key
from alpr_jax.models.recognizer import SEGMENT_FILL
from alpr_jax.pipeline.reader import TTA_VIEWS, PlateReader

CONFIG = dict(arch="stn", width=0.125, stn="parallel", shared_heads=True, dropout=0.2)


def _view(x: np.ndarray, dx: float, scale: float) -> np.ndarray:
    """[B, H, W, C] plates seen moved dx px and scaled about the centre: output pixel centre u
    (normalised, -1..1) reads input u * scale + 2 dx / W, bilinear, SEGMENT_FILL outside. Written
    apart from the project's sampler, as a check of it."""
    _, h, w, _ = x.shape
    def source(n, t):             # output pixel centres -> input pixel-index coordinates
        u = (2.0 * np.arange(n) + 1.0) / n - 1.0
        return ((u * scale + t) + 1.0) * n / 2.0 - 0.5
    xs, ys = source(w, 2.0 * dx / w), source(h, 0.0)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=SEGMENT_FILL)
    out = np.zeros_like(x)
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = (xs - x0)[None, None, :, None], (ys - y0)[None, :, None, None]
    xi = np.clip(x0 + 1, 0, w + 1), np.clip(x0 + 2, 0, w + 1)   # +1: the padding
    yi = np.clip(y0 + 1, 0, h + 1), np.clip(y0 + 2, 0, h + 1)
    for a, wy in ((0, 1 - fy), (1, fy)):
        for b, wx in ((0, 1 - fx), (1, fx)):
            out = out + wy * wx * padded[:, yi[a]][:, :, xi[b]]
    return out


def test_tta_averages_log_probabilities_of_the_views():
    model = build_recognizer(**CONFIG)
    variables = model.init({"params": init_key(jax.random.PRNGKey(0)),
                            "dropout": init_key(jax.random.PRNGKey(1))},
                           jnp.zeros((1, 48, 120, 3)), train=False)
    plain, tta = PlateReader(CONFIG, variables), PlateReader(CONFIG, variables, tta=True)
    plates = np.random.default_rng(0).integers(0, 256, (3, 48, 120, 3), dtype=np.uint8)
    x = plates.astype(np.float32) / 255.0
    views = [model.apply(variables, jnp.asarray(_view(x, dx, scale)), train=False)
             for dx, scale in TTA_VIEWS]
    got = tta.outputs(plates)
    for key in ("province_logits", "char_logits"):
        expected = np.mean([jax.nn.log_softmax(v[key].astype(jnp.float32), -1) for v in views], 0)
        np.testing.assert_allclose(got[key], expected, atol=2e-4)
    # the windows reported are those of the plate itself, and view 0 alone is the plain read
    np.testing.assert_allclose(got["thetas"], plain.outputs(plates)["thetas"], atol=1e-5)
    assert TTA_VIEWS[0] == (0.0, 1.0) and len(tta.read(plates)) == 3


def test_reread_gives_the_doubtful_plates_the_other_views():
    # a plate whose plain reading is under reread_below reads as with tta, the rest as plain
    from alpr_jax import decoding
    model = build_recognizer(**CONFIG)
    variables = model.init({"params": init_key(jax.random.PRNGKey(0)),
                            "dropout": init_key(jax.random.PRNGKey(1))},
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


def test_dim_plates_are_stretched_before_they_are_read(crops_dir):
    # a real crop dimmed into 40 levels (shade, night) reaches the network stretched back to
    # the full range, and reads as the crop itself; full-range plates pass untouched
    from alpr_jax.data.annotations import read_annotations
    from alpr_jax.data.images import read_image
    from alpr_jax.geometry.rectify import rectify_plate
    record = next(r for r in read_annotations(crops_dir) if r.plates[0].text == "京PL3N67")
    image = read_image(record.path)
    h, w = image.shape[:2]
    plate = np.asarray(rectify_plate(image, np.array([[0, 0], [w, 0], [w, h], [0, h]],
                                                     np.float32)), np.uint8)
    dim = (plate.astype(np.float32) * (40 / 255) + 20).astype(np.uint8)
    reader = PlateReader.load()
    levelled = reader.levelled(np.stack([plate, dim]))
    assert np.ptp(levelled[1].mean(-1)) > 200 and np.ptp(dim.mean(-1)) <= 40
    np.testing.assert_array_equal(levelled[0], plate)
    full = np.stack([plate])
    assert reader.levelled(full) is full                          # nothing dim: no copy
    assert [r.text for r in reader.read(np.stack([plate, dim]))] == ["京PL3N67"] * 2
    never = PlateReader.load(levels_below=0)
    np.testing.assert_array_equal(never.levelled(np.stack([dim]))[0], dim)
    with pytest.raises(ValueError, match="levels_below must be in"):
        PlateReader.load(levels_below=300)


def _two_networks() -> tuple[dict, dict]:
    """Variables of two randomly initialised recognisers of CONFIG (seeds 0 and 1)."""
    model = build_recognizer(**CONFIG)
    probe = jnp.zeros((1, 48, 120, 3))
    return tuple(model.init({"params": init_key(jax.random.PRNGKey(s)),
                             "dropout": init_key(jax.random.PRNGKey(9))}, probe, train=False)
                 for s in (0, 1))


def test_plates_without_colour_go_to_the_mono_network():
    # a plate with no colour (a monochrome camera's) is read by the third network, a colour
    # one by the first, in one call, each in its place; stitched two-row plates never go
    # to it; without a third network every plate is the first's
    from alpr_jax.data import augment
    from alpr_jax.data.preprocess import colourless
    first, second = _two_networks()
    colour = np.random.default_rng(0).integers(0, 256, (2, 48, 120, 3), dtype=np.uint8)
    grey = augment.grayscale(np.random.default_rng(1).integers(0, 256, (2, 48, 120, 3),
                                                               dtype=np.uint8))
    assert colourless(grey).all() and not colourless(colour).any()
    part_blue = grey.copy()
    part_blue[:, :, :30, 2] = np.minimum(part_blue[:, :, :30, 2], 200) + 40   # a blue quarter
    assert not colourless(part_blue).any()
    mixed = np.stack([colour[0], grey[0], colour[1], grey[1]])
    both = PlateReader(CONFIG, first, mono=(CONFIG, second), reread_below=0)
    alone = PlateReader(CONFIG, first, reread_below=0)
    other = PlateReader(CONFIG, second, reread_below=0)
    assert both.has_mono and not alone.has_mono
    expect = lambda r, x, rows2=False: [(p.text, p.confidence) for p in r.read(x, two_row=rows2)]
    got, one, two = expect(both, mixed), expect(alone, mixed), expect(other, mixed)
    assert got == [one[0], two[1], one[2], two[3]] and one != two
    assert expect(both, grey, True) == expect(alone, grey, True)
    assert both.size_mb() == pytest.approx(alone.size_mb() + other.size_mb())
    assert len(both.onnx_inputs()) == 2


def test_two_row_plates_go_to_the_two_row_network():
    # read(..., two_row=True) runs the second network (its own weights), every other read the
    # first; without a second network both reads are the first's
    first, second = _two_networks()
    plates = np.random.default_rng(0).integers(0, 256, (2, 48, 120, 3), dtype=np.uint8)
    both = PlateReader(CONFIG, first, two_row=(CONFIG, second), reread_below=0)
    alone = PlateReader(CONFIG, first, reread_below=0)
    other = PlateReader(CONFIG, second, reread_below=0)
    assert both.has_two_row and not alone.has_two_row
    expect = lambda r, rows2: [(x.text, x.confidence) for x in r.read(plates, two_row=rows2)]
    assert expect(both, False) == expect(alone, False) == expect(alone, True)
    assert expect(both, True) == expect(other, False) != expect(alone, False)
    assert both.size_mb() == pytest.approx(alone.size_mb() + other.size_mb())
    assert len(both.onnx_inputs()) == 2 and len(alone.onnx_inputs()) == 1
    # a baseline recogniser (no STN "thetas" output) pairs with an STN two-row network
    holistic = dict(arch="holistic", width=0.125)
    hv = build_recognizer(**holistic).init(init_key(jax.random.PRNGKey(0)),
                                           jnp.zeros((1, 48, 120, 3)), train=False)
    mixed = PlateReader(holistic, hv, two_row=(CONFIG, second), reread_below=0)
    assert expect(mixed, True) == expect(other, False)
    assert set(mixed.outputs(plates)) == {"province_logits", "char_logits"}
