"""An A4 photocopy of a card's front and back: two documents, each read on its own."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest

from ocr_server.config import PipelineSettings
from ocr_server.pipeline import InputFile, process_dossier
from tests.documents import card_sheet
from tests.synthetic import encode

pytestmark = pytest.mark.tesseract


@pytest.mark.parametrize("back_upside_down", [False, True])
def test_front_and_back_on_one_sheet_become_two_documents(tmp_path, back_upside_down):
    sheet, cards = card_sheet(5, back_upside_down=back_upside_down)
    path = tmp_path / "ban-sao-cccd.jpg"
    path.write_bytes(encode(sheet.image, "jpeg", quality=85, dpi=300))
    result = process_dossier([InputFile(path, path.name)], out_dir=tmp_path / "out",
                             dossier_id="d", procedure="lltp_issue",
                             settings=PipelineSettings(), jobs=1)
    assert len(result.pages) == 1 and len(result.pages[0].regions) == 2
    by_type = {d.type: d for d in result.documents}
    assert set(by_type) == {"cccd_front", "cccd_back"}
    assert result.missing_documents == ["lltp_request_form"]
    for truth in cards:
        doc = by_type[truth.doc_type]
        assert doc.pages == [0] and doc.region in result.pages[0].regions
        for name, value in truth.fields.items():
            field = doc.fields[name]
            assert field.value == value or field.status != "accepted", (truth.doc_type, name)
    assert by_type["cccd_front"].fields["id_number"].value == cards[0].fields["id_number"]
    text = subprocess.run(["pdftotext", str(tmp_path / "out" / "dossier.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "CĂN CƯỚC CÔNG DÂN" in unicodedata.normalize("NFC", text)
