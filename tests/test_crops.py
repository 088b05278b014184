import jax.numpy as jnp
import numpy as np

from alpr_jax.geometry import crops


def test_crop_boxes_have_the_aspect_and_contain_the_proposal():
    props = np.array([[10, 10, 110, 30], [0, 0, 50, 40], [5, 5, 255, 105]], np.float32)
    boxes = crops.crop_boxes(props)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    np.testing.assert_allclose(h / w, 1 / 2.5, rtol=1e-5)
    assert (boxes[:, :2] <= props[:, :2] + 1e-4).all() and (boxes[:, 2:] >= props[:, 2:] - 1e-4).all()
    np.testing.assert_allclose((boxes[:, :2] + boxes[:, 2:]) / 2, (props[:, :2] + props[:, 2:]) / 2)
    # the longer side is kept: a wide proposal keeps its width
    np.testing.assert_allclose(w[2], 250)


def test_corner_coding_round_trip_and_out_of_range():
    box = np.array([100, 50, 350, 150], np.float32)
    corners = np.array([[90, 60], [300, 40], [360, 140], [120, 160]], np.float32)
    enc = crops.encode_corners(corners, box)
    assert enc.min() < 0 and enc.max() > 1          # plate wider than the crop: allowed
    np.testing.assert_allclose(crops.decode_corners(enc, box), corners, atol=1e-4)


def test_cut_reads_the_box_and_pads_outside():
    h, w = 100, 200
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = jnp.asarray(np.stack([xx, yy, np.zeros_like(xx)], -1))
    box = np.array([[40, 20, 160, 68]], np.float32)          # 120 x 48: one pixel per output pixel
    out = np.asarray(crops.cut(image, box))
    assert out.shape == (1, 48, 120, 3)
    np.testing.assert_allclose(out[0, 0, :, 0], np.arange(40, 160), atol=1e-3)
    np.testing.assert_allclose(out[0, :, 0, 1], np.arange(20, 68), atol=1e-3)
    outside = np.asarray(crops.cut(image, np.array([[-300, -300, -180, -252]], np.float32)))
    np.testing.assert_allclose(outside, crops.PAD_VALUE)
