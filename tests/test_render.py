import cv2
import numpy as np
import pytest

from alpr_jax.data import augment, generate, render

NO_AUGMENT = augment.AugmentConfig(p_lighting=0, p_gradient=0, p_shadow=0, p_gaussian_blur=0,
                                   p_motion_blur=0, p_low_res=0, p_noise=0, p_jpeg=0)


def test_clean_plate_layout():
    rgb, alpha = render.draw_plate(np.random.default_rng(0), "皖AY339S", "blue", ppm=1.0, clean=True)
    assert rgb.shape == (140, 440, 3) and alpha.shape == (140, 440)
    white = rgb.min(-1) > 180                              # white ink on blue
    boxes = np.round(render.LAYOUT_7.char_boxes()).astype(int)
    for x0, y0, x1, y1 in boxes:                            # every character has ink in its box
        assert white[y0:y1, x0:x1].mean() > 0.1
    gap = boxes[2, 0] - 6, boxes[2, 0] - 1                  # right of the dot, before char 3
    assert white[30:110, gap[0]:gap[1]].mean() < 0.02
    assert (rgb[70, 5:10, 2] > rgb[70, 5:10, 0] + 80).all()   # blue background at the margin
    assert alpha[70, 220] == 1 and alpha[0, 0] < 0.1       # rounded corners
    green, _ = render.draw_plate(np.random.default_rng(0), "皖AD12345", ppm=0.5, clean=True)
    assert green.shape == (70, 240, 3)


def _plate_alpha_in_canvas(quad, shape=(200, 300)):
    """Warped coverage of the plate: composite onto black and white and compare."""
    rgb, alpha = render.draw_plate(np.random.default_rng(0), "皖AY339S", "blue", ppm=0.6, clean=True)
    black = render.warp_onto(np.zeros(shape + (3,), np.float32), rgb, alpha, quad)
    white = render.warp_onto(np.full(shape + (3,), 255, np.float32), rgb, alpha, quad)
    return 1 - (white - black).mean(-1) / 255


@pytest.mark.parametrize("seed", range(4))
def test_corners_land_on_the_plate(seed):
    rng = np.random.default_rng(seed)
    quad = render.random_quad(rng, (150, 100), 180, 140 / 440)
    cov = _plate_alpha_in_canvas(quad)
    inside = np.zeros_like(cov, np.uint8)
    centre = quad.mean(0)
    shrunk = centre + (quad - centre) * 0.9     # away from the rounded corners
    grown = centre + (quad - centre) * 1.08
    cv2.fillPoly(inside, [np.round(shrunk - 0.5).astype(np.int32)], 1)
    outside = np.ones_like(cov, np.uint8)
    cv2.fillPoly(outside, [np.round(grown - 0.5).astype(np.int32)], 0)
    assert cov[inside == 1].min() > 0.99
    assert cov[outside == 1].max() < 0.01
    # edges: the midpoint of each side is half covered (edge passes through the pixel)
    for a, b in ((0, 1), (1, 2), (2, 3), (3, 0)):
        mid = (quad[a] + quad[b]) / 2
        inward = (centre - mid) / np.linalg.norm(centre - mid)
        p_in, p_out = mid + 1.5 * inward, mid - 1.5 * inward
        assert cov[int(p_in[1]), int(p_in[0])] > 0.9 and cov[int(p_out[1]), int(p_out[0])] < 0.1


@pytest.mark.parametrize("seed", range(6))
def test_generated_plate_colour_inside_labelled_corners(seed):
    cfg = generate.PlateConfig(type_probs=(1, 0, 0, 0), p_kind=0.0, augment=NO_AUGMENT)
    sample = generate.generate_plate(np.random.default_rng(seed), cfg)
    (plate,) = sample.plates
    assert plate.plate_type == "blue" and len(plate.text) == 7
    h, w = sample.image.shape[:2]
    assert (plate.corners >= -1e-3).all() and (plate.corners[:, 0] <= w).all() and (plate.corners[:, 1] <= h).all()
    # points in the plate's top margin (below the frame, above characters and screws)
    src = np.array([[0, 0], [440, 0], [440, 140], [0, 140]], np.float32)
    m = cv2.getPerspectiveTransform(src, plate.corners)
    for u in (160.0, 220.0, 290.0):
        p = cv2.perspectiveTransform(np.array([[[u, 19.0]]], np.float32), m)[0, 0]
        r, g, b = sample.image[int(p[1]), int(p[0])].astype(int)
        assert b > r + 40, (u, p, (r, g, b))


