"""In-process carriers of page images and OCR output."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


def _identity() -> NDArray[np.float64]:
    return np.eye(3)


@dataclass(frozen=True, slots=True, eq=False)
class Page:
    """A page image and how to map it back to the upload.

    Attributes:
        index: position of the page in the dossier (0-based).
        source: file name, with ``#n`` (1-based) for pages of multi-page files.
        image: H×W×3 uint8 RGB, origin top-left, read-only.
        dpi: resolution of ``image``.
        to_source: 3×3 affine mapping homogeneous (x, y, 1) pixel coordinates of ``image`` to
            pixel coordinates of the page as uploaded.
        source_size: (width, height) of the page as uploaded.
        dpi_known: False while ``dpi`` is a placeholder (an image without resolution
            metadata and not shaped like A4).
    """

    index: int
    source: str
    image: NDArray[np.uint8]
    dpi: float
    source_size: tuple[int, int]
    to_source: NDArray[np.float64] = field(default_factory=_identity)
    dpi_known: bool = True

    def __post_init__(self) -> None:
        self.image.setflags(write=False)  # stages must return new arrays

    def transformed(self, image: NDArray[np.uint8], forward: NDArray[np.float64]) -> Page:
        """Return the page with ``image``, produced from this page's image by ``forward``.

        Args:
            image: the new H×W×3 uint8 RGB image.
            forward: 3×3 matrix mapping coordinates of the current image to ``image``.
        """
        return replace(self, image=image, to_source=self.to_source @ np.linalg.inv(forward))


class Orientation(NamedTuple):
    """Clockwise turn (0, 90, 180, 270) that makes a page upright, and a confidence in [0, 1]."""

    angle_deg: int
    confidence: float


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word: NFC text, confidence in [0, 1], bbox (x0, y0, x1, y1) in pixels."""

    text: str
    confidence: float
    bbox: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class TextLine:
    """One recognised line.

    Attributes:
        text: NFC text; its words joined by single spaces.
        confidence: in [0, 1] (the least confident word).
        bbox: (x0, y0, x1, y1) in pixels of the image given to the engine.
        words: the words of ``text``, in order (empty for engines without word boxes).
    """

    text: str
    confidence: float
    bbox: tuple[int, int, int, int]
    words: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class PageText:
    """What an engine read on one image.

    Attributes:
        lines: lines in reading order.
        text_layer_pdf: a one-page PDF with the invisible text layer sized like the image at
            its dpi, or None when the engine cannot render one.
        text_layers: instead of one page-sized layer, one-page layer PDFs each with the box
            (image pixels) it covers (an engine that reads line by line).
    """

    lines: tuple[TextLine, ...]
    text_layer_pdf: bytes | None = None
    text_layers: tuple[tuple[bytes, tuple[int, int, int, int]], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)
