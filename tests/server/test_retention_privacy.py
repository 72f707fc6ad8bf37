"""Personal data: nothing of a citizen's papers in the logs; dossiers past retention and deleted
dossiers leave no row and no file behind."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ocr_server.store.models import Document, Dossier, Field, Page, ReviewEvent, utcnow
from tests.documents import lltp
from tests.synthetic import encode

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]


def _submit(stack, seed: int):
    page = lltp(seed)
    files = [("files", ("form.jpg", encode(page.image, "jpeg", quality=90, dpi=300),
                        "image/jpeg"))]
    r = stack.client.post("/v1/dossiers", headers=stack.headers(), files=files,
                          data={"procedure": "lltp_issue"})
    assert r.status_code == 202, r.text
    return page, r.json()["dossier_id"]


def _blob_files(stack) -> set[str]:
    root = stack.data_dir / "blobs"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _rows(stack, dossier_id: str) -> int:
    with stack.db.session() as s:
        return sum(s.scalar(select(func.count()).select_from(model).where(
            model.dossier_id == dossier_id)) for model in (Page, Document, ReviewEvent)) + \
            s.scalar(select(func.count()).select_from(Dossier).where(Dossier.id == dossier_id))


def test_no_personal_data_in_logs(stack, caplog):
    caplog.set_level(logging.DEBUG)
    stack.workers.start()
    page, dossier_id = _submit(stack, 31)
    stack.wait(dossier_id)
    stack.client.get(f"/v1/dossiers/{dossier_id}/result", headers=stack.headers())
    stack.workers.stop_all()
    log = stack.client.get(f"/v1/audit?dossier_id={dossier_id}",
                           headers=stack.headers("admin")).json()
    assert [e["action"] for e in log] == ["read_result", "submit"]  # newest first
    logs = caplog.text + "".join(p.read_text(errors="replace")
                                 for p in stack.data_dir.parent.glob("worker-*.log"))
    assert dossier_id in logs or "process_page_job" in logs  # the logs were captured
    for secret in (page.fields["id_number"], page.fields["full_name"],
                   page.fields["full_name"].title(), page.fields["mother_name"]):
        assert secret not in logs


def test_retention_purge_and_delete_leave_nothing(stack):
    stack.workers.start()
    _, old = _submit(stack, 32)
    _, new = _submit(stack, 33)
    stack.wait(old)
    stack.wait(new)
    with stack.db.session() as s:
        s.execute(update(Dossier).where(Dossier.id == old)
                  .values(created_at=utcnow() - timedelta(days=40)))
    proc = subprocess.run([sys.executable, "-m", "ocr_server.cli", "purge",
                           "--older-than-days", "30"], env=stack.env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "purged 1 dossier" in proc.stdout, proc.stderr
    assert _rows(stack, old) == 0 and _rows(stack, new) > 0
    with stack.db.session() as s:
        keys = {k for (k,) in s.execute(select(Page.blob_key))} | \
            {k for (k,) in s.execute(select(Page.pdf_key))} | \
            {k for (k,) in s.execute(select(Dossier.pdf_key))}
    assert {k[2:] for k in keys if k} == _blob_files(stack)  # nothing of the old one is left

    assert stack.client.delete(f"/v1/dossiers/{new}", headers=stack.headers()).status_code == 204
    assert _rows(stack, new) == 0 and _blob_files(stack) == set()
    with stack.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Field)) == 0

    # the access log outlives both dossiers, and only an admin reads it
    assert stack.client.get("/v1/audit", headers=stack.headers()).status_code == 403
    log = stack.client.get("/v1/audit", headers=stack.headers("admin")).json()
    actions = {(e["dossier_id"], e["action"]) for e in log}
    assert {(old, "submit"), (old, "purge"), (new, "submit"), (new, "delete")} <= actions
    assert next(e for e in log if e["action"] == "purge")["key_id"] is None
    only_new = stack.client.get(f"/v1/audit?dossier_id={new}", headers=stack.headers("admin"))
    assert {e["dossier_id"] for e in only_new.json()} == {new}


def test_purge_needs_a_period(stack):
    proc = subprocess.run([sys.executable, "-m", "ocr_server.cli", "purge"], env=stack.env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "OCR_SERVER_RETENTION_DAYS" in proc.stderr
