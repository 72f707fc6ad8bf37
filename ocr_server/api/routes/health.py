"""Liveness, readiness and metrics (no API key: they carry no personal data)."""

from __future__ import annotations

import shutil

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from ocr_server import metrics
from ocr_server.api.deps import StateDep
from ocr_server.engines.factory import missing_engine_files

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: StateDep) -> JSONResponse:
    """Redis, the database and the OCR engine's files are all usable."""
    checks: dict[str, str] = {}
    try:
        state.redis.ping()  # type: ignore[attr-defined]
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, do not crash
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    try:
        with state.db.session() as s:
            s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"unavailable: {type(exc).__name__}"
    missing = missing_engine_files(state.pipeline)
    if shutil.which("pdftoppm") is None:
        missing.append("pdftoppm (poppler-utils)")
    checks["ocr_engine"] = f"missing: {missing}" if missing else "ok"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
def prometheus(state: StateDep) -> Response:
    return Response(metrics.render(state.redis),  # type: ignore[arg-type]
                    media_type="text/plain; version=0.0.4")
