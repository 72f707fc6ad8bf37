"""The Tesseract engine against the OcrEngine protocol."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from ocr_server.config import PipelineSettings
from ocr_server.engines.factory import create_engine, missing_engine_files
from ocr_server.errors import EngineUnavailableError
from tests.conftest import lltp_page

pytestmark = pytest.mark.tesseract


@pytest.fixture(scope="module")
def engine():
    return create_engine(PipelineSettings())


def test_lines_words_boxes_and_confidences(engine):
    page = lltp_page(2)
    gray = page.image.mean(axis=2).astype(np.uint8)
    text = engine.recognize(gray, dpi=300)
    assert text.text_layer_pdf.startswith(b"%PDF")
    h, w = gray.shape
    for line in text.lines:
        assert line.text == unicodedata.normalize("NFC", line.text)
        assert line.text == " ".join(word.text for word in line.words)
        assert 0.0 <= line.confidence <= 1.0
        x0, y0, x1, y1 = line.bbox
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        for word in line.words:
            assert x0 - 2 <= word.bbox[0] and word.bbox[2] <= x1 + 2


def test_a_blank_page_reads_as_no_lines(engine):
    text = engine.recognize(np.full((800, 600), 255, np.uint8), dpi=150)
    assert text.lines == ()


def test_single_line_with_a_charset(engine):
    from tests.synthetic import _render_rows

    image, _ = _render_rows([("IDVNM0790950012341079095001234<<<", "mono", "left")], dpi=300,
                            size_mm=(120.0, 12.0), font_pt=10.0, max_width_frac=0.95)
    charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
    line = engine.recognize_line(image[..., 0], charset=charset, language="eng")
    assert set(line.text) <= set(charset)
    # O for 0 is the slip the MRZ normalizer repairs; beyond it, at most a character off
    from tests.synthetic import character_error_rate

    truth = "IDVNM0790950012341079095001234<<<"
    assert character_error_rate(truth, line.text.replace("O", "0")) <= 1 / len(truth)
    assert 0.0 <= line.confidence <= 1.0


def test_missing_model_is_reported_with_what_to_install(tmp_path):
    settings = PipelineSettings(tessdata_dir=tmp_path)
    assert missing_engine_files(settings) == [str(tmp_path / "vie.traineddata")]
    with pytest.raises(EngineUnavailableError, match="tesseract-ocr-vie"):
        create_engine(settings)
    with pytest.raises(EngineUnavailableError, match="unknown OCR engine"):
        create_engine(PipelineSettings(engine="nope"))
