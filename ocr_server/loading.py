"""Check uploaded files and load their pages one at a time.

Files are identified by content, never by name. ``inspect_file`` reads only headers (and a PDF's
object table), so an oversized or hostile file is refused before anything large is allocated;
``load_page`` decodes exactly one page.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pikepdf
from numpy.typing import NDArray
from pdf2image import convert_from_path
from pdf2image.exceptions import PDFPageCountError, PDFSyntaxError
from PIL import Image, ImageOps, UnidentifiedImageError

from ocr_server.errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    UnreadableImageError,
    UnsupportedTypeError,
)
from ocr_server.types import Page

# We enforce our own pixel cap before decoding; Pillow's warning/limit would fire after opening.
Image.MAX_IMAGE_PIXELS = None

FileKind = Literal["jpeg", "png", "tiff", "pdf"]

_MIN_PLAUSIBLE_DPI = 50.0
_MAX_PLAUSIBLE_DPI = 2400.0
_A4_LONG_SIDE_IN = 297 / 25.4
_DEFAULT_DPI = 300.0


@dataclass(frozen=True, slots=True)
class PageRef:
    """Where one page of a dossier comes from.

    Attributes:
        path: file on disk.
        name: file name as given by the user.
        kind: content type, sniffed.
        frame: 0-based page/frame number inside the file.
        frames: number of pages in the file.
    """

    path: Path
    name: str
    kind: FileKind
    frame: int
    frames: int

    @property
    def source(self) -> str:
        return self.name if self.frames == 1 else f"{self.name}#{self.frame + 1}"


def sniff_kind(head: bytes) -> FileKind | None:
    """Identify a supported file type from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def inspect_file(path: Path, *, name: str, max_pixels: int, pdf_dpi: int) -> list[PageRef]:
    """Validate a file without decoding its pixels and list its pages.

    Args:
        path: the file.
        name: the name reported in errors and in ``pages[].source``.
        max_pixels: largest page accepted, in pixels (PDF pages at ``pdf_dpi``).
        pdf_dpi: rasterization resolution for PDF pages.

    Raises:
        InputError: a subclass naming the file and what is wrong with it.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise UnreadableImageError(f"{name}: cannot read file ({exc.strerror})") from exc
    if not head:
        raise EmptyFileError(f"{name}: file is empty")
    kind = sniff_kind(head)
    if kind is None:
        raise UnsupportedTypeError(f"{name}: not a JPEG, PNG, TIFF or PDF file")
    if kind == "pdf":
        sizes = _pdf_page_sizes(path, name, pdf_dpi)
    else:
        sizes = _image_frame_sizes(path, name)
    for i, (w, h) in enumerate(sizes):
        if w * h > max_pixels:
            where = name if len(sizes) == 1 else f"{name} page {i + 1}"
            raise ImageTooLargeError(
                f"{where}: {w}x{h} pixels is over the limit of {max_pixels // 1_000_000} Mpixel"
            )
    return [PageRef(path, name, kind, i, len(sizes)) for i in range(len(sizes))]


# What Pillow and pikepdf raise on damaged bytes besides their own errors (found by fuzzing:
# a TIFF without dimensions raises TypeError); any of them means "this file is unreadable".
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, KeyError,
                 ZeroDivisionError, AttributeError, struct.error)


def _image_frame_sizes(path: Path, name: str) -> list[tuple[int, int]]:
    try:
        with Image.open(path) as img:
            sizes = []
            for i in range(getattr(img, "n_frames", 1)):
                img.seek(i)
                sizes.append(img.size)
            return sizes
    except (UnidentifiedImageError, *DECODE_ERRORS) as exc:
        raise UnreadableImageError(f"{name}: not a readable image ({exc})") from exc


def _pdf_page_sizes(path: Path, name: str, dpi: int) -> list[tuple[int, int]]:
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted and not pdf.allow.extract:
                raise EncryptedPdfError(f"{name}: PDF is encrypted")
            sizes = []
            for page in pdf.pages:
                box = page.cropbox
                w_pt, h_pt = abs(float(box[2] - box[0])), abs(float(box[3] - box[1]))
                sizes.append((round(w_pt * dpi / 72), round(h_pt * dpi / 72)))
    except pikepdf.PasswordError as exc:
        raise EncryptedPdfError(f"{name}: PDF is encrypted with a password") from exc
    except (pikepdf.PdfError, *DECODE_ERRORS) as exc:
        raise CorruptPdfError(f"{name}: PDF is damaged ({_first_line(exc)})") from exc
    if not sizes:
        raise CorruptPdfError(f"{name}: PDF has no pages")
    return sizes


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def load_page(ref: PageRef, *, index: int, pdf_dpi: int) -> Page:
    """Decode one page into an upright-as-uploaded RGB page.

    EXIF orientation is applied, so "as uploaded" means as a viewer shows the file.

    Raises:
        UnreadableImageError: the pixels cannot be decoded (truncated or damaged file).
    """
    if ref.kind == "pdf":
        rgb, dpi, known = _rgb(_rasterize_pdf_page(ref, pdf_dpi)), float(pdf_dpi), True
    else:
        rgb, (dpi, known) = _decode_image_frame(ref)
    h, w = rgb.shape[:2]
    return Page(index=index, source=ref.source, image=rgb, dpi=dpi, source_size=(w, h),
                dpi_known=known)


def _rgb(img: Image.Image) -> NDArray[np.uint8]:
    """A new H×W×3 array (converting only when the image is not RGB already)."""
    return np.asarray(img if img.mode == "RGB" else img.convert("RGB"))


def _decode_image_frame(ref: PageRef) -> tuple[NDArray[np.uint8], tuple[float, bool]]:
    try:
        with Image.open(ref.path) as img, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first_dpi = img.info.get("dpi")  # later TIFF frames often carry none of their own
            img.seek(ref.frame)
            img.load()
            dpi = _plausible_dpi(img.info.get("dpi") or first_dpi, img.size)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                img = img.point(lambda v: v / 256).convert("L")
            if img.getexif().get(_EXIF_ORIENTATION, 1) != 1:
                img = ImageOps.exif_transpose(img)
            return _rgb(img), dpi  # an array of its own: the image is closed on return
    except DECODE_ERRORS as exc:
        raise UnreadableImageError(f"{ref.source}: image data is damaged ({exc})") from exc


_EXIF_ORIENTATION = 0x0112


def _plausible_dpi(dpi: object, size: tuple[int, int]) -> tuple[float, bool]:
    """(resolution, whether it is known): from the file, or an A4 page's proportions; else a
    placeholder that the pipeline replaces once it has seen the print."""
    if isinstance(dpi, tuple) and dpi:
        try:
            value = float(dpi[0])  # TIFF gives IFDRational
        except (TypeError, ValueError, ZeroDivisionError):
            value = 0.0
        if _MIN_PLAUSIBLE_DPI <= value <= _MAX_PLAUSIBLE_DPI:
            return value, True
    long_side, short_side = max(size), min(size)
    if short_side and abs(long_side / short_side - 2**0.5) < 0.05:
        guess = long_side / _A4_LONG_SIDE_IN  # an A4 page without metadata
        if _MIN_PLAUSIBLE_DPI <= guess <= _MAX_PLAUSIBLE_DPI:
            return guess, True
    return _DEFAULT_DPI, False


def _rasterize_pdf_page(ref: PageRef, dpi: int) -> Image.Image:
    try:
        images = convert_from_path(
            ref.path, dpi=dpi, first_page=ref.frame + 1, last_page=ref.frame + 1
        )
    except (PDFPageCountError, PDFSyntaxError, OSError) as exc:
        raise UnreadableImageError(f"{ref.source}: PDF page cannot be rendered") from exc
    if not images:
        raise UnreadableImageError(f"{ref.source}: PDF page cannot be rendered")
    return images[0]


def render_page_png(ref: PageRef, *, pdf_dpi: int) -> bytes:
    """One page of a file as PNG bytes, as uploaded (for multi-page TIFF and PDF)."""
    import io

    page = load_page(ref, index=0, pdf_dpi=pdf_dpi)
    buf = io.BytesIO()
    Image.fromarray(page.image).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
