"""Hostile uploads: path-traversal names, a flood of multipart parts, no CORS for strangers."""

from __future__ import annotations

from pathlib import Path

from tests.documents import cccd_front
from tests.synthetic import encode


def test_path_traversal_names_stay_names(stack):
    data = encode(cccd_front(7).image, "jpeg", quality=80, dpi=300)
    evil = "../../../../tmp/ocr-evil-upload.jpg"
    r = stack.client.post("/v1/dossiers", headers=stack.headers(),
                          files=[("files", (evil, data, "image/jpeg"))])
    assert r.status_code == 202
    assert not Path("/tmp/ocr-evil-upload.jpg").exists()
    stored = [p for p in (stack.data_dir / "blobs").rglob("*") if p.is_file()]
    assert stored and all(stack.data_dir in p.parents for p in stored)
    from ocr_server.store.models import Page

    with stack.db.session() as s:
        name = s.query(Page.file_name).filter(Page.dossier_id == r.json()["dossier_id"]).scalar()
    assert name == "ocr-evil-upload.jpg"  # recorded without its directories


def test_thousands_of_parts_are_refused_not_crashed(stack):
    files = [("files", (f"f{i}.png", b"x", "image/png")) for i in range(1500)]
    r = stack.client.post("/v1/dossiers", headers=stack.headers(), files=files)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]


def test_no_cors_for_other_origins(stack):
    r = stack.client.options("/v1/dossiers", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
