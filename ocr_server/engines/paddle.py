"""``paddle``: PaddleOCR 3.x (PP-OCRv5 detection, the Latin PP-OCRv5 recognizer for ``vi``).

Optional (``pip install -e '.[paddle]'``) and imported only when chosen. Models are loaded from
``OCR_SERVER_PADDLE_MODEL_DIR``, where a deployment copies the official model folders; PaddleOCR
would otherwise fetch them from a hub at first use, which these machines cannot do, so without
them the engine reports ``engine_unavailable`` saying what to put where.

Left for later: PaddleOCR renders no PDF text layer, so this engine's PDF pages carry none.
"""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from ocr_server.config import PipelineSettings  # noqa: E402
from ocr_server.errors import EngineUnavailableError  # noqa: E402
from ocr_server.types import Orientation, PageText, TextLine, Word  # noqa: E402

DET_MODEL = "PP-OCRv5_mobile_det"
REC_MODEL = "latin_PP-OCRv5_mobile_rec"  # PaddleOCR's recognizer for lang="vi"
MODEL_FILES = ("inference.yml",)


def model_dirs(settings: PipelineSettings) -> tuple[Path, Path]:
    return settings.paddle_model_dir / DET_MODEL, settings.paddle_model_dir / REC_MODEL


def missing_files(settings: PipelineSettings) -> list[str]:
    missing = []
    if importlib.util.find_spec("paddleocr") is None:
        missing.append("paddleocr (pip install -e '.[paddle]')")
    for folder in model_dirs(settings):
        if not all((folder / f).is_file() for f in MODEL_FILES):
            missing.append(f"{folder}/ (copy the official {folder.name} model folder there)")
    return missing


class PaddleEngine:
    """PP-OCRv5 through PaddleOCR's pipeline; one instance per worker process."""

    name = "paddle"

    def __init__(self, settings: PipelineSettings) -> None:
        missing = missing_files(settings)
        if missing:
            raise EngineUnavailableError(f"paddle engine needs: {'; '.join(missing)}")
        from paddleocr import PaddleOCR

        det, rec = model_dirs(settings)
        self._ocr = PaddleOCR(
            text_detection_model_name=DET_MODEL, text_detection_model_dir=str(det),
            text_recognition_model_name=REC_MODEL, text_recognition_model_dir=str(rec),
            use_doc_orientation_classify=False, use_doc_unwarping=False,
            use_textline_orientation=False, cpu_threads=1)

    def _read(self, image: NDArray[np.uint8]) -> list[TextLine]:
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_RGB2BGR)
        lines = []
        for result in self._ocr.predict(bgr):
            for text, score, box in zip(result["rec_texts"], result["rec_scores"],
                                        result["rec_boxes"], strict=False):
                text = unicodedata.normalize("NFC", " ".join(str(text).split()))
                if not text:
                    continue
                x0, y0, x1, y1 = (int(v) for v in box)
                conf = min(1.0, max(0.0, float(score)))
                lines.append(TextLine(text=text, confidence=conf, bbox=(x0, y0, x1, y1),
                                      words=_words(text, conf, (x0, y0, x1, y1))))
        return sorted(lines, key=lambda line: ((line.bbox[1] + line.bbox[3]) // 2, line.bbox[0]))

    def recognize(self, image: NDArray[np.uint8], *, dpi: float) -> PageText:
        del dpi
        return PageText(lines=tuple(self._read(image)))

    def recognize_line(self, image: NDArray[np.uint8], *, charset: str | None = None,
                       language: str | None = None) -> TextLine:
        del language
        lines = self._read(image)
        text = " ".join(line.text for line in lines)
        if charset:
            text = "".join(c for c in text if c in charset)
        h, w = image.shape[:2]
        conf = min((line.confidence for line in lines), default=0.0)
        return TextLine(text=text, confidence=conf, bbox=(0, 0, w, h))

    def detect_orientation(self, image: NDArray[np.uint8]) -> Orientation:
        del image
        return Orientation(0, 0.0)  # the pipeline's own estimate decides


def _words(text: str, conf: float, box: tuple[int, int, int, int]) -> tuple[Word, ...]:
    """PaddleOCR gives line boxes; words get the line's confidence and a share of its width
    in proportion to their length."""
    parts = text.split(" ")
    x0, y0, x1, y1 = box
    total = max(1, len(text))
    words, pos = [], 0
    for part in parts:
        a = x0 + (x1 - x0) * pos // total
        pos += len(part)
        b = x0 + (x1 - x0) * pos // total
        pos += 1
        words.append(Word(part, conf, (a, y0, max(a + 1, b), y1)))
    return tuple(words)
