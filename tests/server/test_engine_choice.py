"""Choosing the OCR engine per dossier through the API: an installed one is used by the real
workers; one that is not installed is refused up front with ``engine_unavailable``."""

from __future__ import annotations

import pytest

from tests.documents import lltp
from tests.synthetic import character_error_rate, encode

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]


def _post(stack, **data):
    page = lltp(21)
    files = [("files", ("form.jpg", encode(page.image, "jpeg", quality=90, dpi=300),
                        "image/jpeg"))]
    return page, stack.client.post("/v1/dossiers", headers=stack.headers(), files=files,
                                   data=data)


def test_hybrid_engine_per_dossier(stack):
    stack.workers.start()
    page, r = _post(stack, engine="hybrid", procedure="lltp_issue")
    assert r.status_code == 202, r.text
    dossier_id = r.json()["dossier_id"]
    assert stack.wait(dossier_id)["status"] in ("done", "needs_review")
    result = stack.client.get(f"/v1/dossiers/{dossier_id}/result",
                              headers=stack.headers()).json()
    truth = "\n".join(line.text for line in page.lines)
    assert character_error_rate(truth, result["pages"][0]["text"]) < 0.02
    assert result["documents"][0]["fields"]["full_name"]["value"] == page.fields["full_name"]


def test_engine_not_installed_is_refused(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("OCR_SERVER_PADDLE_MODEL_DIR", str(tmp_path))
    _, r = _post(stack, engine="paddle")
    assert r.status_code == 422 and r.json()["error"] == "engine_unavailable"
    _, r = _post(stack, engine="nonsense")
    assert r.status_code == 422
