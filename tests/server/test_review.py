"""Review pages over HTTP (in-process client, real Redis and database): log-in, roles, CSRF,
claims, corrections with validation, the audit trail and finishing. The browser test in
``tests/ui`` drives the same pages through Chromium on a dossier the real workers produced."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from redis import Redis
from rq import Queue
from sqlalchemy import select, update

from ocr_server.result import DocumentResult, DossierResult, FieldResult, PageResult
from ocr_server.store.keys import create_key
from ocr_server.store.models import Document, Dossier, Field, ReviewEvent, utcnow
from ocr_server.store.results import record_result
from tests.documents import lltp

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')
BOX_NAME, BOX_DOB, BOX_ID = (300, 700, 1500, 760), (300, 820, 1100, 880), (300, 1180, 1300, 1240)


def _token(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page carries no CSRF token"
    return m.group(1) or m.group(2)


def _result(dossier_id: str, width: int, height: int) -> DossierResult:
    page = PageResult(index=0, source="form.png", width=width, height=height, dpi=300,
                      skew_deg=0.0, rotation_deg=0, text="", lines=[])
    fields = {
        "full_name": FieldResult(value="NGUYỄN VĂN AN", confidence=0.97, status="accepted",
                                 page=0, bbox=BOX_NAME, raw="Nguyễn Văn An"),
        "date_of_birth": FieldResult(value=None, confidence=0.5, status="needs_review", page=0,
                                     bbox=BOX_DOB, problems=["date_impossible"],
                                     raw="31/02/1990"),
        "id_number": FieldResult(value="001090012345", confidence=0.71, status="needs_review",
                                 page=0, bbox=BOX_ID, raw="00109001234S"),
        "sex": FieldResult(value="Nam", confidence=0.96, status="accepted", page=0,
                           bbox=(300, 760, 600, 820), raw="Nam"),
    }
    doc = DocumentResult(type="lltp_request_form", confidence=0.96, pages=[0], fields=fields)
    return DossierResult(dossier_id=dossier_id, procedure="lltp_issue", status="needs_review",
                         pages=[page], documents=[doc], missing_documents=["cccd_front"],
                         timings_ms={})


def _waiting_dossier(stack, *, callback_url: str | None = None) -> str:
    """A dossier as the workers leave one that needs review (no worker runs here)."""
    image = Image.fromarray(lltp(3).image)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    data = {"procedure": "lltp_issue"} | ({"callback_url": callback_url} if callback_url else {})
    r = stack.client.post("/v1/dossiers", headers=stack.headers(),
                          files=[("files", ("form.png", buf.getvalue(), "image/png"))], data=data)
    assert r.status_code == 202, r.text
    dossier_id = r.json()["dossier_id"]
    with stack.db.session() as s:
        dossier = s.get(Dossier, dossier_id)
        record_result(dossier, _result(dossier_id, image.width, image.height))
    return dossier_id


def _login(client, key: str) -> str:
    page = client.get("/review/login")
    r = client.post("/review/login", data={"api_key": key, "csrf_token": _token(page.text),
                                           "next": "/review"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return _token(client.get("/review").text)


def _field_id(stack, dossier_id: str, name: str) -> int:
    with stack.db.session() as s:
        return s.scalars(select(Field.id).join(Field.document).where(
            Field.name == name, Document.dossier_id == dossier_id)).one()


@pytest.fixture
def reviewer2(stack):
    with stack.db.session() as s:
        return create_key(s, role="reviewer", name="Trần Thị Bình")


def test_login_roles_and_cookie(stack):
    client = stack.client
    assert client.get("/review", follow_redirects=False).headers["location"].startswith(
        "/review/login")
    page = client.get("/review/login")
    token = _token(page.text)
    r = client.post("/review/login", data={"api_key": stack.keys["counter"], "csrf_token": token})
    assert r.status_code == 403 and "không được kiểm tra" in r.text
    r = client.post("/review/login", data={"api_key": "ocr_wrong", "csrf_token": token})
    assert r.status_code == 401
    r = client.post("/review/login", data={"api_key": stack.keys["reviewer"]})  # no CSRF token
    assert r.status_code == 403
    r = client.post("/review/login", data={"api_key": stack.keys["reviewer"],
                                           "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/review" in cookie
    headers = client.get("/review").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert client.get("/review").status_code == 200


def test_counter_key_cannot_use_review_json_calls(stack):
    dossier_id = _waiting_dossier(stack)
    field = _field_id(stack, dossier_id, "id_number")
    r = stack.client.post(f"/review/dossiers/{dossier_id}/fields/{field}", json={"value": None},
                          headers=stack.headers())  # an API key is not a review session
    assert r.status_code in (401, 403)


def test_queue_filters_and_counts(stack):
    dossier_id = _waiting_dossier(stack)
    _login(stack.client, stack.keys["reviewer"])
    page = stack.client.get("/review").text
    row = re.search(rf'<tr data-dossier="{dossier_id}">.*?</tr>', page, re.S)
    assert row and '<td class="num">2</td>' in row.group()  # date and ID number wait
    assert dossier_id not in stack.client.get("/review?procedure=land_change").text
    assert dossier_id in stack.client.get("/review?procedure=lltp_issue&priority=counter").text
    assert dossier_id not in stack.client.get("/review?priority=bulk").text


def test_correction_validated_audited_and_in_result(stack):
    dossier_id = _waiting_dossier(stack, callback_url="http://127.0.0.1:9/hook")
    token = _login(stack.client, stack.keys["reviewer"])
    page = stack.client.get(f"/review/dossiers/{dossier_id}")
    assert page.status_code == 200
    assert page.text.index("Ngày, tháng, năm sinh") < page.text.index("Họ và tên")  # doubtful first
    dob = _field_id(stack, dossier_id, "date_of_birth")
    idn = _field_id(stack, dossier_id, "id_number")
    url = f"/review/dossiers/{dossier_id}/fields/"
    h = {"X-CSRF-Token": token}

    assert stack.client.post(url + str(dob), json={"value": "28/02/1990"}).status_code == 403
    r = stack.client.post(url + str(dob), json={"value": "30/02/1990"}, headers=h)
    assert r.status_code == 422 and r.json()["problems"] == ["date_impossible"]
    assert "không tồn tại" in r.json()["detail"]
    r = stack.client.post(url + str(idn), json={"value": "001190012345"}, headers=h)
    assert r.status_code == 422 and r.json()["problems"] == ["id_sex_mismatch"]  # sex: Nam

    r = stack.client.post(url + str(dob), json={"value": "28/02/1990"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() | {"messages": []} == {"action": "correct", "status": "corrected",
                                           "status_text": "Đã sửa", "value": "28/02/1990",
                                           "messages": [], "waiting": 1}
    r = stack.client.post(url + str(idn), json={"value": None}, headers=h)  # Enter: accept
    assert r.json()["action"] == "accept" and r.json()["waiting"] == 0

    result = stack.client.get(f"/v1/dossiers/{dossier_id}/result", headers=stack.headers()).json()
    dob_out = result["documents"][0]["fields"]["date_of_birth"]
    assert dob_out["value"] == "1990-02-28" and dob_out["status"] == "corrected"
    assert dob_out["ocr_value"] is None and dob_out["raw"] == "31/02/1990"
    assert dob_out["reviewed_by"] and dob_out["reviewed_at"].endswith("Z")
    assert result["documents"][0]["fields"]["id_number"]["status"] == "accepted"
    DossierResult.model_validate(result)  # still the contract

    r = stack.client.post(f"/review/dossiers/{dossier_id}/finish", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "done"
    status = stack.client.get(f"/v1/dossiers/{dossier_id}", headers=stack.headers()).json()
    assert status["status"] == "done"
    result = stack.client.get(f"/v1/dossiers/{dossier_id}/result", headers=stack.headers()).json()
    assert result["status"] == "done" and result["review"]["by"]
    events = stack.client.get(f"/v1/dossiers/{dossier_id}/review-events",
                              headers=stack.headers("reviewer")).json()
    assert [(e["action"], e["field_name"], e["old_value"], e["new_value"]) for e in events] == [
        ("correct", "date_of_birth", None, "1990-02-28"),
        ("accept", "id_number", "001090012345", "001090012345"),
        ("finish", None, None, None)]
    queued = Queue("counter", connection=Redis.from_url(stack.redis.url)).get_job_ids()
    assert f"{dossier_id}-callback" in queued, "finishing the dossier queues its callback"
    assert stack.client.delete(f"/v1/dossiers/{dossier_id}",
                               headers=stack.headers()).status_code == 204
    with stack.db.session() as s:  # the audit trail goes with the dossier it describes
        assert s.scalars(select(ReviewEvent).where(ReviewEvent.dossier_id == dossier_id)
                         ).all() == []


def test_finish_refused_while_fields_wait(stack):
    dossier_id = _waiting_dossier(stack)
    token = _login(stack.client, stack.keys["reviewer"])
    stack.client.get(f"/review/dossiers/{dossier_id}")
    r = stack.client.post(f"/review/dossiers/{dossier_id}/finish", headers={"X-CSRF-Token": token})
    assert r.status_code == 409 and r.json()["error"] == "review_incomplete"
    assert "còn 2 trường" in r.json()["detail"]


def test_one_reviewer_at_a_time_and_expired_claim_returns_to_queue(stack, reviewer2):
    from fastapi.testclient import TestClient

    dossier_id = _waiting_dossier(stack)
    _login(stack.client, stack.keys["reviewer"])
    assert stack.client.get(f"/review/dossiers/{dossier_id}").status_code == 200
    with TestClient(stack.client.app) as other:
        token2 = _login(other, reviewer2)
        queue = other.get("/review").text
        assert dossier_id not in queue and 'id="held">1 hồ sơ' in queue
        r = other.get(f"/review/dossiers/{dossier_id}")
        assert r.status_code == 409 and "đang được" in r.text
        field = _field_id(stack, dossier_id, "id_number")
        r = other.post(f"/review/dossiers/{dossier_id}/fields/{field}", json={"value": None},
                       headers={"X-CSRF-Token": token2})
        assert r.status_code == 409 and r.json()["error"] == "claim_lost"

        with stack.db.session() as s:  # the first reviewer walked away; the claim runs out
            s.execute(update(Dossier).where(Dossier.id == dossier_id)
                      .values(claim_expires_at=utcnow() - timedelta(seconds=1)))
        assert dossier_id in other.get("/review").text
        assert other.get(f"/review/dossiers/{dossier_id}").status_code == 200
        assert "Trần Thị Bình" in stack.client.get(f"/review/dossiers/{dossier_id}").text


def test_crop_is_cut_from_the_uploaded_page(stack):
    dossier_id = _waiting_dossier(stack)
    _login(stack.client, stack.keys["reviewer"])
    field = _field_id(stack, dossier_id, "date_of_birth")
    r = stack.client.get(f"/review/dossiers/{dossier_id}/fields/{field}/crop.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    crop = Image.open(io.BytesIO(r.content))
    x0, y0, x1, y1 = BOX_DOB
    margin = max(12, (y1 - y0) // 2)
    assert crop.size == (x1 - x0 + 2 * margin, y1 - y0 + 2 * margin)
    r = stack.client.get(f"/review/dossiers/{dossier_id}/pages/0/preview.jpg")
    assert r.status_code == 200 and max(Image.open(io.BytesIO(r.content)).size) <= 1400
    with stack.db.session() as s:
        assert s.scalars(select(ReviewEvent)).all() == []  # looking changes nothing
