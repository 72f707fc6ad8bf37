"""The blob directory's disk fills up (a 3 MB tmpfs): the upload that does not fit gets 507
``storage_full``, nothing half-written stays behind, earlier dossiers are untouched, and once
room is made uploads work again. Needs root to mount the tmpfs (CI runs as root)."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest
from fastapi.testclient import TestClient
from redis import Redis

from ocr_server.api.app import create_app
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.database import Database, upgrade
from ocr_server.store.keys import create_key
from tests.server.stack import RedisServer
from tests.synthetic import encode


@pytest.fixture
def full_disk(tmp_path):
    if os.getuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    blobs = tmp_path / "data" / "blobs"
    blobs.mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(blobs)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield tmp_path
    subprocess.run(["umount", str(blobs)], check=False)


def _noise_jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return encode(rng.integers(0, 256, (700, 700, 3), dtype=np.uint8), "jpeg", quality=95)


def test_full_disk_gives_507_and_leaves_nothing_half_written(full_disk):
    redis = RedisServer(full_disk / "redis")
    redis.start()
    data = full_disk / "data"
    server = ServerSettings(REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=data,
                            DATABASE_URL=f"sqlite:///{full_disk / 'db.sqlite'}")
    upgrade(server.db_url)
    db = Database(server.db_url)
    with db.session() as s:
        key = create_key(s, role="admin")
    headers = {"X-API-Key": key}
    try:
        with TestClient(create_app(server, PipelineSettings(),
                                   redis=Redis.from_url(redis.url))) as client:
            accepted, refused = [], None
            for seed in range(20):
                r = client.post("/v1/dossiers", headers=headers, files=[
                    ("files", (f"scan{seed}.jpg", _noise_jpeg(seed), "image/jpeg"))])
                if r.status_code != 202:
                    refused = r
                    break
                accepted.append(r.json()["dossier_id"])
            assert accepted and refused is not None
            assert refused.status_code == 507 and refused.json()["error"] == "storage_full"
            assert list((data / "blobs" / "tmp").iterdir()) == []  # no partial file
            for dossier_id in accepted:
                assert client.get(f"/v1/dossiers/{dossier_id}", headers=headers).json()[
                    "status"] == "queued"
            assert client.delete(f"/v1/dossiers/{accepted[0]}",
                                 headers=headers).status_code == 204
            r = client.post("/v1/dossiers", headers=headers, files=[
                ("files", ("again.jpg", _noise_jpeg(99), "image/jpeg"))])
            assert r.status_code == 202
    finally:
        db.dispose()
        redis.stop()
