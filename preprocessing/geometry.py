"""Geometric operations that return the 3×3 transform they applied.

Coordinates are pixels, origin top-left, x to the right, y down. Every function returns
``(new_image, forward)`` where ``forward`` maps homogeneous (x, y, 1) coordinates of the input
to the output. Inputs are never modified.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float64]
BBox = tuple[int, int, int, int]


def rotate90(image: NDArray[np.uint8], angle_cw_deg: int) -> tuple[NDArray[np.uint8], Matrix]:
    """Rotate clockwise by a multiple of 90° (exact, no resampling).

    Args:
        image: H×W or H×W×C uint8 array.
        angle_cw_deg: 0, 90, 180 or 270.
    """
    if angle_cw_deg not in (0, 90, 180, 270):
        raise ValueError(f"angle must be 0, 90, 180 or 270, not {angle_cw_deg}")
    h, w = image.shape[:2]
    turns = angle_cw_deg // 90
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    rotated = cv2.rotate(image, codes[turns]) if turns else image.copy()
    forward = {
        0: np.eye(3),
        1: np.array([[0.0, -1.0, h - 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
        2: np.array([[-1.0, 0.0, w - 1.0], [0.0, -1.0, h - 1.0], [0.0, 0.0, 1.0]]),
        3: np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w - 1.0], [0.0, 0.0, 1.0]]),
    }[turns]
    return rotated, forward


def rotate(
    image: NDArray[np.uint8], angle_ccw_deg: float, *, fill: int | tuple[int, ...] = 255
) -> tuple[NDArray[np.uint8], Matrix]:
    """Rotate counter-clockwise (as seen on screen) about the centre, growing the canvas.

    Args:
        image: H×W or H×W×C uint8 array.
        angle_ccw_deg: rotation angle; negative turns clockwise.
        fill: value for the corners uncovered by the rotation.
    """
    h, w = image.shape[:2]
    rad = math.radians(angle_ccw_deg)
    cos, sin = abs(math.cos(rad)), abs(math.sin(rad))
    new_w = int(math.ceil(w * cos + h * sin))
    new_h = int(math.ceil(w * sin + h * cos))
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle_ccw_deg, 1.0)
    m[0, 2] += (new_w - w) / 2.0
    m[1, 2] += (new_h - h) / 2.0
    channels = image.shape[2] if image.ndim == 3 else 1
    border = fill if isinstance(fill, tuple) else (fill,) * channels
    rotated = cv2.warpAffine(
        image, m, (new_w, new_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )
    return rotated, np.vstack([m, [0.0, 0.0, 1.0]])


def crop(image: NDArray[np.uint8], box: BBox) -> tuple[NDArray[np.uint8], Matrix]:
    """Cut ``box`` = (x0, y0, x1, y1), end-exclusive and clipped to the image."""
    h, w = image.shape[:2]
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"empty crop box {box} for image {w}x{h}")
    forward = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
    return image[y0:y1, x0:x1].copy(), forward


def scale(image: NDArray[np.uint8], factor: float) -> tuple[NDArray[np.uint8], Matrix]:
    """Resize by ``factor`` (area averaging when shrinking)."""
    if factor == 1.0:
        return image.copy(), np.eye(3)
    h, w = image.shape[:2]
    new_w, new_h = max(1, round(w * factor)), max(1, round(h * factor))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(image, (new_w, new_h), interpolation=interp)
    forward = np.diag([new_w / w, new_h / h, 1.0])
    return resized, forward


def map_bbox(matrix: Matrix, bbox: BBox, size: tuple[int, int]) -> BBox:
    """Map an axis-aligned box through ``matrix`` (affine or perspective) and clip it to
    ``size`` = (width, height).

    The result is the axis-aligned hull of the four mapped corners.
    """
    x0, y0, x1, y1 = bbox
    corners = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x0, y1, 1.0], [x1, y1, 1.0]])
    mapped = corners @ matrix.T
    xs, ys = mapped[:, 0] / mapped[:, 2], mapped[:, 1] / mapped[:, 2]  # homographies too
    w, h = size
    return (
        int(np.clip(math.floor(xs.min()), 0, w)),
        int(np.clip(math.floor(ys.min()), 0, h)),
        int(np.clip(math.ceil(xs.max()), 0, w)),
        int(np.clip(math.ceil(ys.max()), 0, h)),
    )
