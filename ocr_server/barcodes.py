"""QR codes on a page (the chip ID card's QR), decoded with OpenCV."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from templates.text import nfc


def decode_qr_codes(image: NDArray[np.uint8]) -> list[str]:
    """Payloads of the QR codes found on an H×W×3 RGB image (NFC text), possibly none."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    detector = cv2.QRCodeDetector()
    try:
        ok, payloads, _, _ = detector.detectAndDecodeMulti(gray)
    except cv2.error:
        return []
    if not ok:
        return []
    return [nfc(p) for p in payloads if p]
