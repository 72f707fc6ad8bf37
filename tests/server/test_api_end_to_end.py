"""The API with a real redis-server and real `ocr-server worker` processes."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from redis import Redis
from rq.job import Job
from rq.registry import StartedJobRegistry

from tests.badfiles import write_bad_files
from tests.conftest import lltp_page, text_page
from tests.server.stack import fault_outcome
from tests.synthetic import encode, rotate_quarter, skew

pytestmark = pytest.mark.tesseract

# Processed to the end: `needs_review` is a finished dossier whose doubtful fields await a person.
COMPLETED = ("done", "needs_review")


def _files(*pairs):
    return [("files", (name, data, "application/octet-stream")) for name, data in pairs]


@pytest.fixture(scope="module")
def two_pages():
    form = encode(skew(lltp_page(1).image, 2.0), "jpeg", quality=85, dpi=300)
    notice = encode(rotate_quarter(text_page(2).image, 180), "png", dpi=300)
    return [("form.jpg", form), ("notice.png", notice)]


def _strip(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in ("dossier_id", "timings_ms")}


def test_post_poll_result_equals_cli_and_pdf_downloads(stack, two_pages, tmp_path):
    stack.workers.start()
    r = stack.client.post("/v1/dossiers", files=_files(*two_pages),
                          data={"procedure": "lltp_issue"}, headers=stack.headers())
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] in ("queued", "processing")
    assert body["progress"]["pages_total"] == 2
    final = stack.wait(body["dossier_id"])
    assert final["status"] in COMPLETED
    assert final["progress"] == {"pages_done": 2, "pages_total": 2}

    result = stack.client.get(final["result_url"], headers=stack.headers()).json()
    for name, data in two_pages:
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "ocr_server.cli", "process",
                           *[str(tmp_path / n) for n, _ in two_pages], "--out", str(out),
                           "--procedure", "lltp_issue", "--jobs", "1"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    cli = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    assert _strip(result) == _strip(cli)
    assert result["dossier_id"] == body["dossier_id"]

    pdf = stack.client.get(final["pdf_url"], headers=stack.headers())
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    image = stack.client.get(f"/v1/dossiers/{body['dossier_id']}/pages/0/image",
                             headers=stack.headers())
    assert image.status_code == 200 and image.content == two_pages[0][1]

    metrics = stack.client.get("/metrics").text
    assert 'ocr_pages_total{outcome="processed"} 2.0' in metrics
    assert 'ocr_stage_seconds_bucket{le="+Inf",stage="ocr"} 2.0' in metrics

    # erase: records and blobs go; other callers never saw it
    blobs_before = {p for p in (stack.data_dir / "blobs").rglob("*") if p.is_file()}
    assert blobs_before
    gone = stack.client.delete(f"/v1/dossiers/{body['dossier_id']}", headers=stack.headers())
    assert gone.status_code == 204
    assert stack.client.get(final["status_url"], headers=stack.headers()).status_code == 404
    assert not [p for p in (stack.data_dir / "blobs").rglob("*")
                if p.is_file() and p.parent.name != "tmp"]


def test_same_idempotency_key_gives_one_dossier(stack, two_pages):
    headers = stack.headers(**{"Idempotency-Key": "scan-42"})
    first = stack.client.post("/v1/dossiers", files=_files(two_pages[0]), headers=headers)
    again = stack.client.post("/v1/dossiers", files=_files(two_pages[0]), headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["dossier_id"] == again.json()["dossier_id"]
    other = stack.client.post("/v1/dossiers", files=_files(two_pages[0]),
                              headers=stack.headers(**{"Idempotency-Key": "scan-43"}))
    assert other.json()["dossier_id"] != first.json()["dossier_id"]
    from sqlalchemy import func, select

    from ocr_server.store.models import Dossier
    with stack.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 2


def test_access_control(stack, two_pages):
    c = stack.client
    assert c.post("/v1/dossiers", files=_files(two_pages[0])).status_code == 401
    bad = c.post("/v1/dossiers", files=_files(two_pages[0]), headers={"X-API-Key": "nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "unauthorized"
    denied = c.post("/v1/dossiers", files=_files(two_pages[0]), headers=stack.headers("reviewer"))
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    made = c.post("/v1/dossiers", files=_files(two_pages[0]), headers=stack.headers("counter"))
    dossier_id = made.json()["dossier_id"]
    assert c.get(f"/v1/dossiers/{dossier_id}").status_code == 401
    assert c.get(f"/v1/dossiers/{dossier_id}", headers=stack.headers("reviewer")).status_code == 200
    with stack.db.session() as s:
        from ocr_server.store.keys import create_key
        other_counter = create_key(s, role="counter")
    hidden = c.get(f"/v1/dossiers/{dossier_id}", headers={"X-API-Key": other_counter})
    assert hidden.status_code == 404


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return write_bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(("case", "status", "code"), [
    ("not_an_image", 415, "unsupported_type"),
    ("empty", 422, "empty_file"),
    ("pixel_bomb", 422, "image_too_large"),
    ("encrypted_pdf", 422, "encrypted_pdf"),
    ("corrupt_pdf", 422, "corrupt_pdf"),
])
def test_bad_uploads_are_refused_up_front(stack, bad, case, status, code):
    path = bad[case]
    r = stack.client.post("/v1/dossiers", files=_files((path.name, path.read_bytes())),
                          headers=stack.headers())
    assert r.status_code == status, r.text
    assert r.json()["error"] == code and path.name in r.json()["detail"]
    stored = [p for p in (stack.data_dir / "blobs").rglob("*")
              if p.is_file() and p.parent.name != "tmp"]
    assert stored == []  # nothing kept of a refused upload


def test_limits_and_form_validation(stack, two_pages):
    stack.client.app.state.ocr.server.max_file_bytes = 1000
    r = stack.client.post("/v1/dossiers", files=_files(two_pages[0]), headers=stack.headers())
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    r = stack.client.post("/v1/dossiers", files=_files(two_pages[0]),
                          data={"procedure": "nope"}, headers=stack.headers())
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = stack.client.post("/v1/dossiers", data={"priority": "bulk"}, headers=stack.headers())
    assert r.status_code == 422


def test_truncated_page_fails_the_dossier_with_a_reason(stack, bad):
    stack.workers.start()
    path = bad["truncated_jpeg"]
    r = stack.client.post("/v1/dossiers", files=_files((path.name, path.read_bytes())),
                          headers=stack.headers())
    assert r.status_code == 202
    final = stack.wait(r.json()["dossier_id"], timeout_s=60)
    assert final["status"] == "failed"
    assert final["error"]["error"] == "unreadable_image"
    assert "truncated.jpg" in final["error"]["detail"]


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((dict(self.headers), body))
        self.send_response(500 if len(_Receiver.received) == 1 else 200)  # first try fails
        self.end_headers()

    def log_message(self, *args):
        pass


def test_callback_is_signed_and_retried(stack, two_pages):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received = []
    stack.workers.start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    r = stack.client.post("/v1/dossiers", files=_files(two_pages[0]),
                          data={"callback_url": url}, headers=stack.headers())
    dossier_id = r.json()["dossier_id"]
    final_status = stack.wait(dossier_id)["status"]
    assert final_status in COMPLETED
    deadline = time.monotonic() + 40
    while len(_Receiver.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    server.shutdown()
    assert len(_Receiver.received) == 2
    headers, body = _Receiver.received[-1]
    expected = "sha256=" + hmac.new(b"change-me", body, hashlib.sha256).hexdigest()
    assert headers["X-OCR-Signature"] == expected
    assert json.loads(body) == {"dossier_id": dossier_id, "status": final_status, "error": None,
                                "pages": 1, "result_path": f"/v1/dossiers/{dossier_id}/result"}
    from ocr_server.store.models import CallbackAttempt
    with stack.db.session() as s:
        attempts = s.query(CallbackAttempt).filter_by(dossier_id=dossier_id).all()
        assert sorted((a.attempt, a.status_code) for a in attempts) == [(1, 500), (2, 200)]


@pytest.mark.slow
def test_sigkilled_worker_page_is_rerun_and_dossier_completes(stack):
    pages = [(f"p{i}.jpg", encode(lltp_page(20 + i).image, "jpeg", quality=85, dpi=300))
             for i in range(4)]
    victim = stack.workers.start()
    r = stack.client.post("/v1/dossiers", files=_files(*pages), data={"priority": "bulk"},
                          headers=stack.headers())
    dossier_id = r.json()["dossier_id"]
    conn = Redis.from_url(stack.redis.url)
    registry = StartedJobRegistry("bulk", connection=conn)
    deadline = time.monotonic() + 60

    def holding_a_page() -> bool:
        # RQ adds the job to the registry a moment before marking it started; a kill inside
        # that window is recovered by the janitor (next test), this one kills a running page.
        return any(Job.fetch(j, connection=conn).get_status() == "started"
                   for j in registry.get_job_ids())

    while not holding_a_page() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert holding_a_page(), "the worker never started a page"
    stack.workers.kill9(victim)  # the worker and its work horse, mid-page
    killed_at = time.monotonic()
    stack.workers.start()
    final = stack.wait(dossier_id, timeout_s=90)
    fault_outcome("worker SIGKILL mid-page", [final])
    assert final["status"] in COMPLETED
    print(f"\nworker SIGKILL: dossier ended {time.monotonic() - killed_at:.0f} s after the kill")
    assert time.monotonic() - killed_at < 60


@pytest.mark.slow
def test_queued_dossiers_survive_a_redis_restart(stack, two_pages):
    ids = [stack.client.post("/v1/dossiers", files=_files(two_pages[0]),
                             headers=stack.headers()).json()["dossier_id"] for _ in range(2)]
    stack.redis.kill()  # SIGKILL: only what AOF wrote survives
    stack.redis.start()
    stack.workers.start()
    bodies = [stack.wait(dossier_id, timeout_s=90) for dossier_id in ids]
    fault_outcome("Redis SIGKILL and restart (queued dossiers)", bodies)
    assert all(body["status"] in COMPLETED for body in bodies)


def test_health_and_readiness(stack):
    assert stack.client.get("/healthz").json() == {"status": "ok"}
    ready = stack.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    stack.redis.kill()
    down = stack.client.get("/readyz")
    assert down.status_code == 503 and down.json()["checks"]["redis"].startswith("unavailable")
    stack.redis.start()


def test_status_names_scan_problems_with_messages(stack):
    from tests.synthetic import blur

    stack.workers.start()
    blurred = encode(blur(lltp_page(3).image, 2.5), "jpeg", quality=85, dpi=300)
    r = stack.client.post("/v1/dossiers", files=_files(("mo.jpg", blurred)),
                          headers=stack.headers())
    final = stack.wait(r.json()["dossier_id"])
    assert final["quality_problems"] == [{
        "page": 0, "code": "blurred", "message_vi": "Ảnh bị mờ, vui lòng quét lại",
        "message_en": "Image is blurred, please rescan"}]
    result = stack.client.get(final["result_url"], headers=stack.headers()).json()
    assert result["pages"][0]["quality"]["ok"] is False


def test_a_job_rq_lost_is_put_back_and_the_dossier_completes(stack, two_pages):
    """RQ drops a job killed between leaving the queue and being marked started; the
    workers' maintenance finds the unfinished dossier's job in no queue and re-queues it."""
    from datetime import timedelta

    from rq import Queue

    from ocr_server.jobs import page_job_id
    from ocr_server.store.models import Dossier

    r = stack.client.post("/v1/dossiers", files=_files(two_pages[0]), headers=stack.headers())
    dossier_id = r.json()["dossier_id"]
    queue = Queue("counter", connection=Redis.from_url(stack.redis.url))
    assert queue.remove(page_job_id(dossier_id, 0)) == 1  # lost: in no queue, still "queued"
    with stack.db.session() as s:  # older than the janitor's patience
        dossier = s.get(Dossier, dossier_id)
        dossier.created_at -= timedelta(seconds=120)
    stack.workers.start()
    final = stack.wait(dossier_id, timeout_s=60)
    fault_outcome("a job RQ lost (in no queue)", [final])
    assert final["status"] in COMPLETED


def test_commands_create_a_missing_data_dir(tmp_path):
    import os

    data = tmp_path / "not" / "yet"
    env = dict(os.environ, OCR_SERVER_DATA_DIR=str(data))
    for args in (["db", "upgrade"], ["keys", "create", "--role", "reviewer"]):
        proc = subprocess.run([sys.executable, "-m", "ocr_server.cli", *args], env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert (data / "ocr-server.db").exists()
    assert proc.stdout.startswith("ocr_") and len(proc.stdout.strip()) > 30


def test_a_finishing_job_that_failed_for_good_fails_the_dossier(stack, two_pages):
    """Nothing else would end a dossier whose finishing job has spent its retries: the
    workers' maintenance marks it failed with a reason instead of leaving it processing."""
    from datetime import timedelta

    from rq import Queue
    from rq.job import JobStatus
    from rq.registry import DeferredJobRegistry

    from ocr_server.jobs import finish_job_id, page_job_id
    from ocr_server.store.models import Dossier, Page
    from workers.janitor import requeue_lost_jobs

    r = stack.client.post("/v1/dossiers", files=_files(two_pages[0]), headers=stack.headers())
    dossier_id = r.json()["dossier_id"]
    conn = Redis.from_url(stack.redis.url)
    queue = Queue("counter", connection=conn)
    queue.remove(page_job_id(dossier_id, 0))
    finish = Job.fetch(finish_job_id(dossier_id), connection=conn)
    DeferredJobRegistry(queue=queue).remove(finish)
    finish.set_status(JobStatus.FAILED)  # as RQ leaves it after the last retry
    with stack.db.session() as s:
        s.get(Dossier, dossier_id).created_at -= timedelta(seconds=120)
        s.query(Page).filter_by(dossier_id=dossier_id).update({"status": "done"})
    assert requeue_lost_jobs(conn, stack.db, page_timeout_s=60) == []
    body = stack.client.get(f"/v1/dossiers/{dossier_id}", headers=stack.headers()).json()
    assert body["status"] == "failed" and body["error"]["error"] == "internal_error"
