"""Searchable PDF: page images (img2pdf, no re-encoding beyond one JPEG) under Tesseract's
invisible text layer (pikepdf overlay), concatenated with pikepdf."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pikepdf
from numpy.typing import NDArray


def encode_page_jpeg(image: NDArray[np.uint8], *, quality: int) -> bytes:
    """JPEG bytes of an H×W×3 RGB page; grayscale JPEG when the page has no colour."""
    sample = image[::8, ::8].astype(np.int16)
    colourless = int(np.abs(sample - sample.mean(axis=2, keepdims=True)).max()) <= 12
    if colourless:
        data = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    else:
        data = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", data, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV cannot fail on a valid uint8 array
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def make_page_pdf(
    jpeg: bytes,
    *,
    dpi: float,
    layers: Sequence[tuple[bytes | None, tuple[int, int, int, int] | None]] = (),
) -> bytes:
    """One PDF page showing ``jpeg`` at ``dpi`` with text layers drawn over it.

    Args:
        jpeg: the page image.
        dpi: its resolution (sets the page size).
        layers: one-page text-layer PDFs, each with the box (x0, y0, x1, y1, image pixels) it
            covers, or None for the whole page.
    """
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    image_pdf = img2pdf.convert(jpeg, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)
    with pikepdf.open(io.BytesIO(image_pdf)) as pdf:
        page = pdf.pages[0]
        height_pt = float(page.mediabox[3])
        for layer_pdf, box in layers:
            if layer_pdf is None:
                continue
            rect = None
            if box is not None:  # image pixels, origin top-left -> PDF points, origin bottom-left
                x0, y0, x1, y1 = (v * 72.0 / dpi for v in box)
                rect = pikepdf.Rectangle(x0, height_pt - y1, x1, height_pt - y0)
            with pikepdf.open(io.BytesIO(layer_pdf)) as layer:
                page.add_overlay(layer.pages[0], rect)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def assemble(page_pdfs: Iterable[Path], target: Path) -> None:
    """Concatenate one-page PDFs, in order, into ``target``."""
    with pikepdf.new() as merged:
        opened = []
        try:
            for path in page_pdfs:
                src = pikepdf.open(path)
                opened.append(src)
                merged.pages.extend(src.pages)
            merged.docinfo["/Producer"] = "ocr-server"
            merged.save(target)
        finally:
            for src in opened:
                src.close()
