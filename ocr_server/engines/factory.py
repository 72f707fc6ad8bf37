"""Create engines by name, and keep one per process."""

from __future__ import annotations

import os

from ocr_server.config import PipelineSettings
from ocr_server.engines.base import OcrEngine
from ocr_server.errors import EngineUnavailableError

ENGINE_NAMES = ("tesseract", "hybrid", "paddle")

_per_process: dict[tuple[int, str], OcrEngine] = {}


def missing_engine_files(settings: PipelineSettings) -> list[str]:
    """What the configured engine needs on disk and does not find (empty when ready)."""
    if settings.engine not in ENGINE_NAMES:
        return [f"unknown OCR engine {settings.engine!r}; known: {ENGINE_NAMES}"]
    if settings.engine == "paddle":
        from ocr_server.engines.paddle import missing_files

        return missing_files(settings)
    extra = []
    if settings.engine == "hybrid":
        from ocr_server.engines.hybrid import missing_files

        extra = missing_files(settings)
    return extra + [
        str(settings.tessdata_dir / f"{code}.traineddata")
        for code in settings.languages
        if not (settings.tessdata_dir / f"{code}.traineddata").exists()
    ]


def create_engine(settings: PipelineSettings) -> OcrEngine:
    """Load the engine named in ``settings`` (heavy imports happen here, not at import time)."""
    match settings.engine:
        case "tesseract":
            from ocr_server.engines.tesseract import TesseractEngine

            return TesseractEngine(settings)
        case "hybrid":
            from ocr_server.engines.hybrid import HybridEngine

            return HybridEngine(settings)
        case "paddle":
            from ocr_server.engines.paddle import PaddleEngine

            return PaddleEngine(settings)
    raise EngineUnavailableError(f"unknown OCR engine {settings.engine!r}; known: {ENGINE_NAMES}")


def process_engine(settings: PipelineSettings) -> OcrEngine:
    """The engine of this process, created on first use (a forked child gets its own)."""
    key = (os.getpid(), settings.engine)
    engine = _per_process.get(key)
    if engine is None:
        engine = _per_process[key] = create_engine(settings)
    return engine
