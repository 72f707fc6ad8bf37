"""Preprocessing on generated pages: time per stage, orientation, deskew and corner accuracy.

    python -m benchmarks.preprocess [--pages 24] [--orientation-pages 224]

Prints milliseconds per A4 300-dpi page for each stage of the preprocessing chain (decode is
shown apart), the share of pages whose orientation was found (forms and ID cards, all four
quarter turns, skewed up to ±25°), deskew error over angles in ±15°, and photo corner error.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from ocr_server.config import PipelineSettings
from ocr_server.engines.factory import process_engine
from ocr_server.loading import inspect_file, load_page
from ocr_server.pipeline import prepare_page
from preprocessing.binarize import downscale_for_analysis, to_gray
from preprocessing.cards import find_cards
from preprocessing.deskew import estimate_skew
from preprocessing.document import find_document
from preprocessing.orientation import estimate_orientation
from preprocessing.quality import assess_quality
from tests.documents import DOC_TYPES, render_document
from tests.synthetic import encode, phone_photo, rotate_quarter, skew


def stage_times(n_pages: int) -> dict[str, float]:
    settings = PipelineSettings()
    engine = process_engine(settings)
    totals: dict[str, list[float]] = defaultdict(list)
    a4_types = [t for t in DOC_TYPES if not t.startswith("cccd")]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_pages):
            page = render_document(a4_types[i % len(a4_types)], 500 + i)
            image = skew(page.image, (-6, -3, 2, 5)[i % 4])
            if i % 4 == 1:
                image = rotate_quarter(image, 90)
            path = Path(tmp) / f"p{i}.jpg"
            path.write_bytes(encode(image, "jpeg", quality=85, dpi=300))
            [ref] = inspect_file(path, name=path.name, max_pixels=settings.max_pixels,
                                 pdf_dpi=settings.pdf_dpi)
            start = time.perf_counter()
            loaded = load_page(ref, index=0, pdf_dpi=300)
            totals["decode (not preprocessing)"].append((time.perf_counter() - start) * 1000)
            stages: dict[str, float] = {}
            prepared = prepare_page(loaded, engine, stages)
            for name, ms in stages.items():
                totals[name].append(ms)
            start = time.perf_counter()
            gray = to_gray(prepared.page.image)
            assess_quality(gray, dpi=prepared.page.dpi)
            totals["quality"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            find_cards(gray, dpi=prepared.page.dpi)
            totals["cards"].append((time.perf_counter() - start) * 1000)
    return {name: statistics.mean(ms) for name, ms in totals.items()}


def orientation_accuracy(n_pages: int) -> tuple[int, int, list[tuple[str, int, int]]]:
    wrong = []
    for i in range(n_pages):
        doc_type = DOC_TYPES[i % len(DOC_TYPES)]
        turn = (0, 90, 180, 270)[(i // len(DOC_TYPES)) % 4]
        angle = (-25.0, -12.0, -4.0, 0.0, 3.0, 9.0, 18.0)[i % 7]
        page = render_document(doc_type, 1000 + i)
        small, _ = downscale_for_analysis(to_gray(skew(rotate_quarter(page.image, turn), angle)))
        found = estimate_orientation(small).angle_deg
        if found != turn:
            wrong.append((doc_type, turn, found))
    return n_pages - len(wrong), n_pages, wrong


def deskew_errors() -> list[float]:
    errors = []
    for i, doc_type in enumerate(DOC_TYPES):
        small, _ = downscale_for_analysis(to_gray(render_document(doc_type, 2000 + i).image))
        for angle in np.arange(-15.0, 15.01, 1.5):
            tilted = skew(np.repeat(small[:, :, None], 3, axis=2), float(angle))
            errors.append(abs(estimate_skew(to_gray(tilted)) - angle))
    return errors


def corner_errors(n: int) -> list[float]:
    errors = []
    for i in range(n):
        page = render_document(DOC_TYPES[i % len(DOC_TYPES)], 3000 + i)
        photo, hmat = phone_photo(page.image, i)
        quad = find_document(to_gray(photo))
        h, w = page.image.shape[:2]
        pts = np.c_[[[0, 0], [w, 0], [w, h], [0, h]], np.ones(4)] @ hmat.T
        truth = pts[:, :2] / pts[:, 2:]
        diagonal = float(np.hypot(*photo.shape[:2]))
        errors.append(np.inf if quad is None else float(np.abs(quad.corners - truth).max())
                      / diagonal)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--orientation-pages", type=int, default=224)
    parser.add_argument("--photos", type=int, default=48)
    args = parser.parse_args()

    times = stage_times(args.pages)
    print(f"ms per A4 300-dpi page ({args.pages} pages, one core):")
    for name, ms in times.items():
        print(f"  {name:<28}{ms:>8.1f}")
    chain = sum(ms for name, ms in times.items() if not name.startswith("decode"))
    print(f"  {'preprocessing chain total':<28}{chain:>8.1f}   (target <= 150)")

    right, total, wrong = orientation_accuracy(args.orientation_pages)
    print(f"orientation: {right}/{total} correct ({right / total:.1%}), forms and cards, "
          f"4 turns, skew up to ±25°")
    for case in wrong:
        print("  wrong:", case)
    errors = deskew_errors()
    print(f"deskew over ±15° ({len(errors)} pages): median |error| {np.median(errors):.3f}°, "
          f"max {max(errors):.3f}° (targets 0.2°, 0.5°)")
    corners = corner_errors(args.photos)
    print(f"photo corners ({len(corners)} photos): max error {max(corners):.2%} of the diagonal, "
          f"median {np.median(corners):.2%} (target <= 1%)")


if __name__ == "__main__":
    main()
