"""Accept a dossier: store the uploads, check them up front, record, enqueue. No OCR here."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.errors import InputError, OcrServerError
from ocr_server.jobs import cancel_dossier_jobs, enqueue_dossier
from ocr_server.loading import PageRef, inspect_file
from ocr_server.procedures import check_procedure
from ocr_server.store.blobs import BlobStore, BlobTooLargeError
from ocr_server.store.database import Database
from ocr_server.store.models import Dossier, Page


class TooLargeError(InputError):
    code = "too_large"
    http_status = 413


class NoFilesError(InputError):
    code = "no_files"


class EngineNotInstalledError(InputError):
    code = "engine_unavailable"


def check_engine(engine: str | None, pipeline: PipelineSettings) -> None:
    """A dossier may name another engine than the deployment's, if that one is installed."""
    if engine is None:
        return
    from ocr_server.engines.factory import missing_engine_files

    missing = missing_engine_files(pipeline.model_copy(update={"engine": engine}))
    if missing:
        raise EngineNotInstalledError(f"OCR engine {engine!r} is not installed: "
                                      + "; ".join(missing))


class QueueUnavailableError(OcrServerError):
    code = "queue_unavailable"
    http_status = 503


def safe_file_name(name: str | None, fallback: str) -> str:
    """A client's file name as we record it: the last path component, without control
    characters, at most 200 characters (it is only ever a label, never a path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()[:200]
    return base if base not in ("", ".", "..") else fallback


@dataclass(frozen=True)
class Upload:
    name: str
    stream: BinaryIO


def submit_dossier(
    uploads: list[Upload],
    *,
    owner_key_id: int,
    procedure: str | None,
    priority: str,
    callback_url: str | None,
    idempotency_key: str | None,
    db: Database,
    blobs: BlobStore,
    redis: Redis,
    server: ServerSettings,
    pipeline: PipelineSettings,
    pdf_format: str = "pdf",
    batch: str | None = None,
    engine: str | None = None,
) -> tuple[Dossier, bool]:
    """Store and enqueue a dossier; returns (dossier, created). A repeated idempotency key
    returns the first dossier without storing anything.

    Raises:
        InputError: too large (413), unsupported type (415), unreadable up front (422).
    """
    if idempotency_key:
        existing = _by_idempotency_key(db, owner_key_id, idempotency_key)
        if existing is not None:
            return existing, False
    check_procedure(procedure)
    check_engine(engine, pipeline)
    if not uploads:
        raise NoFilesError("no files in the request (multipart field 'files')")
    stored: list[tuple[str, str]] = []
    try:
        refs = _store_and_inspect(uploads, stored, blobs=blobs, server=server, pipeline=pipeline)
    except Exception:  # bad input, a full disk, the object store gone: keep nothing
        _drop_unreferenced(db, blobs, {key for _, key in stored})
        raise
    dossier_id = uuid.uuid4().hex
    blob_of = {blobs.path(key): key for _, key in stored}
    try:
        dossier = _insert(db, Dossier(
            id=dossier_id, owner_key_id=owner_key_id, idempotency_key=idempotency_key,
            procedure=procedure, priority=priority, callback_url=callback_url,
            status="queued", pages_total=len(refs), pdf_format=pdf_format, batch=batch,
            engine=engine,
            pages=[Page(index=i, file_name=ref.name, blob_key=blob_of[ref.path], kind=ref.kind,
                        frame=ref.frame, frames=ref.frames) for i, ref in enumerate(refs)],
        ))
    except IntegrityError:  # a concurrent retry with the same Idempotency-Key won the race
        existing = _by_idempotency_key(db, owner_key_id, idempotency_key or "")
        if existing is None:
            raise
        return existing, False
    try:
        enqueue_dossier(redis, dossier_id, len(refs), priority=priority,
                        page_timeout_s=server.page_job_timeout_s)
    except Exception as exc:  # noqa: BLE001 - Redis down: undo, the client retries
        with db.session() as s:
            record = s.get(Dossier, dossier_id)
            if record is not None:
                s.delete(record)
        raise QueueUnavailableError(f"the job queue is unavailable: {exc}") from exc
    return dossier, True


def _by_idempotency_key(db: Database, owner_key_id: int, key: str) -> Dossier | None:
    with db.session() as s:
        return s.scalars(select(Dossier).where(
            Dossier.owner_key_id == owner_key_id, Dossier.idempotency_key == key)).one_or_none()


def _insert(db: Database, dossier: Dossier) -> Dossier:
    with db.session() as s:
        s.add(dossier)
    return dossier


def _store_and_inspect(uploads: list[Upload], stored: list[tuple[str, str]], *,
                       blobs: BlobStore, server: ServerSettings,
                       pipeline: PipelineSettings) -> list[PageRef]:
    total = 0
    for up in uploads:
        try:
            key, size = blobs.put_stream(up.stream, max_bytes=server.max_file_bytes)
        except BlobTooLargeError as exc:
            raise TooLargeError(
                f"{up.name}: file is over the limit of {server.max_file_bytes} bytes") from exc
        stored.append((up.name, key))
        total += size
        if total > server.max_dossier_bytes:
            raise TooLargeError(
                f"dossier is over the limit of {server.max_dossier_bytes} bytes")
    refs: list[PageRef] = []
    for name, key in stored:
        refs.extend(inspect_file(blobs.path(key), name=name, max_pixels=pipeline.max_pixels,
                                 pdf_dpi=pipeline.pdf_dpi))
    return refs


def _drop_unreferenced(db: Database, blobs: BlobStore, keys: set[str]) -> None:
    """Delete the blobs among ``keys`` that no record points at (content addressing shares
    identical files between dossiers)."""
    with db.session() as s:
        used = set(s.scalars(select(Page.blob_key).where(Page.blob_key.in_(keys))))
        used |= set(s.scalars(select(Page.pdf_key).where(Page.pdf_key.in_(keys))))
        used |= set(s.scalars(select(Dossier.pdf_key).where(Dossier.pdf_key.in_(keys))))
    blobs.delete(keys - used)


def delete_dossier(dossier_id: str, *, db: Database, blobs: BlobStore, redis: Redis) -> bool:
    """Purge a dossier: jobs not yet run, records, and blobs no other dossier uses."""
    with db.session() as s:
        dossier = s.get(Dossier, dossier_id)
        if dossier is None:
            return False
        keys = {p.blob_key for p in dossier.pages} | {p.pdf_key for p in dossier.pages
                                                         if p.pdf_key}
        if dossier.pdf_key:
            keys.add(dossier.pdf_key)
        page_count = dossier.pages_total
        s.delete(dossier)
    with contextlib.suppress(RedisError):  # left-over jobs find no records and end
        cancel_dossier_jobs(redis, dossier_id, page_count)
    _drop_unreferenced(db, blobs, keys)
    return True
