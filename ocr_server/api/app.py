"""create_app(): the FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from ocr_server.api.deps import AppState
from ocr_server.api.errors import install_error_handlers
from ocr_server.api.routes import dossiers, health
from ocr_server.api.timeouts import BodyTimeoutMiddleware
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.review.routes import install_review
from ocr_server.store.blobs import open_blob_store
from ocr_server.store.database import Database


def create_app(server: ServerSettings | None = None, pipeline: PipelineSettings | None = None,
               *, redis: object | None = None) -> FastAPI:
    """Build the app; ``redis`` may be injected (tests pass fakeredis)."""
    server = server or ServerSettings()
    pipeline = pipeline or PipelineSettings()
    if redis is None:
        from redis import Redis

        redis = Redis.from_url(server.redis_url)
    app = FastAPI(
        title="ocr-server",
        version="1",
        description="Vietnamese dossier digitization: upload pages, get types, fields, "
                    "missing papers and a searchable PDF. Authenticate with `X-API-Key`.",
    )
    app.state.ocr = AppState(server=server, pipeline=pipeline, db=Database(server.db_url),
                             blobs=open_blob_store(server), redis=redis)
    install_error_handlers(app)
    app.add_middleware(BodyTimeoutMiddleware, idle_s=server.body_idle_timeout_s,
                       total_s=server.body_timeout_s)
    app.include_router(health.router)
    app.include_router(dossiers.router)
    app.include_router(dossiers.audit_router)
    install_review(app)
    return app
