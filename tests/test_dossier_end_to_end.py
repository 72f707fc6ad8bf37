"""A whole counter dossier through the real engine: form + ID card front and back."""

from __future__ import annotations

import pytest

from ocr_server.config import PipelineSettings
from ocr_server.pipeline import InputFile, process_dossier
from tests.documents import cccd_back, cccd_front, lltp
from tests.synthetic import encode, skew

pytestmark = pytest.mark.tesseract

SEED = 31


def _files(tmp_path, pages):
    files = []
    for name, p in pages:
        path = tmp_path / name
        path.write_bytes(encode(p.image, "jpeg", quality=85, dpi=p.dpi))
        files.append(InputFile(path, name))
    return files


@pytest.fixture(scope="module")
def card_pages():
    return cccd_front(SEED), cccd_back(SEED)


def test_complete_lltp_dossier(tmp_path, card_pages):
    front, back = card_pages
    form = lltp(SEED)
    form.image = skew(form.image, 2.0)
    files = _files(tmp_path, [("form.jpg", form), ("front.jpg", front), ("back.jpg", back)])
    result = process_dossier(files, out_dir=tmp_path / "out", dossier_id="d", procedure="lltp_issue",
                             settings=PipelineSettings(), jobs=2)
    assert [d.type for d in result.documents] == ["lltp_request_form", "cccd_front", "cccd_back"]
    assert result.missing_documents == []
    for doc, truth in zip(result.documents, (form, front, back), strict=True):
        for name, value in truth.fields.items():
            field = doc.fields[name]
            if field.status == "accepted":  # never a wrong value accepted
                assert field.value == value, (doc.type, name)
    card = result.documents[1].fields
    assert card["id_number"].value == front.fields["id_number"]
    assert card["id_number"].status == "accepted"
    # the field box is in the uploaded card's pixels, around the printed number
    x0, y0, x1, y1 = card["id_number"].bbox
    assert 0 <= x0 < x1 <= front.image.shape[1] and 0 <= y0 < y1 <= front.image.shape[0]
    assert result.pages[1].codes  # the chip card's QR was decoded


def test_missing_card_back_is_reported(tmp_path, card_pages):
    front, _ = card_pages
    files = _files(tmp_path, [("form.jpg", lltp(SEED)), ("front.jpg", front)])
    result = process_dossier(files, out_dir=tmp_path / "out", dossier_id="d",
                             procedure="lltp_issue", settings=PipelineSettings(), jobs=2)
    assert result.missing_documents == ["cccd_back"]
