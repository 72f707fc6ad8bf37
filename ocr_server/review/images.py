"""Images for reviewers: a field's crop and a page preview, cut from the page as uploaded
(field boxes are in those pixels, see RESULT_CONTRACT.md)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr_server.loading import PageRef, load_page

PREVIEW_LONG_SIDE = 1400
_CACHE_PAGES = 4
_cache: OrderedDict[tuple[str, int], NDArray[np.uint8]] = OrderedDict()
_lock = threading.Lock()


def page_pixels(ref: PageRef, *, pdf_dpi: int) -> NDArray[np.uint8]:
    """The decoded page (RGB), kept for the few pages a reviewer is looking at."""
    key = (str(ref.path), ref.frame)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    image = load_page(ref, index=0, pdf_dpi=pdf_dpi).image
    with _lock:
        _cache[key] = image
        while len(_cache) > _CACHE_PAGES:
            _cache.popitem(last=False)
    return image


def crop_with_margin(image: NDArray[np.uint8], bbox: tuple[int, int, int, int],
                     ) -> NDArray[np.uint8]:
    """The box plus a margin of half its height (at least 12 px) on every side, clipped."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = bbox
    m = max(12, (y1 - y0) // 2)
    x0, y0 = max(0, min(w - 1, x0 - m)), max(0, min(h - 1, y0 - m))
    x1, y1 = max(x0 + 1, min(w, x1 + m)), max(y0 + 1, min(h, y1 + m))
    return image[y0:y1, x0:x1]


def encode(image: NDArray[np.uint8], *, fmt: str = ".png", max_long_side: int | None = None,
           quality: int = 85) -> bytes:
    if max_long_side and max(image.shape[:2]) > max_long_side:
        scale = max_long_side / max(image.shape[:2])
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if fmt == ".jpg" else \
        [cv2.IMWRITE_PNG_COMPRESSION, 1]
    ok, buf = cv2.imencode(fmt, bgr, params)
    if not ok:
        raise ValueError("image could not be encoded")
    return buf.tobytes()
