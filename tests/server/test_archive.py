"""``ocr-server archive``: folders in, dossiers on the bulk queue, real workers; an interrupted
run resumed by running the same command, with no page processed twice and none missed; the
report; PDF/A output through the workers."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import func, select

from ocr_server.store.blobs import BlobStore
from ocr_server.store.models import Dossier, Page
from tests.documents import cccd_back, cccd_front
from tests.synthetic import encode

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]


def _archive(stack, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ocr_server.cli", "archive", *map(str, args)],
                            env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _scans(folder: Path, n: int) -> list[Path]:
    """ID-card scans (small, so the workers are quick) in two sub-folders, and a broken file."""
    paths = []
    for i in range(n):
        page = cccd_front(100 + i) if i % 2 == 0 else cccd_back(100 + i)
        path = folder / f"box-{i % 2}" / f"scan-{i:02d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode(page.image, "jpeg", quality=90, dpi=300))
        paths.append(path)
    (folder / "box-1" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "box-1" / ".hidden.jpg").write_bytes(b"ignored")
    (folder / "notes.txt").write_text("ignored")
    return paths


def _batch_pages(stack, batch: str) -> list[tuple[str, str, int]]:
    with stack.db.session() as s:
        return list(s.execute(select(Page.file_name, Page.status, Page.attempts).join(Dossier)
                              .where(Dossier.batch == batch)).all())


def test_interrupted_run_resumes_without_repeats_or_gaps(stack, tmp_path):
    scans = _scans(tmp_path / "kho", 10)
    stack.workers.start()
    stack.workers.start()
    first = _archive(stack, "submit", tmp_path / "kho", "--batch", "kho-2019")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # Ctrl-C as soon as the first dossier is in
        with stack.db.session() as s:
            if s.scalar(select(func.count()).select_from(Dossier)
                        .where(Dossier.batch == "kho-2019")):
                break
        time.sleep(0.01)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=120)
    assert first.returncode in (0, 130), err
    assert "Traceback" not in err

    second = _archive(stack, "submit", tmp_path / "kho", "--batch", "kho-2019")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "already there" in err

    pages = _batch_pages(stack, "kho-2019")
    names = sorted(name for name, _, _ in pages)
    assert names == sorted(f"kho/{p.relative_to(tmp_path / 'kho').as_posix()}" for p in scans)
    assert all(status == "done" for _, status, _ in pages)
    assert [a for _, _, a in pages] == [1] * len(scans)  # each page processed exactly once
    with stack.db.session() as s:
        dossiers = list(s.scalars(select(Dossier).where(Dossier.batch == "kho-2019")))
    assert len(dossiers) == len(scans) + 1  # + the broken file, recorded as failed
    broken = [d for d in dossiers if d.status == "failed"]
    assert len(broken) == 1 and "broken.jpg" in broken[0].error_detail
    assert all(d.status in ("done", "needs_review") for d in dossiers if d not in broken)

    third = _archive(stack, "submit", tmp_path / "kho", "--batch", "kho-2019", "--no-wait")
    _, err = third.communicate(timeout=60)
    assert third.returncode == 0 and f"0 submitted, {len(scans) + 1} already there" in err

    report = _archive(stack, "report", "kho-2019", "--out", tmp_path / "report")
    out, err = report.communicate(timeout=60)
    assert report.returncode == 0, err
    rows = list(csv.DictReader((tmp_path / "report" / "kho-2019.csv").open(encoding="utf-8")))
    assert len(rows) == len(scans) + 1
    assert {r["status"] for r in rows} <= {"done", "needs_review", "failed"}
    assert sum(int(r["pages"]) for r in rows) == len(scans)
    page = (tmp_path / "report" / "kho-2019.html").read_text(encoding="utf-8")
    assert "broken.jpg" in page and "cccd_front" in page and "<svg" in page
    assert "pages/min" in out


def test_dossier_per_folder_and_pdfa(stack, tmp_path):
    _scans(tmp_path / "kho", 4)
    (tmp_path / "kho" / "box-1" / "broken.jpg").unlink()
    stack.workers.start()
    run = _archive(stack, "submit", tmp_path / "kho", "--batch", "per-folder",
                   "--dossier-per-folder", "--pdfa")
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    with stack.db.session() as s:
        dossiers = list(s.scalars(select(Dossier).where(Dossier.batch == "per-folder")))
    assert sorted(d.pages_total for d in dossiers) == [2, 2]
    for d in dossiers:
        with pikepdf.open(BlobStore(stack.data_dir / "blobs").path(d.pdf_key)) as pdf:
            assert pdf.open_metadata()["pdfaid:part"] == "2"
            assert len(pdf.pages) == 2


def test_bad_arguments_exit_2(stack, tmp_path):
    for args in (["submit", tmp_path / "nothing-here", "--batch", "x"],
                 ["submit", tmp_path, "--batch", "bad name/with slash"],
                 ["report", "no-such-batch"]):
        proc = _archive(stack, *args)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
