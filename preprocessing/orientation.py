"""Coarse page orientation (0/90/180/270) from text-line geometry.

Lines of text run along the page, so the ink's projection profile is far sharper along the
text direction than across it: that separates 0/180 from 90/270. Vietnamese script puts most
of its marks above the x-height band (ascenders, tone marks, circumflexes, breves, horns) and
few below (descenders, the dot below), so the ink above and below each line's core tells
upright from upside down.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr_server.types import Orientation
from preprocessing.binarize import ink_mask
from preprocessing.deskew import search_skew

_AXIS_RATIO_SURE = 1.6
MAX_SKEW_DEG = 30.0  # pages fed or photographed up to this far off square
_UPDOWN_SURE = 0.25


def estimate_orientation(gray: NDArray[np.uint8]) -> Orientation:
    """Clockwise rotation that makes the page upright, with a confidence in [0, 1].

    Args:
        gray: H×W uint8 page, dark text on light paper, at an analysis size (≈100–150 dpi).
    """
    return estimate_orientation_and_skew(gray)[0]


def estimate_orientation_and_skew(gray: NDArray[np.uint8]) -> tuple[Orientation, float]:
    """The orientation, and the skew (degrees, counter-clockwise) of the page once turned by it.

    Both come from the same projection-profile search, so asking for the skew costs nothing.
    """
    ink = ink_mask(gray)
    along_rows = search_skew(ink, max_angle_deg=MAX_SKEW_DEG)
    along_cols = search_skew(np.ascontiguousarray(ink.T), max_angle_deg=MAX_SKEW_DEG)
    if along_rows.sharpness == 0.0 or along_cols.sharpness == 0.0:
        return Orientation(0, 0.0), 0.0
    sideways = along_cols.sharpness > along_rows.sharpness
    ratio = max(along_rows.sharpness, along_cols.sharpness) / min(
        along_rows.sharpness, along_cols.sharpness
    )
    base = 90 if sideways else 0
    turned = np.ascontiguousarray(np.rot90(ink, k=-1)) if sideways else ink
    # turning clockwise is transposing then mirroring, and mirroring negates the angle
    skew = -along_cols.angle_deg if sideways else along_rows.angle_deg
    asymmetry = _updown_asymmetry(_straighten(turned, skew))
    angle = base if asymmetry >= 0 else (base + 180) % 360
    axis_conf = min(1.0, (ratio - 1.0) / (_AXIS_RATIO_SURE - 1.0))
    updown_conf = min(1.0, abs(asymmetry) / _UPDOWN_SURE)
    # a half turn leaves a line's slope as it was
    return Orientation(angle, round(min(axis_conf, updown_conf), 3)), skew


def _straighten(ink: NDArray[np.bool_], angle_ccw_deg: float) -> NDArray[np.bool_]:
    if abs(angle_ccw_deg) < 0.05:
        return ink
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -angle_ccw_deg, 1.0)
    out = cv2.warpAffine(ink.astype(np.uint8), m, (w, h), flags=cv2.INTER_NEAREST)
    return out.astype(bool)


def _updown_asymmetry(ink: NDArray[np.bool_]) -> float:
    """(ink above − ink below the x-height core) / total, over all text lines; > 0 = upright."""
    rows = ink.sum(axis=1).astype(np.float64)
    if rows.max() <= 0:
        return 0.0
    present = rows > 0.02 * rows.max()
    above_total = below_total = 0.0
    y, n = 0, rows.size
    while y < n:
        if not present[y]:
            y += 1
            continue
        start = y
        while y < n and present[y]:
            y += 1
        band = rows[start:y]
        if band.size < 4:  # rules and specks carry no up/down information
            continue
        core = np.nonzero(band >= 0.5 * band.max())[0]
        above_total += float(band[: core[0]].sum())
        below_total += float(band[core[-1] + 1 :].sum())
    total = above_total + below_total
    return 0.0 if total == 0 else (above_total - below_total) / total
