"""Pages per minute of our CLI vs OCRmyPDF vs raw single-threaded Tesseract, on the same pages.

    python -m benchmarks.throughput [--pages 12] [--jobs N] [--keep DIR]

Pages are generated A4 300-dpi Vietnamese forms and notices, a third of them turned or skewed as
a counter scanner delivers them. OCRmyPDF needs the extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import img2pdf

from tests.synthetic import encode, render_lltp_form, render_text_page, rotate_quarter, skew


def make_pages(folder: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        page = render_lltp_form(100 + i) if i % 2 == 0 else render_text_page(100 + i)
        image = page.image
        if i % 3 == 1:
            image = skew(image, 3.0 if i % 2 else -4.0)
        elif i % 6 == 2:
            image = rotate_quarter(image, 90 if i % 4 else 180)
        path = folder / f"page-{i:03d}.jpg"
        path.write_bytes(encode(image, "jpeg", quality=85, dpi=300))
        paths.append(path)
    return paths


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="keep inputs and outputs here")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    pages = make_pages(work, args.pages)
    pdf_in = work / "scan.pdf"
    pdf_in.write_bytes(img2pdf.convert([str(p) for p in pages]))
    n = len(pages)
    bindir = Path(sys.executable).parent
    results: dict[str, float] = {}

    ours = work / "ours"
    shutil.rmtree(ours, ignore_errors=True)
    results["ocr-server process"] = timed(
        [str(bindir / "ocr-server"), "process", *map(str, pages), "--out", str(ours),
         "--jobs", str(args.jobs)])

    ocrmypdf = shutil.which("ocrmypdf", path=str(bindir)) or shutil.which("ocrmypdf")
    if ocrmypdf:
        results["ocrmypdf --deskew --rotate-pages"] = timed(
            [ocrmypdf, "-l", "vie", "--deskew", "--rotate-pages", "--jobs", str(args.jobs),
             str(pdf_in), str(work / "ocrmypdf.pdf")])
    else:
        print("ocrmypdf not installed: pip install -e '.[bench]'", file=sys.stderr)

    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    start = time.perf_counter()
    for p in pages:
        timed(["tesseract", str(p), str(work / p.stem), "-l", "vie"], env=env)
    results["tesseract -l vie (1 thread, sequential)"] = time.perf_counter() - start

    print(f"{n} A4 300-dpi pages, {os.cpu_count()} CPUs, --jobs {args.jobs}")
    print(f"{'tool':<44}{'seconds':>9}{'s/page':>9}{'pages/min':>11}")
    for name, secs in results.items():
        print(f"{name:<44}{secs:>9.1f}{secs / n:>9.2f}{60 * n / secs:>11.1f}")
    ours_rate = 60 * n / results["ocr-server process"]
    for name, secs in results.items():
        if name != "ocr-server process":
            print(f"ratio ocr-server / {name}: {ours_rate / (60 * n / secs):.2f}x")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
