"""Tesseract through tesserocr (libtesseract in-process, one API object per process)."""

from __future__ import annotations

import os

# OpenMP reads this when libtesseract loads: multi-threaded Tesseract is 5x slower on 2 cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import tempfile  # noqa: E402
import unicodedata  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from ocr_server.config import PipelineSettings  # noqa: E402
from ocr_server.errors import EngineUnavailableError  # noqa: E402
from ocr_server.types import Orientation, PageText, TextLine, Word  # noqa: E402

_OSD_SURE = 5.0  # Tesseract's orient_conf at which we call the answer certain


class TesseractEngine:
    """Tesseract LSTM recognition plus its PDF renderer for the invisible text layer."""

    name = "tesseract"

    def __init__(self, settings: PipelineSettings) -> None:
        try:
            import tesserocr
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EngineUnavailableError("tesserocr is not installed") from exc
        self._tesserocr = tesserocr
        self._datapath = str(settings.tessdata_dir)
        lang = "+".join(settings.languages)
        from ocr_server.engines.factory import missing_engine_files

        missing = missing_engine_files(settings)
        if missing:
            raise EngineUnavailableError(
                f"Tesseract models not found: {missing}; "
                "install tesseract-ocr-vie (scripts/install-system-deps)"
            )
        self._api = tesserocr.PyTessBaseAPI(
            path=self._datapath, lang=lang, psm=tesserocr.PSM.AUTO, oem=tesserocr.OEM.LSTM_ONLY
        )
        self._api.SetVariable("tessedit_create_pdf", "1")
        self._api.SetVariable("textonly_pdf", "1")
        self._osd_api: object | None = None
        self._line_apis: dict[str, object] = {}
        self._languages = settings.languages
        self._workdir = Path(tempfile.mkdtemp(prefix="ocr-tess-"))

    def recognize(self, image: NDArray[np.uint8], *, dpi: float) -> PageText:
        """See ``OcrEngine.recognize``."""
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        # ProcessPages is the call that drives Tesseract's PDF renderer; it reads a file, and an
        # uncompressed PGM costs a few milliseconds.
        src = self._workdir / "page.pgm"
        out = self._workdir / "layer"
        cv2.imwrite(str(src), gray)
        self._api.SetVariable("user_defined_dpi", str(round(dpi)))
        if not self._api.ProcessPages(str(out), str(src)):
            raise RuntimeError("Tesseract failed to process the page")
        lines = read_lines(self._api, self._tesserocr)
        pdf_path = out.with_suffix(".pdf")
        layer = pdf_path.read_bytes()
        pdf_path.unlink()
        return PageText(lines=lines, text_layer_pdf=layer)

    def recognize_line(self, image: NDArray[np.uint8], *, charset: str | None = None,
                       language: str | None = None) -> TextLine:
        """See ``OcrEngine.recognize_line``: single-line mode, optional character whitelist."""
        tesserocr = self._tesserocr
        lang = language or "+".join(self._languages)
        api = self._line_apis.get(lang)
        if api is None:
            api = self._line_apis[lang] = tesserocr.PyTessBaseAPI(
                path=self._datapath, lang=lang, psm=tesserocr.PSM.SINGLE_LINE,
                oem=tesserocr.OEM.LSTM_ONLY)
        api.SetVariable("tessedit_char_whitelist", charset or "")
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        from PIL import Image

        api.SetImage(Image.fromarray(gray))
        text = unicodedata.normalize("NFC", "".join((api.GetUTF8Text() or "").split()))
        confidence = min(1.0, max(0.0, api.MeanTextConf() / 100.0))
        h, w = gray.shape[:2]
        return TextLine(text=text, confidence=confidence, bbox=(0, 0, w, h))

    def detect_orientation(self, image: NDArray[np.uint8]) -> Orientation:
        """Tesseract's orientation and script detection (osd.traineddata)."""
        tesserocr = self._tesserocr
        if self._osd_api is None:
            self._osd_api = tesserocr.PyTessBaseAPI(
                path=self._datapath, lang="osd", psm=tesserocr.PSM.OSD_ONLY
            )
        api = self._osd_api
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        from PIL import Image

        api.SetImage(Image.fromarray(gray))  # type: ignore[attr-defined]
        found = api.DetectOrientationScript()  # type: ignore[attr-defined]
        if not found:
            return Orientation(0, 0.0)
        # orient_deg is the rotation the image shows; undoing it is the opposite turn.
        angle = (360 - int(found["orient_deg"])) % 360
        return Orientation(angle, min(1.0, float(found["orient_conf"]) / _OSD_SURE))


def read_lines(api, tesserocr, offset: tuple[int, int] = (0, 0)) -> tuple[TextLine, ...]:  # type: ignore[no-untyped-def]
    """Walk a recognized image word by word, grouping words into their text lines (NFC text,
    confidences in [0, 1], boxes shifted by ``offset``)."""
    line_level, word_level = tesserocr.RIL.TEXTLINE, tesserocr.RIL.WORD
    iterator = api.GetIterator()
    if iterator is None:
        return ()
    dx, dy = offset
    lines: list[TextLine] = []
    words: list[Word] = []
    line_box: tuple[int, int, int, int] | None = None

    def close_line() -> None:
        if words and line_box is not None:
            lines.append(TextLine(
                text=" ".join(w.text for w in words),
                confidence=min(w.confidence for w in words),
                bbox=line_box, words=tuple(words)))

    iterator.Begin()
    while True:
        if iterator.IsAtBeginningOf(line_level):
            close_line()
            words = []
            box = iterator.BoundingBox(line_level)
            line_box = (int(box[0]) + dx, int(box[1]) + dy, int(box[2]) + dx,
                        int(box[3]) + dy) if box else None
        try:
            text = iterator.GetUTF8Text(word_level)
        except RuntimeError:  # tesserocr's way of saying the page holds no text
            text = ""
        box = iterator.BoundingBox(word_level)
        if text and text.strip() and box:
            words.append(Word(
                text=unicodedata.normalize("NFC", "".join(text.split())),
                confidence=min(1.0, max(0.0, iterator.Confidence(word_level) / 100.0)),
                bbox=(int(box[0]) + dx, int(box[1]) + dy, int(box[2]) + dx, int(box[3]) + dy),
            ))
        if not iterator.Next(word_level):
            break
    close_line()
    return tuple(lines)
