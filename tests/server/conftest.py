from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from ocr_server.api.app import create_app
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.database import Database, upgrade
from ocr_server.store.keys import create_key
from tests.server.stack import RedisServer, Workers, wait_final


@dataclass
class Stack:
    client: TestClient
    redis: RedisServer
    workers: Workers
    db: Database
    env: dict[str, str]
    keys: dict[str, str]
    data_dir: Path

    def headers(self, role: str = "counter", **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role], **extra}

    def wait(self, dossier_id: str, timeout_s: float = 120, role: str = "counter") -> dict:
        return wait_final(self.client, self.headers(role), dossier_id, timeout_s)


@pytest.fixture
def stack(tmp_path) -> Stack:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/install-system-deps)")
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url = os.environ.get("TEST_DATABASE_URL")  # PostgreSQL run in CI
    env = dict(os.environ, REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=str(data_dir))
    if database_url:
        env["DATABASE_URL"] = database_url
    server = ServerSettings(REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=data_dir,
                            DATABASE_URL=database_url)
    if database_url:
        _reset_database(database_url)
    upgrade(server.db_url)
    db = Database(server.db_url)
    with db.session() as s:
        keys = {role: create_key(s, role=role) for role in ("counter", "reviewer", "admin")}
    app = create_app(server, PipelineSettings(), redis=Redis.from_url(redis.url))
    workers = Workers(env, tmp_path)
    with TestClient(app) as client:
        yield Stack(client, redis, workers, db, env, keys, data_dir)
    workers.stop_all()
    redis.stop()
    db.dispose()


def _reset_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
