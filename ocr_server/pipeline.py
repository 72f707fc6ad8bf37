"""The digitization pipeline: the only place that decides which stages run.

The CLI, the workers and the benchmarks all go through ``inspect_inputs``, ``process_page``
and ``finish_dossier`` (``process_dossier`` chains them for one machine).
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ocr_server import pdf
from ocr_server.barcodes import decode_qr_codes
from ocr_server.config import PipelineSettings
from ocr_server.engines.base import OcrEngine
from ocr_server.engines.factory import process_engine
from ocr_server.loading import PageRef, inspect_file, load_page
from ocr_server.procedures import check_procedure, missing_documents
from ocr_server.result import (
    DossierResult,
    LineResult,
    PageResult,
    Quality,
    QualityProblem,
    WordResult,
)
from ocr_server.types import Orientation, Page, PageText, TextLine, Word
from preprocessing.binarize import downscale_for_analysis, paper_level, to_gray
from preprocessing.cards import find_cards
from preprocessing.cleanup import UNEVEN_LEVELS, flatten_background, paper_unevenness
from preprocessing.crop import find_content_box
from preprocessing.deskew import estimate_skew
from preprocessing.document import (
    dpi_of_format,
    find_document,
    format_from_print,
    warp_document,
)
from preprocessing.geometry import crop, map_bbox, rotate, rotate90, scale
from preprocessing.orientation import estimate_orientation_and_skew
from preprocessing.quality import assess_quality
from templates.classify import CARD_MAX_LONG_SIDE_MM
from templates.dossier import ReviewPolicy, analyze
from templates.extract import looks_like_mrz
from templates.registry import default_registry

# Below this confidence the geometric orientation estimate is checked with the engine's own.
ORIENTATION_TRUST = 0.5
MRZ_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
MIN_SHEET_DPI = 150
LOW_DPI, LOW_DPI_TARGET = 150, 200
# Smaller skews are left alone: resampling would cost more than it brings.
MIN_SKEW_DEG = 0.1

STAGES = ("decode", "preprocess", "ocr", "extract", "pdf")


@dataclass(frozen=True, slots=True)
class InputFile:
    """One uploaded file: where it is, and the name to report."""

    path: Path
    name: str


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """A processed page: its contract entry, its searchable PDF page, and stage timings."""

    result: PageResult
    pdf_path: Path
    timings_ms: dict[str, float]


@dataclass(frozen=True, slots=True)
class PreparedPage:
    page: Page
    rotation_deg: int
    skew_deg: float


def inspect_inputs(files: Sequence[InputFile], settings: PipelineSettings) -> list[PageRef]:
    """Validate every file (by content) and list the dossier's pages in order.

    Raises:
        InputError: the first bad file, named in the message.
    """
    refs: list[PageRef] = []
    for f in files:
        refs.extend(
            inspect_file(f.path, name=f.name, max_pixels=settings.max_pixels,
                         pdf_dpi=settings.pdf_dpi)
        )
    return refs


def prepare_page(page: Page, engine: OcrEngine,
                 stage_ms: dict[str, float] | None = None) -> PreparedPage:
    """Document flattening (photos), orientation, deskew and border crop, each recorded in
    ``page.to_source``. Analysis runs on one small gray copy, kept in step with the page;
    the full-size image is only resampled for what is actually applied.

    Args:
        page: as loaded.
        engine: asked for the orientation when ours is unsure.
        stage_ms: if given, receives the milliseconds of each stage (for benchmarks).
    """
    stage_ms = stage_ms if stage_ms is not None else {}
    with _timed(stage_ms, "analysis_copy"):
        small, factor = downscale_for_analysis(to_gray(page.image))
    with _timed(stage_ms, "document"):
        quad = find_document(small)
        if quad is not None:
            flat, forward, dpi = warp_document(page.image, quad._replace(
                corners=quad.corners / factor))
            page = replace(page.transformed(flat, forward), dpi=dpi, dpi_known=True)
            small, factor = downscale_for_analysis(to_gray(page.image))
        elif not page.dpi_known:  # e.g. a phone photo filling the frame: size from its print
            fmt = format_from_print(small)
            page = replace(page, dpi=dpi_of_format(page.source_size, fmt), dpi_known=True)
    with _timed(stage_ms, "orientation"):
        ours, skew_deg = estimate_orientation_and_skew(small)
        orientation = ours
        if ours.confidence < ORIENTATION_TRUST:
            orientation = _ask_engine(engine, small, ours)
        if orientation.angle_deg:
            page = page.transformed(*rotate90(page.image, orientation.angle_deg))
            small, _ = rotate90(small, orientation.angle_deg)
    with _timed(stage_ms, "deskew"):
        if orientation.angle_deg % 180 != ours.angle_deg % 180:  # the engine chose the axis
            skew_deg = estimate_skew(small)
        if abs(skew_deg) >= MIN_SKEW_DEG:
            fill = paper_level(small)
            page = page.transformed(*rotate(page.image, -skew_deg, fill=(fill, fill, fill)))
            small, _ = rotate(small, -skew_deg, fill=fill)
        else:
            skew_deg = 0.0
    with _timed(stage_ms, "crop"):
        box = find_content_box(small)
        if box != (0, 0, small.shape[1], small.shape[0]):
            full_box = tuple(int(round(v / factor)) for v in box)
            page = page.transformed(*crop(page.image, full_box))  # type: ignore[arg-type]
    return PreparedPage(page, orientation.angle_deg, round(skew_deg, 2))


@dataclass
class _Reading:
    """What OCR found on a page: lines in upload pixels, text layers to lay over the PDF page
    image (each with its box in that image, None for the whole page), QR payloads, the image
    the PDF shows, and the boxes of cards cut from the page (upload pixels)."""

    lines: list[LineResult]
    layers: list[tuple[bytes | None, tuple[int, int, int, int] | None]]
    codes: list[str]
    image: np.ndarray
    regions: list[tuple[int, int, int, int]]


def _read_page(page: Page, gray: np.ndarray, engine: OcrEngine, settings: PipelineSettings,
               timings: dict[str, float], *, card: bool) -> _Reading:
    with _timed(timings, "preprocess"):
        if paper_unevenness(gray[::8, ::8]) > UNEVEN_LEVELS:
            gray = flatten_background(gray)  # for the engine only; the PDF keeps the photo
        ocr_factor = ocr_scale(page.dpi, settings.card_ocr_max_dpi if card
                               else settings.ocr_max_dpi)
        ocr_image, ocr_forward = scale(gray, ocr_factor)
    with _timed(timings, "ocr"):
        text = engine.recognize(ocr_image, dpi=page.dpi * ocr_factor)
        if card:
            text = _reread_mrz(engine, ocr_image, text)
        codes = decode_qr_codes(page.image) if card else []
    ocr_to_source = page.to_source @ np.linalg.inv(ocr_forward)

    def to_source(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return map_bbox(ocr_to_source, box, page.source_size)

    lines = [
        LineResult(
            text=line.text, confidence=round(line.confidence, 4), bbox=to_source(line.bbox),
            words=[WordResult(text=w.text, confidence=round(w.confidence, 4),
                              bbox=to_source(w.bbox)) for w in line.words],
        )
        for line in text.lines
    ]
    if text.text_layers:  # line by line: boxes in the engine's copy -> the page image
        layers = [(layer, tuple(int(round(v / ocr_factor)) for v in box))
                  for layer, box in text.text_layers]
    else:
        layers = [(text.text_layer_pdf, None)]
    return _Reading(lines, layers, codes, page.image, [])  # type: ignore[arg-type]


def _read_card_sheet(sheet: Page, boxes: list[tuple[int, int, int, int]], engine: OcrEngine,
                     settings: PipelineSettings, timings: dict[str, float]) -> _Reading:
    """Each card cut out, turned upright and read on its own; the PDF page shows the sheet
    with the upright cards in their places and each card's text layer over it."""
    image = sheet.image.copy()
    lines: list[LineResult] = []
    layers: list[tuple[bytes | None, tuple[int, int, int, int] | None]] = []
    codes: list[str] = []
    regions = []
    for box in boxes:
        with _timed(timings, "preprocess"):
            cut = sheet.transformed(*crop(sheet.image, box))
            card = prepare_page(cut, engine).page
        reading = _read_page(card, to_gray(card.image), engine, settings, timings, card=True)
        x0, y0, x1, y1 = box
        image[y0:y1, x0:x1] = cv2.resize(card.image, (x1 - x0, y1 - y0),
                                         interpolation=cv2.INTER_AREA)
        lines += reading.lines
        layers += [(layer, _inside(box, inner, card.image.shape)) for layer, inner in
                   reading.layers]
        codes += reading.codes
        regions.append(map_bbox(sheet.to_source, box, sheet.source_size))
    return _Reading(lines, layers, codes, image, regions)


