"""API keys: random tokens, stored only as their sha256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr_server.store.models import ApiKey

ROLES = ("counter", "reviewer", "admin")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, *, role: str, name: str = "") -> str:
    """Create a key and return it; only its hash is stored, so this is the one time it is seen."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    key = "ocr_" + secrets.token_urlsafe(32)
    session.add(ApiKey(prefix=key[:12], key_hash=_hash(key), role=role, name=name))
    return key


def find_key(session: Session, key: str) -> ApiKey | None:
    record = session.scalars(select(ApiKey).where(ApiKey.key_hash == _hash(key))).one_or_none()
    return None if record is None or record.revoked else record
