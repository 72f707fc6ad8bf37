"""OCR engines compared on the same generated labelled pages.

    python -m benchmarks.engines [--docs 54] [--jobs N] [--engines tesseract,hybrid,paddle]

Forms and ID cards of every type, clean and degraded (the sets of benchmarks/accuracy.py), each
through the whole pipeline with each installed engine. Prints per engine and per group (A4
forms, ID cards): CER, CER ignoring diacritics, field exact match (via the templates), and
seconds per page of OCR and of the whole page. Engines not installed are listed and skipped.
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from concurrent.futures import ProcessPoolExecutor

from benchmarks.accuracy import DEGRADATIONS, run_one
from ocr_server.config import PipelineSettings
from ocr_server.engines.factory import ENGINE_NAMES, missing_engine_files
from tests.documents import DOC_TYPES
from tests.synthetic import character_error_rate

CARDS = ("cccd_front", "cccd_back")


def plain(text: str) -> str:
    """Without diacritics (and đ as d): what is left when the marks are ignored."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=54)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engines", default=",".join(ENGINE_NAMES))
    args = parser.parse_args()
    engines = []
    for name in args.engines.split(","):
        missing = missing_engine_files(PipelineSettings(engine=name))
        if missing:
            print(f"skipping {name}: not installed ({'; '.join(missing)})")
        else:
            engines.append(name)
    tasks = [(i, DOC_TYPES[i % len(DOC_TYPES)],
              DEGRADATIONS[(i // len(DOC_TYPES)) % len(DEGRADATIONS)]) for i in range(args.docs)]
    print(f"{args.docs} pages, {args.jobs} processes")
    print(f"{'engine':<11}{'pages':<7}{'n':>4}{'CER':>8}{'CER no marks':>14}{'fields exact':>14}"
          f"{'OCR s/page':>12}{'page s':>9}")
    for engine in engines:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(run_one, [(*t, engine) for t in tasks]))
        for group in ("forms", "cards", "all"):
            sel = [r for r in rows if group == "all" or (r["type"] in CARDS) == (group == "cards")]
            fields = [(t, v) for r in sel for _, t, v, _ in r["fields"]]
            n = len(sel)
            plain_cer = sum(character_error_rate(plain(r["truth"]), plain(r["text"]))
                            for r in sel) / n
            print(f"{engine:<11}{group:<7}{n:>4}"
                  f"{sum(r['cer'] for r in sel) / n:>8.2%}"
                  f"{plain_cer:>14.2%}"
                  f"{sum(t == v for t, v in fields) / len(fields):>14.1%}"
                  f"{sum(r['ocr_ms'] for r in sel) / n / 1000:>12.2f}"
                  f"{sum(r['total_ms'] for r in sel) / n / 1000:>9.2f}")


if __name__ == "__main__":
    main()
