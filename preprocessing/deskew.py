"""Small-angle skew estimation by projection-profile sharpness."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from preprocessing.binarize import ink_mask

_MAX_POINTS = 60_000  # a random sample this large finds the angle as well as all ink


class SkewEstimate(NamedTuple):
    """Counter-clockwise angle of the text lines and how sharp their profile is at that angle."""

    angle_deg: float
    sharpness: float


def search_skew(
    ink: NDArray[np.bool_],
    *,
    max_angle_deg: float = 30.0,
    coarse_step_deg: float = 1.0,
    fine_step_deg: float = 0.05,
    coarse_points: int = 20_000,
) -> SkewEstimate:
    """Find the angle at which ink projects onto the fewest, densest rows.

    A text line rotated counter-clockwise by ``a`` satisfies ``y + x·tan(a) = const`` (y down), so
    the histogram of that quantity over ink pixels is sharpest at the true angle.

    Args:
        ink: H×W bool, True for ink pixels.
        max_angle_deg: search range is ±this.
        coarse_step_deg: step of the first pass.
        fine_step_deg: step of the refinement around the best coarse angle.
        coarse_points: ink pixels sampled for the first pass (the refinement uses more).

    Returns:
        The angle (positive = lines rise to the right, i.e. the page was rotated
        counter-clockwise) and a sharpness score comparable between images with the same ink.
    """
    ys, xs = np.nonzero(ink)
    if xs.size < 50:
        return SkewEstimate(0.0, 0.0)
    pick = np.random.default_rng(0).permutation(xs.size)[:_MAX_POINTS]
    xs, ys = xs[pick], ys[pick]
    xs_f = xs.astype(np.float64) - xs.mean()
    ys_f = ys.astype(np.float64)
    offset = ink.shape[1] + 1.0

    def sharpness(angle_deg: float, n: int | None = None) -> float:
        x, y = (xs_f, ys_f) if n is None else (xs_f[:n], ys_f[:n])
        proj = y + x * math.tan(math.radians(angle_deg)) + offset
        hist = np.bincount(proj.astype(np.int64))
        return float(np.dot(hist, hist)) / float(x.size) ** 2

    # the sample is already in random order, so a prefix is a smaller random sample
    coarse = np.arange(-max_angle_deg, max_angle_deg + 1e-9, coarse_step_deg)
    scores = [sharpness(a, coarse_points) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - coarse_step_deg, best + coarse_step_deg + 1e-9, fine_step_deg)
    fine_scores = [sharpness(a) for a in fine]
    i = int(np.argmax(fine_scores))
    return SkewEstimate(float(fine[i]), fine_scores[i])


def estimate_skew(gray: NDArray[np.uint8], *, max_angle_deg: float = 30.0) -> float:
    """Counter-clockwise skew of the text lines of ``gray`` (H×W uint8), in degrees."""
    return search_skew(ink_mask(gray), max_angle_deg=max_angle_deg).angle_deg
