"""Faults beyond a killed worker and a restarted Redis (tests/server/test_api_end_to_end.py):
the database restarting while workers hold pages. Every dossier must end ``done`` /
``needs_review`` or ``failed`` with a reason; none stuck, none lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.documents import lltp
from tests.server.stack import fault_outcome
from tests.synthetic import encode

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]


def _restart_postgres() -> None:
    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    cmd = ["pg_ctlcluster", version, "main", "restart", "-m", "fast"]
    if os.getuid() != 0:
        cmd = ["sudo", "-n", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL") or not shutil.which("pg_ctlcluster"),
                    reason="needs the PostgreSQL run (.ci/run sets TEST_DATABASE_URL)")
def test_postgres_restart_mid_batch_loses_nothing(stack):
    stack.workers.start()
    stack.workers.start()
    ids = []
    for seed in range(4):
        files = [("files", (f"p{i}.jpg", encode(lltp(40 + seed * 2 + i).image, "jpeg",
                                                 quality=85, dpi=300), "image/jpeg"))
                 for i in range(2)]
        r = stack.client.post("/v1/dossiers", headers=stack.headers(), files=files,
                              data={"priority": "bulk"})
        assert r.status_code == 202, r.text
        ids.append(r.json()["dossier_id"])
    time.sleep(1.5)  # workers are inside pages now
    _restart_postgres()
    outcomes = [stack.wait(dossier_id, timeout_s=240) for dossier_id in ids]
    fault_outcome("PostgreSQL restart mid-batch", outcomes)
    assert sum(body["status"] != "failed" for body in outcomes) >= 3  # retries carry them


def _horses(worker_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def test_engine_process_crash_is_retried(stack):
    """The OCR engine dies with its work horse (SIGSEGV, as a crashing libtesseract would);
    the worker survives, RQ retries the page, the dossier completes."""
    import signal

    from redis import Redis
    from rq import Worker
    from sqlalchemy import select

    from ocr_server.store.models import Page

    worker = stack.workers.start()
    redis = Redis.from_url(stack.redis.url)
    deadline = time.monotonic() + 60
    while not Worker.all(connection=redis) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    others = set(_horses(worker.pid))  # e.g. RQ's scheduler process: not a work horse
    files = [("files", (f"p{i}.jpg", encode(lltp(60 + i).image, "jpeg", quality=85, dpi=300),
                        "image/jpeg")) for i in range(3)]
    r = stack.client.post("/v1/dossiers", headers=stack.headers(), files=files)
    dossier_id = r.json()["dossier_id"]
    deadline = time.monotonic() + 60
    while not (horses := [p for p in _horses(worker.pid) if p not in others]) and \
            time.monotonic() < deadline:
        time.sleep(0.02)
    assert horses, "no work horse appeared"
    time.sleep(0.2)  # inside the page
    os.kill(horses[0], signal.SIGSEGV)
    body = stack.wait(dossier_id, timeout_s=120)
    fault_outcome("OCR engine process dies (SIGSEGV)", [body])
    assert body["status"] in ("done", "needs_review"), body
    assert worker.poll() is None  # the worker itself lives on
    with stack.db.session() as s:
        attempts = [a for (a,) in s.execute(select(Page.attempts)
                                            .where(Page.dossier_id == dossier_id))]
    assert max(attempts) == 2 and sorted(attempts)[:2] == [1, 1]
