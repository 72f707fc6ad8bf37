"""Memory of a worker on one very long PDF (target: every worker process under 600 MB RSS).

    python -m benchmarks.big_pdf [--pages 500] [--workers N] [--dpi 300]

Builds a PDF of N A4 scans (ten generated forms, repeated), submits it as one bulk dossier to
redis-server and `ocr-server worker` processes, and samples the resident memory of every worker
process and work horse every 0.2 s until the dossier is finished. Prints the peak per process,
the time taken and pages/min. Needs psutil (extra `bench`).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import threading
import time
from pathlib import Path

import img2pdf
import psutil

from benchmarks.throughput import FORMS
from tests.documents import render_document
from tests.synthetic import encode


def make_pdf(path: Path, pages: int, dpi: int) -> None:
    distinct = []
    for i in range(10):
        image = render_document(FORMS[i % len(FORMS)], 900 + i).image
        if dpi != 300:
            from PIL import Image

            pil = Image.fromarray(image)
            image = pil.resize((round(pil.width * dpi / 300), round(pil.height * dpi / 300)))
            buf = io.BytesIO()
            image.save(buf, format="JPEG", quality=80, dpi=(dpi, dpi))
            distinct.append(buf.getvalue())
        else:
            distinct.append(encode(image, "jpeg", quality=80, dpi=300))
    path.write_bytes(img2pdf.convert([distinct[i % 10] for i in range(pages)]))


class PeakRss:
    """Largest RSS seen for any process in the given process trees."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peak = 0
        self.peak_name = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for root in self.roots:
                try:
                    procs = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                for p in procs:
                    try:
                        rss = p.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
                    if rss > self.peak:
                        self.peak, self.peak_name = rss, " ".join(p.cmdline()[-3:])
            time.sleep(0.2)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()

    from redis import Redis
    from rq import Worker

    from ocr_server.config import PipelineSettings, ServerSettings
    from ocr_server.store.blobs import BlobStore
    from ocr_server.store.database import Database, prepare_storage
    from ocr_server.store.models import Dossier
    from ocr_server.submission import Upload, submit_dossier
    from tests.server.stack import RedisServer, Workers

    work = Path(tempfile.mkdtemp(prefix="bigpdf-"))
    pdf_path = work / "archive.pdf"
    make_pdf(pdf_path, args.pages, args.dpi)
    print(f"{args.pages}-page PDF, {args.dpi} dpi: {pdf_path.stat().st_size / 1e6:.0f} MB")
    redis_server = RedisServer(work / "redis")
    redis_server.start()
    data = work / "data"
    env = dict(os.environ, REDIS_URL=redis_server.url, OCR_SERVER_DATA_DIR=str(data))
    server = ServerSettings(REDIS_URL=redis_server.url, OCR_SERVER_DATA_DIR=data,
                            OCR_SERVER_MAX_FILE_BYTES=2**31, OCR_SERVER_MAX_DOSSIER_BYTES=2**31)
    prepare_storage(server.data_dir, server.db_url)
    db = Database(server.db_url)
    redis = Redis.from_url(redis_server.url)
    procs = Workers(env, work)
    for _ in range(args.workers):
        procs.start()
    try:
        while len(Worker.all(connection=redis)) < args.workers:
            time.sleep(0.1)
        from ocr_server.store.keys import create_key
        from ocr_server.store.models import ApiKey

        with db.session() as s:
            create_key(s, role="admin", name="bench")
        with db.session() as s:
            owner = s.query(ApiKey).first().id  # type: ignore[union-attr]
        with PeakRss([p.pid for p in procs.procs]) as peak:
            start = time.perf_counter()
            before = psutil.Process().memory_info().rss
            with pdf_path.open("rb") as f:
                dossier, _ = submit_dossier(
                    [Upload("archive.pdf", f)], owner_key_id=owner, procedure=None,
                    priority="bulk", callback_url=None, idempotency_key=None, db=db,
                    blobs=BlobStore(server.blob_dir), redis=redis, server=server,
                    pipeline=PipelineSettings(), pdf_format="pdfa-2b")
            submit_rss = psutil.Process().memory_info().rss
            while True:
                with db.session() as s:
                    status = s.get(Dossier, dossier.id).status  # type: ignore[union-attr]
                if status in ("done", "needs_review", "failed"):
                    break
                time.sleep(1)
            elapsed = time.perf_counter() - start
        print(f"status {status}: {args.pages} pages in {elapsed:.0f} s "
              f"({60 * args.pages / elapsed:.1f} pages/min, {args.workers} workers)")
        print(f"peak RSS of any worker process: {peak.peak / 2**20:.0f} MB ({peak.peak_name})")
        print(f"submitting process: {before / 2**20:.0f} MB before, "
              f"{submit_rss / 2**20:.0f} MB after storing and inspecting the PDF")
    finally:
        procs.stop_all()
        redis_server.stop()


if __name__ == "__main__":
    main()
