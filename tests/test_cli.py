"""The CLI end to end with the real Tesseract engine, on generated pages with known truth."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import img2pdf
import numpy as np
import pytest

from tests.badfiles import write_bad_files
from tests.conftest import lltp_page, text_page
from tests.synthetic import (
    SyntheticPage,
    add_noise,
    character_error_rate,
    encode,
    rotate_quarter,
    skew,
)

pytestmark = pytest.mark.tesseract

MAX_CER = 0.02


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocr_server.cli", *map(str, args)],
        capture_output=True, text=True, timeout=600,
    )


# (file name, truth page, counter-clockwise quarter turn of the upload, skew of the upload)
CASES: list[tuple[str, SyntheticPage, int, float]] = [
    ("clean-form-1.png", lltp_page(1), 0, 0.0),
    ("clean-form-4.png", lltp_page(4), 0, 0.0),
    ("clean-prose.png", text_page(2), 0, 0.0),
    ("turned-90.png", lltp_page(5), 90, 0.0),
    ("turned-180.jpg", text_page(6), 180, 0.0),
    ("turned-270.png", lltp_page(7), 270, 0.0),
    ("skew-plus5.png", lltp_page(8), 0, 5.0),
    ("skew-minus5.jpg", text_page(9), 0, -5.0),
]


@pytest.fixture(scope="module")
def dossier(tmp_path_factory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("in")
    paths = []
    for name, page, turn, angle in CASES:
        image = skew(rotate_quarter(page.image, turn), angle) if angle else rotate_quarter(
            page.image, turn)
        fmt = "jpeg" if name.endswith(".jpg") else "png"
        path = folder / name
        path.write_bytes(encode(image, fmt, quality=90, dpi=300))
        paths.append(path)
    out = tmp_path_factory.mktemp("run") / "out"
    proc = run_cli("process", *paths, "--out", out, "--procedure", "lltp_issue", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "dossier.json").read_text(encoding="utf-8")), out


def test_result_follows_the_contract(dossier):
    result, out = dossier
    assert result["schema"] == "dossier/1"
    assert result["procedure"] == "lltp_issue"
    assert result["status"] in ("done", "needs_review")
    assert [p["source"] for p in result["pages"]] == [c[0] for c in CASES]
    assert [p["index"] for p in result["pages"]] == list(range(len(CASES)))
    assert result["missing_documents"] == ["cccd_front", "cccd_back"]
    expected = ["lltp_request_form" if truth.doc_type == "lltp_request_form" else "unknown"
                for _, truth, _, _ in CASES]
    assert [d["type"] for d in result["documents"]] == expected
    assert set(result["timings_ms"]) >= {"preprocess", "ocr", "extract", "pdf"}
    for page in result["pages"]:
        assert page["text"] == unicodedata.normalize("NFC", page["text"])
        for line in page["lines"]:
            assert 0.0 <= line["confidence"] <= 1.0
            x0, y0, x1, y1 = line["bbox"]
            assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c[0] for c in CASES])
def test_text_rotation_and_skew_against_truth(dossier, i):
    result, _ = dossier
    name, truth, turn, angle = CASES[i]
    page = result["pages"][i]
    cer = character_error_rate(truth.text, page["text"])
    assert cer <= MAX_CER, f"{name}: CER {cer:.3%}\n{page['text']}"
    assert page["rotation_deg"] == turn
    assert page["skew_deg"] == pytest.approx(angle, abs=0.5)


def _uploaded_box(box, turn, size):
    """Where an upright-page box lands after rotating the page counter-clockwise by ``turn``."""
    x0, y0, x1, y1 = box
    w, h = size
    for _ in range(turn // 90):
        x0, y0, x1, y1 = y0, w - x1, y1, w - x0
        w, h = h, w
    return x0, y0, x1, y1


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


@pytest.mark.parametrize("i", [3, 4, 5])
def test_line_boxes_are_in_coordinates_of_the_upload(dossier, i):
    result, _ = dossier
    _, truth, turn, _ = CASES[i]
    page = result["pages"][i]
    h, w = truth.image.shape[:2]
    matched = 0
    for line in truth.lines:
        found = [ln for ln in page["lines"] if character_error_rate(line.text, ln["text"]) < 0.1]
        if not found:
            continue
        expected = _uploaded_box(line.bbox, turn, (w, h))
        best = max(_iou(expected, ln["bbox"]) for ln in found)  # prose repeats its sentences
        assert best > 0.6, (line.text, expected, [ln["bbox"] for ln in found])
        matched += 1
    assert matched >= len(truth.lines) * 0.8


def test_searchable_pdf_has_every_page_and_its_text(dossier):
    result, out = dossier
    info = subprocess.run(["pdfinfo", out / "dossier.pdf"], capture_output=True, text=True)
    assert f"Pages:           {len(CASES)}" in info.stdout
    for i, (_, truth, _, _) in enumerate(CASES):
        text = subprocess.run(
            ["pdftotext", "-f", str(i + 1), "-l", str(i + 1), out / "dossier.pdf", "-"],
            capture_output=True, text=True, check=True,
        ).stdout
        text = unicodedata.normalize("NFC", text)
        assert character_error_rate(truth.text, text) <= MAX_CER
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_pdf_and_multipage_tiff_inputs(tmp_path):
    from PIL import Image

    a, b = lltp_page(1), text_page(2)
    pdf_path = tmp_path / "scan.pdf"
    pdf_path.write_bytes(img2pdf.convert(
        encode(a.image, "jpeg", quality=85),
        layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300))))
    tiff_path = tmp_path / "pages.tif"
    frames = [Image.fromarray(add_noise(p.image, 6)).convert("L") for p in (b, a)]
    frames[0].save(tiff_path, save_all=True, append_images=frames[1:], dpi=(300, 300),
                   compression="tiff_lzw")
    out = tmp_path / "out"
    proc = run_cli("process", pdf_path, tiff_path, "--out", out, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    assert [p["source"] for p in result["pages"]] == ["scan.pdf", "pages.tif#1", "pages.tif#2"]
    for page, truth in zip(result["pages"], (a, b, a), strict=True):
        assert character_error_rate(truth.text, page["text"]) <= MAX_CER


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return write_bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", ["empty", "truncated_jpeg", "not_an_image", "pixel_bomb",
                                  "encrypted_pdf", "corrupt_pdf"])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(bad, tmp_path, case):
    good = tmp_path / "good.png"
    good.write_bytes(encode(text_page(2).image[::2, ::2].copy(), "png", dpi=150))
    out = tmp_path / "out"
    proc = run_cli("process", good, bad[case], "--out", out, "--jobs", "2")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and bad[case].name in lines[0], proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ocr-")]


def test_existing_output_dir_is_untouched_on_failure(bad, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "dossier.json").write_text("{}")
    proc = run_cli("process", bad["truncated_jpeg"], "--out", out)
    assert proc.returncode == 2
    assert (out / "dossier.json").read_text() == "{}"
    assert sorted(p.name for p in out.iterdir()) == ["dossier.json"]


def test_pixel_bomb_is_refused_without_allocating(bad, tmp_path):
    code = (
        "import re, sys\n"
        "from ocr_server.cli import main\n"
        f"rc = main(['process', {str(bad['pixel_bomb'])!r}, '--out', {str(tmp_path / 'o')!r}])\n"
        # VmHWM (peak RSS) belongs to this exec'd image; ru_maxrss would include pytest's
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
        "print(hwm, rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    maxrss_kb, rc = proc.stdout.split()
    assert rc == "2"
    assert int(maxrss_kb) < 400_000  # decoding would need 1.6 GB


@pytest.mark.parametrize("args", [
    ["process", "--out", "x"],
    ["process", "missing-file.png", "--out", "x"],
    ["process", "x.png", "--out", "x", "--procedure", "no_such_procedure"],
    ["process", "x.png", "--out", "x", "--jobs", "0"],
])
def test_usage_errors_exit_2(args, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ocr_server.cli", *args], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()
    assert np.sum([1 for _ in proc.stderr.strip().splitlines() if "error" in _]) >= 1


def test_uneven_lighting_is_flattened_for_ocr(tmp_path):
    from tests.synthetic import uneven_light

    truth = lltp_page(12)
    path = tmp_path / "den-ban.jpg"
    path.write_bytes(encode(uneven_light(truth.image, 1), "jpeg", quality=85, dpi=300))
    out = tmp_path / "out"
    proc = run_cli("process", path, "--out", out, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    assert character_error_rate(truth.text, result["pages"][0]["text"]) <= MAX_CER


def test_orientation_falls_back_to_reading_the_page(monkeypatch):
    """Short lines of x-height letters give geometry nothing to go on; with the engine's own
    detector unsure as well, the page is read in each quarter turn."""
    from PIL import Image, ImageDraw

    from ocr_server.config import PipelineSettings
    from ocr_server.engines.factory import create_engine
    from ocr_server.pipeline import prepare_page
    from ocr_server.types import Orientation, Page
    from tests.synthetic import font

    img = Image.new("RGB", (2480, 3508), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    for i, words in enumerate(["ocean canvas", "saw seven ravens", "nemo waves over a cove",
                               "max comes in an oven", "we can swim across"] * 4):
        draw.text((300, 400 + i * 140), words, font=font("sans", 60), fill=(20, 20, 20))
    engine = create_engine(PipelineSettings())
    monkeypatch.setattr(engine, "detect_orientation", lambda image: Orientation(0, 0.0))
    for turn in (90, 180):
        image = rotate_quarter(np.asarray(img), turn)
        page = Page(index=0, source="x", image=image, dpi=300.0,
                    source_size=(image.shape[1], image.shape[0]))
        assert prepare_page(page, engine).rotation_deg == turn
