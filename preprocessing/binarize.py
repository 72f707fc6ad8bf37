"""Grayscale conversion, analysis-size downscaling and ink masks."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


def to_gray(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """H×W×3 RGB (or H×W gray) uint8 -> H×W uint8 luminance. Returns a new array."""
    if image.ndim == 2:
        return image.copy()
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def downscale_for_analysis(
    gray: NDArray[np.uint8], *, long_side: int = 1400
) -> tuple[NDArray[np.uint8], float]:
    """Shrink so the long side is at most ``long_side`` pixels; returns (image, factor)."""
    h, w = gray.shape[:2]
    factor = min(1.0, long_side / max(h, w))
    if factor == 1.0:
        return gray.copy(), 1.0
    small = cv2.resize(
        gray, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA
    )
    return small, factor


INK_CONTRAST = 25  # gray levels below the local mean: text, not shading or security print


def ink_mask(gray: NDArray[np.uint8], *, block: int = 31) -> NDArray[np.bool_]:
    """True where a pixel is clearly darker than its neighbourhood (ink).

    A local threshold ignores uneven lighting on photos and the faint guilloche of ID cards,
    which a global (Otsu) threshold turns into stripes of false ink.

    Args:
        gray: H×W uint8, dark text on light paper.
        block: odd neighbourhood size in pixels.
    """
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    binary = cv2.adaptiveThreshold(blurred, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                   cv2.THRESH_BINARY_INV, block, INK_CONTRAST)
    return binary.astype(bool)


def paper_level(gray: NDArray[np.uint8]) -> int:
    """Gray value of blank paper: a high percentile of the page."""
    return int(np.percentile(gray, 90))
