"""Dependencies: app state, and API-key authentication with roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.blobs import BlobStore
from ocr_server.store.database import Database
from ocr_server.store.keys import find_key
from ocr_server.store.models import Dossier


@dataclass
class AppState:
    server: ServerSettings
    pipeline: PipelineSettings
    db: Database
    blobs: BlobStore
    redis: object  # redis.Redis; kept loose so tests may pass fakeredis


def get_state(request: Request) -> AppState:
    return request.app.state.ocr  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                               description="API key from `ocr-server keys create`")


@dataclass(frozen=True)
class Caller:
    key_id: int
    role: str

    def can_see(self, dossier: Dossier) -> bool:
        return self.role in ("admin", "reviewer") or dossier.owner_key_id == self.key_id


def get_caller(state: StateDep, key: Annotated[str | None, Depends(_api_key_header)]) -> Caller:
    if not key:
        raise HTTPException(401, "missing API key (header X-API-Key)",
                            headers={"WWW-Authenticate": "API-Key"})
    with state.db.session() as s:
        record = find_key(s, key)
        if record is None:
            raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "API-Key"})
        return Caller(record.id, record.role)


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if caller.role not in roles:
            raise HTTPException(403, f"role {caller.role!r} may not do this; needs {roles}")
        return caller
    return check


CallerDep = Annotated[Caller, Depends(get_caller)]
SubmitterDep = Annotated[Caller, Depends(require_role("counter", "admin"))]
AdminDep = Annotated[Caller, Depends(require_role("admin"))]
