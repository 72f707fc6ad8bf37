"""ID cards laid on an A4 sheet (a photocopy or scan of a card's front and back).

On a sheet the cards are the only card-sized regions that are not blank paper: their printed
background, photo and text, or the shadow line a copier draws around them. We look for regions
of the card's physical size (85.6 × 54 mm at the sheet's dpi) in either orientation.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from preprocessing.binarize import paper_level

CARD_MM = (85.6, 54.0)
SIZE_TOLERANCE = 0.12
_ANALYSIS_DPI = 75.0


class CardRegion(NamedTuple):
    """An axis-aligned box (x0, y0, x1, y1) in sheet pixels holding one card."""

    box: tuple[int, int, int, int]


def find_cards(gray: NDArray[np.uint8], *, dpi: float) -> list[CardRegion]:
    """Card-sized regions on an upright sheet, top to bottom, left to right.

    Args:
        gray: H×W uint8 sheet (already turned upright and deskewed).
        dpi: the sheet's resolution.
    """
    h, w = gray.shape
    factor = min(1.0, _ANALYSIS_DPI / dpi)
    small = cv2.resize(gray, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    paper = paper_level(small)
    marked = (small < paper - 12).astype(np.uint8)
    px_per_mm = dpi * factor / 25.4
    kernel = np.ones((max(3, round(4 * px_per_mm)),) * 2, np.uint8)  # bridge 4 mm gaps
    blobs = cv2.morphologyEx(marked, cv2.MORPH_CLOSE, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(blobs)
    long_px, short_px = CARD_MM[0] * px_per_mm, CARD_MM[1] * px_per_mm
    found = []
    for x, y, bw, bh, _ in stats[1:count]:
        big, small_side = max(bw, bh), min(bw, bh)
        if (abs(big - long_px) <= SIZE_TOLERANCE * long_px
                and abs(small_side - short_px) <= SIZE_TOLERANCE * short_px):
            found.append(CardRegion((int(x / factor), int(y / factor),
                                     int(np.ceil((x + bw) / factor)),
                                     int(np.ceil((y + bh) / factor)))))
    return sorted(found, key=lambda c: (c.box[1] // max(1, round(20 * dpi / 25.4)), c.box[0]))
