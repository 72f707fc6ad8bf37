"""Bulk archive digitization: folders of old scans -> dossiers on the ``bulk`` queue.

Each dossier is submitted with an idempotency key made of the batch name and the content hash
of its files, so running the same command again skips what was submitted (whatever its state)
and submits the rest. The workers, not this command, do the processing: stopping the command
stops nothing but the submitting and the progress display.
"""

from __future__ import annotations

import hashlib
import secrets
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocr_server.errors import InputError
from ocr_server.store.models import ENDED_STATUSES, ApiKey, Dossier, Page, utcnow

SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".pdf"}
ARCHIVE_KEY_NAME = "archive (internal)"


@dataclass(frozen=True)
class PlannedDossier:
    """The files of one dossier, with their names as recorded (relative to the given path)."""

    label: str
    files: tuple[tuple[Path, str], ...]

    def content_key(self, batch: str) -> str:
        digest = hashlib.sha256()
        for path, name in self.files:
            digest.update(name.encode() + b"\0")
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
        return f"archive:{batch}:{digest.hexdigest()}"


def plan(paths: Iterable[Path], *, per_folder: bool) -> list[PlannedDossier]:
    """Walk files and folders (sorted, hidden entries skipped) into dossiers: one per file, or
    one per folder. A named file is always taken; files found in folders only by suffix."""
    found: list[tuple[Path, str]] = []
    for root in paths:
        if root.is_file():
            found.append((root, root.name))
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if path.is_file() and path.suffix.lower() in SUFFIXES and not any(
                        part.startswith(".") for part in rel.parts):
                    found.append((path, f"{root.name}/{rel.as_posix()}"))
        else:
            raise InputError(f"{root}: no such file or folder")
    if not found:
        raise InputError("no images or PDFs found (.jpg .jpeg .png .tif .tiff .pdf)")
    if not per_folder:
        return [PlannedDossier(name, ((path, name),)) for path, name in found]
    groups: dict[str, list[tuple[Path, str]]] = {}
    for path, name in found:
        groups.setdefault(name.rsplit("/", 1)[0] if "/" in name else name, []).append(
            (path, name))
    return [PlannedDossier(label, tuple(files)) for label, files in groups.items()]


def archive_owner(session: Session) -> int:
    """The key archive dossiers belong to (created once; its secret is never shown, so it
    cannot be used to call the API)."""
    key = session.scalars(select(ApiKey).where(ApiKey.name == ARCHIVE_KEY_NAME)).first()
    if key is None:
        key = ApiKey(prefix="archive", key_hash=hashlib.sha256(
            secrets.token_bytes(32)).hexdigest(), role="admin", name=ARCHIVE_KEY_NAME)
        session.add(key)
        session.flush()
    return key.id


@dataclass
class SubmitReport:
    submitted: int = 0
    skipped: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (label, reason)
    interrupted: bool = False


@contextmanager
def deferred_interrupt() -> Iterator[Callable[[], bool]]:
    """Ctrl-C is held until the current dossier is fully submitted; the returned function
    says whether it was pressed."""
    pressed = False

    def handler(_signum, _frame):  # type: ignore[no-untyped-def]
        nonlocal pressed
        pressed = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def submit_batch(planned: list[PlannedDossier], *, batch: str, pdfa: bool, procedure: str | None,
                 engine: str | None = None,
                 db, blobs, redis, server, pipeline,  # type: ignore[no-untyped-def]
                 on_progress: Callable[[int, int], None] | None = None,
                 ) -> SubmitReport:
    """Submit what is not yet in the batch; a file the loaders refuse becomes a ``failed``
    dossier with the reason, so the report lists it and a re-run skips it."""
    from ocr_server.submission import Upload, submit_dossier

    report = SubmitReport()
    with db.session() as s:
        owner = archive_owner(s)
    with deferred_interrupt() as interrupted:
        for i, item in enumerate(planned):
            if interrupted():
                report.interrupted = True
                break
            key = item.content_key(batch)
            with db.session() as s:
                exists = s.scalar(select(Dossier.id).where(Dossier.owner_key_id == owner,
                                                           Dossier.idempotency_key == key))
            if exists:
                report.skipped += 1
            else:
                try:
                    with ExitStack() as stack:
                        uploads = [Upload(name=name, stream=stack.enter_context(path.open("rb")))
                                   for path, name in item.files]
                        submit_dossier(uploads, owner_key_id=owner, procedure=procedure,
                                       priority="bulk", callback_url=None, idempotency_key=key,
                                       db=db, blobs=blobs, redis=redis, server=server,
                                       pipeline=pipeline, batch=batch,
                                       pdf_format="pdfa-2b" if pdfa else "pdf", engine=engine)
                    report.submitted += 1
                except InputError as exc:
                    _record_rejected(db, owner, key, batch, item, exc)
                    report.rejected.append((item.label, str(exc)))
            if on_progress is not None:
                on_progress(i + 1, len(planned))
        else:
            report.interrupted = interrupted()
    return report


