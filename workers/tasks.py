"""RQ entry points. Each takes ids only, reads state from the database, calls the pipeline."""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
import time
from pathlib import Path

import httpx
from redis import Redis
from rq import get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ocr_server import metrics
from ocr_server.engines.factory import process_engine
from ocr_server.errors import InputError, OcrServerError
from ocr_server.jobs import enqueue_callback
from ocr_server.pipeline import PageOutcome, finish_dossier, process_page
from ocr_server.result import PageResult, Quality
from ocr_server.store.blobs import BlobStoreFullError, BlobStoreUnavailableError, full_disk_or
from ocr_server.store.database import Database
from ocr_server.store.models import (
    ENDED_STATUSES,
    CallbackAttempt,
    Dossier,
    Page,
    find_page,
    utcnow,
)
from ocr_server.store.results import record_result
from workers.context import current

CALLBACK_TIMEOUT_S = 10.0


def _storage_error(exc: Exception) -> OcrServerError | None:
    """A full disk or an unreachable object store, as the error to record; else None.
    These may pass (room is made, the store comes back), so they are retried first."""
    if isinstance(exc, OSError):
        exc = full_disk_or(exc, "the worker's disk")
    if isinstance(exc, (BlobStoreFullError, BlobStoreUnavailableError)):
        return exc
    return None


def _last_attempt() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


def process_page_job(dossier_id: str, index: int) -> str:
    """OCR one page; bad input is recorded on the page (no retry), other errors propagate."""
    ctx = current()
    with ctx.db.session() as s:
        page = find_page(s, dossier_id, index)
        if page is None:  # the dossier was deleted meanwhile
            return "gone"
        if page.status == "done":  # a retry after the work was already recorded
            return "done"
        dossier = s.get(Dossier, dossier_id)
        if dossier is not None and dossier.status == "queued":
            dossier.status = "processing"
        ref = page.ref(ctx.blobs.path(page.blob_key))
        engine_name = dossier.engine if dossier is not None else None
        page.status = "processing"
        page.attempts += 1
    with tempfile.TemporaryDirectory(prefix="ocr-page-") as tmp:
        def record_quality(quality: Quality) -> None:
            with ctx.db.session() as s:
                row = find_page(s, dossier_id, index)
                if row is not None:
                    row.quality = quality.model_dump(mode="json")

        try:
            outcome = process_page(ref, index, engine=_engine(ctx, engine_name),
                                   settings=ctx.pipeline,
                                   workdir=Path(tmp), on_quality=record_quality)
            started = time.perf_counter()
            pdf_key = ctx.blobs.put_file(outcome.pdf_path)
            outcome.timings_ms["store"] = (time.perf_counter() - started) * 1000
        except InputError as exc:
            _record_page(ctx, dossier_id, index, status="failed", error=(exc.code, str(exc)))
            metrics.record_page(ctx.redis, {}, ok=False)
            return "failed"
        except Exception as exc:
            if (error := _storage_error(exc)) is None or not _last_attempt():
                raise  # RQ retries (PAGE_RETRY)
            _record_page(ctx, dossier_id, index, status="failed", error=(error.code, str(error)))
            metrics.record_page(ctx.redis, {}, ok=False)
            return "failed"
    _record_page(ctx, dossier_id, index, status="done", outcome=outcome, pdf_key=pdf_key)
    metrics.record_page(ctx.redis, outcome.timings_ms, ok=True)
    return "done"


def _engine(ctx, name: str | None):  # type: ignore[no-untyped-def]
    """The worker's engine, or the one the dossier asked for (loaded once per process)."""
    if name is None or name == ctx.pipeline.engine:
        return ctx.engine
    return process_engine(ctx.pipeline.model_copy(update={"engine": name}))


def _record_page(ctx, dossier_id: str, index: int, *, status: str,  # type: ignore[no-untyped-def]
                 outcome: PageOutcome | None = None, pdf_key: str | None = None,
                 error: tuple[str, str] | None = None) -> None:
    with ctx.db.session() as s:
        page = find_page(s, dossier_id, index)
        if page is None:
            return
        page.status = status
        page.finished_at = utcnow()
        if outcome is not None:
            page.result = outcome.result.model_dump(mode="json")
            page.timings_ms = {k: round(v, 1) for k, v in outcome.timings_ms.items()}
            page.pdf_key = pdf_key
        if error is not None:
            page.error_code, page.error_detail = error


