"""``hybrid``: a learned text-line detector (PP-OCR's DB detector, run with ONNX Runtime) finds
the lines; Tesseract ``vie`` reads each line alone (single-line mode).

The detector model is the one a PyPI package ships inside its wheel: ``rapidocr-onnxruntime``
carries ``ch_PP-OCRv4_det_infer.onnx`` (its recognizers lack Vietnamese diacritics, so only
detection is used). The project installs that package without its dependencies, for the model
file only (see the Makefile); ``OCR_SERVER_DET_MODEL`` may point at another DB model instead.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from ocr_server.config import PipelineSettings  # noqa: E402
from ocr_server.engines.tesseract import TesseractEngine, read_lines  # noqa: E402
from ocr_server.errors import EngineUnavailableError  # noqa: E402
from ocr_server.types import Orientation, PageText, TextLine  # noqa: E402

BBox = tuple[int, int, int, int]
DET_PACKAGE, DET_FILE = "rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx"
DET_LONG_SIDE = 1600  # detection resolution: 12-pt print is ~25 px high at this size
PROB_THRESHOLD, BOX_THRESHOLD, UNCLIP_RATIO = 0.3, 0.5, 1.6


def detector_model(settings: PipelineSettings) -> Path | None:
    """The configured DB detector, or the one shipped in rapidocr-onnxruntime's wheel."""
    if settings.det_model is not None:
        return settings.det_model if settings.det_model.is_file() else None
    spec = importlib.util.find_spec(DET_PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DET_FILE
    return path if path.is_file() else None


def missing_files(settings: PipelineSettings) -> list[str]:
    missing = []
    if importlib.util.find_spec("onnxruntime") is None:
        missing.append("onnxruntime (pip install -e '.[hybrid]')")
    if detector_model(settings) is None:
        missing.append(str(settings.det_model) if settings.det_model else
                       f"{DET_PACKAGE}/{DET_FILE} (pip install --no-deps rapidocr-onnxruntime)")
    return missing


class HybridEngine:
    """DB text-line detection, then Tesseract on each line; lines in reading order."""

    name = "hybrid"

    def __init__(self, settings: PipelineSettings) -> None:
        missing = missing_files(settings)
        if missing:
            raise EngineUnavailableError(f"hybrid engine needs: {'; '.join(missing)}")
        import onnxruntime as ort
        import tesserocr

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one engine per worker process, like Tesseract
        options.inter_op_num_threads = 1
        self._det = ort.InferenceSession(str(detector_model(settings)), options,
                                         providers=["CPUExecutionProvider"])
        self._input = self._det.get_inputs()[0].name
        self._tesseract = TesseractEngine(settings)
        self._tesserocr = tesserocr
        self._line_api = tesserocr.PyTessBaseAPI(
            path=str(settings.tessdata_dir), lang="+".join(settings.languages),
            psm=tesserocr.PSM.SINGLE_LINE, oem=tesserocr.OEM.LSTM_ONLY)
        self._line_api.SetVariable("tessedit_create_pdf", "1")
        self._line_api.SetVariable("textonly_pdf", "1")
        self._workdir = self._tesseract._workdir

    def detect(self, gray: NDArray[np.uint8]) -> list[BBox]:
        """Text-line boxes (image pixels), from the DB probability map."""
        h, w = gray.shape[:2]
        scale = min(1.0, DET_LONG_SIDE / max(h, w))
        rh, rw = (max(32, int(round(v * scale / 32)) * 32) for v in (h, w))
        small = cv2.resize(gray, (rw, rh), interpolation=cv2.INTER_AREA)
        x = (small.astype(np.float32) / 127.5 - 1.0)[None, None].repeat(3, axis=1)
        prob = self._det.run(None, {self._input: x})[0][0, 0]
        mask = cv2.dilate((prob > PROB_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        fx, fy = w / rw, h / rh
        boxes = []
        for contour in contours:
            x0, y0, bw, bh = cv2.boundingRect(contour)
            if min(bw, bh) < 3 or float(prob[y0:y0 + bh, x0:x0 + bw].mean()) < BOX_THRESHOLD:
                continue
            d = bw * bh * UNCLIP_RATIO / (2 * (bw + bh))  # DB's unclip, for an upright box
            boxes.append((max(0, int((x0 - d) * fx)), max(0, int((y0 - d) * fy)),
                          min(w, int((x0 + bw + d) * fx + 1)), min(h, int((y0 + bh + d) * fy + 1))))
        return boxes

    def recognize(self, image: NDArray[np.uint8], *, dpi: float) -> PageText:
        """See ``OcrEngine.recognize``. The text layer is one small PDF per detected line."""
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        api = self._line_api
        api.SetVariable("user_defined_dpi", str(round(dpi)))
        rows: list[list[TextLine]] = []
        layers: list[tuple[bytes, BBox]] = []
        for row in reading_order(self.detect(gray)):
            found = []
            for box in row:
                x0, y0, x1, y1 = box
                src, out = self._workdir / "line.pgm", self._workdir / "line"
                cv2.imwrite(str(src), gray[y0:y1, x0:x1])
                if not api.ProcessPages(str(out), str(src)):
                    continue
                pdf_path = out.with_suffix(".pdf")
                layers.append((pdf_path.read_bytes(), box))
                pdf_path.unlink()
                found += read_lines(api, self._tesserocr, offset=(x0, y0))
            if found:
                rows.append(found)
        return PageText(lines=tuple(merge_row(r) for r in rows), text_layer_pdf=None,
                        text_layers=tuple(layers))

    def recognize_line(self, image: NDArray[np.uint8], *, charset: str | None = None,
                       language: str | None = None) -> TextLine:
        return self._tesseract.recognize_line(image, charset=charset, language=language)

    def detect_orientation(self, image: NDArray[np.uint8]) -> Orientation:
        return self._tesseract.detect_orientation(image)


def reading_order(boxes: list[BBox]) -> list[list[BBox]]:
    """Rows top to bottom (boxes overlapping vertically by half the smaller height share a
    row), each left to right."""
    rows: list[list[BBox]] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        for row in rows:
            top, bottom = min(b[1] for b in row), max(b[3] for b in row)
            overlap = min(bottom, box[3]) - max(top, box[1])
            if overlap >= 0.5 * min(box[3] - box[1], bottom - top):
                row.append(box)
                break
        else:
            rows.append([box])
    return [sorted(row) for row in rows]


def merge_row(lines: list[TextLine]) -> TextLine:
    """The lines read in one row's boxes as one line (labels and values stay together, as
    the templates expect)."""
    if len(lines) == 1:
        return lines[0]
    words = tuple(w for line in lines for w in line.words)
    boxes = [line.bbox for line in lines]
    return TextLine(text=" ".join(line.text for line in lines),
                    confidence=min(line.confidence for line in lines),
                    bbox=(min(b[0] for b in boxes), min(b[1] for b in boxes),
                          max(b[2] for b in boxes), max(b[3] for b in boxes)), words=words)
