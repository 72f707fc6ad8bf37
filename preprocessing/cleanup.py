"""Clean-up of the copy given to the OCR engine (the PDF keeps the natural image)."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

UNEVEN_LEVELS = 40  # paper brighter in one part of the page than another by this much


def paper_unevenness(small: NDArray[np.uint8], *, tiles: int = 6) -> float:
    """Spread (gray levels) of the paper's brightness between tiles of an analysis-size page."""
    h, w = small.shape
    levels = []
    for i in range(tiles):
        for j in range(tiles):
            tile = small[i * h // tiles:(i + 1) * h // tiles, j * w // tiles:(j + 1) * w // tiles]
            if tile.size:
                levels.append(float(np.percentile(tile[::2, ::2], 90)))
    return max(levels) - min(levels) if levels else 0.0


def flatten_background(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Divide out uneven lighting (a phone's shadow, a copier's gradient): paper becomes even
    white and ink keeps its contrast, so the engine's global threshold works everywhere.

    Args:
        gray: H×W uint8 page. Returns a new array.
    """
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)  # text is thinner: gone
    background = cv2.GaussianBlur(background, (0, 0), 3)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, background, scale=255)
    return flat
