"""The review pages in a real browser, on a dossier the real workers produced: log in, open the
queue, correct the doubtful date with the keyboard only, finish with Ctrl+Enter; the result
JSON then shows the correction and the audit trail holds it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from ocr_server.store.keys import create_key
from tests.documents import lltp

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
SEED = 11


def _submit_form_with_impossible_date(stack) -> tuple[str, str]:
    year = lltp(SEED).fields["date_of_birth"][:4]
    page = lltp(SEED, date_of_birth=f"31/02/{year}")
    buf = io.BytesIO()
    Image.fromarray(page.image).save(buf, format="JPEG", quality=90, dpi=(300, 300))
    r = stack.client.post("/v1/dossiers", headers=stack.headers(),
                          files=[("files", ("to-khai.jpg", buf.getvalue(), "image/jpeg"))],
                          data={"procedure": "lltp_issue"})
    assert r.status_code == 202, r.text
    return r.json()["dossier_id"], year


def test_keyboard_review_in_chromium(stack, live_url, browser):
    stack.workers.start()
    dossier_id, year = _submit_form_with_impossible_date(stack)
    assert stack.wait(dossier_id)["status"] == "needs_review"

    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page.goto(f"{live_url}/review")
    assert "/review/login" in page.url  # not logged in: sent to the form
    with stack.db.session() as s:
        key = create_key(s, role="reviewer", name="Nguyễn Thị Hoa")
    page.fill("#api_key", key)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/review")
    row = page.locator(f'tr[data-dossier="{dossier_id}"]')
    assert row.count() == 1 and int(row.locator("td.num").inner_text()) >= 1
    row.locator("a").click()
    page.wait_for_url(f"**/review/dossiers/{dossier_id}")

    # The first doubtful field has the focus, its text selected: typing replaces it.
    dob = page.locator('.field[data-name="date_of_birth"]')
    assert dob.get_attribute("class").split().count("pending") == 1
    focused = page.evaluate("document.activeElement.closest('.field').dataset.name")
    assert focused == "date_of_birth"
    assert page.locator("#highlight").is_visible()  # its box shown on the page view
    page.wait_for_function(  # the crop of the upload arrives (fetched after the page)
        "() => { const i = document.querySelector('.field[data-name=\"date_of_birth\"] .crop img');"
        " return i && i.complete && i.naturalWidth > 0; }", timeout=15000)

    page.keyboard.type(f"30/02/{year}")  # still impossible: refused beside the field
    page.keyboard.press("Enter")
    page.wait_for_selector('.field[data-name="date_of_birth"].invalid')
    assert "không tồn tại" in dob.locator(".message").inner_text()

    page.keyboard.press("Control+A")
    page.keyboard.type(f"28/02/{year}")
    page.keyboard.press("Enter")
    page.wait_for_selector('.field[data-name="date_of_birth"].done')
    assert dob.locator(".status").inner_text() == "Đã sửa"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-dossier.png"))

    # Enter accepts whatever else waits; focus moves on by itself.
    for _ in range(30):
        name = page.evaluate("document.activeElement.closest('.field')?.dataset.name ?? null")
        if name is None:
            break
        page.keyboard.press("Enter")
        page.wait_for_selector(f'.field[data-name="{name}"].done')
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{live_url}/review")
    assert page.locator(f'tr[data-dossier="{dossier_id}"]').count() == 0

    result = stack.client.get(f"/v1/dossiers/{dossier_id}/result", headers=stack.headers()).json()
    assert result["status"] == "done"
    field = result["documents"][0]["fields"]["date_of_birth"]
    assert (field["value"], field["status"]) == (f"{year}-02-28", "corrected")
    assert field["raw"].endswith(f"02-{year}") or f"/02/{year}" in field["raw"] or \
        f"02 năm {year}" in field["raw"]
    events = stack.client.get(f"/v1/dossiers/{dossier_id}/review-events",
                              headers=stack.headers("admin")).json()
    corrections = [e for e in events if e["action"] == "correct"]
    assert [(e["field_name"], e["new_value"]) for e in corrections] == [
        ("date_of_birth", f"{year}-02-28")]
    assert events[-1]["action"] == "finish"
