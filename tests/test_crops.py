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


def test_a_crop_in_a_turned_frame_reads_the_plate_level():
    # the image holds its own pixel coordinates, which bilinear sampling reproduces exactly:
    # output pixel (i, k) of a box in the frame (centre c, angle a) must read c + R(a) q
    h, w = 100, 200
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = jnp.asarray(np.stack([xx, yy, np.zeros_like(xx)], -1))
    box = np.array([[-60, -24, 60, 24]], np.float32)                 # 120 x 48 around c
    centre, angle = np.array([[100, 50]], np.float32), np.array([0.3], np.float32)
    out = np.asarray(crops.cut(image, box, frames=(centre, angle)))[0]
    qy, qx = np.mgrid[-24:24, -60:60].astype(np.float32) + 0.5
    q = np.stack([qx, qy], -1).reshape(1, -1, 2)
    p = crops.from_frame(q, centre, angle).reshape(48, 120, 2)
    np.testing.assert_allclose(out[..., :2], p - 0.5, atol=2e-3)
    np.testing.assert_allclose(crops.to_frame(crops.from_frame(q, centre, angle), centre, angle),
                               q, atol=1e-4)
    # frame (0, 0) is the plain crop, bit for bit
    plain = np.array([[40, 20, 160, 68]], np.float32)
    zero = (np.zeros((1, 2), np.float32), np.zeros(1, np.float32))
    np.testing.assert_array_equal(np.asarray(crops.cut(image, plain, frames=zero)),
                                  np.asarray(crops.cut(image, plain)))


def test_large_boxes_are_read_from_a_mean_level_not_aliased():
    # stripes of period 2 px: a box 4x the crop read point-wise would show a stripe pattern
    # (aliasing); averaged over 2x2 blocks first it reads their mean, flat grey
    h, w = 200, 480
    stripes = np.zeros((h, w, 3), np.float32)
    stripes[:, ::2] = 1.0
    box = np.array([[0, 0, 480, 192]], np.float32)          # shrink 4: level 2
    out = np.asarray(crops.cut(jnp.asarray(stripes), box))
    np.testing.assert_allclose(out, 0.5, atol=1e-5)
    # the levels span the same extent: a bright square lands where it is in the photo
    image = np.zeros((256, 512, 3), np.float32)
    image[64:128, 128:256] = 1.0
    big = np.asarray(crops.cut(jnp.asarray(image), np.array([[0, 0, 480, 192]], np.float32)))[0]
    assert big[20:30, 40:60].min() > 0.99 and big[:10].max() < 0.01 and big[:, :25].max() < 0.01
    levels = crops.mean_pyramid(jnp.asarray(image[:250]))       # padded to a multiple of 8
    assert [x.shape[:2] for x in levels] == [(256, 512), (128, 256), (64, 128), (32, 64)]


def test_the_detectors_photo_pyramid_is_the_photo_in_0_1_padded_with_the_crop_pad():
    from alpr_jax.pipeline.detector import IMAGE_BUCKET, _bucketed
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (300, 425, 3), dtype=np.uint8)
    levels, scale = _bucketed(photo)
    level0 = np.asarray(levels[0])
    assert scale == 1.0 and level0.dtype == np.float32
    assert level0.shape == (2 * IMAGE_BUCKET, 2 * IMAGE_BUCKET, 3)
    np.testing.assert_allclose(level0[:300, :425], photo / 255.0, atol=1e-6)
    np.testing.assert_allclose(level0[300:], crops.PAD_VALUE, atol=1e-6)
    np.testing.assert_allclose(level0[:, 425:], crops.PAD_VALUE, atol=1e-6)
    # the next level is the 2x2 mean of the first
    means = level0.reshape(IMAGE_BUCKET, 2, IMAGE_BUCKET, 2, 3).mean((1, 3))
    np.testing.assert_allclose(np.asarray(levels[1]), means, atol=1e-6)
