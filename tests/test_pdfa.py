"""PDF/A-2b output: structure (qpdf --check), identification and metadata (pikepdf), and the
PDF/A rules a dossier PDF could break (no validator installs from the registries here, so the
rules that apply to our files are checked one by one)."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest

from tests.conftest import lltp_page
from tests.synthetic import encode
from tests.test_cli import run_cli

pytestmark = pytest.mark.tesseract


@pytest.fixture(scope="module")
def pdfa(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    paths = []
    for i, seed in enumerate((1, 4)):
        path = folder / f"form-{i}.jpg"
        path.write_bytes(encode(lltp_page(seed).image, "jpeg", quality=90, dpi=300))
        paths.append(path)
    out = tmp_path_factory.mktemp("run") / "out"
    proc = run_cli("process", *paths, "--out", out, "--pdfa")
    assert proc.returncode == 0, proc.stderr
    return out / "dossier.pdf"


def test_structure_is_sound(pdfa):
    check = subprocess.run(["qpdf", "--check", str(pdfa)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert pdfa.read_bytes()[:8] == b"%PDF-1.7"


def test_identification_output_intent_and_metadata(pdfa):
    with pikepdf.open(pdfa) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert "/Filter" not in pdf.Root.Metadata  # XMP stays readable as plain text
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3 and profile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert b"RGB " in profile.read_bytes()[16:20]
        info = pdf.docinfo
        assert str(info.Title) == meta["dc:title"]
        assert str(info.Producer) == meta["pdf:Producer"]
        assert meta["xmp:CreateDate"].startswith(str(info.CreationDate)[2:6])
        assert len(pdf.trailer.ID) == 2  # file identifier, required by PDF/A


def test_rules_a_dossier_pdf_could_break(pdfa):
    with pikepdf.open(pdfa) as pdf:
        assert not pdf.is_encrypted
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        for page in pdf.pages:
            for name, font in page.Resources.get("/Font", {}).items():
                for desc in _descriptors(font):
                    assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                        f"font {name} is not embedded"
            for image in page.images.values():
                assert image.get("/Filter") != "/LZWDecode"
                assert image.ColorSpace in ("/DeviceRGB", "/DeviceGray")


def _descriptors(font):
    if "/FontDescriptor" in font:
        yield font.FontDescriptor
    for child in font.get("/DescendantFonts", []):
        yield from _descriptors(child)


def test_text_layer_survives(pdfa):
    text = subprocess.run(["pdftotext", "-layout", str(pdfa), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "LÝ LỊCH TƯ PHÁP" in unicodedata.normalize("NFC", text)
