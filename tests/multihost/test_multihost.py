"""Worker machines on separate hosts: network namespaces whose only way to Redis, PostgreSQL and
the S3 store (SeaweedFS) is a veth link. Two hosts process one bulk dossier together, and a host
cut off mid-job (link down) has its page re-run on the other.

Prints pages/min for one and for two worker hosts (on a 2-core box the second host shows the
mechanism more than a speed-up). Needs root for ``ip netns``; CI runs as root.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from ocr_server.api.app import create_app
from ocr_server.config import PipelineSettings, ServerSettings
from ocr_server.store.blobs import S3BlobStore
from ocr_server.store.database import Database, upgrade
from ocr_server.store.keys import create_key
from ocr_server.store.models import Page
from tests.documents import lltp
from tests.multihost.network import SERVICE_IP, Host, HostNetwork, netns_supported
from tests.multihost.postgres import PrivatePostgres, server_bin
from tests.server.seaweed import Seaweed
from tests.server.stack import RedisServer, Workers, fault_outcome, wait_final
from tests.synthetic import encode

pytestmark = [pytest.mark.slow, pytest.mark.tesseract]

PAGES = 12  # per dossier


def _require_hosts() -> None:
    reason = netns_supported() or (None if server_bin() else
                                   "PostgreSQL is not installed (scripts/install-system-deps)")
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the multi-host test: {reason}")
    if reason:
        pytest.skip(reason)


@dataclass
class Cluster:
    net: HostNetwork
    client: TestClient
    headers: dict[str, str]
    redis: Redis
    db: Database
    workers: Workers
    worker_env: dict[str, str]
    tmp: Path

    def start_worker_host(self) -> Host:
        """A new host and one worker on it, named after it; returns once RQ has it registered."""
        host = self.net.add_host()
        name = f"host-{len(self.net.hosts)}"
        data_dir = self.tmp / name  # each machine has its own disk (blob cache)
        self.workers.start(name=name, prefix=host.exec_prefix,
                           env=dict(self.worker_env, OCR_SERVER_DATA_DIR=str(data_dir)))
        deadline = time.monotonic() + 60
        while name not in {w.name for w in Worker.all(connection=self.redis)}:
            assert time.monotonic() < deadline, f"{name} did not register over its link"
            time.sleep(0.2)
        return host

    def post_bulk(self, pages: list[bytes]) -> str:
        files = [("files", (f"p{i:03d}.jpg", data, "image/jpeg")) for i, data in enumerate(pages)]
        r = self.client.post("/v1/dossiers", headers=self.headers, files=files,
                             data={"priority": "bulk"})
        assert r.status_code == 202, r.text
        return r.json()["dossier_id"]

    def wait(self, dossier_id: str, timeout_s: float = 300) -> dict:
        return wait_final(self.client, self.headers, dossier_id, timeout_s)

    def pages_per_min(self, pages: list[bytes]) -> tuple[str, float]:
        start = time.monotonic()
        dossier_id = self.post_bulk(pages)
        body = self.wait(dossier_id)
        assert body["status"] in ("done", "needs_review"), body
        return dossier_id, len(pages) * 60 / (time.monotonic() - start)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    _require_hosts()
    tmp = tmp_path_factory.mktemp("multihost")
    s3_env = {"OCR_SERVER_BLOB_URL": "s3://ocr/multihost", "AWS_ACCESS_KEY_ID": "test",
              "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    environ = mock.patch.dict(os.environ)  # restores the environment afterwards
    environ.start()
    net = HostNetwork().open()
    pg = PrivatePostgres(listen=[SERVICE_IP], allow_subnet=f"{SERVICE_IP}/24")
    redis = RedisServer(tmp / "redis", host=SERVICE_IP, password="multihost")
    weed = Seaweed(tmp / "weed", host=SERVICE_IP)
    workers = Workers({}, tmp)
    try:
        pg.start()
        redis.start()
        weed.start()
        s3_env["OCR_SERVER_S3_ENDPOINT"] = weed.endpoint
        os.environ.update(s3_env)  # boto3 reads the credentials from the environment
        db_url = pg.url(SERVICE_IP)
        upgrade(db_url)
        db = Database(db_url)
        with db.session() as s:
            key = create_key(s, role="admin")
        server = ServerSettings(REDIS_URL=redis.url, OCR_SERVER_DATA_DIR=tmp / "api",
                                DATABASE_URL=db_url)
        app = create_app(server, PipelineSettings(), redis=Redis.from_url(redis.url))
        assert isinstance(app.state.ocr.blobs, S3BlobStore)
        worker_env = dict(os.environ, REDIS_URL=redis.url, DATABASE_URL=db_url, **s3_env)
        with TestClient(app) as client:
            yield Cluster(net, client, {"X-API-Key": key}, Redis.from_url(redis.url), db,
                          workers, worker_env, tmp)
        db.dispose()
    finally:
        workers.stop_all()
        weed.stop()
        redis.stop()
        pg.stop()
        net.close()
        environ.stop()


@pytest.fixture(scope="module")
def scans() -> list[bytes]:
    return [encode(lltp(300 + i).image, "jpeg", quality=85, dpi=300) for i in range(PAGES * 3)]


def _host_running(redis: Redis, name: str) -> str | None:
    """The id of a page job that worker ``name`` is inside now, if any."""
    for job_id in StartedJobRegistry(queue=Queue("bulk", connection=redis)).get_job_ids():
        job = Job.fetch(job_id, connection=redis)
        if job.worker_name == name and job.func_name.endswith("process_page_job"):
            return job_id
    return None


def _page_index(job_id: str) -> int:
    return int(job_id.rsplit("-p", 1)[1])


def _attempts(db: Database, dossier_id: str) -> dict[int, int]:
    with db.session() as s:
        return dict(s.execute(select(Page.index, Page.attempts)
                              .where(Page.dossier_id == dossier_id)).all())


def test_two_worker_hosts_share_a_bulk_dossier_and_survive_a_cut_link(cluster, scans):
    cluster.start_worker_host()
    _, one_host = cluster.pages_per_min(scans[:PAGES])
    cluster.start_worker_host()
    _, two_hosts = cluster.pages_per_min(scans[PAGES:2 * PAGES])
    print(f"\nmulti-host: {PAGES} pages, 1 worker host {one_host:.1f} pages/min, "
          f"2 worker hosts {two_hosts:.1f} pages/min ({two_hosts / one_host:.2f}x)")

    # host-2 is cut off while inside a page: that page must be re-run on host-1
    dossier_id = cluster.post_bulk(scans[2 * PAGES:])
    deadline = time.monotonic() + 60
    while (job_id := _host_running(cluster.redis, "host-2")) is None \
            or _attempts(cluster.db, dossier_id)[_page_index(job_id)] == 0:
        assert time.monotonic() < deadline, "host-2 never started a page"
        time.sleep(0.05)
    cluster.net.hosts[1].cut()  # host-2 is inside the page: it has claimed it in the database
    cut_at = time.monotonic()
    body = cluster.wait(dossier_id, timeout_s=300)
    print(f"multi-host: link cut; dossier {body['status']} "
          f"{time.monotonic() - cut_at:.0f} s after the cut")
    fault_outcome("worker host cut off mid-page (link down)", [body])
    assert body["status"] in ("done", "needs_review"), body
    job = Job.fetch(job_id, connection=cluster.redis)
    assert job.worker_name == "host-1" and job.get_status() == "finished"
    with cluster.db.session() as s:
        statuses = [status for (status,) in s.execute(
            select(Page.status).where(Page.dossier_id == dossier_id))]
    assert statuses == ["done"] * PAGES, statuses
    assert _attempts(cluster.db, dossier_id)[_page_index(job_id)] == 2  # host-2, then host-1
