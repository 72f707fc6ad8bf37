"""Retention: dossiers older than ``OCR_SERVER_RETENTION_DAYS`` are purged with their blobs.

Citizens' papers are personal data (Law 91/2025/QH15, Decree 356/2025): they are kept no longer
than the deployment's retention period. Workers run this in their maintenance at most once an
hour (one worker at a time, under a Redis lock); ``ocr-server purge`` runs it from cron.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy import select

from ocr_server.store.blobs import BlobStore
from ocr_server.store.database import Database
from ocr_server.store.models import AccessEvent, Dossier, utcnow
from ocr_server.submission import delete_dossier

log = logging.getLogger("ocr_server.retention")
LOCK_KEY, EVERY_S = "ocr:retention", 3600


def purge_older_than(days: int, *, db: Database, blobs: BlobStore, redis: Redis,
                     now: datetime | None = None, limit: int = 500) -> int:
    """Delete up to ``limit`` dossiers created more than ``days`` days ago; how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    with db.session() as s:
        ids = list(s.scalars(select(Dossier.id).where(Dossier.created_at < cutoff)
                            .order_by(Dossier.created_at).limit(limit)))
    for dossier_id in ids:
        with db.session() as s:
            s.add(AccessEvent(key_id=None, dossier_id=dossier_id, action="purge"))
        delete_dossier(dossier_id, db=db, blobs=blobs, redis=redis)
    if ids:
        log.info("retention: purged %d dossier(s) older than %d days", len(ids), days)
    return len(ids)


def maybe_purge(days: int | None, *, db: Database, blobs: BlobStore, redis: Redis) -> int:
    """From a worker's maintenance: at most once per hour across all workers."""
    if days is None or not redis.set(LOCK_KEY, "1", nx=True, ex=EVERY_S):
        return 0
    return purge_older_than(days, db=db, blobs=blobs, redis=redis)
