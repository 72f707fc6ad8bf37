"""Every OCR engine against the same inputs and the same rules: lines in reading order, NFC text,
confidences in [0, 1], boxes in the input's pixels (checked against the rendered truth), a
text layer, single-line reading and orientation. An engine whose files are not installed is
skipped with the reason (PaddleOCR's models never are here)."""

from __future__ import annotations

import importlib.machinery
import sys
import types
import unicodedata

import numpy as np
import pytest

from ocr_server.config import PipelineSettings
from ocr_server.engines.factory import ENGINE_NAMES, create_engine, missing_engine_files
from ocr_server.errors import EngineUnavailableError
from tests.conftest import lltp_page
from tests.synthetic import character_error_rate, rotate_quarter

pytestmark = pytest.mark.tesseract
PAGE = lltp_page(6)
GRAY = PAGE.image.mean(axis=2).astype(np.uint8)


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def engine(request):
    settings = PipelineSettings(engine=request.param)
    missing = missing_engine_files(settings)
    if missing:
        pytest.skip(f"{request.param} engine not installed: {missing}")
    return create_engine(settings)


@pytest.fixture(scope="module")
def reading(engine):
    return engine.recognize(GRAY, dpi=300)


def test_text_matches_the_truth(reading):
    truth = "\n".join(line.text for line in PAGE.lines)
    assert character_error_rate(truth, reading.text) < 0.02


def test_lines_words_and_confidences(reading):
    h, w = GRAY.shape
    assert reading.lines
    for line in reading.lines:
        assert line.text == unicodedata.normalize("NFC", line.text) and line.text.strip()
        assert 0.0 <= line.confidence <= 1.0
        assert line.text == " ".join(word.text for word in line.words)
        for x0, y0, x1, y1 in [line.bbox, *(word.bbox for word in line.words)]:
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert all(0.0 <= word.confidence <= 1.0 for word in line.words)


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_boxes_are_where_the_text_was_printed(reading):
    """Each printed line is found in the reading, in reading order, at its printed place."""
    found = []
    for truth in PAGE.lines:
        if not truth.text.strip():
            continue
        best = max(range(len(reading.lines)),
                   key=lambda i: _iou(reading.lines[i].bbox, truth.bbox))
        assert _iou(reading.lines[best].bbox, truth.bbox) > 0.5, truth.text
        found.append(best)
    assert found == sorted(found)


def test_text_layer(engine, reading):
    if engine.name == "paddle":
        pytest.skip("PaddleOCR renders no text layer (README: left for later)")
    layers = [reading.text_layer_pdf] if reading.text_layer_pdf else [
        layer for layer, _ in reading.text_layers]
    assert layers and all(layer.startswith(b"%PDF") for layer in layers)


def test_single_line_and_orientation(engine):
    line = PAGE.lines[3]
    x0, y0, x1, y1 = line.bbox
    crop = GRAY[max(0, y0 - 8):y1 + 8, max(0, x0 - 8):x1 + 8]
    read = engine.recognize_line(crop)
    assert character_error_rate(line.text, read.text.replace(" ", "")) < 0.5 or \
        character_error_rate(line.text, read.text) < 0.1
    assert 0.0 <= read.confidence <= 1.0
    turned = engine.detect_orientation(rotate_quarter(GRAY[::2, ::2], 90))
    assert turned.angle_deg in (0, 90, 180, 270) and 0.0 <= turned.confidence <= 1.0


# ----------------------------------------------------------------- the paddle loading path

def test_paddle_without_models_is_unavailable_with_what_to_install(tmp_path):
    settings = PipelineSettings(engine="paddle", paddle_model_dir=tmp_path)
    missing = missing_engine_files(settings)
    assert any("PP-OCRv5_mobile_det" in m for m in missing)
    with pytest.raises(EngineUnavailableError, match="latin_PP-OCRv5_mobile_rec"):
        create_engine(settings)


def test_paddle_configured_models_are_the_ones_used(tmp_path, monkeypatch):
    """With PaddleOCR stood in by a recording fake: our adapter passes the configured model
    folders, turns its output into the engine's types, and never asks for a download."""
    for name in ("PP-OCRv5_mobile_det", "latin_PP-OCRv5_mobile_rec"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "inference.yml").write_text("Global: {}\n")
    calls = {}

    class FakePaddleOCR:
        def __init__(self, **kwargs):
            calls["init"] = kwargs

        def predict(self, image):
            calls["shape"] = image.shape
            return [{"rec_texts": ["Họ và tên: NGUYỄN VĂN AN", "Giới tính: Nam"],
                     "rec_scores": [0.98, 0.91],
                     "rec_boxes": np.array([[10, 50, 400, 80], [10, 10, 200, 40]])}]

    module = types.ModuleType("paddleocr")
    module.PaddleOCR = FakePaddleOCR
    module.__spec__ = importlib.machinery.ModuleSpec("paddleocr", None)
    monkeypatch.setitem(sys.modules, "paddleocr", module)
    settings = PipelineSettings(engine="paddle", paddle_model_dir=tmp_path)
    assert missing_engine_files(settings) == []
    engine = create_engine(settings)
    text = engine.recognize(np.full((100, 500), 255, np.uint8), dpi=300)
    assert calls["init"]["text_detection_model_dir"] == str(tmp_path / "PP-OCRv5_mobile_det")
    assert calls["init"]["text_recognition_model_dir"] == str(
        tmp_path / "latin_PP-OCRv5_mobile_rec")
    assert calls["shape"] == (100, 500, 3)
    assert [line.text for line in text.lines] == ["Giới tính: Nam", "Họ và tên: NGUYỄN VĂN AN"]
    assert text.lines[1].words[-1].text == "AN" and text.lines[1].words[-1].bbox[2] == 400


def test_readyz_names_what_the_engine_lacks(tmp_path):
    import fakeredis
    from fastapi.testclient import TestClient

    from ocr_server.api.app import create_app
    from ocr_server.config import ServerSettings
    from ocr_server.store.database import upgrade

    server = ServerSettings(OCR_SERVER_DATA_DIR=tmp_path)
    upgrade(server.db_url)
    app = create_app(server, PipelineSettings(engine="paddle", paddle_model_dir=tmp_path),
                     redis=fakeredis.FakeRedis())
    with TestClient(app) as client:
        r = client.get("/readyz")
    assert r.status_code == 503 and "PP-OCRv5_mobile_det" in r.text
