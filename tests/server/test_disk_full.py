"""The blob directory's disk fills up (a 3 MB tmpfs): the upload that does not fit gets 507
``storage_full``, nothing half-written stays behind, earlier dossiers are untouched, and once
room is made uploads work again. On the worker's side of the same full disk, its dossiers end
``failed`` with ``storage_full`` once RQ's retries are spent, never stuck in ``processing``.
Needs root to mount the tmpfs (CI runs as root)."""

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
from tests.server.stack import RedisServer, Workers, fault_outcome, wait_final
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


def _fill(path):  # type: ignore[no-untyped-def]
    """Take the disk's last free bytes."""
    with path.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return path


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
    workers = Workers(dict(os.environ, REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=str(data),
                           DATABASE_URL=server.db_url,
                           TMPDIR=str(data / "blobs" / "worker-tmp")), full_disk)
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
            # a worker on the same full disk (its temporary files too) cannot write a page
            worker_tmp = data / "blobs" / "worker-tmp"
            worker_tmp.mkdir()
            filler = _fill(data / "blobs" / "filler")
            workers.start()
            bodies = [wait_final(client, headers, d, timeout_s=180) for d in accepted]
            fault_outcome("blob disk full (API and worker side)", bodies)
            assert {b["error"]["error"] for b in bodies} == {"storage_full"}, bodies
            filler.unlink()
            for dossier_id in accepted:  # the operator makes room: the failed dossiers go
                assert client.delete(f"/v1/dossiers/{dossier_id}",
                                     headers=headers).status_code == 204
            r = client.post("/v1/dossiers", headers=headers, files=[
                ("files", ("again.jpg", _noise_jpeg(99), "image/jpeg"))])
            assert r.status_code == 202
            again = wait_final(client, headers, r.json()["dossier_id"], timeout_s=60)
            assert again["status"] in ("done", "needs_review"), again.get("error")
    finally:
        workers.stop_all()
        db.dispose()
        redis.stop()
