"""The interface every OCR engine implements."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from ocr_server.types import Orientation, PageText, TextLine


class OcrEngine(Protocol):
    """An OCR engine, loaded once per process and used for many pages.

    Engines run single-threaded; parallelism comes from running several processes.
    """

    name: str

    def recognize(self, image: NDArray[np.uint8], *, dpi: float) -> PageText:
        """Read an upright page.

        Args:
            image: H×W uint8 grayscale (or H×W×3 RGB), origin top-left.
            dpi: resolution of ``image``; sizes the text-layer PDF page.

        Returns:
            Lines in reading order with bboxes in ``image`` pixels, and a text-layer PDF.
        """
        ...

    def recognize_line(self, image: NDArray[np.uint8], *, charset: str | None = None,
                       language: str | None = None) -> TextLine:
        """Read one line of text filling ``image`` (a crop), optionally limited to ``charset``.

        Used for regions a template knows, such as the machine-readable zone of an ID card.
        """
        ...

    def detect_orientation(self, image: NDArray[np.uint8]) -> Orientation:
        """Clockwise rotation (0/90/180/270) that makes ``image`` upright, with a confidence."""
        ...
