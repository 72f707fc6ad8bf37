"""Real Vietnamese scans and photos nobody here made (../shared/realdata, evaluation only:
never copied into the repository). Skipped where that folder is not beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz

from ocr_server.config import PipelineSettings
from ocr_server.pipeline import InputFile, process_dossier
from templates.text import fold
from tests.synthetic import character_error_rate

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "vietadmin"
pytestmark = [
    pytest.mark.tesseract,
    pytest.mark.skipif(not REALDATA.exists(), reason="../shared/realdata is not present"),
]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    names = ["4_1.jpg", "4_2.jpg", "1.pdf", "3.pdf"]
    files = [InputFile(REALDATA / n, n) for n in names]
    return process_dossier(files, out_dir=tmp_path_factory.mktemp("real") / "out",
                           dossier_id="real", procedure=None, settings=PipelineSettings(),
                           jobs=2)


def test_phone_photos_are_read_and_called_low_resolution(result):
    for name in ("4_1", "4_2"):
        page = next(p for p in result.pages if p.source == f"{name}.jpg")
        assert [q.code for q in page.quality.problems] == ["low_resolution"]  # ~70 dpi
        truth = (REALDATA / f"{name}_gt.txt").read_text(encoding="utf-8")
        # the reference text was made by an LLM and not verified: indicative bound only
        assert character_error_rate(truth, page.text) < 0.15


def test_scanned_pdfs_carry_the_national_motto_and_no_false_alarms(result):
    pdf_pages = [p for p in result.pages if p.source.endswith((".pdf#1", ".pdf#2", ".pdf#3",
                                                               ".pdf#4", ".pdf#5", ".pdf#6"))]
    assert len(pdf_pages) == 8
    firsts = [p for p in pdf_pages if p.source.endswith("#1")]
    motto = {"1.pdf#1": "cong hoa xa hoi chu nghia viet nam",
             "3.pdf#1": "cong hoa xa hoi"}  # 3.pdf: a signature stamp is printed over the rest
    for page in firsts:
        assert fuzz.partial_ratio(motto[page.source], fold(page.text)) > 90
    assert all(p.quality.ok for p in pdf_pages), [(p.source, p.quality) for p in pdf_pages]
    assert all(d.type == "unknown" for d in result.documents)  # official letters, not forms
