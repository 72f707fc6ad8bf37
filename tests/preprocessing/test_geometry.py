from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preprocessing.geometry import crop, map_bbox, rotate, rotate90, scale


def _marked(h: int, w: int, x: int, y: int) -> np.ndarray:
    img = np.zeros((h, w), np.uint8)
    img[y, x] = 255
    return img


def _where(img: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(img > 100)
    return float(xs.mean()), float(ys.mean())


@settings(max_examples=60, deadline=None)
@given(h=st.integers(3, 40), w=st.integers(3, 40), angle=st.sampled_from([0, 90, 180, 270]),
       data=st.data())
def test_rotate90_forward_moves_every_pixel_where_the_matrix_says(h, w, angle, data):
    x = data.draw(st.integers(0, w - 1))
    y = data.draw(st.integers(0, h - 1))
    img = _marked(h, w, x, y)
    before = img.copy()
    out, forward = rotate90(img, angle)
    np.testing.assert_array_equal(img, before)  # input untouched
    mapped = forward @ [x, y, 1.0]
    assert _where(out) == pytest.approx((mapped[0], mapped[1]))
    if angle in (90, 270):
        assert out.shape == (w, h)


@settings(max_examples=40, deadline=None)
@given(angle=st.floats(-30, 30), fx=st.floats(0.2, 0.8), fy=st.floats(0.2, 0.8))
def test_rotate_forward_matches_the_pixels(angle, fx, fy):
    h, w = 120, 90
    x, y = int(fx * w), int(fy * h)
    img = np.zeros((h, w), np.uint8)
    img[y - 1:y + 2, x - 1:x + 2] = 255
    out, forward = rotate(img, angle, fill=0)
    mapped = forward @ [x, y, 1.0]
    assert _where(out) == pytest.approx((mapped[0], mapped[1]), abs=0.75)
    # the grown canvas keeps every corner of the input inside
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], float)
    moved = corners @ forward.T
    assert moved[:, 0].min() >= -0.5 and moved[:, 0].max() <= out.shape[1] - 0.5
    assert moved[:, 1].min() >= -0.5 and moved[:, 1].max() <= out.shape[0] - 0.5


@settings(max_examples=60, deadline=None)
@given(x0=st.integers(-10, 50), y0=st.integers(-10, 50), dx=st.integers(1, 80),
       dy=st.integers(1, 80))
def test_crop_stays_in_bounds_and_translates(x0, y0, dx, dy):
    img = np.arange(60 * 70, dtype=np.uint32).reshape(60, 70).astype(np.uint8)
    box = (x0, y0, x0 + dx, y0 + dy)
    if min(x0 + dx, 70) <= max(0, x0) or min(y0 + dy, 60) <= max(0, y0):
        with pytest.raises(ValueError):
            crop(img, box)
        return
    out, forward = crop(img, box)
    assert 0 < out.shape[0] <= 60 and 0 < out.shape[1] <= 70
    inverse = np.linalg.inv(forward)
    src = inverse @ [0, 0, 1.0]
    assert out[0, 0] == img[int(src[1]), int(src[0])]


def test_scale_and_map_bbox_round_trip():
    img = np.zeros((300, 200), np.uint8)
    out, forward = scale(img, 0.5)
    assert out.shape == (150, 100)
    assert map_bbox(np.linalg.inv(forward), (10, 20, 30, 40), (200, 300)) == (20, 40, 60, 80)
    # clipped to the page
    assert map_bbox(np.eye(3), (-5, -5, 500, 500), (200, 300)) == (0, 0, 200, 300)


def test_rotate90_rejects_other_angles():
    with pytest.raises(ValueError):
        rotate90(np.zeros((4, 4), np.uint8), 45)
