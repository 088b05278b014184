import cv2
import numpy as np
import pytest

from alpr_jax.geometry import anchors, boxes, rectify


def test_box_coding_round_trip_numpy_and_jax():
    import jax.numpy as jnp
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 100, (20, 2, 2)), axis=1).transpose(0, 2, 1).reshape(20, 4)
    a = a[:, [0, 2, 1, 3]].astype(np.float32)   # x1 < x2, y1 < y2
    b = a + rng.uniform(-5, 5, a.shape).astype(np.float32)
    b[:, 2:] = np.maximum(b[:, 2:], b[:, :2] + 1)
    np.testing.assert_allclose(boxes.decode(boxes.encode(b, a), a), b, atol=1e-3)
    out = boxes.decode(boxes.encode(jnp.asarray(b), jnp.asarray(a)), jnp.asarray(a))
    assert not isinstance(out, np.ndarray)
    np.testing.assert_allclose(np.asarray(out), b, atol=1e-3)


def test_iou_and_nms():
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [100, 100, 110, 120]], np.float32)
    m = boxes.iou(b, b)
    np.testing.assert_allclose(np.diag(m), 1)
    np.testing.assert_allclose(m[0, 1], 50 / 150)
    assert m[0, 2] == 0
    keep = boxes.nms(b, np.array([0.9, 0.8, 0.7]), 0.3)
    assert keep.tolist() == [0, 2]
    assert boxes.nms(b, np.array([0.9, 0.8, 0.7]), 0.5).tolist() == [0, 1, 2]


def test_anchor_shapes_and_grid():
    shapes = anchors.anchor_shapes()
    assert shapes.shape == (15, 2)
    np.testing.assert_allclose(shapes.prod(1), np.repeat(anchors.ANCHOR_AREAS, 3), rtol=1e-5)
    np.testing.assert_allclose(shapes[:3, 1] / shapes[:3, 0], anchors.ANCHOR_RATIOS, rtol=1e-5)
    grid = anchors.grid_anchors((2, 3))
    assert grid.shape == (2 * 3 * 15, 4)
    centres = (grid[:, :2] + grid[:, 2:]) / 2
    np.testing.assert_allclose(centres[15 * 4], [8 + 4, 8 + 4])   # cell (y=1, x=1)


def test_anchor_targets_sampling():
    rng = np.random.default_rng(0)
    grid = anchors.grid_anchors((60, 40))
    gt = np.array([[100, 200, 180, 230], [20, 30, 60, 45]], np.float32)
    labels, deltas, matched = anchors.anchor_targets(rng, grid, gt)
    pos, neg = (labels == 1).sum(), (labels == 0).sum()
    assert 2 <= pos <= 16 and pos + neg == 64
    # positives regress onto their ground truth box
    decoded = boxes.decode(deltas[labels == 1], grid[labels == 1])
    assert (boxes.iou(decoded, gt).max(1) > 0.999).all()
    labels, _, matched = anchors.anchor_targets(rng, grid, np.zeros((0, 4), np.float32))
    assert (matched == -1).all()
    assert (labels == 1).sum() == 0 and (labels == 0).sum() == 64


def test_fit_affine_exact_and_ransac():
    src = np.array([[10, 10], [110, 20], [105, 60], [5, 50]], np.float64)
    m_true = np.array([[0.9, 0.1, 3], [-0.2, 1.1, -4]])
    dst = src @ m_true[:, :2].T + m_true[:, 2]
    for method in ("lstsq", "ransac"):
        np.testing.assert_allclose(rectify.fit_affine(src, dst, method), m_true, atol=1e-9)
    bad = dst.copy()
    bad[2] += [15, -9]                          # one corner badly off
    np.testing.assert_allclose(rectify.fit_affine(src, bad, "ransac"), m_true, atol=1e-9)
    assert np.abs(rectify.fit_affine(src, bad, "lstsq") - m_true).max() > 0.01
    with pytest.raises(ValueError, match="matching"):
        rectify.fit_affine(src[:2], dst[:2])


def test_rectify_maps_corners_to_output_edges():
    # an image whose left half is 0 and right half 255 inside a known plate rectangle
    image = np.zeros((100, 200, 3), np.uint8)
    image[20:68, 60:180] = 100
    image[20:68, 120:180] = 200
    corners = np.array([[60, 20], [180, 20], [180, 68], [60, 68]], np.float32)
    out = rectify.rectify(image, corners)
    assert out.shape == (48, 120, 3)
    np.testing.assert_array_equal(out[:, :60], 100)
    np.testing.assert_array_equal(out[:, 60:], 200)


def test_rectify_huge_plate_matches_moderate_one():
    """A plate 12x the output width (area-averaged first) reads like the same plate at 2x."""
    rng = np.random.default_rng(0)
    pattern = cv2.resize(rng.integers(0, 255, (12, 30, 3), np.uint8), (240, 96),
                         interpolation=cv2.INTER_NEAREST)
    small = np.full((200, 400, 3), 128, np.uint8)
    small[50:146, 80:320] = pattern
    big = cv2.resize(small, (2400, 1200), interpolation=cv2.INTER_NEAREST)
    quad = np.array([[80, 50], [320, 50], [320, 146], [80, 146]], np.float32)
    a = rectify.rectify(small, quad).astype(np.float32)
    b = rectify.rectify(big, quad * 6).astype(np.float32)
    assert np.abs(a - b).mean() < 6.0


