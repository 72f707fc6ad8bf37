"""Per-process worker state, filled once by ``init_worker`` before ``Worker.work()``.

Forked job processes inherit it, so the OCR engine is loaded once per worker, not per job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from redis import Redis

from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.engines.base import OcrEngine
from ocr_server.engines.factory import create_engine
from ocr_server.store.blobs import BlobStore, open_blob_store
from ocr_server.store.database import Database


@dataclass
class WorkerContext:
    server: ServerSettings
    pipeline: PipelineSettings
    db: Database
    blobs: BlobStore
    redis: Redis
    engine: OcrEngine


_context: WorkerContext | None = None
_fork_hook_registered = False


def init_worker(server: ServerSettings, pipeline: PipelineSettings) -> WorkerContext:
    global _context  # noqa: PLW0603 - the one piece of module state, by design
    _context = WorkerContext(
        server=server,
        pipeline=pipeline,
        db=Database(server.db_url),
        blobs=open_blob_store(server),
        redis=Redis.from_url(server.redis_url),
        engine=create_engine(pipeline),
    )
    global _fork_hook_registered  # noqa: PLW0603
    if not _fork_hook_registered:
        os.register_at_fork(after_in_child=_fresh_connections_in_child)
        _fork_hook_registered = True
    return _context


def _fresh_connections_in_child() -> None:
    """A work horse must not use its parent's pooled database connections (the parent runs
    finishing jobs and maintenance on them): it opens its own. Redis connections are per
    process already (redis-py checks the pid)."""
    if _context is not None:
        _context.db.engine.dispose(close=False)


def current() -> WorkerContext:
    if _context is None:  # a job run outside ``ocr-server worker`` (tests call init_worker)
        return init_worker(ServerSettings(), PipelineSettings())
    return _context
