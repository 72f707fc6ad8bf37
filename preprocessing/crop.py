"""Crop away dark borders around the paper (scanner lid, background, black fill)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from preprocessing.binarize import ink_mask, paper_level

BBox = tuple[int, int, int, int]


def find_content_box(gray: NDArray[np.uint8], *, dark_fraction: float = 0.6) -> BBox:
    """Box (x0, y0, x1, y1), end-exclusive, of the page inside any dark border strips.

    An edge row or column is border when most of its pixels are much darker than the paper
    and none of them is print. Text never fills a whole row, so a clean page keeps its size.

    Args:
        gray: H×W uint8.
        dark_fraction: share of dark pixels that makes a row/column border.
    """
    h, w = gray.shape
    dark = gray < paper_level(gray) * 0.5
    ink = ink_mask(gray)
    # A border is dark and carries no print; a page in a lamp's shadow is dark but has text,
    # which covers some of a row, never none or (like the edge of a dark frame) nearly all.
    def no_print(share: NDArray[np.float64]) -> NDArray[np.bool_]:
        return (share < 0.01) | (share > 0.6)

    dark_rows = (dark.mean(axis=1) > dark_fraction) & no_print(ink.mean(axis=1))
    dark_cols = (dark.mean(axis=0) > dark_fraction) & no_print(ink.mean(axis=0))
    y0, y1 = _span(dark_rows)
    x0, x1 = _span(dark_cols)
    if x1 - x0 < w // 4 or y1 - y0 < h // 4:  # a dark page, not a border: keep everything
        return (0, 0, w, h)
    return (x0, y0, x1, y1)


def _span(border: NDArray[np.bool_]) -> tuple[int, int]:
    n = border.size
    start = 0
    while start < n and border[start]:
        start += 1
    end = n
    while end > start and border[end - 1]:
        end -= 1
    return start, end