def test_plate_free_views_keep_clear_of_every_plate():
    plates = np.array([[100, 300, 200, 340], [400, 700, 500, 740]], np.float32)
    views = boxes.plate_free_views((1000, 720), plates, margin=40, min_side=96)
    # bands: above the first plate, between the two, below the second; columns
    # beside them: between (200+40 .. 400-40 = 120 px) and right of the second (left of the
    # first is 60 px, under min_side)
    assert sorted(views) == sorted([(0, 0, 720, 260), (0, 380, 720, 660), (0, 780, 720, 1000),
                                    (240, 0, 360, 1000),
                                    (540, 0, 720, 1000)])
    for x1, y1, x2, y2 in views:
        view = np.array([[x1, y1, x2, y2]], np.float32)
        grown = plates + np.array([-40, -40, 40, 40], np.float32)
        assert (boxes.iou(view, grown) == 0).all()
    # gaps under min_side are skipped; no plates means no views
    assert boxes.plate_free_views((300, 300), np.array([[0, 50, 300, 250]])) == []
    assert boxes.plate_free_views((300, 300), np.zeros((0, 4))) == []


def test_corner_bounds_inverts_box_corners_batched():
    bounds = np.array([[10.5, 20.0, 110.0, 60.25], [0.0, -5.0, 3.0, 4.0]], np.float32)
    quads = np.stack([boxes.box_corners(b) for b in bounds])                 # [2, 4, 2]
    np.testing.assert_array_equal(boxes.corner_bounds(quads), bounds)
    tilted = np.array([[[3.0, 1.0], [9.0, 2.0], [8.0, 7.0], [2.0, 6.0]]])     # not axis-aligned
    np.testing.assert_array_equal(boxes.corner_bounds(tilted), [[2.0, 1.0, 9.0, 7.0]])
    import jax.numpy as jnp
    np.testing.assert_allclose(np.asarray(boxes.corner_bounds(jnp.asarray(quads))), bounds)


def test_perspective_rectify_undoes_a_slanted_view():
    # a 2:1 plate seen at an angle (a homography): the perspective map recovers it, the
    # paper's affine map cannot (why two-row plates are rectified by it, rectify_plate)
    from alpr_jax.geometry.rectify import TWO_ROW_HW, target_corners
    h, w = TWO_ROW_HW
    yy, xx = np.mgrid[0:h, 0:w]
    plate = (127 + 120 * np.sin(xx / 5.0) * np.cos(yy / 7.0)).astype(np.uint8)
    plate = np.repeat(plate[..., None], 3, -1)
    corners = np.array([[40, 30], [300, 60], [290, 200], [45, 170]], np.float32)
    # the same continuous-coordinate convention as rectify: plate edges to the corners
    m = cv2.getPerspectiveTransform(target_corners(TWO_ROW_HW), corners).astype(np.float64)
    shift = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    m_cv = shift @ m @ np.linalg.inv(shift)
    photo = cv2.warpPerspective(plate, m_cv, (360, 240), flags=cv2.INTER_LINEAR)
    inner = (slice(4, -4), slice(4, -4))
    err = {k: np.abs(rectify.rectify(photo, corners, TWO_ROW_HW, k).astype(float)
                     - plate)[inner].mean()
           for k in ("perspective", "ransac")}
    assert err["perspective"] < 6 and err["ransac"] > 3 * err["perspective"], err


def test_near_parallelograms_snap_and_perspective_views_keep_their_shape():
    square = np.array([[0, 0], [100, 0], [100, 30], [0, 30]], np.float32)
    noisy = square + np.array([[1, -0.5], [-1, 0.5], [0.5, 0.5], [-0.5, -1]], np.float32)
    snapped = rectify.nearest_parallelogram(noisy)
    np.testing.assert_allclose(snapped[0] + snapped[2], snapped[1] + snapped[3], atol=1e-4)
    # least squares: no parallelogram is nearer (the square among them)
    assert np.sum((snapped - noisy) ** 2) <= np.sum((square - noisy) ** 2)
    assert rectify.parallelogram_gap(square) == 0
    # a plate turned about its vertical axis: its near side 30 px, its far side 27 px
    turned = np.array([[0, 0], [100, 1.5], [100, 28.5], [0, 30]], np.float32)
    np.testing.assert_allclose(rectify.parallelogram_gap(turned), 3 / 28.5, rtol=1e-5)
    # seen from above: its bottom edge 100 px, its top 90 (the same share of the width as
    # 3 px of the height: the gap is measured in the plate's own axes)
    from_above = np.array([[5, 0], [95, 0], [100, 30], [0, 30]], np.float32)
    np.testing.assert_allclose(rectify.parallelogram_gap(from_above), 10 / 95, rtol=1e-5)
    # rolled 30 degrees: the same gaps
    turn = np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]], np.float32)
    np.testing.assert_allclose(rectify.parallelogram_gap(np.stack([noisy, turned]) @ turn.T),
                               rectify.parallelogram_gap(np.stack([noisy, turned])), rtol=1e-4)
    assert rectify.parallelogram_gap(noisy) < 0.05
    both = rectify.snap_to_parallelograms(np.stack([noisy, turned, from_above]), below=0.1)
    np.testing.assert_allclose(both[0], snapped)
    np.testing.assert_array_equal(both[1:], [turned, from_above])
