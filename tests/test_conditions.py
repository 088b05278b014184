"""Photos in bad light: auto_levels stretches dim or hazy photos and leaves the rest alone,
the camera-condition degradations are deterministic, and the sweep scores them."""
import cv2
import numpy as np
import pytest

from alpr_jax.data import augment
from alpr_jax.data.images import read_image
from alpr_jax.data.preprocess import auto_levels
from alpr_jax.evaluate.conditions import CONDITIONS, NUISANCES, check_conditions


@pytest.fixture(scope="module")
def photo(ccpd_dir):
    import glob
    return read_image(sorted(glob.glob(f"{ccpd_dir}/*.jpg"))[0])


def _span(image):
    lo, hi = np.percentile(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), [0.5, 99.5])
    return hi - lo


def test_auto_levels_leaves_full_range_photos_alone(photo):
    assert _span(photo) >= 100
    assert auto_levels(photo) is photo


@pytest.mark.parametrize("name", ["dusk", "haze"])
def test_auto_levels_undoes_a_linear_loss_of_contrast(photo, name):
    dim = CONDITIONS[name][1](photo)
    assert _span(dim) < 100
    out = auto_levels(dim)
    assert out.dtype == np.uint8 and out.shape == photo.shape
    assert _span(out) > 230
    # one gain for the three channels: hue kept, and the photo close to what it was before
    # the light went (a quarter of the levels: up to ~4 levels of rounding per pixel)
    assert np.abs(out.astype(int) - photo).mean() < 10 < np.abs(dim.astype(int) - photo).mean()
    assert auto_levels(dim, below=0) is dim


def test_auto_levels_lowers_a_lifted_black_point(photo):
    over = CONDITIONS["over_exposed"][1](photo)
    black = lambda im: np.percentile(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), 0.5)
    assert _span(over) >= 100 and black(over) > 64          # only the black point is off
    out = auto_levels(over)
    assert out is not over and black(out) < black(over) / 3   # (the check samples the photo)
    assert auto_levels(over, black_above=255) is over


def test_auto_levels_option_checked_at_the_boundary():
    from alpr_jax.pipeline.options import ModelOptions
    for bad in (-1, 300):
        with pytest.raises(ValueError, match="auto_levels_below"):
            ModelOptions(auto_levels_below=bad)


def test_auto_levels_gain_is_capped():
    black = np.zeros((64, 96, 3), np.uint8)
    black[10:20, 10:20] = 4                         # a nearly black frame with a faint patch
    out = auto_levels(black, max_gain=8.0)
    assert out.max() <= 4 * 8 + 1


def test_conditions_are_deterministic_and_keep_shape(photo):
    small = np.ascontiguousarray(photo[::4, ::4])
    for name, (what, degrade) in CONDITIONS.items():
        a, b = degrade(small), degrade(small)
        assert a.dtype == np.uint8 and a.shape == small.shape, name
        assert np.array_equal(a, b), name
        assert what
    assert np.array_equal(CONDITIONS["as_taken"][1](small), small)
    assert not np.array_equal(CONDITIONS["motion_15"][1](small), small)
    # nuisances: the photo changed, but hardly; each strong condition changes it more
    for name in NUISANCES:
        assert not np.array_equal(CONDITIONS[name][1](small), small), name
        assert _hardly_changed(CONDITIONS[name][1](small), small), name
    for name in set(CONDITIONS) - {"as_taken", "grayscale", *NUISANCES}:
        assert not _hardly_changed(CONDITIONS[name][1](small), small), name
    # no colour: every pixel's luma in all three channels, the brightness kept
    grey = CONDITIONS["grayscale"][1](small)
    assert np.all(grey == grey[..., :1]) and not np.array_equal(grey, small)
    assert abs(grey.mean() - (small @ np.float32([0.299, 0.587, 0.114])).mean()) < 0.6
    assert check_conditions(["dusk"]) == ["dusk"]
    with pytest.raises(ValueError, match="unknown condition"):
        check_conditions(["dusk", "rain"])


def _hardly_changed(changed, original):
    """Its pixels still follow the original's (correlation > 0.97) and moved on average by at
    most a quarter of its mean level."""
    changed, original = changed.astype(np.float64), original.astype(np.float64)
    return (np.corrcoef(changed.ravel(), original.ravel())[0, 1] > 0.97
            and np.abs(changed - original).mean() <= 0.25 * original.mean())


def test_fixed_strength_degradations():
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 255, (40, 90, 3)).astype(np.uint8)
    line = np.zeros((21, 21, 3), np.uint8)
    line[10, 10] = 255
    smeared = augment.motion_blur(line, 7, 0.0)[..., 0]
    assert np.count_nonzero(smeared[10]) == 7 and np.count_nonzero(smeared) == 7   # along x
    assert augment.low_resolution(img, 3.0).shape == img.shape
    q = augment.jpeg(img, 10)
    assert q.shape == img.shape and q.dtype == np.uint8 and not np.array_equal(q, img)


def test_dim_street_photo_is_read_after_auto_levels():
    # an easypr_dev street photo (never trained on) at a quarter of its brightness and in
    # haze: the detector, trained on full-range photos, loses the plate unless the photo is
    # stretched first (the default), and reads it when it is
    import os
    from conftest import SHARED
    from alpr_jax.pipeline.alpr import ALPR
    photo = read_image(os.path.join(SHARED, "easypr_dev", "川AS9V79.jpg"))
    alpr = ALPR.load()
    for name in ("dusk", "haze"):
        texts = [p.text for p in alpr.predict(CONDITIONS[name][1](photo)).plates]
        assert "川AS9V79" in texts, (name, texts)
    alpr.auto_levels_below = 0
    texts = [p.text for p in alpr.predict(CONDITIONS["haze"][1](photo)).plates]
    assert "川AS9V79" not in texts, texts


def test_sweep_lists_the_plates_not_read(ccpd_dir):
    # a reader that reads every plate right as taken and gets the last character wrong in
    # the dark: the sweep scores both conditions and names the plates it got wrong
    import types
    from alpr_jax.data.annotations import read_annotations
    from alpr_jax.evaluate.conditions import conditions_sweep
    records = read_annotations(ccpd_dir)[:2]
    photos = {read_image(r.path).tobytes(): r for r in records}

    class Reader:
        def predict(self, image):
            r = photos.get(image.tobytes())
            dark = r is None
            if dark:      # which photo this darkened one was: the nearest by brightness
                r = min(records, key=lambda q: abs(
                    CONDITIONS["dusk"][1](read_image(q.path)).astype(float) - image).mean())
            p = r.plates[0]
            text = _last_changed(p.text) if dark else p.text
            return types.SimpleNamespace(plates=[types.SimpleNamespace(
                corners=p.corners, detection_score=0.99, text=text)])

    rows = conditions_sweep(Reader(), records, ["as_taken", "dusk"])
    assert [r["condition"] for r in rows] == ["as_taken", "dusk"]
    assert rows[0]["read"] == 1.0 and rows[0]["wrong"] == []
    assert rows[1]["read"] == 0.0 and rows[1]["found"] == 1.0
    assert sorted(rows[1]["wrong"]) == sorted(
        (r.plates[0].text, _last_changed(r.plates[0].text)) for r in records)


def _last_changed(text):
    return text[:-1] + ("Y" if text.endswith("X") else "X")
