from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preprocessing.binarize import downscale_for_analysis, to_gray
from preprocessing.crop import find_content_box
from preprocessing.deskew import estimate_skew
from preprocessing.geometry import rotate90
from preprocessing.orientation import estimate_orientation
from tests.conftest import lltp_page, text_page
from tests.synthetic import add_noise, blur, rotate_quarter, skew


def _small(page_image: np.ndarray) -> np.ndarray:
    return downscale_for_analysis(to_gray(page_image))[0]


@pytest.mark.parametrize("make_page", [lltp_page, text_page], ids=["form", "prose"])
@pytest.mark.parametrize("turned_ccw", [0, 90, 180, 270])
@pytest.mark.parametrize("skew_deg", [0.0, -8.0, 6.5])
def test_orientation_undoes_a_quarter_turn(make_page, turned_ccw, skew_deg):
    image = add_noise(skew(rotate_quarter(make_page().image, turned_ccw), skew_deg), 10)
    small = _small(image)
    before = small.copy()
    found = estimate_orientation(small)
    np.testing.assert_array_equal(small, before)
    # turned counter-clockwise by a, so a clockwise turn of a makes it upright
    assert found.angle_deg == turned_ccw
    assert 0.5 <= found.confidence <= 1.0


def test_blank_page_has_no_confident_orientation():
    blank = np.full((700, 500), 250, np.uint8)
    found = estimate_orientation(blank)
    assert found.confidence < 0.5


@pytest.fixture(scope="module")
def small_form() -> np.ndarray:
    return lltp_page().image[::3, ::3].copy()  # 100 dpi: enough for skew, fast to rotate


@settings(max_examples=25, deadline=None)
@given(angle=st.floats(-10.0, 10.0))
def test_estimated_skew_is_within_half_a_degree(small_form, angle):
    tilted = to_gray(skew(small_form, angle))
    assert estimate_skew(tilted) == pytest.approx(angle, abs=0.5)


def test_skew_survives_blur_and_noise(small_form):
    tilted = add_noise(blur(skew(small_form, -5.0), 1.0), 14)
    assert estimate_skew(to_gray(tilted)) == pytest.approx(-5.0, abs=0.5)


def test_content_box_removes_dark_scanner_borders():
    page = _small(lltp_page().image)
    h, w = page.shape
    framed = np.full((h + 80, w + 60), 30, np.uint8)
    framed[50:50 + h, 20:20 + w] = page
    x0, y0, x1, y1 = find_content_box(framed)
    assert (x0, y0) == pytest.approx((20, 50), abs=2)
    assert (x1, y1) == pytest.approx((20 + w, 50 + h), abs=2)
    # a clean page is kept whole
    assert find_content_box(page) == (0, 0, w, h)


def test_rotating_back_by_the_estimate_gives_upright_text():
    small = _small(rotate_quarter(text_page().image, 90))
    upright, _ = rotate90(small, estimate_orientation(small).angle_deg)
    assert upright.shape[0] > upright.shape[1]  # portrait again
