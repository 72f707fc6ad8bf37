"""Small-angle skew estimation by projection-profile sharpness."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from preprocessing.binarize import ink_mask

_MAX_POINTS = 150_000


class SkewEstimate(NamedTuple):
    """Counter-clockwise angle of the text lines and how sharp their profile is at that angle."""

    angle_deg: float
    sharpness: float


def search_skew(
    ink: NDArray[np.bool_],
    *,
    max_angle_deg: float = 15.0,
    coarse_step_deg: float = 0.5,
    fine_step_deg: float = 0.05,
) -> SkewEstimate:
    """Find the angle at which ink projects onto the fewest, densest rows.

    A text line rotated counter-clockwise by ``a`` satisfies ``y + x·tan(a) = const`` (y down), so
    the histogram of that quantity over ink pixels is sharpest at the true angle.

    Args:
        ink: H×W bool, True for ink pixels.
        max_angle_deg: search range is ±this.
        coarse_step_deg: step of the first pass.
        fine_step_deg: step of the refinement around the best coarse angle.

    Returns:
        The angle (positive = lines rise to the right, i.e. the page was rotated
        counter-clockwise) and a sharpness score comparable between images with the same ink.
    """
    ys, xs = np.nonzero(ink)
    if xs.size < 50:
        return SkewEstimate(0.0, 0.0)
    if xs.size > _MAX_POINTS:
        pick = np.random.default_rng(0).choice(xs.size, _MAX_POINTS, replace=False)
        xs, ys = xs[pick], ys[pick]
    xs_f = xs.astype(np.float64) - xs.mean()
    ys_f = ys.astype(np.float64)
    offset = ink.shape[1] + 1.0

    def sharpness(angle_deg: float) -> float:
        proj = ys_f + xs_f * math.tan(math.radians(angle_deg)) + offset
        hist = np.bincount(proj.astype(np.int64))
        return float(np.dot(hist, hist)) / float(xs_f.size) ** 2

    coarse = np.arange(-max_angle_deg, max_angle_deg + 1e-9, coarse_step_deg)
    scores = [sharpness(a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - coarse_step_deg, best + coarse_step_deg + 1e-9, fine_step_deg)
    fine_scores = [sharpness(a) for a in fine]
    i = int(np.argmax(fine_scores))
    return SkewEstimate(float(fine[i]), fine_scores[i])


def estimate_skew(gray: NDArray[np.uint8], *, max_angle_deg: float = 15.0) -> float:
    """Counter-clockwise skew of the text lines of ``gray`` (H×W uint8), in degrees."""
    return search_skew(ink_mask(gray), max_angle_deg=max_angle_deg).angle_deg
