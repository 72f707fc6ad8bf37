"""Scan throughput on this machine: our server path vs OCRmyPDF vs raw Tesseract, same pages.

    python -m benchmarks.throughput [--pages 60] [--workers N] [--keep DIR] [--no-write]

Generates N pages (mixed A4 forms of all types and ID cards, a third of them skewed, turned,
noised or compressed), then in one run measures:

  (a) ocr-server: redis-server, one `ocr-server worker` per core, every page a bulk dossier
      submitted as `ocr-server archive submit` does; from the first submission to the last
      dossier finished (queue, storage, extraction and PDF included);
  (b) OCRmyPDF -l vie --deskew --rotate-pages --output-type pdfa --jobs N on a PDF of the pages;
  (c) raw `tesseract -l vie`, single-threaded, one process per core.

Prints pages/min, the ratios and a per-stage table (worker seconds per page), and writes
benchmarks/results/<date>.md with a bar chart PNG. Needs the extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import img2pdf

from tests.documents import render_document
from tests.synthetic import add_noise, encode, rotate_quarter, skew

FORMS = ("lltp_request_form", "ct01_residence_form", "birth_certificate",
         "household_business_form", "land_change_form", "driver_license_form")
CARDS = ("cccd_front", "cccd_back")
RESULTS = Path(__file__).parent / "results"


def make_pages(folder: Path, n: int) -> list[Path]:
    """Two thirds forms, one third cards; every third page degraded one of four ways."""
    paths = []
    for i in range(n):
        doc_type = CARDS[i // 3 % 2] if i % 3 == 2 else FORMS[i % len(FORMS)]
        image = render_document(doc_type, 500 + i).image
        quality = 85
        match i % 12:
            case 1:
                image = skew(image, 3.0)
            case 4:
                image = rotate_quarter(image, 90)
            case 7:
                image = add_noise(image, 10.0, seed=i)
            case 10:
                quality = 40
        path = folder / f"page-{i:03d}.jpg"
        path.write_bytes(encode(image, "jpeg", quality=quality, dpi=300))
        paths.append(path)
    return paths


def run_server_path(pages: list[Path], work: Path, workers: int) -> tuple[float, dict[str, float]]:
    """Seconds from the first submission to the last finished dossier, and the mean worker
    seconds per page for each stage (from the recorded page and dossier timings)."""
    from redis import Redis
    from rq import Worker
    from sqlalchemy import select

    from ocr_server import archive
    from ocr_server.config import PipelineSettings, ServerSettings
    from ocr_server.store.blobs import BlobStore
    from ocr_server.store.database import Database, prepare_storage
    from ocr_server.store.models import Dossier, Page
    from tests.server.stack import RedisServer, Workers

    redis_server = RedisServer(work / "redis")
    redis_server.start()
    data = work / "data"
    env = dict(os.environ, REDIS_URL=redis_server.url, OCR_SERVER_DATA_DIR=str(data))
    server = ServerSettings(REDIS_URL=redis_server.url, OCR_SERVER_DATA_DIR=data)
    prepare_storage(server.data_dir, server.db_url)
    db = Database(server.db_url)
    redis = Redis.from_url(redis_server.url)
    procs = Workers(env, work)
    for _ in range(workers):
        procs.start("bulk")
    try:
        while len(Worker.all(connection=redis)) < workers:  # started and engine loaded
            time.sleep(0.1)
        planned = archive.plan(pages, per_folder=False)
        start = time.perf_counter()
        archive.submit_batch(planned, batch="bench", pdfa=True, procedure=None, db=db,
                             blobs=BlobStore(server.blob_dir), redis=redis, server=server,
                             pipeline=PipelineSettings())
        archive.follow(db, "bench", poll_s=0.2, bar=archive.ProgressBar(every_s=1e9))
        elapsed = time.perf_counter() - start
        stages: dict[str, float] = {}
        with db.session() as s:
            for (timings,) in s.execute(select(Page.timings_ms)):
                for k, ms in (timings or {}).items():
                    stages[k] = stages.get(k, 0.0) + ms / 1000
            for (result,) in s.execute(select(Dossier.result)):
                for k in ("extract",):  # per dossier, in the finishing job
                    stages[k] = stages.get(k, 0.0) + (result or {}).get(
                        "timings_ms", {}).get(k, 0) / 1000
        worker_seconds = elapsed * workers
        n = len(pages)
        per_page = {k: v / n for k, v in stages.items()}
        per_page["queue, db, fork, finishing"] = max(
            0.0, (worker_seconds - sum(stages.values())) / n)
        return elapsed, per_page
    finally:
        procs.stop_all()
        redis_server.stop()
        db.dispose()


def run_ocrmypdf(pages: list[Path], work: Path, jobs: int) -> float | None:
    exe = shutil.which("ocrmypdf", path=str(Path(sys.executable).parent)) or shutil.which(
        "ocrmypdf")
    if exe is None:
        print("ocrmypdf is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return None
    pdf_in = work / "scan.pdf"
    pdf_in.write_bytes(img2pdf.convert([str(p) for p in pages]))
    return _timed([exe, "-l", "vie", "--deskew", "--rotate-pages", "--output-type", "pdfa",
                   "--jobs", str(jobs), str(pdf_in), str(work / "ocrmypdf.pdf")])


def run_raw_tesseract(pages: list[Path], work: Path, jobs: int) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = work / "tesseract"
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda p: _timed(["tesseract", str(p), str(out / p.stem), "-l", "vie"],
                                       env=env), pages))
    return time.perf_counter() - start


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return time.perf_counter() - start


def report(n: int, workers: int, results: dict[str, float], stages: dict[str, float]) -> str:
    rate = {name: 60 * n / secs for name, secs in results.items()}
    ours = rate[OURS]
    lines = [f"{n} pages (A4 forms and ID cards, 300 dpi, a third degraded), "
             f"{os.cpu_count()} CPUs, {workers} workers / jobs", "",
             "| tool | seconds | s/page | pages/min | ours ÷ tool |", "|---|---|---|---|---|"]
    for name, secs in results.items():
        lines.append(f"| {name} | {secs:.1f} | {secs / n:.2f} | {rate[name]:.1f} | "
                     f"{ours / rate[name]:.2f}× |")
    lines += ["", "Where a worker's time goes (seconds per page, all workers together):", "",
              "| stage | s/page | share |", "|---|---|---|"]
    total = sum(stages.values()) or 1.0
    for name, secs in sorted(stages.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {secs:.3f} | {100 * secs / total:.0f}% |")
    return "\n".join(lines)


def chart(results: dict[str, float], n: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    rates = [60 * n / results[k] for k in names]
    fig, ax = plt.subplots(figsize=(7, 2.6), dpi=110)
    bars = ax.barh(names, rates, color=["#12466e" if k == OURS else "#9bb0c4" for k in names])
    ax.bar_label(bars, labels=[f"{r:.1f}" for r in rates], padding=3)
    ax.invert_yaxis()
    ax.set_xlabel("pages per minute (higher is better)")
    ax.set_xlim(0, max(rates) * 1.18)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


OURS = "ocr-server (workers, PDF/A)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="keep inputs and outputs here")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "pages").mkdir(exist_ok=True)
    pages = make_pages(work / "pages", args.pages)
    results: dict[str, float] = {}
    results[OURS], stages = run_server_path(pages, work / "server", args.workers)
    ocrmypdf = run_ocrmypdf(pages, work, args.workers)
    if ocrmypdf is not None:
        results["OCRmyPDF --deskew --rotate-pages --output-type pdfa"] = ocrmypdf
    results[f"tesseract -l vie, 1 thread, {args.workers} processes"] = run_raw_tesseract(
        pages, work, args.workers)
    text = report(len(pages), args.workers, results, stages)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        chart(results, len(pages), RESULTS / f"{stamp}.png")
        (RESULTS / f"{stamp}.md").write_text(
            f"# Throughput, {stamp}\n\n`python -m benchmarks.throughput --pages {args.pages}`"
            f"\n\n{text}\n\n![pages per minute]({stamp}.png)\n", encoding="utf-8")
        print(f"wrote {RESULTS / stamp}.md and .png")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
