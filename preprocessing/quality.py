"""Scan-quality gate: problems a counter clerk can fix while the citizen is still there.

Each problem has a stable code and a short message in Vietnamese and English.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from preprocessing.binarize import ink_mask

MESSAGES: dict[str, tuple[str, str]] = {
    "blurred": ("Ảnh bị mờ, vui lòng quét lại", "Image is blurred, please rescan"),
    "low_resolution": ("Độ phân giải thấp (dưới 150 dpi), vui lòng quét lại ở 300 dpi",
                       "Resolution is below 150 dpi, please rescan at 300 dpi"),
    "too_dark": ("Ảnh quá tối, vui lòng quét lại với đủ ánh sáng",
                 "Image is too dark, please rescan with more light"),
    "overexposed": ("Ảnh quá sáng, chữ bị mất nét, vui lòng quét lại",
                    "Image is overexposed and the text is faint, please rescan"),
    "glare": ("Thẻ bị lóa sáng, vui lòng chụp lại tránh ánh đèn",
              "Glare on the card, please retake it away from direct light"),
    "cut_off": ("Nội dung bị cắt ở mép giấy, vui lòng đặt lại giấy tờ và quét lại",
                "Content is cut off at an edge, please reposition the document and rescan"),
}

MIN_DPI = 150.0
# Thresholds measured on generated pages (benchmarks/quality.py): clean pages sit far from them.
BLUR_MAX_EDGE_WIDTH_PX = 2.4  # at 150 dpi; sharp print measures 1.8–2.0
MIN_INK_PIXELS = 300
DARK_PAPER_LEVEL = 110
FAINT_INK_CONTRAST = 70
GLARE_SHARE = 0.02
CUT_OFF_EDGE_INK = 0.02


class QualityIssue(NamedTuple):
    code: str
    message_vi: str
    message_en: str


def issue(code: str) -> QualityIssue:
    vi, en = MESSAGES[code]
    return QualityIssue(code, vi, en)


def assess_quality(
    gray: NDArray[np.uint8], *, dpi: float, card: bool = False
) -> list[QualityIssue]:
    """Problems found on one prepared (upright, flattened, cropped) page.

    Args:
        gray: H×W uint8 page.
        dpi: its resolution (after any photo flattening).
        card: the page is an ID card (glare is checked on cards only).
    """
    problems = []
    if dpi < MIN_DPI:
        problems.append(issue("low_resolution"))
    small = _at_dpi(gray, dpi, 150.0)
    ink = ink_mask(small)
    stats = print_stats(small, ink)
    if stats.paper < DARK_PAPER_LEVEL:
        problems.append(issue("too_dark"))
    elif stats.ink_pixels >= MIN_INK_PIXELS:  # a blank page has no print to judge
        if stats.contrast < FAINT_INK_CONTRAST:
            problems.append(issue("overexposed"))
        elif stats.edge_width > BLUR_MAX_EDGE_WIDTH_PX:
            problems.append(issue("blurred"))
    if card and glare_share(small) > GLARE_SHARE:
        problems.append(issue("glare"))
    if not card and edge_ink_share(ink) > CUT_OFF_EDGE_INK:
        problems.append(issue("cut_off"))
    return problems


class PrintStats(NamedTuple):
    """Paper and ink levels, their contrast, and how wide the ink's edges are (pixels)."""

    paper: float
    contrast: float
    edge_width: float
    ink_pixels: int


def print_stats(gray: NDArray[np.uint8], ink: NDArray[np.bool_] | None = None) -> PrintStats:
    """Measured on the print itself: a form is mostly blank paper, so whole-page percentiles
    would say little about the text.

    The edge width is the ink/paper contrast divided by the steepest gradients at the ink's
    boundaries: about 1–1.5 px for sharp print at 150 dpi, more when blurred.
    """
    ink = ink_mask(gray) if ink is None else ink
    n_ink = int(ink.sum())
    near = cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    background = gray[::3, ::3][~near[::3, ::3]]  # a ninth of the paper tells its level
    paper = float(np.median(background)) if background.size else float(np.median(gray))
    if n_ink < MIN_INK_PIXELS:
        return PrintStats(paper, 0.0, 0.0, n_ink)
    contrast = paper - _quantile(gray[ink], 0.20)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8)
    magnitude = cv2.magnitude(gx, gy)[near]
    steep = magnitude[magnitude >= _quantile(magnitude, 0.90)]
    edge = contrast / max(1e-3, _quantile(steep, 0.5))
    return PrintStats(paper, contrast, edge, n_ink)


def _at_dpi(gray: NDArray[np.uint8], dpi: float, target: float) -> NDArray[np.uint8]:
    factor = target / dpi
    if factor >= 1.0:
        return gray
    h, w = gray.shape
    return cv2.resize(gray, (max(1, round(w * factor)), max(1, round(h * factor))),
                      interpolation=cv2.INTER_AREA)


def glare_share(gray: NDArray[np.uint8]) -> float:
    """Share of the card covered by saturated blobs larger than a character."""
    saturated = (gray >= 250).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(saturated)
    big = sum(int(a) for a in stats[1:count, cv2.CC_STAT_AREA] if a > 400)
    return big / float(gray.size)


def _quantile(values: NDArray[np.generic], q: float) -> float:
    """A quantile by partial sort (np.percentile sorts more than it needs to)."""
    k = min(values.size - 1, int(q * (values.size - 1)))
    return float(np.partition(values.ravel(), k)[k])


def edge_ink_share(ink: NDArray[np.bool_]) -> float:
    """Print density in the outermost 1 % strip of the page (text running off an edge).

    Long straight runs along a strip are a scanner's or copier's edge line, not print, and
    are left out.

    Args:
        ink: H×W bool ink mask of the page (``ink_mask``).
    """
    h, w = ink.shape
    band = max(2, round(0.01 * min(h, w)))
    run = max(12, round(0.025 * min(h, w)))  # longer than a word's letters run together
    along = cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1))
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (1, run))
    shares = []
    for strip, kernel in ((ink[:band], along), (ink[-band:], along),
                          (ink[:, :band], across), (ink[:, -band:], across)):
        strip8 = strip.astype(np.uint8)
        lines = cv2.morphologyEx(strip8, cv2.MORPH_OPEN, kernel)
        shares.append(float((strip8 & ~lines.astype(bool)).mean()))
    return max(shares)