def test_determinism_by_seed():
    a = generate.generate_plate(np.random.default_rng([3, 7]))
    b = generate.generate_plate(np.random.default_rng([3, 7]))
    c = generate.generate_plate(np.random.default_rng([3, 8]))
    np.testing.assert_array_equal(a.image, b.image)
    assert a.plates[0].text == b.plates[0].text
    assert a.image.shape != c.image.shape or not np.array_equal(a.image, c.image)
    cfg = generate.SceneConfig(height=320, width=200)
    s1 = generate.generate_scene(np.random.default_rng(5), cfg)
    s2 = generate.generate_scene(np.random.default_rng(5), cfg)
    np.testing.assert_array_equal(s1.image, s2.image)
    assert [p.text for p in s1.plates] == [p.text for p in s2.plates]


def test_scene_plates_are_inside_and_disjoint(ccpd_dir):
    from alpr_jax.data.annotations import corners_to_bbox, read_annotations
    real = tuple(read_annotations(ccpd_dir))
    cfg = generate.SceneConfig(p_real_background=0.5)
    widths = []
    for i in range(6):
        s = generate.generate_scene(np.random.default_rng(i), cfg, real)
        assert s.image.shape == (1160, 720, 3) and s.image.dtype == np.uint8
        boxes = [corners_to_bbox(p.corners) for p in s.plates]
        for j, b in enumerate(boxes):
            widths.append(b[2] - b[0])
            for other in boxes[j + 1:]:
                assert b[2] <= other[0] or other[2] <= b[0] or b[3] <= other[1] or other[3] <= b[1]
    assert min(widths) >= 20 and max(widths) <= 450


def test_plate_q_is_a_full_height_o_with_a_tail():
    # the plate font's Q: same body as O (Noto's own Q is shorter once stretched to the box,
    # and real Qs then look like 0 to a recogniser trained on it), plus a lower-right tail
    from alpr_jax.data import fonts
    q = fonts.plate_glyph("Q", 700, 45, 90)
    o = fonts.plate_glyph("O", 700, 45, 90)
    assert q.shape == o.shape == (90, 45)
    np.testing.assert_allclose(q[:50], o[:50], atol=0.05)
    assert q[60:, 22:].sum() > o[60:, 22:].sum() + 50


@pytest.mark.parametrize("kind", ["badge", "grille"])
def test_car_parts_as_hard_negatives(kind):
    from alpr_jax.data import backgrounds
    rng = np.random.default_rng(0)
    for height in (8, 40, 120):
        rgb, alpha = getattr(backgrounds, kind)(rng, height)
        assert rgb.shape[:2] == alpha.shape and rgb.shape[2] == 3
        assert abs(alpha.shape[0] - height) <= 1 and alpha.shape[1] >= 0.85 * alpha.shape[0]
        assert np.isfinite(rgb).all() and 0 <= rgb.min() and rgb.max() <= 255
        assert 0 <= alpha.min() and alpha.max() <= 1 and alpha.mean() > 0.5
    canvas = np.zeros((50, 60, 3), np.float32)        # pasting clips at the canvas edge
    backgrounds.paste(canvas, np.full((20, 30, 3), 200, np.float32), np.ones((20, 30), np.float32),
                      (55, 5))
    assert (canvas[:15, 40:] == 200).all() and canvas[15:].max() == 0 and canvas[:, :40].max() == 0


