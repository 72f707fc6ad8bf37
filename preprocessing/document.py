"""Find a photographed page or card on its background and warp it flat.

A phone photo shows the paper as a bright convex quadrilateral on a darker desk. We find that
quadrilateral on a small copy, decide from its proportions whether it is an A4 page or an ID
card, and warp it to a rectangle of that format's aspect ratio at a known resolution.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

from preprocessing.geometry import Matrix

A4_MM = (210.0, 297.0)
CARD_MM = (54.0, 85.6)  # (short, long) side
_CARD_ASPECT, _A4_ASPECT = CARD_MM[1] / CARD_MM[0], A4_MM[1] / A4_MM[0]
_ANALYSIS_LONG_SIDE = 800
_MIN_AREA, _MAX_AREA = 0.15, 0.93  # share of the photo the document may cover
CARD_TEXT_SHARE = 0.022  # median character height / short side above which it is a card
EDGE_STEP = 20.0  # gray levels between paper and desk just inside/outside a side


class DocumentQuad(NamedTuple):
    """Corners (top-left, top-right, bottom-right, bottom-left) in input pixels, and format."""

    corners: NDArray[np.float64]
    format: str  # "a4" or "id_card"


def find_document(gray: NDArray[np.uint8]) -> DocumentQuad | None:
    """The document's quadrilateral on a photo, or None for a scan (the page fills the frame).

    Args:
        gray: H×W uint8 photo or scan.
    """
    h, w = gray.shape
    factor = min(1.0, _ANALYSIS_LONG_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)  # fill the text in
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    area_share = cv2.contourArea(contour) / float(small.shape[0] * small.shape[1])
    if not _MIN_AREA <= area_share <= _MAX_AREA:
        return None
    quad = _four_corners(contour)
    if quad is None or not _has_edges(blurred, _order(quad)):
        return None
    corners = _order(quad / factor)
    return DocumentQuad(corners, _format_of(corners, small, factor))


def _has_edges(gray: NDArray[np.uint8], corners: NDArray[np.float64]) -> bool:
    """Paper on a desk has a sharp step in brightness along its sides; the bright part of an
    unevenly lit page only fades into its shadow."""
    h, w = gray.shape
    steps = []
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        direction = (b - a) / max(1e-6, float(np.linalg.norm(b - a)))
        normal = np.array([direction[1], -direction[0]])  # points out of a clockwise quad
        ts = np.linspace(0.15, 0.85, 24)[:, None]
        along = a + ts * (b - a)
        inside = np.clip(np.rint(along - 4 * normal), 0, [w - 1, h - 1]).astype(int)
        outside = np.clip(np.rint(along + 4 * normal), 0, [w - 1, h - 1]).astype(int)
        step = np.median(gray[inside[:, 1], inside[:, 0]].astype(float)
                         - gray[outside[:, 1], outside[:, 0]].astype(float))
        steps.append(float(step))
    return sorted(steps)[1] >= EDGE_STEP  # one side may run along the photo's own edge


def _four_corners(contour: NDArray[np.int32]) -> NDArray[np.float64] | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float64)
    return None


def _order(pts: NDArray[np.float64]) -> NDArray[np.float64]:
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def _sides(corners: NDArray[np.float64]) -> tuple[float, float]:
    tl, tr, br, bl = corners
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)


def _format_of(corners: NDArray[np.float64], small: NDArray[np.uint8], factor: float) -> str:
    """Card or A4 from the size of the print relative to the document: a card's characters are
    about 2.7 % of its short side, an A4 form's under 2 %. Perspective distorts proportions
    (1.59 for a card, 1.41 for A4) too much to rely on, so they only decide for blank papers."""
    relative = _relative_text_height(corners * factor, small)
    if relative > 0:
        return "id_card" if relative > CARD_TEXT_SHARE else "a4"
    width, height = _sides(corners)
    aspect = max(width, height) / max(1.0, min(width, height))
    return "id_card" if aspect > (_CARD_ASPECT + _A4_ASPECT) / 2 else "a4"


def format_from_print(small: NDArray[np.uint8]) -> str:
    """``id_card`` or ``a4`` for an image filled by one document of unknown resolution.

    A card fills a landscape frame of about its 1.59 proportions with large print; anything
    else (a close-up of part of a letter has large print too) is taken for a page.
    """
    h, w = small.shape
    if not 1.45 <= w / max(1, h) <= 1.75:
        return "a4"
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    return "id_card" if _relative_text_height(corners, small) > CARD_TEXT_SHARE else "a4"


def dpi_of_format(size_px: tuple[int, int], fmt: str) -> float:
    """The resolution at which an image of ``size_px`` = (w, h) shows a card or an A4 page."""
    short_mm = CARD_MM[0] if fmt == "id_card" else A4_MM[0]
    return min(size_px) / (short_mm / 25.4)


def _relative_text_height(corners: NDArray[np.float64], small: NDArray[np.uint8]) -> float:
    from preprocessing.binarize import ink_mask

    width, height = _sides(corners)
    scale = 400.0 / max(1.0, min(width, height))
    out_w, out_h = max(1, round(width * scale)), max(1, round(height * scale))
    dst = np.float32([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]])
    hmat = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    flat = cv2.warpPerspective(small, hmat, (out_w, out_h), borderMode=cv2.BORDER_REPLICATE)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink_mask(flat).astype(np.uint8))
    heights = [h for _, _, w, h, area in stats[1:count] if 3 <= h <= 60 and w < 3 * h and area > 4]
    if not heights:
        return 0.0
    return float(np.median(heights)) / min(out_w, out_h)


def warp_document(
    image: NDArray[np.uint8], quad: DocumentQuad, *, max_dpi: float = 400.0
) -> tuple[NDArray[np.uint8], Matrix, float]:
    """Warp the quadrilateral to a flat rectangle of its format.

    Args:
        image: H×W or H×W×C uint8 photo.
        quad: from ``find_document``.
        max_dpi: cap on the output resolution.

    Returns:
        (flat image, 3×3 homography input -> output, dpi of the output).
    """
    width_px, height_px = _sides(quad.corners)
    short_mm, long_mm = CARD_MM if quad.format == "id_card" else A4_MM
    landscape = width_px >= height_px
    w_mm, h_mm = (long_mm, short_mm) if landscape else (short_mm, long_mm)
    dpi = min(max_dpi, max(width_px / (w_mm / 25.4), height_px / (h_mm / 25.4)))
    out_w, out_h = math.ceil(w_mm / 25.4 * dpi), math.ceil(h_mm / 25.4 * dpi)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float64)
    hmat = cv2.getPerspectiveTransform(quad.corners.astype(np.float32), dst.astype(np.float32))
    flat = cv2.warpPerspective(image, hmat, (out_w, out_h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    return flat, hmat.astype(np.float64), dpi