def finish_dossier_job(dossier_id: str) -> str:
    """Runs after every page job has ended: assemble the result, or fail with a reason."""
    ctx = current()
    with ctx.db.session() as s:
        dossier = s.get(Dossier, dossier_id)
        if dossier is None:
            return "gone"
        if dossier.status in ENDED_STATUSES:
            return dossier.status
        pages = list(s.scalars(select(Page).where(Page.dossier_id == dossier_id)
                               .order_by(Page.index).options(undefer(Page.result))))
        failed = [p for p in pages if p.status == "failed"]
        unfinished = [p for p in pages if p.status != "done"]
        if failed or unfinished:
            first = failed[0] if failed else unfinished[0]
            return fail_dossier(ctx.db, ctx.redis, dossier_id, first.error_code or "internal_error",
                                 first.error_detail or f"page {first.index + 1} "
                                 f"({first.file_name}) could not be processed", session=s)
        outcomes = [
            PageOutcome(PageResult.model_validate(p.result), ctx.blobs.path(p.pdf_key or ""),
                        dict(p.timings_ms or {}))
            for p in pages
        ]
        procedure, pdfa = dossier.procedure, dossier.pdf_format == "pdfa-2b"
    try:
        with tempfile.TemporaryDirectory(prefix="ocr-finish-") as tmp:
            target = Path(tmp) / "dossier.pdf"
            result = finish_dossier(outcomes, dossier_id=dossier_id, procedure=procedure,
                                    pdf_target=target, pdfa=pdfa,
                                    accept_confidence=ctx.pipeline.accept_confidence)
            pdf_key = ctx.blobs.put_file(target)
    except Exception as exc:
        if (error := _storage_error(exc)) is None or not _last_attempt():
            raise
        return fail_dossier(ctx.db, ctx.redis, dossier_id, error.code, str(error))
    with ctx.db.session() as s:
        dossier = s.get(Dossier, dossier_id)
        if dossier is None:
            return "gone"
        record_result(dossier, result)
        dossier.pdf_key = pdf_key
        dossier.finished_at = utcnow()
        _maybe_callback(ctx.redis, dossier)
    metrics.record_dossier(ctx.redis, result.status)
    return result.status


def fail_dossier(db: Database, redis: Redis, dossier_id: str, code: str, detail: str,
                 session: Session | None = None) -> str:
    """Mark the dossier ``failed`` with its reason (in ``session`` if given) and queue its
    callback. Used by the finishing job and by the janitor."""
    if session is None:
        with db.session() as s:
            return fail_dossier(db, redis, dossier_id, code, detail, session=s)
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        return "gone"
    dossier.status = "failed"
    dossier.error_code, dossier.error_detail = code, detail
    dossier.finished_at = utcnow()
    _maybe_callback(redis, dossier)
    metrics.record_dossier(redis, "failed")
    return "failed"


def _maybe_callback(redis: Redis, dossier: Dossier) -> None:
    if dossier.callback_url:
        enqueue_callback(redis, dossier.id, priority=dossier.priority)


def callback_body(dossier: Dossier) -> dict[str, object]:
    return {
        "dossier_id": dossier.id,
        "status": dossier.status,
        "error": ({"error": dossier.error_code, "detail": dossier.error_detail}
                  if dossier.status == "failed" else None),
        "pages": dossier.pages_total,
        "result_path": f"/v1/dossiers/{dossier.id}/result",
    }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_callback_job(dossier_id: str) -> int:
    """POST the dossier summary to its callback URL; a non-2xx answer raises, so RQ retries."""
    ctx = current()
    with ctx.db.session() as s:
        dossier = s.get(Dossier, dossier_id)
        if dossier is None or not dossier.callback_url:
            return 0
        url = dossier.callback_url
        body = json.dumps(callback_body(dossier), ensure_ascii=False).encode()
        attempt = 1 + len(dossier.callbacks)
    status: int | None = None
    error: str | None = None
    try:
        response = httpx.post(url, content=body, timeout=CALLBACK_TIMEOUT_S, headers={
            "Content-Type": "application/json",
            "X-OCR-Signature": sign(ctx.server.callback_secret, body),
            "X-OCR-Delivery": f"{dossier_id}/{attempt}",
        })
        status = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    with ctx.db.session() as s:
        s.add(CallbackAttempt(dossier_id=dossier_id, attempt=attempt, status_code=status,
                              error=error))
    if status is None or not 200 <= status < 300:
        raise RuntimeError(f"callback to {url} failed: {error or status}")
    return status