def _inside(box: tuple[int, int, int, int], inner: tuple[int, int, int, int] | None,
            shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A box of the card image placed in the card's box on the sheet (the whole box: None)."""
    if inner is None:
        return box
    x0, y0, x1, y1 = box
    sx, sy = (x1 - x0) / shape[1], (y1 - y0) / shape[0]
    return (x0 + round(inner[0] * sx), y0 + round(inner[1] * sy),
            x0 + round(inner[2] * sx), y0 + round(inner[3] * sy))


def _reread_mrz(engine: OcrEngine, image: np.ndarray, text: PageText) -> PageText:
    """Read machine-readable-zone lines again, alone and limited to the MRZ alphabet: the
    general Vietnamese model confuses I/T and < in OCR-B-like type."""
    lines = list(text.lines)
    for i, line in enumerate(lines):
        if not looks_like_mrz(line.text):
            continue
        x0, y0, x1, y1 = line.bbox
        pad = max(2, (y1 - y0) // 3)
        crop_img = image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
        reread = engine.recognize_line(crop_img, charset=MRZ_CHARSET, language="eng")
        if looks_like_mrz(reread.text):
            word = Word(reread.text, reread.confidence, line.bbox)
            lines[i] = TextLine(reread.text, reread.confidence, line.bbox, (word,))
    return replace(text, lines=tuple(lines))


def ocr_scale(dpi: float, max_dpi: float) -> float:
    """Factor for the engine's copy: down to ``max_dpi`` for fine scans; up (at most 2×, to
    about 200 dpi) for coarse photos, whose small letters Tesseract reads better enlarged."""
    if dpi > max_dpi:
        return max_dpi / dpi
    if dpi < LOW_DPI:
        return min(2.0, LOW_DPI_TARGET / dpi)
    return 1.0


def _card_sized(page: Page) -> bool:
    """ID cards carry a QR code; looking for one on A4 pages would only cost time."""
    h, w = page.image.shape[:2]
    return max(h, w) / page.dpi * 25.4 <= CARD_MAX_LONG_SIDE_MM


def _ask_engine(engine: OcrEngine, small: np.ndarray, ours: Orientation) -> Orientation:
    """The engine's own orientation detection; if that is unsure too, read the page in each
    quarter turn and keep the reading the engine is surest of."""
    theirs = engine.detect_orientation(small)
    best = theirs if theirs.confidence > ours.confidence else ours
    if best.confidence >= ORIENTATION_TRUST:
        return best
    return _orientation_by_reading(engine, small)


def _orientation_by_reading(engine: OcrEngine, small: np.ndarray) -> Orientation:
    """The quarter turn whose text reads with the most confident words (rare and slow: only
    for pages that neither geometry nor the engine's detector could settle)."""
    scores = {}
    for candidate in (0, 90, 180, 270):
        turned, _ = rotate90(small, candidate)
        h = turned.shape[0]
        band = turned[h // 5: 4 * h // 5]  # the body of the page, not its margins
        words = [w for line in engine.recognize(band, dpi=100).lines for w in line.words
                 if len(w.text) > 1]
        scores[candidate] = sum(w.confidence for w in words)
    first, second = sorted(scores, key=scores.__getitem__, reverse=True)[:2]
    margin = (scores[first] - scores[second]) / max(1e-6, scores[first])
    return Orientation(first, round(min(1.0, margin), 3))


def process_page(
    ref: PageRef,
    index: int,
    *,
    engine: OcrEngine,
    settings: PipelineSettings,
    workdir: Path,
    on_quality: Callable[[Quality], None] | None = None,
) -> PageOutcome:
    """Load, prepare, recognise one page and write its searchable PDF page into ``workdir``.

    ``on_quality`` is told the page's scan quality as soon as it is known, before OCR, so a
    counter can ask for a rescan while the citizen is still there.
    """
    timings: dict[str, float] = {}
    with _timed(timings, "decode"):
        page = load_page(ref, index=index, pdf_dpi=settings.pdf_dpi)
    with _timed(timings, "preprocess"):
        prepared = prepare_page(page, engine)
        page = prepared.page
        card = _card_sized(page)
        gray = to_gray(page.image)
        issues = assess_quality(gray, dpi=page.dpi, card=card)
        quality = Quality(ok=not issues, problems=[QualityProblem(**i._asdict()) for i in issues])
        # cards are cut only from scans fine enough to read them (a photo's guessed dpi is not)
        sheet = not card and page.dpi >= MIN_SHEET_DPI
        card_boxes = [c.box for c in find_cards(gray, dpi=page.dpi)] if sheet else []
    if on_quality is not None:
        on_quality(quality)
    if card_boxes:
        reading = _read_card_sheet(page, card_boxes, engine, settings, timings)
    else:
        reading = _read_page(page, gray, engine, settings, timings, card=card)
    with _timed(timings, "pdf"):
        jpeg = pdf.encode_page_jpeg(reading.image, quality=settings.pdf_jpeg_quality)
        pdf_path = workdir / f"page-{index:05d}.pdf"
        pdf_path.write_bytes(pdf.make_page_pdf(jpeg, dpi=page.dpi, layers=reading.layers))
    width, height = page.source_size
    result = PageResult(
        index=index, source=ref.source, width=width, height=height, dpi=round(page.dpi),
        skew_deg=prepared.skew_deg, rotation_deg=prepared.rotation_deg,  # type: ignore[arg-type]
        quality=quality, text="\n".join(line.text for line in reading.lines),
        lines=reading.lines, codes=reading.codes, regions=reading.regions,
    )
    return PageOutcome(result, pdf_path, timings)


def finish_dossier(
    outcomes: Sequence[PageOutcome],
    *,
    dossier_id: str,
    procedure: str | None,
    pdf_target: Path,
    accept_confidence: float = ReviewPolicy.accept_confidence,
    pdfa: bool = False,
) -> DossierResult:
    """Classify and group pages into documents, read and check their fields, check the
    dossier's completeness, and write the dossier PDF."""
    timings = dict.fromkeys(STAGES, 0.0)
    for outcome in outcomes:
        for stage, ms in outcome.timings_ms.items():
            timings[stage] = timings.get(stage, 0.0) + ms
    with _timed(timings, "pdf"):
        pdf.assemble((o.pdf_path for o in outcomes), pdf_target,
                     pdfa=pdfa, title=f"Hồ sơ {dossier_id}")
    pages = [o.result for o in outcomes]
    with _timed(timings, "extract"):
        documents = analyze(pages, default_registry(),
                            ReviewPolicy(accept_confidence=accept_confidence))
    found = {d.type for d in documents}
    doubtful = any(f.pending for d in documents for f in d.fields.values())
    return DossierResult(
        dossier_id=dossier_id,
        procedure=procedure,
        status="needs_review" if doubtful else "done",
        pages=pages,
        documents=documents,
        missing_documents=missing_documents(procedure, found),
        timings_ms={k: round(v) for k, v in timings.items()},
    )


def process_dossier(
    files: Sequence[InputFile],
    *,
    out_dir: Path,
    dossier_id: str,
    procedure: str | None,
    settings: PipelineSettings,
    jobs: int = 1,
    pdfa: bool = False,
) -> DossierResult:
    """Process all pages (in ``jobs`` processes) and write ``dossier.json`` and ``dossier.pdf``
    (PDF/A-2b when ``pdfa``).

    Nothing appears in ``out_dir`` unless everything succeeded.

    Raises:
        InputError: a file or page cannot be processed; ``out_dir`` is left as it was.
    """
    procedure = check_procedure(procedure)
    refs = inspect_inputs(files, settings)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".ocr-", dir=parent) as tmp:
        staging = Path(tmp)
        pages_dir = staging / "pages"
        pages_dir.mkdir()
        outcomes = list(_run_pages(refs, settings, pages_dir, jobs))
        result_dir = staging / "result"
        result_dir.mkdir()
        result = finish_dossier(outcomes, dossier_id=dossier_id, procedure=procedure,
                                pdf_target=result_dir / "dossier.pdf", pdfa=pdfa,
                                accept_confidence=settings.accept_confidence)
        (result_dir / "dossier.json").write_text(result.to_json() + "\n", encoding="utf-8")
        _publish(result_dir, out_dir)
    return result


def _run_pages(
    refs: Sequence[PageRef], settings: PipelineSettings, workdir: Path, jobs: int
) -> Iterator[PageOutcome]:
    jobs = max(1, min(jobs, len(refs)))
    if jobs == 1:
        engine = process_engine(settings)
        for i, ref in enumerate(refs):
            yield process_page(ref, i, engine=engine, settings=settings, workdir=workdir)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        args = [(i, ref, settings, workdir) for i, ref in enumerate(refs)]
        yield from pool.map(_page_task, args)


def _page_task(args: tuple[int, PageRef, PipelineSettings, Path]) -> PageOutcome:
    index, ref, settings, workdir = args
    return process_page(ref, index, engine=process_engine(settings), settings=settings,
                        workdir=workdir)


def _publish(result_dir: Path, out_dir: Path) -> None:
    """Move finished results into ``out_dir``: a rename when it is new, per-file replaces else."""
    if not out_dir.exists():
        result_dir.rename(out_dir)
        return
    for name in ("dossier.pdf", "dossier.json"):  # JSON last: its presence means "complete"
        (result_dir / name).replace(out_dir / name)
    shutil.rmtree(result_dir, ignore_errors=True)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + (time.perf_counter() - start) * 1000
