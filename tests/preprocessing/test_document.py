from __future__ import annotations

import numpy as np
import pytest

from preprocessing.binarize import to_gray
from preprocessing.document import find_document, warp_document
from preprocessing.geometry import map_bbox
from tests.documents import DOC_TYPES, render_document
from tests.synthetic import phone_photo


def _truth_corners(page_shape, hmat):
    h, w = page_shape[:2]
    pts = np.c_[[[0, 0], [w, 0], [w, h], [0, h]], np.ones(4)] @ hmat.T
    return pts[:, :2] / pts[:, 2:]


@pytest.mark.parametrize("doc_type", DOC_TYPES)
@pytest.mark.parametrize("seed", [1, 6])
def test_photo_corners_and_format_are_found(doc_type, seed):
    page = render_document(doc_type, seed)
    photo, hmat = phone_photo(page.image, seed)
    before = photo.copy()
    quad = find_document(to_gray(photo))
    np.testing.assert_array_equal(photo, before)
    assert quad is not None
    diagonal = float(np.hypot(*photo.shape[:2]))
    assert np.abs(quad.corners - _truth_corners(page.image.shape, hmat)).max() < 0.01 * diagonal
    assert quad.format == ("id_card" if doc_type.startswith("cccd") else "a4")


def test_a_scan_is_left_alone():
    assert find_document(to_gray(render_document("lltp_request_form", 2).image)) is None


def test_warp_gives_the_format_and_a_homography_back_to_the_photo():
    page = render_document("cccd_front", 3)
    photo, _ = phone_photo(page.image, 3)
    quad = find_document(to_gray(photo))
    flat, forward, dpi = warp_document(photo, quad)
    h, w = flat.shape[:2]
    assert w / h == pytest.approx(85.6 / 54.0, rel=0.01)
    assert w / dpi * 25.4 == pytest.approx(85.6, rel=0.01)
    # the flat image's corners map back onto the quad in the photo
    back = map_bbox(np.linalg.inv(forward), (0, 0, w, h), (photo.shape[1], photo.shape[0]))
    assert back[0] == pytest.approx(quad.corners[:, 0].min(), abs=3)
    assert back[3] == pytest.approx(quad.corners[:, 1].max(), abs=3)


@pytest.mark.parametrize("seed", [1, 4, 9])
def test_both_cards_are_found_on_an_a4_photocopy(seed):
    from preprocessing.cards import find_cards
    from tests.documents import card_sheet

    sheet, _ = card_sheet(seed, back_upside_down=seed % 2 == 1)
    boxes = [c.box for c in find_cards(to_gray(sheet.image), dpi=300)]
    assert len(boxes) == 2
    for x0, y0, x1, y1 in boxes:  # 85.6 × 54 mm at 300 dpi, with the copier's edge
        assert (x1 - x0) == pytest.approx(1011, rel=0.03)
        assert (y1 - y0) == pytest.approx(638, rel=0.03)
    assert find_cards(to_gray(render_document("lltp_request_form", seed).image), dpi=300) == []