def _record_rejected(db, owner: int, key: str, batch: str,  # type: ignore[no-untyped-def]
                     item: PlannedDossier, exc: InputError) -> None:
    """The reason names the file (every loader error does)."""
    import uuid

    del item
    with db.session() as s:
        s.add(Dossier(id=uuid.uuid4().hex, owner_key_id=owner, idempotency_key=key,
                      priority="bulk", status="failed", error_code=exc.code,
                      error_detail=str(exc), batch=batch, pages_total=0,
                      finished_at=utcnow()))


@dataclass(frozen=True)
class Progress:
    dossiers: int
    dossiers_final: int
    pages_total: int
    pages_done: int
    pages_failed: int
    dossiers_failed: int

    @property
    def finished(self) -> bool:
        return self.dossiers_final == self.dossiers


def progress(session: Session, batch: str) -> Progress:
    dossiers = session.execute(select(Dossier.status, func.count(), func.sum(Dossier.pages_total))
                               .where(Dossier.batch == batch).group_by(Dossier.status)).all()
    pages = dict(session.execute(
        select(Page.status, func.count()).join(Dossier).where(Dossier.batch == batch)
        .group_by(Page.status)).all())
    by_status = {status: (n, total or 0) for status, n, total in dossiers}
    return Progress(
        dossiers=sum(n for n, _ in by_status.values()),
        dossiers_final=sum(by_status.get(st, (0, 0))[0] for st in ENDED_STATUSES),
        pages_total=sum(total for _, total in by_status.values()),
        pages_done=pages.get("done", 0) + pages.get("failed", 0),
        pages_failed=pages.get("failed", 0),
        dossiers_failed=by_status.get("failed", (0, 0))[0],
    )


class ProgressBar:
    """One line on a terminal, redrawn; a line every ``every_s`` seconds otherwise (logs)."""

    def __init__(self, stream=sys.stderr, every_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream
        self.tty = stream.isatty()
        self.every_s = every_s
        self.start = time.monotonic()
        self.start_done: int | None = None
        self.last = 0.0

    def show(self, p: Progress, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.start_done is None:
            self.start_done = p.pages_done
        if not (self.tty or force or now - self.last >= self.every_s):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        rate = (p.pages_done - self.start_done) / elapsed * 60
        left = p.pages_total - p.pages_done
        eta = f"{left / rate:.0f} min" if rate > 0 and left else ("—" if left else "0 min")
        width = 30
        filled = int(width * p.pages_done / p.pages_total) if p.pages_total else width
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {p.pages_done}/{p.pages_total} pages"
                f" · {rate:.1f} pages/min · ETA {eta} · failed: {p.dossiers_failed} dossiers,"
                f" {p.pages_failed} pages")
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def follow(db, batch: str, *, poll_s: float = 1.0,  # type: ignore[no-untyped-def]
           bar: ProgressBar | None = None) -> Progress:
    """Show progress until every dossier of the batch is final (Ctrl-C stops watching only)."""
    bar = bar or ProgressBar()
    try:
        while True:
            with db.session() as s:
                p = progress(s, batch)
            if p.finished:
                bar.show(p, force=True)
                return p
            bar.show(p)
            time.sleep(poll_s)
    finally:
        bar.close()
