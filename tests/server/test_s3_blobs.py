"""Blobs in a real S3 store (SeaweedFS): the same content addressing and atomicity as the
directory store, and a dossier stored by the API on one "host" (cache directory) and processed
by workers on another, through the bucket."""

from __future__ import annotations

import io
import os
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from ocr_server.api.app import create_app
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.blobs import BlobTooLargeError, S3BlobStore, open_blob_store
from ocr_server.store.database import Database, upgrade
from ocr_server.store.keys import create_key
from tests.documents import lltp
from tests.server.seaweed import Seaweed
from tests.server.stack import RedisServer, Workers, fault_outcome, wait_final
from tests.synthetic import encode

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    server = Seaweed(tmp_path_factory.mktemp("weed"))
    server.start()
    yield server
    server.stop()


def _objects(client, prefix: str = "") -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket="ocr", Prefix=prefix)
            .get("Contents", [])]


def test_content_addressed_atomic_and_shared_between_hosts(seaweed, tmp_path):
    a = S3BlobStore(tmp_path / "host-a", client=seaweed.client(), bucket="ocr", prefix="t1")
    b = S3BlobStore(tmp_path / "host-b", client=seaweed.client(), bucket="ocr", prefix="t1")
    key, size = a.put_stream(io.BytesIO(b"scan bytes"))
    assert (key, size) == (a.put_stream(io.BytesIO(b"scan bytes")))  # same content, same key
    assert b.path(key).read_bytes() == b"scan bytes"  # the other host downloads it
    with pytest.raises(BlobTooLargeError):
        a.put_stream(io.BytesIO(b"x" * 100), max_bytes=10)
    assert _objects(seaweed.client(), "t1/") == [f"t1/{key[:2]}/{key[2:]}"]  # nothing partial
    assert not list((tmp_path / "host-b" / "tmp").iterdir())
    a.delete([key])
    assert _objects(seaweed.client(), "t1/") == []


def test_cache_is_trimmed_least_recently_used_first(seaweed, tmp_path):
    store = S3BlobStore(tmp_path / "cache", client=seaweed.client(), bucket="ocr", prefix="t2",
                        cache_max_bytes=250_000, keep_recent_s=60)
    keys = [store.put_stream(io.BytesIO(bytes([i]) * 100_000))[0] for i in range(5)]
    hour_ago = time.time() - 3600
    for age, key in enumerate(keys[:4]):  # keys[0] used longest ago; keys[4] just now
        os.utime(store.path(key), (hour_ago + age, hour_ago + age))
    assert store.trim_cache(250_000) == 300_000
    assert {key for key in keys if store._local(key).exists()} == {keys[3], keys[4]}
    assert store.path(keys[0]).read_bytes() == bytes([0]) * 100_000  # back from the bucket
    assert store.trim_cache(0) == 100_000  # what was used within keep_recent_s stays
    assert {key for key in keys if store._local(key).exists()} == {keys[0], keys[4]}
    store.delete(keys)


@contextmanager
def s3_stack(seaweed: Seaweed, tmp_path: Path, workers_n: int = 1):
    """redis-server, an API (TestClient) and workers, each "host" with its own cache
    directory, sharing one database file and the bucket. Yields (client, headers)."""
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    api_dir, worker_dir = tmp_path / "api", tmp_path / "worker"
    db_url = f"sqlite:///{api_dir / 'shared.db'}"
    s3 = {"OCR_SERVER_BLOB_URL": "s3://ocr/e2e", "OCR_SERVER_S3_ENDPOINT": seaweed.endpoint,
          "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
          "AWS_DEFAULT_REGION": "us-east-1"}
    env = dict(os.environ, REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=str(worker_dir),
               DATABASE_URL=db_url, **s3)
    environ = mock.patch.dict(os.environ, s3)  # boto3 reads the credentials from it
    environ.start()
    workers = Workers(env, tmp_path)
    try:
        server = ServerSettings(REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=api_dir,
                                DATABASE_URL=db_url)
        api_dir.mkdir()
        upgrade(db_url)
        db = Database(db_url)
        with db.session() as s:
            key = create_key(s, role="admin")
        assert isinstance(open_blob_store(server), S3BlobStore)
        app = create_app(server, PipelineSettings(), redis=Redis.from_url(redis.url))
        for _ in range(workers_n):
            workers.start()
        with TestClient(app) as client:
            yield client, {"X-API-Key": key}
        db.dispose()
    finally:
        workers.stop_all()
        redis.stop()
        environ.stop()


def _post(client, headers, seed: int):
    page = lltp(seed)
    return client.post("/v1/dossiers", headers=headers, files=[(
        "files", ("form.jpg", encode(page.image, "jpeg", quality=90, dpi=300), "image/jpeg"))])


def _wait(client, headers, dossier_id: str, timeout_s: float = 120) -> str:
    return wait_final(client, headers, dossier_id, timeout_s)["status"]


@pytest.mark.tesseract
def test_api_and_workers_on_separate_caches_share_the_bucket(seaweed, tmp_path):
    with s3_stack(seaweed, tmp_path) as (client, headers):
        dossier_id = _post(client, headers, 51).json()["dossier_id"]
        assert _wait(client, headers, dossier_id) in ("done", "needs_review")
        pdf = client.get(f"/v1/dossiers/{dossier_id}/pdf", headers=headers)
        assert pdf.content.startswith(b"%PDF")  # written by the worker, read by the API
        assert len(_objects(seaweed.client(), "e2e/")) >= 3  # upload, page PDF, dossier PDF
        assert client.delete(f"/v1/dossiers/{dossier_id}", headers=headers).status_code == 204
        assert _objects(seaweed.client(), "e2e/") == []


@pytest.mark.tesseract
def test_object_store_down_for_ten_seconds(seaweed, tmp_path):
    """Uploads during the outage get 503 storage_unavailable (the counter retries); dossiers
    already queued wait through RQ's retries and complete once the store is back."""
    with s3_stack(seaweed, tmp_path, workers_n=2) as (client, headers):
        ids = [_post(client, headers, 70 + i).json()["dossier_id"] for i in range(4)]
        seaweed.stop()
        down = time.monotonic()
        r = _post(client, headers, 80)
        assert r.status_code == 503 and r.json()["error"] == "storage_unavailable"
        time.sleep(max(0.0, 10 - (time.monotonic() - down)))
        seaweed.start()
        bodies = [wait_final(client, headers, d, timeout_s=180) for d in ids]
        fault_outcome("S3 store down 10 s", bodies)
        assert all(b["status"] in ("done", "needs_review") for b in bodies), bodies