def test_black_plates_and_night_frames():
    from alpr_jax.data import augment, generate
    rgb, alpha = render.draw_plate(np.random.default_rng(0), "粤B12345", "black", ppm=0.5, clean=True)
    ink = rgb[alpha > 0.5]
    assert np.median(ink) < 80 and ink.max() > 180       # a dark plate with light characters
    scene = generate.SceneConfig(height=240, width=160, p_black=1.0, type_probs=(1, 0, 0, 0),
                                 p_no_plate=0.0, max_distractors=0)
    sample = generate.generate_scene(np.random.default_rng(3), scene)
    assert sample.plates and all(p.plate_type == "blue" for p in sample.plates)   # labels as blue
    bright = np.full((64, 64, 3), 200.0, np.float32)
    night = augment.AugmentConfig(p_lighting=0, p_gradient=0, p_shadow=0, p_gaussian_blur=0,
                                  p_motion_blur=0, p_low_res=0, p_noise=0, p_jpeg=0, p_night=1.0)
    dark = augment.apply(np.random.default_rng(1), bright, night)
    assert dark.mean() < 0.5 * 200


def test_typefaces_two_row_plates_and_kinds():
    from alpr_jax import plates
    from alpr_jax.data import fonts
    from alpr_jax.geometry.rectify import corner_aspect, rectify_plate, stitch_two_row
    # every face draws the characters it is used for, and they differ from each other
    inks = {f: fonts.plate_glyph("8", 500, 45, 90, f) for f in fonts.LATIN_FACES}
    assert all(i.shape == (90, 45) and i.mean() > 0.1 for i in inks.values())
    assert np.abs(inks["noto"] - inks["oswald"]).mean() > 0.05
    cjk = {f: fonts.plate_glyph("湘", 500, 45, 90, f) for f in fonts.CJK_FACES}
    assert np.abs(cjk["noto"] - cjk["wqy"]).mean() > 0.05
    assert fonts.plate_glyph("湘", 800, 45, 90, "wqy").sum() > cjk["wqy"].sum()   # emboldened
    # two-row layout: 440x220 mm, province and letter above, five characters below
    rgb, alpha = render.draw_plate(np.random.default_rng(0), "鲁B12345", "yellow", ppm=0.5,
                                   clean=True, two_row=True)
    assert rgb.shape == (110, 220, 3)
    dark = rgb.max(-1) < 100                                   # black ink on yellow
    for x0, y0, x1, y1 in np.round(render.LAYOUT_TWO_ROW.char_boxes() * 0.5).astype(int):
        assert dark[y0:y1, x0:x1].mean() > 0.1
    with pytest.raises(ValueError, match="two rows"):
        render.layout_for("皖AD12345", two_row=True)
    stitched = stitch_two_row(np.clip(rgb, 0, 255).astype(np.uint8))
    assert stitched.shape == (48, 120, 3)
    ink_cols = (stitched.max(-1) < 100).mean(0)
    assert ink_cols[:34].max() > 0.2 and ink_cols[34:].max() > 0.2   # both rows side by side
    canvas = np.full((300, 400, 3), 90, np.float32)
    quad = np.array([[100, 100], [300, 100], [300, 200], [100, 200]], np.float32)
    render.warp_onto(canvas, rgb, alpha, quad)
    assert abs(corner_aspect(quad) - 2.0) < 1e-6
    np.testing.assert_allclose(rectify_plate(canvas.astype(np.uint8), quad, two_row=True),
                               stitch_two_row(cv2.resize(np.clip(rgb, 0, 255).astype(np.uint8),
                                                         (176, 88), interpolation=cv2.INTER_AREA)),
                               atol=40)
    # the engine draws kinds and two-row plates, labels them, and feeds them stitched
    cfg = generate.PlateConfig(type_probs=(0, 1, 0, 0), p_two_row=1.0, p_kind=0.0)
    sample = generate.generate_plate(np.random.default_rng(5), cfg)
    assert sample.plates[0].two_row and sample.plates[0].plate_type == "yellow"
    cfg = generate.PlateConfig(p_kind=1.0)
    texts = [generate.generate_plate(np.random.default_rng(i), cfg).plates[0].text
             for i in range(12)]
    assert all(t[0] == plates.EMBASSY or t[1] == plates.POLICE_LETTER or
               plates.tokens(t)[-1] in plates.SPECIAL_SUFFIXES for t in texts)
