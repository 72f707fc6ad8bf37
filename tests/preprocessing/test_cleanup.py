from __future__ import annotations

import numpy as np

from preprocessing.binarize import to_gray
from preprocessing.cleanup import UNEVEN_LEVELS, flatten_background, paper_unevenness
from tests.conftest import lltp_page
from tests.synthetic import uneven_light


def test_flattening_evens_the_paper_and_keeps_the_ink():
    clean = to_gray(lltp_page(3).image)
    shaded = to_gray(uneven_light(lltp_page(3).image, 0))
    assert paper_unevenness(clean[::8, ::8]) < UNEVEN_LEVELS < paper_unevenness(shaded[::8, ::8])
    before = shaded.copy()
    flat = flatten_background(shaded)
    np.testing.assert_array_equal(shaded, before)
    assert paper_unevenness(flat[::8, ::8]) < 15
    ink = clean < 128
    assert float(np.median(flat[ink])) < 110  # text stays dark where the page was darkest
